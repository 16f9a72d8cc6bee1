"""The pages in a real browser: the dashboard's charts, nothing loaded from elsewhere, every
form whole on a phone, and screenshots of the main pages in both languages."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from playwright.sync_api import Page, expect

from domain.codes import id_check_character
from domain.recording import Role, recording_as
from domain.values import today
from tests.browser.conftest import LiveServer, Session
from tests.browser.test_journeys import fill_enrolment
from tests.builders import CLASS_NO, PROVIDER_USCC, an_id_number, days_ago
from tests.e2e.pages.test_commands import (
    Story,
    a_story,
    closed,
    granted,
    pairing,
    pending_correction,
    subsidy_applied,
    training,
    transfer,
)
from tests.registries import training_resources
from web.commands.registry import COMMANDS, commands_for

PHONE = {"width": 390, "height": 844}
CHARTS = ("chart-months", "chart-districts", "chart-overdue")


def this_years_work(story: Story) -> None:
    """A course enrolled in and passed in the last two months (figures for the dashboard)."""
    training_resources(story.cases)
    ref = story.do("enrol_in_training", occurred_on=days_ago(60), course="SYB",
                   provider_uscc=PROVIDER_USCC, start_on=days_ago(55), planned_hours=80,
                   subsidised=True, class_approval_no=CLASS_NO)
    story.do("complete_training", occurred_on=days_ago(20), enrolment_ref=ref, result="PASSED",
             hours_attended=80, certificate_no=f"C-{uuid4().hex[:10]}", business_plan_grade="PASS")


def a_busy_case(server: LiveServer) -> Story:
    """A case with a course, a mentor, a business, a granted loan, a subsidy applied for
    and a correction waiting for approval: every picker on every form has something."""
    story = a_story(server.app)
    for setup in (training, pairing, granted, subsidy_applied, pending_correction):
        setup(story)
    return story


def a_wrong_id_number() -> str:
    """A resident ID number whose check character is wrong."""
    first17 = an_id_number()[:17]
    return first17 + next(c for c in "0123456789X" if c != id_check_character(first17))


def requests_of(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_the_dashboard_draws_its_charts_from_the_apps_own_files(
    open_session: Any, live_server: LiveServer,
) -> None:
    for _ in range(2):  # overdue needs assessments, and this year's courses
        this_years_work(a_story(live_server.app))
    live_server.catch_up()
    session = open_session()
    page = session.login("supervisor")
    seen = requests_of(page)

    page.goto("/dashboard")

    for chart in CHARTS:
        expect(page.locator(f"#{chart}[data-drawn] canvas").first).to_be_visible()
    expect(page.locator("#indicators tr[data-kpi=training_completions]")).to_be_visible()
    assert any(url.endswith("/static/vendor/echarts/echarts.min.js") for url in seen)
    assert seen and all(url.startswith(live_server.url + "/") for url in seen), seen
    session.watch.check()  # no console error, nothing asked of another host


def test_a_form_page_asks_nothing_of_another_host(
    open_session: Any, live_server: LiveServer,
) -> None:
    story = a_story(live_server.app)
    session = open_session()
    page = session.login("caseworker")
    seen = requests_of(page)

    page.goto(f"/cases/{story.case_no}/apply-for-loan")
    page.goto("/cases/new")

    assert len(seen) >= 4 and all(url.startswith(live_server.url + "/") for url in seen), seen
    session.watch.check()


# --------------------------------------------------------------------- phone
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll("input, select, textarea, button")]
    .filter(e => e.type !== "hidden" && e.offsetParent !== null)
    .map(e => [e.id || e.name || e.textContent.trim(), e.getBoundingClientRect()])
    .filter(([, box]) => box.left < 0 || box.right > width + 0.5)
    .map(([name, box]) => `${name}: ${Math.round(box.left)}..${Math.round(box.right)}`);
  return {scrollWidth: document.documentElement.scrollWidth, outside: outside};
}"""


def assert_usable_on_a_phone(page: Page, path: str, submit: str) -> None:
    """No sideways scrolling, every control within the screen, the main button reachable."""
    answer = page.goto(path)
    assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= PHONE["width"], f"{path} scrolls sideways: {layout}"
    assert layout["outside"] == [], f"{path}: controls outside the screen: {layout}"
    button = page.locator(submit)
    button.scroll_into_view_if_needed()
    expect(button).to_be_enabled()
    expect(button).to_be_in_viewport()


def test_every_form_is_usable_on_a_phone(open_session: Any, live_server: LiveServer) -> None:
    busy, shut, moving = a_busy_case(live_server), a_story(live_server.app), a_story(
        live_server.app)
    closed(shut)
    transfer(moving)
    live_server.catch_up()
    services, accounts = live_server.services, live_server.accounts
    # (who, case): the supervisor may use every form of their county's cases; the
    # neighbouring county's supervisor receives the transfer.
    visits = [("supervisor", busy), ("supervisor", shut), ("city_supervisor", moving)]
    checked: set[str] = set()
    for key, story in visits:
        session = open_session(viewport=PHONE)
        if not checked:
            assert_usable_on_a_phone(session.page, "/login", "main form button.primary")
        page = session.login(key)
        if not checked:
            assert_usable_on_a_phone(page, "/cases/new", "main form button.primary")
        state = services.cases.get_case(story.case_id)
        for command in commands_for(accounts[key], state):
            if command.name in checked:
                continue
            assert_usable_on_a_phone(page, f"/cases/{story.case_no}/{command.name}",
                                     "form.command-form button.primary")
            checked.add(command.name)
    assert checked == set(COMMANDS), f"forms not checked: {set(COMMANDS) - checked}"


# --------------------------------------------------------------- screenshots
def switch_language(page: Page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.click("header button[name=language]")
        expect(page.locator("html")).to_have_attribute("lang", lang)


def shoot(session: Session, lang: str, name: str, path: str | None = None) -> None:
    if path is not None:
        session.page.goto(path)
    session.screenshot(f"{name}-{'zh' if lang == 'zh-CN' else 'en'}")


def caseworker_pages(session: Session, story: Story, lang: str) -> None:
    page = session.page
    case = f"/cases/{story.case_no}"
    shoot(session, lang, "queue", "/queue")
    shoot(session, lang, "cases", "/cases")
    shoot(session, lang, "enrol", "/cases/new")
    fill_enrolment(page, name="李四", id_number=a_wrong_id_number())
    page.click("main form button.primary")
    expect(page.locator("#id_number-error")).to_be_visible()
    shoot(session, lang, "enrol-error")
    shoot(session, lang, "case", case)
    shoot(session, lang, "history", f"{case}/history?from=v1&to=v{story.version}")
    shoot(session, lang, "form", f"{case}/record-follow-up")
    page.select_option("#method", "VISIT")
    page.fill("#summary", "上门走访，店铺经营正常")
    story.do("assess_needs", actor="cw.wang", occurred_on=days_ago(1), stage="STARTED",
             needs=["FINANCE_INFO", "MARKETING"])  # a colleague saves first
    page.click("form.command-form button.primary")
    expect(page.locator("#conflict")).to_be_visible()
    shoot(session, lang, "conflict")


def test_screenshots_of_the_main_pages_in_both_languages(
    open_session: Any, live_server: LiveServer,
) -> None:
    story = a_busy_case(live_server)
    this_years_work(story)
    with recording_as("admin.zhao", Role.ADMIN):
        for kpi, target in (("training_completions", 4), ("supported_start", 3)):
            story.cases.set_target("370303", today().year, kpi, target)
    live_server.catch_up()
    for key in ("caseworker", "supervisor", "admin"):
        session = open_session()
        session.login(key)
        for lang in ("zh-CN", "en"):
            switch_language(session.page, lang)
            if key == "caseworker":
                caseworker_pages(session, story, lang)
            elif key == "supervisor":
                session.page.goto("/dashboard")
                expect(session.page.locator("#chart-months canvas")).to_be_visible()
                shoot(session, lang, "dashboard")
            else:
                shoot(session, lang, "accounts", "/admin/accounts")
