"""Fixtures: real stores (a SQLite file, the PostgreSQL server), real app, real CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from psycopg import sql

from application.cases import Cases
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


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    from web import create_app

    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance")
    application = create_app(settings, TESTING=True)
    yield application
    application.extensions["homeward"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
