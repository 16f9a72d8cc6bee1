"""Hostile input through the real app: bytes that are not UTF-8, wrong content types, huge
values and bodies, and markup in free text.  Each is a clear 4xx (never a 500) and saves
nothing, and text that looks like a script is shown as text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.e2e.pages.test_commands import D, Story, a_story, page, post, url

SCRIPT = "<script>alert(1)</script>"
FOLLOW_UP = {"occurred_on": D, "method": "PHONE", "reached": "y", "summary": "电话回访"}


def _position(app: Flask) -> int:
    return int(app.extensions["homeward"].cases.recorder.max_notification_id() or 0)


def _api(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    token = app.extensions["homeward"].accounts.issue_token("cw.zhang")
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def _urlencoded(fields: dict[str, str]) -> bytes:
    return "&".join(f"{k}={quote_from_bytes(v.encode())}" for k, v in fields.items()).encode()


@pytest.fixture
def story(app: Flask, accounts: Any) -> Story:
    return a_story(app)


@pytest.mark.parametrize("summary", [
    b"summary=" + quote_from_bytes(b"ok \xff\xfe").encode(),  # escaped bytes that are no UTF-8
    b"summary=ok \xff\xfe\xc3",  # the raw bytes themselves
], ids=["percent-escaped", "raw"])
def test_a_form_that_is_not_utf8_is_400_and_saves_nothing(
    app: Flask, story: Story, login_as: Callable[[str], Any], summary: bytes,
) -> None:
    auth = login_as("caseworker")
    fields = {k: v for k, v in FOLLOW_UP.items() if k != "summary"}
    body = _urlencoded({**fields, "expected_version": str(story.version),
                        "csrf_token": auth.csrf_token(url(story, "record-follow-up"))})
    before = _position(app)

    answer = auth.client.post(url(story, "record-follow-up"), data=body + b"&" + summary,
                              content_type="application/x-www-form-urlencoded")

    assert answer.status_code == 400
    assert _position(app) == before


def test_a_json_body_that_is_not_utf8_is_400_and_saves_nothing(app: Flask, story: Story) -> None:
    client, headers = _api(app)
    before = _position(app)

    answer = client.post(f"/api/v1/cases/{story.case_no}/record-follow-up", headers=headers,
                         data=b'{"summary": "\xff\xfe", "expected_version": 1}',
                         content_type="application/json")

    assert answer.status_code == 400
    assert "errors" in answer.get_json()
    assert _position(app) == before


@pytest.mark.parametrize("content_type, body", [
    ("text/plain", b'{"summary": "x"}'),
    ("multipart/form-data; boundary=xx",
     b'--xx\r\nContent-Disposition: form-data; name="summary"\r\n\r\nx\r\n--xx--\r\n'),
    ("application/x-www-form-urlencoded", b"summary=x&expected_version=1"),
])
@pytest.mark.parametrize("path", ["/cases/{case_no}/record-follow-up", "/cases",
                                  "/cases/{case_no}/reveal"])
def test_a_body_of_another_content_type_to_the_api_is_415(
    app: Flask, story: Story, content_type: str, body: bytes, path: str,
) -> None:
    client, headers = _api(app)
    before = _position(app)

    answer = client.post("/api/v1" + path.format(case_no=story.case_no), data=body,
                         headers=headers, content_type=content_type)

    assert answer.status_code == 415
    assert "errors" in answer.get_json()
    assert _position(app) == before


@pytest.mark.parametrize("field", ["summary", "needs", "occurred_on", "employees_now"])
def test_a_huge_field_value_to_the_api_is_422_naming_the_field(
    app: Flask, story: Story, field: str,
) -> None:
    client, headers = _api(app)
    before = _position(app)
    body = {**FOLLOW_UP, "expected_version": story.version, field: "九" * 100_000}

    answer = client.post(f"/api/v1/cases/{story.case_no}/record-follow-up", json=body,
                         headers=headers)

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert field in answer.get_json()["errors"]
    assert _position(app) == before


def test_a_huge_name_or_note_on_the_enrolment_is_422_naming_the_field(app: Flask,
                                                                      accounts: Any) -> None:
    from tests.e2e.pages.test_api import _enrolment

    client, headers = _api(app)
    before = _position(app)

    answers = {field: client.post("/api/v1/cases", json=_enrolment(**{field: "张" * 100_000}),
                                  headers=headers) for field in ("name", "note")}

    for field, answer in answers.items():
        assert answer.status_code == 422, field
        assert field in answer.get_json()["errors"]
    assert _position(app) == before


def test_a_huge_summary_in_the_form_is_422_beside_its_field(
    app: Flask, story: Story, login_as: Callable[[str], Any],
) -> None:
    auth = login_as("caseworker")
    before = _position(app)

    answer = post(auth, story, "record-follow-up", {**FOLLOW_UP, "summary": "九" * 100_000})

    assert answer.status_code == 422
    assert "2000" in page(answer)  # "at most 2000 characters", beside the summary
    assert _position(app) == before


def test_a_form_over_the_body_limit_is_413_and_saves_nothing(
    app: Flask, story: Story, login_as: Callable[[str], Any],
) -> None:
    auth = login_as("caseworker")
    before = _position(app)

    answer = post(auth, story, "record-follow-up",
                  {**FOLLOW_UP, "summary": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})

    assert answer.status_code == 413
    assert _position(app) == before


@pytest.mark.parametrize("command, form", [
    ("assign-mentor", {"occurred_on": D, "mentor_id": "{mentor}", "group_ref": SCRIPT}),
    ("register-business", {"occurred_on": "2015-06-01", "uscc": "{uscc}",
                           "entity_type": "INDIVIDUAL_BUSINESS", "name": f"小吃店{SCRIPT}",
                           "premises": "RENTED"}),
])
def test_a_script_typed_into_a_free_text_field_is_shown_escaped_on_the_case_page(
    app: Flask, story: Story, login_as: Callable[[str], Any], command: str,
    form: dict[str, str],
) -> None:
    from tests.builders import a_uscc
    from tests.registries import a_mentor

    mentor = a_mentor(story.cases)
    auth = login_as("caseworker")

    saved = post(auth, story, command, {k: v.replace("{uscc}", a_uscc("92"))
                                        .replace("{mentor}", mentor) for k, v in form.items()})
    shown = page(auth.client.get(f"/cases/{story.case_no}"))

    assert saved.status_code == 302, page(saved)[:500]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert" not in shown

