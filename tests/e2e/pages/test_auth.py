"""Signing in and out, throttling, headers and the language switch through the real app."""

from __future__ import annotations

from flask.testing import FlaskClient

from infrastructure.settings import Settings
from tests.conftest import AuthActions, add_accounts, build_app


def test_the_start_page_sends_a_stranger_to_sign_in(client: FlaskClient) -> None:
    answer = client.get("/")

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/login")


def test_signing_in_with_the_right_password_starts_a_session(auth: AuthActions) -> None:
    answer = auth.login("caseworker")

    assert answer.status_code == 302
    assert "cw.zhang" in auth.client.get("/me").get_data(as_text=True)


def test_a_wrong_password_is_refused_in_chinese_and_nothing_says_which_part_was_wrong(
    auth: AuthActions,
) -> None:
    answer = auth.login("caseworker", password="not-the-password")

    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.get_data(as_text=True)
    assert auth.client.get("/me").status_code == 302  # still signed out


def test_a_login_without_its_csrf_token_is_refused(client: FlaskClient, accounts: dict) -> None:
    answer = client.post("/login", data={"username": "cw.zhang", "password": "x"})

    assert answer.status_code == 400
    assert "表单已过期" in answer.get_data(as_text=True)


def test_repeated_failures_are_throttled_even_with_the_right_password(auth: AuthActions) -> None:
    for _ in range(5):
        assert auth.login("caseworker", password="wrong-password!").status_code == 401

    answer = auth.login("caseworker")

    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0


def test_a_disabled_account_loses_its_session(auth: AuthActions) -> None:
    auth.login("caseworker")
    auth.client.application.extensions["homeward"].accounts.disable("cw.zhang")

    assert auth.client.get("/me").status_code == 302


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    answer = client.get("/login")

    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_language_switch_is_kept_on_the_account(auth: AuthActions) -> None:
    auth.login("caseworker")
    token = auth.csrf_token("/me")

    auth.client.post("/language", data={"language": "en", "next": "/me",
                                        "csrf_token": token})
    auth.client.delete_cookie("lang")

    assert "My account" in auth.client.get("/me").get_data(as_text=True)
    assert auth.client.application.extensions["homeward"].accounts.find(
        "cw.zhang").language == "en"


def test_sign_in_does_not_follow_a_next_link_to_another_site(auth: AuthActions) -> None:
    token = auth.csrf_token("/login")
    answer = auth.client.post("/login?next=https://evil.example/", data={
        "username": "cw.zhang", "password": "correct-horse-battery", "csrf_token": token})

    assert answer.headers["Location"] == "/"


def test_throttling_holds_across_processes_sharing_a_store(settings: Settings) -> None:
    # Two apps on one store stand for two gunicorn workers (or two hosts).
    first, second = build_app(settings), build_app(settings)
    try:
        accounts = add_accounts(first)
        one = AuthActions(first.test_client(), accounts)
        other = AuthActions(second.test_client(), accounts)
        for _ in range(5):
            assert one.login("caseworker", password="wrong-password!").status_code == 401

        assert other.login("caseworker").status_code == 429
    finally:
        for app in (first, second):
            app.extensions["homeward"].close()


def test_disabling_an_account_in_another_process_ends_its_sessions_within_moments(
    settings: Settings,
) -> None:
    import time

    from application.accounts import ACCOUNT_TTL

    web, admin = build_app(settings), build_app(settings)
    try:
        auth = AuthActions(web.test_client(), add_accounts(web))
        auth.login("caseworker")
        assert auth.client.get("/me").status_code == 200

        admin.extensions["homeward"].accounts.disable("cw.zhang")
        time.sleep(ACCOUNT_TTL + 0.1)

        assert auth.client.get("/me").status_code == 302  # back to the sign-in page
    finally:
        for app in (web, admin):
            app.extensions["homeward"].close()
