"""Whole journeys in a real browser: enrol and work a case, a refused ID number, two people
editing one case, and English for an account that asks for it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from domain.codes import id_check_character
from domain.values import today
from tests.browser.conftest import LiveServer
from tests.builders import an_id_number, days_ago, enrolment
from tests.e2e.pages.test_commands import a_story

CASE_URL = re.compile(r"/cases/([^/?#]+)$")
SAVE = "main form button.primary"


def fill_enrolment(page: Page, **overrides: Any) -> dict[str, Any]:
    """Type a valid enrolment (a year after the return home) into the form, as a person would."""
    fields = enrolment(returned_on=days_ago(400), occurred_on=days_ago(380), **overrides)
    page.goto("/cases/new")
    page.fill("#name", fields["name"])
    page.select_option("#id_type", fields["id_type"])
    page.fill("#id_number", fields["id_number"])
    page.fill("#mobile", fields["mobile"])
    page.select_option("#returnee_type", fields["returnee_type"])
    page.fill("#returned_on", fields["returned_on"].isoformat())
    page.fill("#hukou_division", fields["hukou_division"])
    page.fill("#residence_division", fields["residence_division"])
    for group in fields["loan_groups"]:
        page.check(f"input[name=loan_groups][value={group}]")
    page.select_option("#owning_district", fields["owning_district"])
    page.fill("#occurred_on", fields["occurred_on"].isoformat())
    return fields


def queue_row(page: Page, case_no: str, rule: str) -> Any:
    return page.locator(f"main tr[data-rule={rule}][data-case='{case_no}']")


def submit(page: Page, selector: str = SAVE) -> int:
    """Click the form's main button; the status of the page it posted to."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click(selector)
    page.wait_for_load_state()
    return answer.value.status


def test_a_caseworker_enrols_a_case_and_records_its_needs_assessment_from_the_queue(
    open_session: Any,
) -> None:
    session = open_session()
    page = session.login("caseworker")

    fields = fill_enrolment(page)
    submit(page)
    expect(page).to_have_url(CASE_URL)
    case_no = CASE_URL.search(page.url)[1]  # type: ignore[index]
    expect(page.locator("h1")).to_contain_text(fields["name"])

    page.goto("/cases")
    expect(page.locator(f"main a[href='/cases/{case_no}']").first).to_be_visible()

    page.goto("/queue")
    item = page.locator("#overdue").locator(f"tr[data-rule=F1][data-case='{case_no}']")
    expect(item).to_have_count(1)
    item.locator("a.button").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case_no}/assess-needs\?"))
    expect(page.locator("#occurred_on")).to_have_value(today().isoformat())
    page.select_option("#stage", "IDEA")
    page.check("#needs input[value=MENTOR]")
    assert submit(page) == 302  # saved, and on to the case page
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".flash.ok")).to_be_visible()

    page.goto("/queue")
    expect(page.locator("h1")).to_contain_text("我的待办")
    expect(queue_row(page, case_no, "F1")).to_have_count(0)


def test_a_wrong_check_digit_is_refused_beside_the_id_field_in_chinese(
    open_session: Any, live_server: LiveServer,
) -> None:
    session = open_session()
    page = session.login("caseworker")
    good = an_id_number()
    wrong = good[:17] + next(c for c in "0123456789X" if c != id_check_character(good[:17]))
    before = live_server.head()

    fill_enrolment(page, id_number=wrong)
    assert submit(page) == 422

    error = page.locator("#id_number-error")
    expect(error).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text()), error.inner_text()
    field = page.locator(".field", has=page.locator("#id_number"))
    expect(field).to_have_class(re.compile("has-error"))
    expect(field.locator("#id_number-error")).to_have_count(1)
    expect(page.locator("#id_number")).to_have_value(wrong)  # what was typed is kept
    assert live_server.head() == before
    session.screenshot("enrol-error-zh")


def test_two_caseworkers_edit_one_case_and_the_second_reapplies_after_the_conflict(
    open_session: Any, live_server: LiveServer,
) -> None:
    story = a_story(live_server.app)
    live_server.catch_up()
    form = f"/cases/{story.case_no}/record-follow-up"
    zhang, wang = open_session(), open_session()
    mine, theirs = zhang.login("caseworker"), wang.login("caseworker2")
    for page, summary in ((mine, "电话回访，经营正常"), (theirs, "上门走访，需要场地")):
        page.goto(form)
        page.select_option("#method", "PHONE")
        page.fill("#summary", summary)

    assert submit(theirs) == 302
    assert submit(mine) == 409

    expect(mine.locator("#conflict")).to_be_visible()
    change = mine.locator("table.changes tbody tr").first
    expect(change).to_contain_text("记录回访")  # what the colleague recorded, and who
    expect(change).to_contain_text("cw.wang")
    expect(mine.locator("dl.entered")).to_contain_text("电话回访，经营正常")
    zhang.screenshot("conflict-zh")
    assert story.events()[-1] == "FollowUpRecorded" and len(story.events()) == 2

    assert submit(mine, "form.reapply button.primary") == 302
    expect(mine).to_have_url(CASE_URL)
    assert story.events() == ["Enrolled", "FollowUpRecorded", "FollowUpRecorded"]
    summaries = [e.summary for e in list(story.cases.events.get(story.case_id))[1:]]
    assert summaries == ["上门走访，需要场地", "电话回访，经营正常"]


def test_english_is_chosen_in_the_header_and_kept_for_the_account(
    open_session: Any, live_server: LiveServer,
) -> None:
    session = open_session()
    page = session.login("caseworker")
    page.goto("/cases/new")  # drawn in Chinese first: nothing of it may stick
    expect(page.locator("#id_type option[value=RESIDENT_ID]")).to_have_text("居民身份证")

    page.click("header button[name=language]")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Enrol a returnee")
    expect(page.locator("label[for=id_number]")).to_have_text("ID number")
    expect(page.locator("#id_type option[value=RESIDENT_ID]")).to_have_text("Resident ID card")
    expect(page.locator("#returnee_type option[value=MIGRANT_WORKER]")).to_have_text(
        "Migrant worker")
    expect(page.locator(SAVE)).to_have_text("Enrol")
    page.goto("/cases")
    expect(page.locator("h1")).to_have_text("Cases")
    page.goto("/queue")
    expect(page.locator("h1")).to_contain_text("My queue")

    # Another browser (no cookie) signing in as the same account gets English too.
    again = open_session().login("caseworker")
    expect(again.locator("h1")).to_contain_text("My queue")
    assert live_server.services.accounts.find("cw.zhang").language == "en"

