"""Registry journeys in a real browser: searching the resource lists, revoking a filing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_journeys import submit
from tests.builders import PROVIDER_USCC
from tests.registries import a_mentor, a_provider, an_incubator


def test_a_caseworker_searches_the_mentors_and_opens_one(
    open_session: Any, live_server: LiveServer,
) -> None:
    cases = live_server.services.cases
    a_mentor(cases)
    a_mentor(cases, name="赵敏", specialties=["PREMISES"], industries=["餐饮"])
    an_incubator(cases)
    live_server.catch_up()
    session = open_session()
    page = session.login("caseworker")

    page.click("nav.main-nav >> text=资源名录")
    page.fill("#q", "餐饮")
    page.click("form[role=search] button.primary")
    page.wait_for_load_state()

    rows = page.locator("table.registry tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("赵敏")
    expect(page.locator("#total")).to_have_text("共找到 1 条。")
    session.screenshot("registries-zh")
    page.click("table.registry >> text=赵敏")
    expect(page.locator("h1")).to_contain_text("赵敏")
    expect(page.locator("main")).to_contain_text("结对对象与辅导情况")
    page.click(".case-crumb a")
    page.click("nav.tabs >> text=孵化基地与园区")
    expect(page.locator("table.registry tbody tr")).to_have_count(1)
    page.goto("/registries/mentors?lang=en&tag=PREMISES")
    expect(page.locator("#total")).to_have_text("1 entries found.")
    session.screenshot("registries-en")


def test_a_supervisor_revokes_a_filing_only_with_a_reason(
    open_session: Any, live_server: LiveServer,
) -> None:
    cases = live_server.services.cases
    a_provider(cases, district="370303")
    live_server.catch_up()
    session = open_session()
    page = session.login("supervisor")

    page.goto("/registries/providers")
    page.click(f"tr[data-key='{PROVIDER_USCC}'] a")
    status = submit(page, "#revoke-form button.primary")

    assert status == 422
    expect(page.locator("#revoke-form #reason-error")).to_have_text("此项为必填。")
    page.fill("#revoke-form #reason", "培训记录造假，依规撤销备案")
    assert submit(page, "#revoke-form button.primary") == 302
    expect(page.locator("#entry-status")).to_have_text("已撤销备案")
    expect(page.locator("table.history")).to_contain_text("培训记录造假，依规撤销备案")
