"""The investigators' command line on both stores: replay, diff, history, verify, digests."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from psycopg import sql

from application.investigation import Moment, fold
from application.projections.case_list import masked_id, masked_mobile
from application.queries import case_state
from domain.recording import Role, recording_as
from infrastructure.projections import REGISTRY
from infrastructure.settings import Settings, postgres_env
from tests.builders import a_uscc, enrolment
from tests.conftest import pg_connect
from web import create_app


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = create_app(settings, TESTING=True)
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def a_scripted_case(app: Flask) -> dict[str, Any]:
    """Enrolled, trained, a business, a corrected return date, a transfer; moments between."""
    cases, d = app.extensions["homeward"].cases, date
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        saved = cases.enrol_case(**enrolment(name="赵六", returned_on=d(2023, 1, 5),
                                             occurred_on=d(2023, 1, 20)))
        case_id = saved.case_id
        v = cases.assess_needs(case_id, 1, occurred_on=d(2023, 1, 21), stage="IDEA",
                               needs=["TRAINING"]).version
        v = cases.register_business(case_id, v, occurred_on=d(2023, 6, 1), uscc=a_uscc("92"),
                                    entity_type="INDIVIDUAL_BUSINESS", name="赵六面馆",
                                    first_time_founder=True, premises="RENTED").version
        asked = cases.correct_record(case_id, v, occurred_on=d(2023, 7, 1), target_version=1,
                                     field="returned_on", new_value="2023-01-03",
                                     reason="以社保记录为准")
        v = cases.request_transfer(case_id, asked.version, occurred_on=d(2023, 8, 1),
                                   to_district="370302", reason="迁居").version
    with recording_as("sup-1", Role.SUPERVISOR, "req-2"):
        v = cases.approve_correction(case_id, v, occurred_on=d(2023, 8, 2),
                                     correction_ref=asked.ref).version
        v = cases.accept_transfer(case_id, v, occurred_on=d(2023, 8, 3),
                                  to_caseworker_id="cw-9").version
    return {"case_no": saved.case_no, "case_id": case_id, "version": v}


def show(runner: FlaskCliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(args=["case", "show", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_case_is_shown_as_known_at_each_moment(cli: tuple[Flask, FlaskCliRunner]) -> None:
    app, runner = cli
    case = a_scripted_case(app)

    at = {v: show(runner, case["case_no"], "--as-of", f"v{v}") for v in (1, 4, 5, 6, 7)}

    assert (at[1]["returned_on"], at[1]["owning_district"], at[1]["business" "es"]) == (
        "2023-01-05", "370303", [])
    assert at[4]["returned_on"] == "2023-01-05"  # asked, not yet approved
    assert at[4]["corrections"][0]["status"] == "PENDING"
    assert at[5]["transfer"]["to_district"] == "370302"
    assert (at[6]["returned_on"], at[6]["corrections"][0]["status"]) == ("2023-01-03", "APPLIED")
    assert (at[7]["owning_district"], at[7]["caseworker_id"]) == ("370302", "cw-9")
    assert at[7]["id_number"].count("*") == 10 and "*" in at[7]["mobile"]


def test_a_case_is_shown_as_true_on_an_effective_date(cli: tuple[Flask, FlaskCliRunner]) -> None:
    app, runner = cli
    case = a_scripted_case(app)

    spring = show(runner, case["case_no"], "--effective", "2023-03-01")
    autumn = show(runner, case["case_no"], "--effective", "2023-09-01")

    # The correction of the return date applies to the past too; the business came later.
    assert (spring["returned_on"], spring["businesses"], spring["owning_district"]) == (
        "2023-01-03", [], "370303")
    assert (autumn["owning_district"], len(autumn["businesses"])) == ("370302", 1)


def test_history_and_diff_say_who_changed_what(cli: tuple[Flask, FlaskCliRunner]) -> None:
    app, runner = cli
    case = a_scripted_case(app)

    history = runner.invoke(args=["case", "history", case["case_no"]])
    changes = runner.invoke(args=["case", "diff", case["case_no"], "--from", "v4",
                                  "--to", f"v{case['version']}"])

    assert history.exit_code == 0 and changes.exit_code == 0
    assert "CorrectionApproved" in history.output and "sup-1 (supervisor)" in history.output
    lines = changes.output.splitlines()
    assert any(line.startswith("returned_on: 2023-01-05 → 2023-01-03  [v6 CorrectionApproved, "
                               "sup-1 (supervisor)") for line in lines)
    assert any(line.startswith("owning_district: 370303 → 370302  [v7 CaseTransferred")
               for line in lines)
    assert "id_number" not in changes.output


def test_a_case_shown_as_of_any_moment_is_the_fold_of_every_event_recorded_by_then(
    cli: tuple[Flask, FlaskCliRunner],
) -> None:
    app, runner = cli
    case = a_scripted_case(app)
    cases = app.extensions["homeward"].cases
    events = list(cases.events.get(case["case_id"]))  # the library's own decoding
    tick = timedelta(microseconds=1)
    stamps = [e.timestamp + d for e in events for d in (-tick, timedelta(0), tick)]

    for moment in [Moment(version=v) for v in range(1, len(events) + 1)] + \
            [Moment(at=t) for t in stamps[1:]]:
        known = [e for e in events if moment.includes(e)]
        state = case_state(fold(known))
        expected = dataclasses.asdict(dataclasses.replace(
            state, id_number=masked_id(state.id_type, state.id_number),
            mobile=masked_mobile(state.mobile)))

        assert show(runner, case["case_no"], "--as-of", str(moment) if moment.version else
                    moment.at.isoformat()) == json.loads(json.dumps(expected, default=str))
    assert "not yet recorded" in runner.invoke(args=[
        "case", "show", case["case_no"], "--as-of", stamps[0].isoformat(), "--lang", "en"]).output


@pytest.mark.parametrize(("args", "message"), [
    (["case", "show", "NOPE-1"], "no case NOPE-1"),
    (["case", "show", "{case}", "--as-of", "v0"], "has no version v0 (latest is v7)"),
    (["case", "show", "{case}", "--as-of", "v8"], "has no version v8 (latest is v7)"),
    (["case", "show", "{case}", "--as-of", "2001-01-01"], "not yet recorded"),
    (["case", "show", "{case}", "--as-of", "v99"], "has no version v99"),
    (["case", "show", "{case}", "--as-of", "last tuesday"], "cannot read the moment"),
    (["case", "show", "{case}", "--effective", "2020-01-01"], "did not exist yet"),
])
def test_a_bad_request_is_one_line_in_the_users_language(
    cli: tuple[Flask, FlaskCliRunner], args: list[str], message: str
) -> None:
    app, runner = cli
    case = a_scripted_case(app)

    result = runner.invoke(args=[a.format(case=case["case_no"]) for a in args] + ["--lang", "en"])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_messages_are_chinese_by_default(cli: tuple[Flask, FlaskCliRunner]) -> None:
    _, runner = cli

    result = runner.invoke(args=["case", "show", "NOPE-1"], env={"LANG": "zh_CN.UTF-8"})

    assert result.exit_code == 1 and "没有案件 NOPE-1" in result.output


def tamper(settings: Settings, statement: str, *params: Any) -> None:
    """Run a raw SQL statement against the events table, as an intruder would."""
    if settings.is_postgres:
        schema = postgres_env(settings.database_url)["POSTGRES_SCHEMA"]
        with pg_connect() as conn:
            conn.execute(sql.SQL(statement.replace("EVENTS", "{}.cases_events")
                                 .replace("?", "%s")).format(sql.Identifier(schema)), params)
        return
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as conn:
        conn.execute(statement.replace("EVENTS", "stored_events"), params)


def sid(settings: Settings, case_id: Any) -> Any:
    return case_id if settings.is_postgres else case_id.hex


@pytest.mark.parametrize("attack", ["edit", "delete", "swap"])
def test_verify_catches_an_edited_a_deleted_and_a_swapped_event(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, attack: str
) -> None:
    app, runner = cli
    case = a_scripted_case(app)
    assert runner.invoke(args=["verify"]).exit_code == 0
    key = sid(settings, case["case_id"])

    if attack == "edit":
        tamper(settings, "UPDATE EVENTS SET state = ? WHERE originator_id = ? "
               "AND originator_version = 3", bytes(64), key)
    elif attack == "delete":
        tamper(settings, "DELETE FROM EVENTS WHERE originator_id = ? AND originator_version = 3",
               key)
    else:
        tamper(settings, "UPDATE EVENTS SET originator_version = -2 WHERE originator_id = ? "
               "AND originator_version = 2", key)
        tamper(settings, "UPDATE EVENTS SET originator_version = 2 WHERE originator_id = ? "
               "AND originator_version = 3", key)
        tamper(settings, "UPDATE EVENTS SET originator_version = 3 WHERE originator_id = ? "
               "AND originator_version = -2", key)
    result = runner.invoke(args=["verify", "--lang", "en"])

    assert result.exit_code == 1
    assert f"BROKEN {case['case_id']} v" in result.output
    broken_at = int(result.output.split(f"BROKEN {case['case_id']} v")[1].split(":")[0])
    assert broken_at in (2, 3)


def test_a_digest_check_catches_a_change_made_after_the_digest(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, tmp_path: Path
) -> None:
    app, runner = cli
    case = a_scripted_case(app)
    key, digest = tmp_path / "digest.key", tmp_path / "digest.json"
    assert runner.invoke(args=["digest", "new-key", str(key)]).exit_code == 0
    assert runner.invoke(args=["digest", "export", str(digest), "--key-file", str(key)]
                         ).exit_code == 0
    assert runner.invoke(args=["digest", "check", str(digest), "--key-file", str(key)]
                         ).exit_code == 0

    tamper(settings, "DELETE FROM EVENTS WHERE originator_id = ? AND originator_version = ?",
           sid(settings, case["case_id"]), case["version"])
    result = runner.invoke(args=["digest", "check", str(digest), "--key-file", str(key),
                                 "--lang", "en"])

    assert result.exit_code == 1 and "gone" in result.output
    forged = json.loads(digest.read_text()) | {"position": 1}
    digest.write_text(json.dumps(forged))
    assert "signature" in runner.invoke(args=["digest", "check", str(digest), "--key-file",
                                              str(key), "--lang", "en"]).output


def test_verify_with_views_compares_each_view_with_a_fresh_replay(
    cli: tuple[Flask, FlaskCliRunner],
) -> None:
    app, runner = cli
    a_scripted_case(app)
    runner.invoke(args=["projections", "catch-up", "all"])

    result = runner.invoke(args=["verify", "--views", "--lang", "en"])

    assert result.exit_code == 0, result.output
    assert result.output.count("equals a fresh replay") == len(REGISTRY)


def test_the_installed_script_shows_a_case(settings: Settings, cli: tuple[Flask, Any]) -> None:
    app, _ = cli
    case = a_scripted_case(app)
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url, "LANG": "en_US.UTF-8"}

    done = subprocess.run([str(Path(sys.executable).with_name("homeward")), "case", "show",
                           case["case_no"], "--as-of", "v7"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert "owning_district" in done.stdout and "370302" in done.stdout
    assert "赵六" in done.stdout
