"""Withdrawing a wrongly recorded attendance from the activity page and through the API."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import Flask

from domain.recording import Role, recording_as
from tests.e2e.pages.test_activity_pages import bearer, enrol, html, plan, post, services


def attended(app: Flask, activity: str, *case_nos: str) -> None:
    with recording_as("cw.zhang", Role.CASEWORKER):
        services(app).cases.record_attendance(UUID(activity), list(case_nos))
    services(app).views.catch_up("activities")


def test_a_caseworker_withdraws_a_wrong_attendance_from_the_activity_page(
    app: Flask, login_as: Any,
) -> None:
    right, wrong = enrol(app, "张三"), enrol(app, "李四")
    activity = plan(app)
    attended(app, activity, right, wrong)
    auth = login_as("caseworker")
    shown = html(auth.client.get(f"/activities/{activity}"))

    missing = post(auth, f"/activities/{activity}/withdraw", {"case_no": wrong, "reason": ""})
    answer = post(auth, f"/activities/{activity}/withdraw",
                  {"case_no": wrong, "reason": "误录：当天未到场"})

    assert f'id="withdraw-{wrong}"' in shown and "撤销误录" in shown
    assert missing.status_code == 422
    assert answer.status_code == 302
    page = html(auth.client.get(answer.headers["Location"]))
    assert f"已撤销 {wrong} 的参加记录。" in page
    assert 'id="attendee-count">1<' in page
    assert re.search(r'data-event="AttendanceWithdrawn">.*?撤销参加记录', page, re.S)
    case_page = html(auth.client.get(f"/cases/{wrong}"))
    assert "撤销参加记录" in case_page
    events = [type(e).__name__ for e in services(app).cases.events.get(
        services(app).cases.find_case_id(wrong))]
    assert events == ["Enrolled", "ActivityAttended", "AttendanceWithdrawn"]


def test_withdrawing_a_case_that_did_not_attend_is_refused_in_both_languages(
    app: Flask, login_as: Any,
) -> None:
    came, absent = enrol(app, "张三"), enrol(app, "王五")
    activity = plan(app)
    attended(app, activity, came)
    auth = login_as("caseworker")
    before = services(app).cases.recorder.max_notification_id()

    answer = post(auth, f"/activities/{activity}/withdraw", {"case_no": absent, "reason": "误录"})
    english = post(auth, f"/activities/{activity}/withdraw?lang=en",
                   {"case_no": absent, "reason": "误录"})

    assert answer.status_code == english.status_code == 409
    assert "该案件不在本活动的参加人员中。" in html(answer)
    assert "The case is not among the activity&#39;s attendees." in html(english)
    assert services(app).cases.recorder.max_notification_id() == before


def test_the_api_withdraws_an_attendance_and_names_a_missing_reason(
    app: Flask, client: Any, accounts: dict[str, Any],
) -> None:
    wrong = enrol(app)
    activity = plan(app)
    attended(app, activity, wrong)
    headers = bearer(app, "caseworker", accounts)

    no_reason = client.post(f"/api/v1/activities/{activity}/withdraw", headers=headers,
                            json={"case_no": wrong})
    withdrawn = client.post(f"/api/v1/activities/{activity}/withdraw", headers=headers,
                            json={"case_no": wrong, "reason": "误录"})
    shown = client.get(f"/api/v1/activities/{activity}", headers=headers).get_json()

    assert no_reason.status_code == 422
    assert list(no_reason.get_json()["errors"]) == ["reason"]
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert shown["attendees"] == []
