"""The JSON API through the real app: tokens, commands, queries, every kind of refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.projections.audit_log import AuditQuery
from domain.accounts import Account
from tests.builders import an_id_number, days_ago, enrolment
from tests.conftest import add_accounts


def _enrolment(**overrides: Any) -> dict[str, Any]:
    body = enrolment(**overrides)
    body.pop("case_no")
    body.pop("caseworker_id")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body.items()}


class Api:
    """A script with a token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)


@pytest.fixture
def api_accounts(app: Flask) -> dict[str, Account]:
    return add_accounts(app)


@pytest.fixture
def api(app: Flask, api_accounts: dict[str, Account]) -> Any:
    """``api("caseworker")`` is a client with that account's token."""
    client = app.test_client()

    def as_(key: str) -> Api:
        token = app.extensions["homeward"].accounts.issue_token(api_accounts[key].username)
        return Api(client, token)

    return as_


def _position(app: Flask) -> int:
    return app.extensions["homeward"].cases.recorder.max_notification_id() or 0


def test_the_openapi_document_describes_every_command_without_a_token(client: FlaskClient,
                                                                       app: Flask) -> None:
    from web.commands.registry import COMMANDS

    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"] == "3.1.0"
    assert "/cases" in document["paths"] and "post" in document["paths"]["/cases"]
    for name in COMMANDS:
        assert f"/cases/{{case_no}}/{name}" in document["paths"], name


def test_a_call_without_a_valid_token_is_401_in_json(api: Any, client: FlaskClient) -> None:
    assert client.get("/api/v1/me").status_code == 401
    answer = Api(client, "hw_not-a-token").get("/me")

    assert answer.status_code == 401
    assert "errors" in answer.get_json()


def test_a_caseworker_enrols_and_reads_the_case_masked(api: Any) -> None:
    script = api("caseworker")

    answer = script.post("/cases", _enrolment(name="李四"))

    assert answer.status_code == 201, answer.get_json()
    case_no = answer.get_json()["case_no"]
    case = script.get(f"/cases/{case_no}").get_json()
    assert case["name"] == "李四" and case["caseworker_id"] == "cw.zhang"
    assert "*" in case["id_number"] and "*" in case["mobile"]
    listed = script.get("/cases", q="李四").get_json()
    assert [c["case_no"] for c in listed["cases"]] == [case_no]


def test_a_bad_id_number_is_422_naming_the_field_and_nothing_is_saved(api: Any,
                                                                       app: Flask) -> None:
    before = _position(app)
    good = an_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    answer = api("caseworker").post("/cases", _enrolment(id_number=bad))

    assert answer.status_code == 422
    assert "id_number" in answer.get_json()["errors"]
    assert _position(app) == before


@pytest.mark.parametrize("body, status", [
    ({"unexpected": 1}, 422),
    ("not an object", 400),
])
def test_malformed_bodies_are_refused(api: Any, body: Any, status: int) -> None:
    assert api("caseworker").post("/cases", body).status_code == status


def test_a_body_that_is_not_json_is_415(api: Any) -> None:
    script = api("caseworker")

    answer = script.client.post("/api/v1/cases", data="name=x", headers={
        **script.headers, "Content-Type": "application/x-www-form-urlencoded"})

    assert answer.status_code == 415


def test_a_body_over_the_limit_is_413(api: Any) -> None:
    script = api("caseworker")

    answer = script.client.post("/api/v1/cases", data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                                headers={**script.headers, "Content-Type": "application/json"})

    assert answer.status_code == 413


def _enrolled(api: Any) -> tuple[Api, str]:
    script = api("caseworker")
    answer = script.post("/cases", _enrolment())
    assert answer.status_code == 201, answer.get_json()
    return script, answer.get_json()["case_no"]


def _assessment(version: int) -> dict[str, Any]:
    return {"expected_version": version, "occurred_on": days_ago(10).isoformat(),
            "stage": "PREPARING", "needs": ["PREMISES", "FINANCE_INFO"]}


def test_a_command_records_its_event_and_a_stale_version_is_409(api: Any) -> None:
    script, case_no = _enrolled(api)
    version = script.get(f"/cases/{case_no}").get_json()["version"]

    first = script.post(f"/cases/{case_no}/assess-needs", _assessment(version))
    second = script.post(f"/cases/{case_no}/assess-needs", _assessment(version))

    assert first.status_code == 201, first.get_json()
    assert first.get_json()["version"] == version + 1
    assert second.status_code == 409
    assert "expected_version" in second.get_json()["errors"]


def test_a_command_without_its_expected_version_is_422(api: Any) -> None:
    script, case_no = _enrolled(api)
    body = _assessment(1)
    del body["expected_version"]

    answer = script.post(f"/cases/{case_no}/assess-needs", body)

    assert answer.status_code == 422
    assert "expected_version" in answer.get_json()["errors"]


def test_another_districts_case_is_404_and_an_investigator_reads_but_cannot_write(
    api: Any,
) -> None:
    _, case_no = _enrolled(api)

    assert api("outsider").get(f"/cases/{case_no}").status_code == 404
    investigator = api("investigator")
    assert investigator.get(f"/cases/{case_no}").status_code == 200
    answer = investigator.post(f"/cases/{case_no}/assess-needs", _assessment(1))
    assert answer.status_code == 403


@pytest.mark.parametrize("key", ["neighbour", "outsider"])
def test_another_districts_caseworker_finds_nothing_of_the_case_and_reaches_none_of_it(
    api: Any, app: Flask, key: str
) -> None:
    person = _enrolment(name="赵敏", mobile="13712345678")
    answer = api("caseworker").post("/cases", person)
    case_no = answer.get_json()["case_no"]
    app.extensions["homeward"].views.catch_up("case_list")
    stranger = api(key)
    position = _position(app)

    found = [stranger.get("/cases", **query).get_json() for query in (
        {"q": "赵敏"}, {"q": case_no}, {"q": person["id_number"]}, {"q": "13712345678"},
        {"district": "370303"}, {"district": "370303", "q": "赵"})]
    reached = [stranger.get(f"/cases/{case_no}{part}").status_code
               for part in ("", "/history", "/queue")]
    revealed = stranger.post(f"/cases/{case_no}/reveal", {"field": "mobile", "reason": "核实"})
    written = stranger.post(f"/cases/{case_no}/record-follow-up", {
        "expected_version": 1, "occurred_on": days_ago(1).isoformat(), "method": "PHONE",
        "reached": True, "summary": "回访"})

    assert [(page["total"], page["cases"]) for page in found] == [(0, [])] * len(found)
    assert reached == [404, 404, 404]
    assert (revealed.status_code, written.status_code) == (404, 404)
    assert _position(app) == position  # no reveal, no follow-up recorded
    assert api("caseworker").get("/cases", q="赵敏").get_json()["total"] == 1


def test_a_supervisor_only_command_is_403_for_a_caseworker(api: Any) -> None:
    script, case_no = _enrolled(api)

    answer = script.post(f"/cases/{case_no}/reassign-case", {
        "expected_version": 1, "occurred_on": days_ago(1).isoformat(),
        "to_caseworker_id": "cw.wang", "reason": "工作调整"})

    assert answer.status_code == 403


def test_a_reveal_needs_a_reason_and_is_logged(api: Any, app: Flask) -> None:
    _, case_no = _enrolled(api)
    supervisor = api("supervisor")

    refused = supervisor.post(f"/cases/{case_no}/reveal", {"field": "mobile"})
    answer = supervisor.post(f"/cases/{case_no}/reveal", {"field": "mobile",
                                                          "reason": "核实联系方式"})

    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    assert answer.status_code == 200 and answer.get_json()["value"].startswith("138")
    app.extensions["homeward"].views.catch_up("audit_log")  # the worker's job in production
    rows = app.extensions["homeward"].views["audit_log"].list_entries(
        AuditQuery(actor="sup.li")).rows
    assert [row.event for row in rows] == ["Revealed"]


def test_history_and_queue_answer_in_json_with_personal_data_masked(api: Any) -> None:
    script, case_no = _enrolled(api)

    events = script.get(f"/cases/{case_no}/history").get_json()["events"]
    queue = script.get("/queue", on=days_ago(0).isoformat(), within=30).get_json()

    assert events[0]["event"] == "Enrolled"
    text = json.dumps(events)
    assert "**********" in text
    assert {"overdue", "due_today", "upcoming"} <= set(queue)
    items = script.get(f"/cases/{case_no}/queue").get_json()["items"]
    assert any(item["rule_id"] for item in items)
