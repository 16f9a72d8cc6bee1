"""A group activity in a real browser: plan it, pick who came, record, read the outcome."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from domain.recording import Role, recording_as
from tests.browser.conftest import LiveServer
from tests.browser.test_journeys import submit
from tests.builders import days_ago, enrolment

ACTIVITY_URL = re.compile(r"/activities/([0-9a-f]{32})")


def three_cases(server: LiveServer) -> list[str]:
    """Three cases of 张店区 named 赵…; the second one is closed."""
    cases = server.services.cases
    with recording_as("cw.zhang", Role.CASEWORKER):
        numbers = [cases.enrol_case(**enrolment(name=name, caseworker_id="cw.zhang")).case_no
                   for name in ("赵一", "赵二", "赵三")]
        cases.close_case(cases.find_case_id(numbers[1]), 1, occurred_on=days_ago(2),
                         reason="MOVED_AWAY")
    server.catch_up()
    return numbers


def test_a_caseworker_records_an_activity_and_sees_the_closed_case_refused_by_name(
    open_session: Any, live_server: LiveServer,
) -> None:
    first, closed, third = three_cases(live_server)
    session = open_session()
    page = session.login("caseworker")

    # Plan the salon from the navigation.
    page.click("nav.main-nav >> text=活动")
    page.click("text=新建活动")
    page.select_option("#kind", "SALON")
    page.fill("#title", "返乡创业沙龙")
    page.fill("#held_on", days_ago(3).isoformat())
    page.fill("#place", "张店区创业孵化基地")
    page.fill("#organiser", "张店区就业服务中心")
    assert submit(page) == 302
    expect(page).to_have_url(ACTIVITY_URL)
    expect(page.locator("h1")).to_contain_text("返乡创业沙龙")

    # Find 赵…, tick the first two, type the third, record.
    page.fill("#pick", "赵")
    page.click("#picker button")
    expect(page.locator("table.picker tr[data-case]")).to_have_count(3)
    page.check(f"input[name=case_nos][value='{first}']")
    page.check(f"input[name=case_nos][value='{closed}']")
    page.fill("#more", third)
    assert submit(page, "#record-attendance") == 302

    outcome = page.locator("#outcome")
    expect(outcome.locator("tr[data-status=SAVED]")).to_have_count(2)
    refused = outcome.locator(f"tr[data-case='{closed}']")
    expect(refused).to_have_attribute("data-status", "REFUSED")
    expect(refused).to_contain_text("案件已结案")
    expect(page.locator(".flash")).to_contain_text("未能登记 1 人")
    expect(page.locator("#attendee-count")).to_have_text("2")
    session.screenshot("activity-zh")

    # The attendee's case page links back to the activity.
    outcome.locator(f"a[href='/cases/{first}']").click()
    expect(page.locator("table.case-activities")).to_contain_text("返乡创业沙龙")
    page.locator("table.timeline tr[data-event=ActivityAttended] a").click()
    expect(page).to_have_url(ACTIVITY_URL)

    # The same page in English.
    page.click("button[name=language][value=en]")
    expect(page.locator("#attendees-title")).to_have_text("Attendees")
    session.screenshot("activity-en")


def test_the_activity_page_fits_a_phone(open_session: Any, live_server: LiveServer) -> None:
    three_cases(live_server)
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = live_server.services.cases.plan_activity(
            kind="ROADSHOW", title="项目路演", held_on=days_ago(1), place="淄博市人社局报告厅",
            organiser="淄博市创业指导中心", district="370303")
    live_server.catch_up()
    session = open_session(viewport={"width": 390, "height": 844})
    page = session.login("caseworker")

    page.goto(f"/activities/{saved.activity_id.hex}?pick=赵")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    expect(page.locator("#record-attendance")).to_be_visible()
