"""My queue: buckets on a fixed day, links to the prefilled forms, who may see whose queue."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from domain.recording import Role, recording_as
from domain.values import today
from tests.builders import enrolment
from tests.conftest import AuthActions
from web.followups.links import SATISFIED_BY, prefill

ON = today() - timedelta(days=10)


def catch_up(app: Flask) -> None:
    views = app.extensions["homeward"].views
    for name in tuple(views.views):
        views.catch_up(name)


def enrol(app: Flask, caseworker: str, on: date, **overrides: Any) -> Any:
    """A case of ``caseworker`` enrolled on ``on`` (its needs assessment falls due a week on)."""
    with recording_as(caseworker, Role.CASEWORKER, "req-test"):
        saved = app.extensions["homeward"].cases.enrol_case(**enrolment(
            caseworker_id=caseworker, occurred_on=on, returned_on=on - timedelta(days=30),
            **overrides))
    catch_up(app)
    return saved


def assessment_days(app: Flask) -> int:
    rules = app.extensions["homeward"].cases.rules.in_force(ON)
    return int(rules.number("followup.needs_assessment_days"))


def cases_in(page: str, bucket: str) -> list[str]:
    section = re.search(rf'<section id="{bucket}">(.*?)</section>', page, re.S)
    assert section, bucket
    return re.findall(r'data-case="([^"]+)"', section[1])


@pytest.fixture
def scripted(app: Flask, accounts: dict) -> dict[str, str]:
    """cw.zhang: one assessment overdue, one due on ON, one due within the week; cw.wang one."""
    week = assessment_days(app)
    return {
        "overdue": enrol(app, "cw.zhang", ON - timedelta(days=week + 20)).case_no,
        "due": enrol(app, "cw.zhang", ON - timedelta(days=week)).case_no,
        "upcoming": enrol(app, "cw.zhang", ON - timedelta(days=week - 3)).case_no,
        "colleague": enrol(app, "cw.wang", ON - timedelta(days=week + 20)).case_no,
    }


def test_my_queue_puts_each_item_in_its_bucket_on_the_day_asked(
    login_as: Any, scripted: dict[str, str],
) -> None:
    client = login_as("caseworker").client

    page = client.get(f"/queue?on={ON.isoformat()}").get_data(as_text=True)

    assert cases_in(page, "overdue") == [scripted["overdue"]]
    assert cases_in(page, "due") == [scripted["due"]]
    assert cases_in(page, "upcoming") == [scripted["upcoming"]]
    assert scripted["colleague"] not in page  # only my own work
    assert "需求评估" in page and "逾期" in page and "本周到期" in page


def test_an_item_once_done_leaves_the_queue(app: Flask, login_as: Any,
                                            scripted: dict[str, str]) -> None:
    cases = app.extensions["homeward"].cases
    case_id = cases.find_case_id(scripted["overdue"])
    with recording_as("cw.zhang", Role.CASEWORKER, "req-test"):
        cases.assess_needs(case_id, 1, occurred_on=ON - timedelta(days=1), stage="IDEA",
                           needs=["TRAINING"])
    catch_up(app)

    page = login_as("caseworker").client.get(f"/queue?on={ON.isoformat()}").get_data(
        as_text=True)

    assert cases_in(page, "overdue") == []


def test_each_item_links_to_its_prefilled_form_once_the_forms_are_served(
    app: Flask, login_as: Any, scripted: dict[str, str],
) -> None:
    page = login_as("caseworker").client.get(f"/queue?on={ON.isoformat()}").get_data(
        as_text=True)

    if "commands.form" in app.view_functions:
        assert "assess-needs" in page and f"occurred_on={ON.isoformat()}" in page
    else:
        assert "assess-needs" not in page


def test_every_rule_names_a_form_and_a_follow_up_names_its_item() -> None:
    item = type("Item", (), {"rule_id": "F6", "key": "F6:b1:2", "subject_ref": "b1"})()

    command, fields = prefill(item, ON)  # type: ignore[arg-type]

    assert sorted(SATISFIED_BY, key=lambda r: int(r[1:])) == [f"F{n}" for n in range(1, 17)]
    assert command == "record-follow-up"
    assert fields == {"occurred_on": ON.isoformat(), "due_ref": "F6:b1:2"}
    registry = pytest.importorskip("web.commands.registry")
    assert {c for c, _, _ in SATISFIED_BY.values()} <= set(registry.COMMANDS)


def test_the_subject_of_a_loan_item_is_prefilled_as_its_loan() -> None:
    item = type("Item", (), {"rule_id": "F11", "key": "F11:l7:1", "subject_ref": "l7"})()

    assert prefill(item, ON) == ("record-loan-overdue",  # type: ignore[arg-type]
                                 {"occurred_on": ON.isoformat(), "loan_ref": "l7"})


def test_a_caseworker_may_not_open_a_colleagues_queue(login_as: Any,
                                                       scripted: dict[str, str]) -> None:
    answer = login_as("caseworker").client.get("/queue?assignee=cw.wang")

    assert answer.status_code == 403


def test_a_supervisor_sees_a_team_members_queue_and_the_overdue_by_caseworker(
    login_as: Any, scripted: dict[str, str],
) -> None:
    client = login_as("supervisor").client

    team = client.get(f"/queue?on={ON.isoformat()}").get_data(as_text=True)
    member = client.get(f"/queue?on={ON.isoformat()}&assignee=cw.wang").get_data(as_text=True)

    assert sorted(cases_in(team, "overdue")) == sorted([scripted["overdue"],
                                                        scripted["colleague"]])
    assert "团队待办" in team and 'href="/queue?assignee=cw.wang"' in team
    assert cases_in(member, "overdue") == [scripted["colleague"]]


def test_a_supervisor_of_another_district_sees_none_of_its_work(
    app: Flask, client: Any, accounts: dict, scripted: dict[str, str],
) -> None:
    app.extensions["homeward"].accounts.add(username="sup.ganzhou", password="correct-horse-1",
                                            role="supervisor", district="620702")
    auth = AuthActions(client, {"x": app.extensions["homeward"].accounts.find("sup.ganzhou")})
    auth.login("x", password="correct-horse-1")

    page = client.get(f"/queue?on={ON.isoformat()}&assignee=cw.zhang").get_data(as_text=True)

    assert all(no not in page for no in scripted.values())


@pytest.mark.parametrize("key", ["investigator", "admin"])
def test_other_roles_have_no_queue(login_as: Any, key: str) -> None:
    assert login_as(key).client.get("/queue").status_code == 403


def test_a_stranger_is_sent_to_sign_in(client: Any) -> None:
    answer = client.get("/queue")

    assert answer.status_code in (302, 401)


def test_a_day_that_is_no_date_is_refused(login_as: Any) -> None:
    assert login_as("caseworker").client.get("/queue?on=yesterday").status_code == 400


def test_the_queue_reads_in_english_too(login_as: Any, scripted: dict[str, str]) -> None:
    page = login_as("caseworker").client.get(f"/queue?on={ON.isoformat()}&lang=en").get_data(
        as_text=True)

    assert "Needs assessment" in page and "Due this week" in page


def test_a_long_bucket_shows_the_most_urgent_and_a_way_to_see_the_rest(
    app: Flask, login_as: Any,
) -> None:
    from web.followups.views import LIMIT

    week = assessment_days(app)
    with recording_as("cw.zhang", Role.CASEWORKER, "req-test"):
        for n in range(LIMIT + 1):
            on = ON - timedelta(days=week + 20 + n)
            app.extensions["homeward"].cases.enrol_case(**enrolment(
                caseworker_id="cw.zhang", occurred_on=on, returned_on=on - timedelta(days=30)))
    catch_up(app)
    client = login_as("caseworker").client

    first = client.get(f"/queue?on={ON.isoformat()}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*show=all[^"]*)#overdue">', first)
    assert len(cases_in(first, "overdue")) == LIMIT
    assert link, "no way to see the rest"
    everything = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert len(cases_in(everything, "overdue")) == LIMIT + 1
