"""``homeward registry``: an investigator reads the registries from a terminal."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskCliRunner

from domain.recording import Role, recording_as
from tests.builders import PROVIDER_USCC
from tests.registries import a_mentor, a_provider


def test_a_revoked_provider_is_listed_and_its_history_shows_who_and_why(
    app: Flask, runner: FlaskCliRunner,
) -> None:
    cases = app.extensions["homeward"].cases
    a_provider(cases)
    a_mentor(cases)
    with recording_as("sup.zibo", Role.SUPERVISOR):
        cases.revoke_filing(cases.find_entry("PROVIDER", PROVIDER_USCC).entry_id, 1,
                            reason="培训记录造假")
    app.extensions["homeward"].views.catch_up("registries")

    listed = runner.invoke(args=["registry", "list", "providers", "--status", "REVOKED",
                                 "--lang", "en"])
    shown = runner.invoke(args=["registry", "show", "providers", PROVIDER_USCC, "--lang", "zh"])
    as_json = runner.invoke(args=["registry", "show", "providers", PROVIDER_USCC,
                                  "--format", "json"])

    assert listed.exit_code == 0, listed.output
    assert PROVIDER_USCC in listed.output and "1 entries" in listed.output
    assert shown.exit_code == 0, shown.output
    assert "变更记录：" in shown.output
    assert "sup.zibo (supervisor) FilingRevoked" in shown.output and "培训记录造假" in shown.output
    assert [h["event"] for h in json.loads(as_json.output)["history"]] == [
        "Registered", "FilingRevoked"]


def test_an_unknown_entry_exits_1_with_one_line(runner: FlaskCliRunner) -> None:
    answer = runner.invoke(args=["registry", "show", "mentors", "M370300-NONE", "--lang", "en"])

    assert answer.exit_code == 1
    assert answer.output.strip() == "Error: no M370300-NONE in mentors"
