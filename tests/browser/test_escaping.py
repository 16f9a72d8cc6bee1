"""Markup typed into a free-text field is shown as text in a real browser, and never runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.builders import a_uscc
from tests.e2e.pages.test_commands import a_story
from tests.registries import a_mentor

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def test_markup_in_a_business_name_and_a_mentor_shows_literally_and_never_runs(
    open_session: Any, live_server: LiveServer,
) -> None:
    story = a_story(live_server.app)
    story.do("register_business", occurred_on=date(2015, 6, 1), uscc=a_uscc("92"),
             entity_type="INDIVIDUAL_BUSINESS", name=f"小吃店{HOSTILE}"[:100],
             first_time_founder=True, premises="RENTED")
    story.do("assign_mentor", occurred_on=date(2015, 3, 1), mentor_id=a_mentor(story.cases),
             group_ref=HOSTILE[:64])
    live_server.catch_up()
    session = open_session()
    page = session.login("caseworker")

    page.goto(f"/cases/{story.case_no}")

    business = page.locator("#business-title + .table-wrap td").first
    expect(business).to_contain_text(f"小吃店{HOSTILE}"[:100])
    expect(page.locator("main")).to_contain_text(HOSTILE[:64])
    assert page.locator("main img[src=x]").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
