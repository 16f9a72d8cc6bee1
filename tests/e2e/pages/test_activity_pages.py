"""Group activities through the real app: plan, pick attendees, record, the outcome list,
who may do what, the JSON API, and every activity page in Chinese and in English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from application.cases import Cases
from application.projections.activities import ActivityQuery
from domain.divisions import divisions
from domain.recording import Role, recording_as
from domain.values import today
from tests.builders import days_ago, enrolment
from tests.conftest import AuthActions
from tests.e2e.pages.test_every_page import CJK, Page

PLAN = {"kind": "SALON", "title": "返乡创业沙龙", "held_on": days_ago(5).isoformat(),
        "place": "张店区创业孵化基地", "organiser": "张店区就业服务中心", "district": "370303"}


def services(app: Flask) -> Any:
    return app.extensions["homeward"]


def enrol(app: Flask, name: str = "张三", **overrides: Any) -> str:
    cases: Cases = services(app).cases
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(name=name, caseworker_id="cw.zhang", **overrides))
    for view in ("case_list",):
        services(app).views.catch_up(view)
    return saved.case_no


def close(app: Flask, case_no: str) -> None:
    cases: Cases = services(app).cases
    with recording_as("cw.zhang", Role.CASEWORKER):
        case_id = cases.find_case_id(case_no)
        cases.close_case(case_id, cases.get_case(case_id).version, occurred_on=days_ago(1),
                         reason="MOVED_AWAY")
    services(app).views.catch_up("case_list")


def plan(app: Flask, **overrides: Any) -> str:
    cases: Cases = services(app).cases
    fields: dict[str, Any] = {**PLAN, "held_on": days_ago(5), **overrides}
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.plan_activity(**fields)
    services(app).views.catch_up("activities")
    return saved.activity_id.hex


def post(auth: AuthActions, path: str, data: dict[str, Any] | MultiDict[str, Any]) -> Any:
    form = MultiDict(data)
    form["csrf_token"] = auth.csrf_token("/activities/new")
    return auth.client.post(path, data=form)


def html(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def outcome_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-case="([^"]+)" data-status="([A-Z]+)"', page)


# ------------------------------------------------------------------------ planning
def test_a_caseworker_plans_an_activity_and_finds_it_in_the_list(
    app: Flask, login_as: Any,
) -> None:
    auth = login_as("caseworker")

    answer = post(auth, "/activities/new", PLAN)

    assert answer.status_code == 302
    activity = answer.headers["Location"].rsplit("/", 1)[1]
    page = html(auth.client.get(f"/activities/{activity}"))
    assert "返乡创业沙龙" in page and "张店区创业孵化基地" in page
    listed = html(auth.client.get("/activities?kind=SALON&district=370303"))
    assert f'data-activity="{activity}"' in listed
    assert 'data-activity' not in html(auth.client.get("/activities?kind=ROADSHOW"))


@pytest.mark.parametrize(("field", "value"), [
    ("title", ""), ("held_on", "2024-13-01"), ("kind", "PICNIC"), ("district", "370302"),
    ("held_on", (today() + timedelta(days=900)).isoformat()),
])
def test_a_bad_plan_names_its_field_and_saves_nothing(
    app: Flask, login_as: Any, field: str, value: str,
) -> None:
    auth = login_as("caseworker")

    answer = post(auth, "/activities/new", {**PLAN, field: value})

    assert answer.status_code == 422
    assert f'id="{field}-error"' in html(answer)
    assert services(app).cases.recorder.max_notification_id() is None


# ---------------------------------------------------------------------- attendance
def test_attendance_with_a_closed_case_saves_the_others_and_lists_the_refusal(
    app: Flask, login_as: Any,
) -> None:
    first, closed, last = enrol(app, "张三"), enrol(app, "李四"), enrol(app, "王五")
    close(app, closed)
    activity = plan(app)
    auth = login_as("caseworker")

    answer = post(auth, f"/activities/{activity}/attendance",
                  MultiDict([("case_nos", first), ("case_nos", closed), ("more", last)]))

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/activities/{activity}?recording=2#outcome")
    page = html(auth.client.get(answer.headers["Location"]))
    assert outcome_rows(page) == [(first, "SAVED"), (closed, "REFUSED"), (last, "SAVED")]
    assert "案件已结案，请先恢复跟踪。" in page  # the reason, in Chinese
    assert 'id="attendee-count">2<' in page
    case_page = html(auth.client.get(f"/cases/{first}"))
    assert f'href="/activities/{activity}"' in case_page  # the Activities section
    assert case_page.count(f'<a href="/activities/{activity}">') == 2  # and the timeline


def test_the_same_attendance_sent_again_records_nothing_twice(
    app: Flask, login_as: Any,
) -> None:
    number = enrol(app)
    activity = plan(app)
    auth = login_as("caseworker")
    post(auth, f"/activities/{activity}/attendance", {"more": number})

    again = post(auth, f"/activities/{activity}/attendance", {"more": number})

    page = html(auth.client.get(again.headers["Location"]))
    assert outcome_rows(page) == [(number, "ALREADY")]
    cases: Cases = services(app).cases
    events = [type(e).__name__ for e in cases.events.get(cases.find_case_id(number))]
    assert events.count("ActivityAttended") == 1


def test_the_picker_finds_only_cases_within_reach_and_marks_those_already_recorded(
    app: Flask, login_as: Any,
) -> None:
    mine, theirs = enrol(app, "赵敏"), enrol(app, "赵雷", owning_district="370302",
                                            residence_division=None)
    recorded = enrol(app, "赵云")
    activity = plan(app)
    auth = login_as("caseworker")
    post(auth, f"/activities/{activity}/attendance", {"more": recorded})

    page = html(auth.client.get(f"/activities/{activity}?pick=赵"))

    assert f'name="case_nos" value="{mine}"' in page
    assert theirs not in page
    assert f'name="case_nos" value="{recorded}"' not in page
    assert f'<tr data-case="{recorded}">' in page


def test_bad_attendance_input_names_the_field_and_saves_nothing(
    app: Flask, login_as: Any,
) -> None:
    activity = plan(app)
    auth = login_as("caseworker")
    before = services(app).cases.recorder.max_notification_id()

    nothing = post(auth, f"/activities/{activity}/attendance", {"more": "  "})
    garbage = post(auth, f"/activities/{activity}/attendance", {"more": "<script>"})

    assert (nothing.status_code, garbage.status_code) == (422, 422)
    assert 'data-field="case_nos"' in html(nothing) and 'data-field="more"' in html(garbage)
    assert services(app).cases.recorder.max_notification_id() == before


def test_a_future_activity_offers_no_recording_and_refuses_one(
    app: Flask, login_as: Any,
) -> None:
    number = enrol(app)
    activity = plan(app, held_on=today() + timedelta(days=10))
    auth = login_as("caseworker")

    page = html(auth.client.get(f"/activities/{activity}"))
    answer = post(auth, f"/activities/{activity}/attendance", {"more": number})

    assert 'id="not-yet"' in page and 'id="attendance-form"' not in page
    assert answer.status_code == 409
    assert 'data-field="held_on"' in html(answer)


def test_cancelling_needs_a_reason_and_then_attendance_is_refused(
    app: Flask, login_as: Any,
) -> None:
    number = enrol(app)
    activity = plan(app)
    auth = login_as("caseworker")

    no_reason = post(auth, f"/activities/{activity}/cancel", {"expected_version": "1"})
    cancelled = post(auth, f"/activities/{activity}/cancel",
                     {"expected_version": "1", "reason": "暴雨预警，活动取消"})
    refused = post(auth, f"/activities/{activity}/attendance", {"more": number})

    assert no_reason.status_code == 422 and 'data-field="reason"' in html(no_reason)
    assert cancelled.status_code == 302
    assert refused.status_code == 409
    page = html(auth.client.get(f"/activities/{activity}"))
    assert "暴雨预警，活动取消" in page and 'id="cancel-form"' not in page


# -------------------------------------------------------------------------- access
def test_who_may_read_and_who_may_record(app: Flask, login_as: Any) -> None:
    number = enrol(app)
    activity = plan(app)

    investigator = login_as("investigator")
    read = investigator.client.get(f"/activities/{activity}")
    refused = post(investigator, f"/activities/{activity}/attendance", {"more": number})
    city = login_as("city_supervisor")
    city_page = city.client.get(f"/activities/{activity}")
    neighbour = login_as("neighbour")
    hidden = neighbour.client.get(f"/activities/{activity}")
    unknown = neighbour.client.get(f"/activities/{UUID(int=5).hex}")
    malformed = neighbour.client.get("/activities/not-an-id")

    assert read.status_code == 200 and 'id="attendance-form"' not in html(read)
    assert refused.status_code == 403
    assert city_page.status_code == 200 and 'id="attendance-form"' in html(city_page)
    assert (hidden.status_code, unknown.status_code, malformed.status_code) == (404, 404, 404)
    assert activity not in html(neighbour.client.get("/activities"))


def test_a_case_outside_the_recorders_districts_is_refused_as_unknown(
    app: Flask, login_as: Any,
) -> None:
    theirs = enrol(app, owning_district="370302", residence_division=None)
    activity = plan(app)
    auth = login_as("caseworker")

    answer = post(auth, f"/activities/{activity}/attendance", {"more": f"{theirs}, T-1"})

    page = html(auth.client.get(answer.headers["Location"]))
    assert outcome_rows(page) == [(theirs, "REFUSED"), ("T-1", "REFUSED")]
    assert page.count("您负责的区县中没有此编号的案例") == 2


# ----------------------------------------------------------------------------- API
def bearer(app: Flask, key: str, accounts: dict[str, Any]) -> dict[str, str]:
    token = services(app).accounts.issue_token(accounts[key].username)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_plans_records_attendance_and_reports_each_case(
    app: Flask, client: Any, accounts: dict[str, Any],
) -> None:
    first, closed = enrol(app), enrol(app, "李四")
    close(app, closed)
    headers = bearer(app, "caseworker", accounts)

    planned = client.post("/api/v1/activities", headers=headers,
                          json={**PLAN, "kind": "ROADSHOW"})
    activity = planned.get_json()["activity_id"]
    recorded = client.post(f"/api/v1/activities/{activity}/attendance", headers=headers,
                           json={"case_nos": [first, closed]})
    again = client.post(f"/api/v1/activities/{activity}/attendance", headers=headers,
                        json={"case_nos": [first]})
    shown = client.get(f"/api/v1/activities/{activity}", headers=headers).get_json()
    listed = client.get("/api/v1/activities?kind=ROADSHOW", headers=headers).get_json()

    assert planned.status_code == 201
    assert recorded.status_code == 201 and again.status_code == 200
    assert [(o["case_no"], o["status"], o["code"]) for o in recorded.get_json()["outcomes"]] \
        == [(first, "SAVED", None), (closed, "REFUSED", "case_closed")]
    assert recorded.get_json()["outcomes"][1]["reason"]
    assert again.get_json()["outcomes"][0]["status"] == "ALREADY"
    assert shown["attendees"] == [first] and shown["status"] == "HELD"
    assert [row["activity_id"] for row in listed["activities"]] == [activity]


def test_the_api_names_bad_fields_and_refuses_readers_and_strangers(
    app: Flask, client: Any, accounts: dict[str, Any],
) -> None:
    activity = plan(app)
    mine, reader = bearer(app, "caseworker", accounts), bearer(app, "investigator", accounts)
    stranger = bearer(app, "outsider", accounts)

    bad = client.post("/api/v1/activities", headers=mine, json={**PLAN, "title": "",
                                                                "extra": 1})
    empty = client.post(f"/api/v1/activities/{activity}/attendance", headers=mine,
                        json={"case_nos": []})
    not_a_list = client.post(f"/api/v1/activities/{activity}/attendance", headers=mine,
                             json={"case_nos": "T-1"})
    by_reader = client.post(f"/api/v1/activities/{activity}/attendance", headers=reader,
                            json={"case_nos": ["T-1"]})
    by_stranger = client.get(f"/api/v1/activities/{activity}", headers=stranger)
    stale = client.post(f"/api/v1/activities/{activity}/cancel", headers=mine,
                        json={"expected_version": 9, "reason": "改期"})

    assert bad.status_code == 422 and {"title", "extra"} <= set(bad.get_json()["errors"])
    assert empty.status_code == 422 and "case_nos" in empty.get_json()["errors"]
    assert not_a_list.status_code == 422
    assert (by_reader.status_code, by_stranger.status_code) == (403, 404)
    assert stale.status_code == 409 and "expected_version" in stale.get_json()["errors"]
    assert services(app).cases.get_activity(UUID(activity)).version == 1


def test_the_openapi_document_describes_the_activity_routes(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert {"/activities", "/activities/{activity_id}", "/activities/{activity_id}/attendance",
            "/activities/{activity_id}/cancel"} <= set(paths)
    assert "201" in paths["/activities/{activity_id}/attendance"]["post"]["responses"]


# ---------------------------------------------------------------- both languages
def walk_activities(auth: AuthActions, allowed_words: list[str], english: bool) -> dict[str, int]:
    """Every activity page reachable from the list (GET only): path → status.

    As the site-wide walk, in English no Chinese may be left but the data.
    """
    client, seen, queue = auth.client, {}, ["/activities"]
    while queue:
        path = queue.pop(0)
        answer = client.get(path)
        seen[path] = answer.status_code
        assert answer.status_code < 500, f"{path}: {answer.status_code}"
        page = Page()
        page.feed(html(answer))
        if english:
            text = " ".join(page.text)
            for word in allowed_words:
                text = text.replace(word, "")
            left = sorted(set(CJK.findall(text)))
            assert not left, f"{path} shows Chinese in English: {''.join(left)} in {text[:3000]}"
        for link in page.links:
            local = link.split("#")[0]
            if local.startswith("/activities") and local not in seen and local not in queue:
                queue.append(local)
    return seen


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("role", ["caseworker", "supervisor", "investigator"])
def test_every_activity_page_is_whole_in_both_languages(
    app: Flask, auth: AuthActions, role: str, language: str,
) -> None:
    numbers = [enrol(app, name) for name in ("Li Ming", "Wang Fang")]
    close(app, numbers[1])
    held = plan(app, title="Returnee salon", place="Zhangdian incubator",
                organiser="Zhangdian employment centre")
    plan(app, title="Village roadshow", place="Town hall", organiser="Zibo centre",
         kind="ROADSHOW", held_on=today() + timedelta(days=20))
    with recording_as("cw.zhang", Role.CASEWORKER):
        services(app).cases.record_attendance(UUID(held), [*numbers, "T-404"])
    for name in services(app).views.views:
        services(app).views.catch_up(name)
    auth.login(role)
    words = ["Li Ming", "Wang Fang", *(a.display_name for a in auth.accounts.values())]
    if language == "en":
        auth.client.set_cookie("lang", "en")
        # Division names are proper names, shown as the list has them in either language.
        places = {d.name for code in ("370000", "620000")
                  for d in [divisions().get(code), *divisions().counties_of(code)] if d}
        places |= {divisions().get(code[:4] + "00").name for code in ("370303", "620702")}
        words += sorted(places, key=len, reverse=True)

    seen = walk_activities(auth, words, english=language == "en")

    visited = [p for p in seen if p.startswith("/activities")]
    assert f"/activities/{held}" in visited and "/activities" in visited, sorted(seen)
    assert all(seen[p] == 200 for p in visited), {p: seen[p] for p in visited}
    outcome = html(auth.client.get(f"/activities/{held}?recording=2"))
    reason = {"en": "The case is closed; reopen it first.", "zh_CN": "案件已结案，请先恢复跟踪。"}
    assert reason[language] in outcome, outcome


# ------------------------------------------------------------------------ demo data
def test_the_demo_data_holds_activities_in_every_demo_district(
    app: Flask, login_as: Any,
) -> None:
    answer = app.test_cli_runner().invoke(args=["demo", "load", "--cases", "60"])

    assert answer.exit_code == 0, answer.output
    found = re.search(r"Held (\d+) group activities \((\d+) attendances", answer.output)
    assert found and int(found[1]) >= 6 and int(found[2]) > 0, answer.output
    views = services(app).views
    for name in ("activities", "indicators"):
        views.catch_up(name)
    rows = views["activities"].list_activities(ActivityQuery(per_page=200)).rows
    assert {r.status for r in rows} == {"HELD", "PLANNED", "CANCELLED"}
    assert len({r.district for r in rows}) == 6
    attendances = views["indicators"].summarise(
        "activity_attendances", date_from=today() - timedelta(days=800), date_to=today())
    assert sum(r.total for r in attendances) == int(found[2])
    page = html(login_as("city_supervisor").client.get("/activities?status=HELD"))
    assert "data-activity" in page
