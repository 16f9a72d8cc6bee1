"""Signing in and switching language in a real browser."""

from __future__ import annotations

from typing import Any


def test_sign_in_page_is_chinese_and_switches_to_english(open_session: Any) -> None:
    session = open_session()
    page = session.page

    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    session.screenshot("login-zh")
    page.click("button[name=language]")

    assert page.locator("h1").inner_text() == "Sign in"
    session.screenshot("login-en")


def test_a_wrong_password_is_refused_beside_the_field(open_session: Any) -> None:
    session = open_session()
    page = session.page

    page.goto("/login")
    page.fill("#username", "cw.zhang")
    page.fill("#password", "not-the-password")
    page.click("button.primary")

    assert "用户名或密码错误" in page.locator("#password-error").inner_text()


def test_a_phone_sized_screen_shows_the_sign_in_form_whole(open_session: Any) -> None:
    session = open_session(viewport={"width": 390, "height": 844})
    page = session.page

    session.login("caseworker")

    assert page.url.rstrip("/") != session.server.url + "/login"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
