"""Fixtures: real stores (a SQLite file, the PostgreSQL server), real app, real CLI."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from psycopg import sql

from application.cases import Cases
from domain.accounts import Account
from domain.recording import Recorder, Role, recording_as
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings, postgres_env

#: The PostgreSQL server the suite runs against; a test that cannot reach it fails.
PG_URL = os.environ.get("HOMEWARD_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_connect(url: str = PG_URL) -> psycopg.Connection:
    env = postgres_env(url)
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite3'}"
        return
    schema = f"test_{uuid4().hex[:16]}"
    yield f"{PG_URL}?schema={schema}"
    with pg_connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def make_settings(store_url: str, instance: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"HOMEWARD_INSTANCE_PATH": str(instance), "HOMEWARD_DATABASE_URL": store_url, **env}
    )


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return make_settings(store_url, tmp_path / "instance")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture
def cases(services: Services) -> Cases:
    return services.cases


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[Services]:
    """Services on a SQLite file only, for tests that are about rules, not stores."""
    built = bootstrap(make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}",
                                    tmp_path / "instance"))
    yield built
    built.close()


@pytest.fixture
def sqlite_cases(sqlite_services: Services) -> Cases:
    return sqlite_services.cases


@pytest.fixture
def caseworker() -> Iterator[Recorder]:
    """Record as caseworker ``cw-1`` for the whole test."""
    with recording_as("cw-1", Role.CASEWORKER, "req-test") as recorder:
        yield recorder


def build_app(settings: Settings, **config: object) -> Flask:
    """The real app, with argon2 made cheap so that tests can sign in often."""
    from argon2 import PasswordHasher

    from web import create_app

    application = create_app(settings, TESTING=True, HOMEWARD_I18N_STRICT=True,
                             HOMEWARD_INLINE_PROJECTIONS=True, **config)
    accounts = application.extensions["homeward"].accounts
    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._dummy_hash = accounts.hasher.hash("not a password")
    return application


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance")
    application = build_app(settings)
    yield application
    application.extensions["homeward"].close()
    assert_all_translated(application)


@pytest.fixture
def store_app(settings: Settings) -> Iterator[Flask]:
    """The app on each store (SQLite file, PostgreSQL schema)."""
    application = build_app(settings)
    yield application
    application.extensions["homeward"].close()
    assert_all_translated(application)


def assert_all_translated(application: Flask) -> None:
    """Every string a page asked for in Chinese had its translation."""
    missing = sorted(application.extensions["untranslated"])
    assert not missing, f"strings without a Chinese translation: {missing}"


PASSWORD = "correct-horse-battery"
#: key: (user name, role, district). 370303 张店区 and 370302 淄川区 lie in 370300 淄博市.
ACCOUNTS = {
    "caseworker": ("cw.zhang", "caseworker", "370303"),
    "caseworker2": ("cw.wang", "caseworker", "370303"),
    "neighbour": ("cw.zichuan", "caseworker", "370302"),
    "outsider": ("cw.ganzhou", "caseworker", "620702"),
    "supervisor": ("sup.li", "supervisor", "370303"),
    "city_supervisor": ("sup.zibo", "supervisor", "370300"),
    "investigator": ("inv.wu", "investigator", "370000"),
    "admin": ("admin.zhao", "admin", "370000"),
}


def add_accounts(application: Flask) -> dict[str, Account]:
    accounts = application.extensions["homeward"].accounts
    return {key: accounts.add(username=name, password=PASSWORD, role=role, district=district)
            for key, (name, role, district) in ACCOUNTS.items()}


class AuthActions:
    """Sign in and out through the real login form (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient, accounts: dict[str, Account]) -> None:
        self.client, self.accounts = client, accounts

    def login(self, key: str = "caseworker", password: str = PASSWORD) -> Any:
        token = self.csrf_token("/login")
        return self.client.post("/login", data={
            "username": self.accounts[key].username, "password": password, "csrf_token": token})

    def logout(self) -> Any:
        return self.client.post("/logout", data={"csrf_token": self.csrf_token("/login")})

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the form served at ``path``."""
        page = self.client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found[1]


@pytest.fixture
def accounts(app: Flask) -> dict[str, Account]:
    return add_accounts(app)


@pytest.fixture
def auth(client: FlaskClient, accounts: dict[str, Account]) -> AuthActions:
    return AuthActions(client, accounts)


@pytest.fixture
def login_as(auth: AuthActions) -> Any:
    """``login_as("supervisor")`` signs the test client in as that account."""

    def sign_in(key: str) -> AuthActions:
        auth.logout()
        answer = auth.login(key)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return auth

    return sign_in


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
