"""Resource matching in a real browser, without JavaScript: from the case page to the ranked
resources, a match recorded, and the supervisor's 资源对接次数 counting it."""

from __future__ import annotations

from datetime import date
from typing import Any

from playwright.sync_api import expect

from domain.recording import Role, recording_as
from tests.browser.conftest import LiveServer
from tests.browser.test_journeys import submit
from tests.builders import enrolment
from tests.registries import a_mentor, an_incubator


def a_case_with_needs(server: LiveServer) -> tuple[str, str, str]:
    cases = server.services.cases
    mentor = a_mentor(cases)  # 王建国: MARKETING and FINANCE_INFO, 电商, the city's
    other = a_mentor(cases, name="赵敏", specialties=["PREMISES"], district="370303",
                     level="COUNTY", industries=[])
    an_incubator(cases)
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(
            name="孙丽", returned_on=date(2024, 1, 1), occurred_on=date(2024, 2, 1),
            caseworker_id="cw.zhang", intended_industry="农村电商"))
        cases.assess_needs(saved.case_id, saved.version, occurred_on=date(2024, 2, 2),
                           stage="PREPARING", needs=["MARKETING", "PREMISES"])
    server.catch_up()
    return saved.case_no, mentor, other


def test_a_caseworker_matches_resources_and_records_a_mentor_without_javascript(
    open_session: Any, live_server: LiveServer,
) -> None:
    case_no, mentor, other = a_case_with_needs(live_server)
    session = open_session(java_script_enabled=False)
    page = session.login("caseworker")
    page.goto(f"/cases/{case_no}")

    page.click("#match-resources")

    expect(page.locator("h1")).to_have_text("匹配资源")
    mentors = page.locator("section[data-kind=MENTOR] tbody tr")
    expect(mentors).to_have_count(2)
    # 王建国 knows the intended industry; 赵敏 is in the county but answers one need less.
    expect(mentors.nth(0)).to_have_attribute("data-key", mentor)
    expect(mentors.nth(0)).to_contain_text("熟悉意向行业（电商）")
    expect(mentors.nth(1)).to_have_attribute("data-key", other)
    expect(mentors.nth(1)).to_contain_text("位于本县区")
    expect(page.locator("section[data-kind=INCUBATOR] tbody tr")).to_have_count(1)
    session.screenshot("matching-zh")
    before = live_server.head()

    assert submit(page, f"tr[data-key='{mentor}'] form.record-match button") == 302

    expect(page.locator(".flash.ok")).to_contain_text("资源对接已记录。")
    expect(page.locator(f"tr[data-key='{mentor}']")).to_contain_text("与本案件对接")
    assert live_server.head() == before + 1
    page.goto(f"/cases/{case_no}/matches?lang=en")
    expect(page.locator("h1")).to_have_text("Match resources")
    expect(page.locator(f"tr[data-key='{mentor}']")).to_contain_text(
        "Matched with this case before")
    session.screenshot("matching-en")

    supervisor = open_session(java_script_enabled=False).login("supervisor")
    supervisor.goto("/dashboard")
    expect(supervisor.locator("tr[data-kpi=resource_matching] td.month")).to_have_text("1")


def test_an_empty_outcome_is_refused_beside_the_row_and_nothing_is_saved(
    open_session: Any, live_server: LiveServer,
) -> None:
    case_no, mentor, _other = a_case_with_needs(live_server)
    session = open_session(java_script_enabled=False)
    page = session.login("caseworker")
    page.goto(f"/cases/{case_no}/matches")
    before = live_server.head()

    page.fill(f"tr[data-key='{mentor}'] textarea", " ")

    assert submit(page, f"tr[data-key='{mentor}'] form.record-match button") == 422
    expect(page.locator(f"tr[data-key='{mentor}'] .error")).to_have_text("此项为必填。")
    assert live_server.head() == before
