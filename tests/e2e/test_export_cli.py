"""``homeward export`` on both stores: formats read back, masking, reveals, filters, --at."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from application.projections import case_topics
from application.projections.audit_log import AuditQuery
from domain.recording import Role, recording_as
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment
from web import create_app

FORMULA = '=HYPERLINK("http://evil.example","x")'
PASSWORD = "a long enough password"


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = create_app(settings, TESTING=True)
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def some_cases(app: Flask) -> dict[str, Any]:
    """Three cases in two counties and two caseworkers' hands, one with a formula for a worker."""
    cases = app.extensions["homeward"].cases
    first = enrolment(name="赵六", caseworker_id=FORMULA)
    second = enrolment(name="钱七", owning_district="370302", hukou_division="370302",
                       residence_division=None, caseworker_id="cw-2")
    third = enrolment(name="孙八", caseworker_id="cw-2", occurred_on=days_ago(30),
                      returned_on=days_ago(60))
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        saved = [cases.enrol_case(**fields) for fields in (first, second, third)]
        cases.record_follow_up(saved[0].case_id, 1, occurred_on=days_ago(10), method="PHONE",
                               reached=True, summary="回访：面馆经营正常")
    return {"case_nos": [s.case_no for s in saved], "ids": [s.case_id for s in saved],
            "id_numbers": [f["id_number"] for f in (first, second, third)]}


def case_events(app: Flask) -> int:
    recorder = app.extensions["homeward"].cases.recorder
    return len(recorder.select_notifications(start=0, limit=10_000, topics=case_topics()))


def export(runner: FlaskCliRunner, kind: str, out: Path, *args: str) -> str:
    result = runner.invoke(args=["export", kind, "--out", str(out), *args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    return result.output


def read_csv(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """The metadata row, the column names and the rows."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        meta, columns, *rows = list(csv.reader(handle))
    return meta, columns, rows


def read_xlsx(path: Path) -> tuple[list[Any], list[Any], list[list[Any]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:  # a read-only workbook keeps its file open until closed
        meta, columns, *rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return meta, columns, rows


def read_jsonl(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, *rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return header, rows


def catch_up(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["projections", "catch-up", "all"]).exit_code == 0


def test_each_format_reads_back_masked_with_chinese_intact_and_formulas_neutralised(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    data = some_cases(app)
    events = case_events(app)
    position = app.extensions["homeward"].cases.recorder.max_notification_id()

    for fmt in ("csv", "xlsx", "jsonl"):
        export(runner, "events", tmp_path / f"events.{fmt}", "--format", fmt)

    meta, columns, rows = read_csv(tmp_path / "events.csv")
    x_meta, x_columns, x_rows = read_xlsx(tmp_path / "events.xlsx")
    header, lines = read_jsonl(tmp_path / "events.jsonl")
    # Every file states its position (the last case event's: the records of the exports
    # lie after it); JSON Lines: one header line, then one line per event.
    assert f"position={position}" in meta and f"position={position}" in x_meta
    assert (header["export"], header["position"], header["personal_data"]) == (
        "events", position, "masked")
    assert len((tmp_path / "events.jsonl").read_text("utf-8").splitlines()) - 1 == events
    assert len(rows) == len(x_rows) == len(lines) == events == 4
    assert columns == x_columns == header["columns"]
    worker = columns.index("caseworker_id")
    assert rows[0][worker] == x_rows[0][worker] == "'" + FORMULA  # shown, never run
    assert lines[0]["caseworker_id"] == FORMULA  # JSON Lines is data
    assert json.loads(rows[0][-1])["name"] == json.loads(x_rows[0][-1])["name"] == "赵六"
    assert lines[0]["fields"]["name"] == "赵六"
    assert lines[-1]["fields"]["summary"] == "回访：面馆经营正常"
    for fmt in ("csv", "jsonl"):
        text = (tmp_path / f"events.{fmt}").read_text("utf-8-sig")
        assert not any(number in text for number in data["id_numbers"])
        assert data["id_numbers"][0][-4:] in text and "**********" in text


def test_a_regenerated_export_is_identical_after_more_events(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    data = some_cases(app)
    catch_up(runner)
    first = {kind: tmp_path / f"{kind}-1.{fmt}" for kind, fmt in
             (("events", "xlsx"), ("cases", "xlsx"), ("queue", "csv"), ("audit", "jsonl"))}
    # (the audit log's view is behind the records of the exports before it: a note says so)
    positions = {kind: int(export(runner, kind, out).split(" rows of ")[1].split()[4])
                 for kind, out in first.items()}

    # Later: more events, views caught up past the first exports' position.
    cases = app.extensions["homeward"].cases
    with recording_as("cw-1", Role.CASEWORKER, "req-2"):
        cases.record_follow_up(data["ids"][1], 1, occurred_on=days_ago(1), method="VISIT",
                               reached=True, summary="走访")
        cases.enrol_case(**enrolment(name="李九"))
    catch_up(runner)
    for kind, out in first.items():
        again = out.with_name(out.name.replace("-1.", "-2."))
        output = export(runner, kind, again, "--at", str(positions[kind]))

        assert f"at log position {positions[kind]} " in output
        assert again.read_bytes() == out.read_bytes(), kind
    assert export(runner, "cases", tmp_path / "now.csv").count("rows of cases") == 1
    assert len(read_csv(tmp_path / "now.csv")[2]) == 4


def test_reveal_is_refused_for_a_caseworker_and_an_unknown_user(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    some_cases(app)
    services = app.extensions["homeward"]
    services.accounts.add(username="cw-1", password=PASSWORD, role="caseworker",
                          district="370303")
    head = services.cases.recorder.max_notification_id()
    out = tmp_path / "cases.csv"

    refused = [runner.invoke(args=["export", "cases", "--out", str(out), "--reveal", "--reason",
                                   "核查", "--user", user, "--lang", "en"])
               for user in ("cw-1", "nobody")]

    assert [r.exit_code for r in refused] == [1, 1]
    assert "account cw-1 (caseworker) may not reveal" in refused[0].output
    assert "no account nobody" in refused[1].output
    assert all(len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
               for r in refused)
    assert not out.exists() and not list(tmp_path.glob(".cases.csv*"))
    assert services.cases.recorder.max_notification_id() == head  # nothing recorded


def test_an_investigators_reveal_writes_one_audit_row_and_shows_clear_values(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    data = some_cases(app)
    services = app.extensions["homeward"]
    services.accounts.add(username="inv-1", password=PASSWORD, role="investigator",
                          district="370300", display_name="调查员")
    catch_up(runner)
    masked, clear = tmp_path / "masked.csv", tmp_path / "clear.csv"

    export(runner, "cases", masked)
    output = export(runner, "cases", clear, "--reveal", "--reason", "补贴核查", "--user", "inv-1")
    catch_up(runner)

    assert not any(n in masked.read_text("utf-8-sig") for n in data["id_numbers"])
    meta, columns, rows = read_csv(clear)
    assert "personal_data=revealed" in meta
    assert sorted(r[columns.index("id_number")] for r in rows) == sorted(data["id_numbers"])
    entries = services.views["audit_log"].list_entries(AuditQuery(actor="inv-1"))
    assert entries.total == 1
    (entry,) = entries.rows
    assert (entry.event, entry.actor_role) == ("ExportRevealed", "investigator")
    assert "export cases csv at position" in entry.detail and "补贴核查" in entry.detail
    # The disclosure's own stream also holds the rows and digest of the file delivered.
    (delivered,) = [e for e in services.cases.events.get(entry.event_id)][1:]
    assert (delivered.rows, delivered.sha256) == (3, output.split("SHA-256 ")[1].strip())


def test_a_supervisor_reveals_within_their_district_only(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    some_cases(app)
    app.extensions["homeward"].accounts.add(username="sup-1", password=PASSWORD,
                                            role="supervisor", district="370303")
    catch_up(runner)
    mine, theirs = tmp_path / "mine.jsonl", tmp_path / "theirs.jsonl"

    export(runner, "events", mine, "--reveal", "--reason", "督导核查", "--user", "sup-1")
    refused = runner.invoke(args=["export", "cases", "--out", str(theirs), "--district", "370302",
                                  "--reveal", "--reason", "督导核查", "--user", "sup-1"],
                            env={"LANG": "zh_CN.UTF-8"})

    header, rows = read_jsonl(mine)
    assert header["filters"] == {"district": ["370303"]}
    assert {r["district"] for r in rows} == {"370303"} and len(rows) == 3
    assert refused.exit_code == 1 and "只能导出本辖区 370303" in refused.output
    assert not theirs.exists()


def test_an_export_in_a_caseworkers_name_holds_their_district_only(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    data = some_cases(app)
    accounts = app.extensions["homeward"].accounts
    for name, role, district in (("cw-1", "caseworker", "370303"),
                                 ("cw-zichuan", "caseworker", "370302"),
                                 ("admin-1", "admin", "370000")):
        accounts.add(username=name, password=PASSWORD, role=role, district=district)
    catch_up(runner)

    def refused(*args: str) -> str:
        out = tmp_path / "refused.csv"
        result = runner.invoke(args=["export", *args[:1], "--out", str(out), *args[1:],
                                     "--lang", "en"])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert not out.exists()
        return result.output

    export(runner, "cases", tmp_path / "theirs.jsonl", "--user", "cw-zichuan")
    export(runner, "events", tmp_path / "events.jsonl", "--user", "cw-zichuan")
    export(runner, "cases", tmp_path / "city.jsonl", "--user", "cw-1", "--district", "370303")
    head = app.extensions["homeward"].cases.recorder.max_notification_id()  # after their records

    _, second, _ = data["case_nos"]
    header, rows = read_jsonl(tmp_path / "theirs.jsonl")
    assert header["filters"] == {"district": ["370302"]}
    assert [row["case_no"] for row in rows] == [second]
    assert {row["case_no"] for row in read_jsonl(tmp_path / "events.jsonl")[1]} == {second}
    assert second not in {row["case_no"] for row in read_jsonl(tmp_path / "city.jsonl")[1]}
    assert "may export district 370303 only" in refused("cases", "--user", "cw-1",
                                                        "--district", "370300")
    assert "may export district 370303 only" in refused("events", "--user", "cw-1",
                                                        "--district", "370302")
    assert "audit export is for investigators" in refused("audit", "--user", "cw-1")
    assert "(admin) may not export case data" in refused("cases", "--user", "admin-1")
    assert "no account nobody" in refused("cases", "--user", "nobody")
    assert app.extensions["homeward"].cases.recorder.max_notification_id() == head


def test_filters_by_district_dates_and_caseworker(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    data = some_cases(app)
    catch_up(runner)

    def case_nos(kind: str, *args: str) -> list[str]:
        out = tmp_path / f"{kind}.jsonl"
        export(runner, kind, out, *args)
        return sorted({row["case_no"] for row in read_jsonl(out)[1]})

    _, second, third = data["case_nos"]
    assert case_nos("cases", "--district", "370302") == [second]
    assert case_nos("cases", "--district", "370300") == sorted(data["case_nos"])  # the city
    assert case_nos("cases", "--caseworker", "cw-2") == sorted([second, third])
    assert case_nos("cases", "--from", days_ago(40).isoformat(),
                    "--to", days_ago(20).isoformat()) == [third]
    assert case_nos("events", "--district", "370303", "--caseworker", "cw-2") == [third]
    assert case_nos("events", "--from", days_ago(-1).isoformat()) == []
    assert case_nos("queue", "--caseworker", "cw-2") == sorted([second, third])
    assert case_nos("audit", "--caseworker", "cw-1") == sorted(data["case_nos"])


@pytest.mark.parametrize(("args", "message"), [
    (["indicators", "--caseworker", "cw-1"], "the indicators export has no --caseworker filter"),
    (["cases", "--district", "999999"], "unknown district code 999999"),
    (["cases", "--from", "2025-02-01", "--to", "2025-01-01"], "--from is after --to"),
    (["events", "--at", "99999"], "is past the log's head"),
    (["queue", "--reveal", "--reason", "核查", "--user", "inv-1"], "--reveal is for cases and"),
    (["cases", "--reveal", "--user", "inv-1"], "--reveal needs --reason"),
    (["cases", "--reveal", "--reason", "核查"], "--reveal needs your account"),
    (["cases", "--from", "yesterday"], "cannot read the date yesterday"),
])
def test_a_bad_export_is_one_line_in_the_users_language(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path, args: list[str], message: str
) -> None:
    app, runner = cli
    app.extensions["homeward"].accounts.add(username="inv-1", password=PASSWORD,
                                            role="investigator", district="370300")
    out = tmp_path / "out.csv"

    result = runner.invoke(args=["export", args[0], "--out", str(out), *args[1:], "--lang", "en"],
                           env={"HOMEWARD_USER": ""})

    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_every_export_explains_itself_with_an_example(runner: FlaskCliRunner) -> None:
    for kind in ("cases", "events", "queue", "indicators", "audit"):
        result = runner.invoke(args=["export", kind, "--help"])

        assert result.exit_code == 0
        assert f"homeward export {kind} --format" in result.output and "--at" in result.output


def test_the_installed_script_exports_events(
    settings: Settings, cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, _ = cli
    some_cases(app)
    out = tmp_path / "events.jsonl"
    head = app.extensions["homeward"].cases.recorder.max_notification_id()
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url, "LANG": "en_US.UTF-8"}

    done = subprocess.run([str(Path(sys.executable).with_name("homeward")), "export", "events",
                           "--out", str(out)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert "exported 4 rows of events" in done.stdout and done.stderr == ""
    header, rows = read_jsonl(out)
    assert header["position"] == head  # the export's own record lies after it
    assert app.extensions["homeward"].cases.recorder.max_notification_id() == head + 1
    assert [r["fields"].get("name") for r in rows][:3] == ["赵六", "钱七", "孙八"]
    assert io.StringIO(out.read_text("utf-8")).readline().startswith('{"export":"events"')
