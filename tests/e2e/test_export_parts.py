"""An events export made by several processes at once is the file one process makes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from application import exports
from application.projections.audit_log import AuditQuery
from domain.recording import Role, recording_as
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment
from tests.e2e.test_export_cli import PASSWORD, read_jsonl
from tests.e2e.test_investigation_cli import a_scripted_case, sid, tamper
from web import create_app


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch,
        ) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    monkeypatch.setattr(exports, "PART_MIN", 1)  # a few events already make several parts
    app = create_app(settings, TESTING=True)
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def a_log_whose_cases_move_late(app: Flask) -> dict[str, Any]:
    """Cases enrolled early whose district, caseworker and phone change at the log's end."""
    cases = app.extensions["homeward"].cases
    first = a_scripted_case(app)  # ends with a transfer to 370302, cw-9
    with recording_as("cw-1", Role.CASEWORKER, "req-3"):
        others = [cases.enrol_case(**enrolment(name=name, occurred_on=days_ago(40),
                                               returned_on=days_ago(60)))
                  for name in ("钱七", "孙八", "李九")]
        versions = [cases.record_follow_up(s.case_id, 1, occurred_on=days_ago(30),
                                           method="PHONE", reached=True,
                                           summary="回访：经营正常").version for s in others]
        cases.reassign_case(others[0].case_id, versions[0], occurred_on=days_ago(2),
                            to_caseworker_id="cw-2", reason="调岗")
        cases.correct_record(others[1].case_id, versions[1], occurred_on=days_ago(1),
                             target_version=1, field="mobile", new_value="13900001111",
                             reason="号码变更")
    return {"first": first, "others": others}


def export(runner: FlaskCliRunner, out: Path, *args: str) -> str:
    result = runner.invoke(args=["export", "events", "--out", str(out), *args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parts_made_at_once_give_the_bytes_of_one_pass(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path, fmt: str
) -> None:
    app, runner = cli
    a_log_whose_cases_move_late(app)
    middle = str(app.extensions["homeward"].cases.recorder.max_notification_id() // 2)
    head = {"csv": 2, "jsonl": 1}[fmt]  # lines before the rows

    for name, args in {"all": (), "moved": ("--district", "370302"),
                       "reassigned": ("--caseworker", "cw-2"), "half": ("--at", middle)}.items():
        one, four = tmp_path / f"{name}-1.{fmt}", tmp_path / f"{name}-4.{fmt}"
        export(runner, one, "--format", fmt, "--jobs", "1", *args)
        export(runner, four, "--format", fmt, "--jobs", "4", *args)

        assert four.read_bytes() == one.read_bytes(), name
        assert len(one.read_bytes().splitlines()) > head, name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_parts_follow_each_case_across_their_bounds(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    log = a_log_whose_cases_move_late(app)
    out = tmp_path / "events.jsonl"

    export(runner, out, "--jobs", "4")

    rows = read_jsonl(out)[1]
    last = {row["case_no"]: row for row in rows}
    first_case, (reassigned, corrected, _) = log["first"]["case_no"], log["others"]
    assert (last[first_case]["district"], last[first_case]["caseworker_id"]) == ("370302", "cw-9")
    assert last[reassigned.case_no]["caseworker_id"] == "cw-2"
    assert last[corrected.case_no]["fields"]["new_value"] == "139****1111"
    assert last[corrected.case_no]["case_id"] == str(corrected.case_id)


def test_a_revealing_export_in_parts_is_recorded_and_reads_as_one_pass(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    a_log_whose_cases_move_late(app)
    services = app.extensions["homeward"]
    services.accounts.add(username="inv-1", password=PASSWORD, role="investigator",
                          district="370300", display_name="调查员")
    at = str(services.cases.recorder.max_notification_id())
    reveal = ("--reveal", "--reason", "补贴核查", "--user", "inv-1", "--at", at)

    export(runner, tmp_path / "one.jsonl", "--jobs", "1", *reveal)
    output = export(runner, tmp_path / "four.jsonl", "--jobs", "4", *reveal)

    assert (tmp_path / "four.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert "13900001111" in (tmp_path / "four.jsonl").read_text("utf-8")
    assert runner.invoke(args=["projections", "catch-up", "all"]).exit_code == 0
    entries = services.views["audit_log"].list_entries(AuditQuery(actor="inv-1"))
    assert [e.event for e in entries.rows] == ["ExportRevealed", "ExportRevealed"]
    disclosure = max(entries.rows, key=lambda e: e.notification_id).event_id
    delivered = list(services.cases.events.get(disclosure))[-1]
    assert delivered.sha256 == output.split("SHA-256 ")[1].strip()


def test_a_part_that_fails_stops_the_export_and_leaves_no_file(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, tmp_path: Path
) -> None:
    app, runner = cli
    late = a_log_whose_cases_move_late(app)["others"][2]  # its follow-up is in the last part
    tamper(settings, "UPDATE EVENTS SET state = ? WHERE originator_id = ? "
           "AND originator_version = 2", bytes(64), sid(settings, late.case_id))
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "events.csv"

    failed = runner.invoke(args=["export", "events", "--out", str(out), "--jobs", "4",
                                 "--lang", "en"])

    assert failed.exit_code == 1
    assert "does not decode: run homeward verify" in failed.output
    assert "Traceback" not in failed.output
    assert list(out.parent.iterdir()) == []
