"""The session cookie: HttpOnly and SameSite always, Secure in production."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from flask import Flask

from infrastructure.keys import VARIABLES, generate_keys
from tests.conftest import AuthActions, add_accounts, build_app, make_settings


def an_app(tmp_path: Path, **env: str) -> Iterator[Flask]:
    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance",
                             **env)
    application = build_app(settings)
    yield application
    application.extensions["homeward"].close()


@pytest.fixture
def production_app(tmp_path: Path) -> Iterator[Flask]:
    keys = {VARIABLES[name]: value for name, value in asdict(generate_keys()).items()}
    yield from an_app(tmp_path, HOMEWARD_ENV="production", **keys)


@pytest.fixture
def development_app(tmp_path: Path) -> Iterator[Flask]:
    yield from an_app(tmp_path)


def login_cookie(application: Flask) -> str:
    """The ``Set-Cookie`` header of a successful sign-in."""
    auth = AuthActions(application.test_client(), add_accounts(application))
    answer = auth.login("caseworker")
    assert answer.status_code == 302
    cookies = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(cookies) == 1
    return cookies[0]


def test_in_production_the_session_cookie_is_secure_httponly_and_samesite(
        production_app: Flask) -> None:
    cookie = login_cookie(production_app)

    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_in_development_the_session_cookie_is_not_secure_so_plain_http_works(
        development_app: Flask) -> None:
    cookie = login_cookie(development_app)

    assert "Secure" not in cookie
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
