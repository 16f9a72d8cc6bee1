"""The one place that builds Homeward's concrete parts from its settings."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import eventsourcing.persistence as es
import psycopg
import sqlalchemy.exc as sa
from psycopg import sql

from application.accounts import Accounts
from application.cases import Cases
from application.decoding import StreamRows
from application.mentor_places import mentees_in
from application.rulesets import load_rule_book
from infrastructure.accounts import account_store
from infrastructure.log_rows import stream_rows
from infrastructure.projections import Views, build_views
from infrastructure.settings import Settings, postgres_env


@dataclass
class Services:
    """What a process (web worker, CLI command, projection worker) works with."""

    settings: Settings
    cases: Cases
    views: Views
    accounts: Accounts
    #: Reads one case's stored rows faster than the recorder (a long case's replay).
    read_stream: StreamRows

    def close(self) -> None:
        self.views.db.engine.dispose()
        self.accounts.store.engine.dispose()
        self.cases.close()


class StoreUnreachableError(es.OperationalError):
    """Raised when the services cannot be built because the store cannot be reached."""


#: What building the services meets when the store is down, restarting or full.
UNREACHABLE = (psycopg.OperationalError, es.OperationalError, es.InterfaceError,
               sa.OperationalError, sa.InterfaceError, sa.TimeoutError)


def bootstrap(settings: Settings) -> Services:
    """Build the services for ``settings`` (once per process)."""
    rules = load_rule_book([settings.rules_dir] if settings.rules_dir else [])
    cases: Cases | None = None
    try:
        with schema_lock(settings):
            if settings.is_postgres:
                ensure_schema(settings.database_url)
            cases = Cases(
                env=settings.eventsourcing_env(),
                identity_hasher=settings.keys.identity_hasher(),
                rules=rules,
            )
            views = build_views(settings, cases)
            views.reopen = partial(bootstrap, settings)
            cases.current_mentees = mentees_in(views["registries"])
            store = account_store(settings, views.db.engine, views.db.metadata)
    except UNREACHABLE as error:
        if cases is not None:
            cases.close()  # its connection pool
        raise StoreUnreachableError(f"the store cannot be reached: {error}") from error
    return Services(settings=settings, cases=cases, views=views, accounts=Accounts(store),
                    read_stream=stream_rows(cases.recorder))


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """One process at a time creates the schema's tables, types and functions.

    Web workers and projection workers start together.  PostgreSQL refuses two
    sessions creating the same schema, table or type at once (a duplicate key in
    its catalogue) or replacing the same function ("tuple concurrently updated"),
    so each process takes its turn; the others find everything in place.
    """
    if not settings.is_postgres:
        yield
        return
    env = postgres_env(settings.database_url)
    key = zlib.crc32(f"homeward-schema-{env['POSTGRES_SCHEMA']}".encode())
    with _connect(env) as conn:
        conn.execute("SET lock_timeout = '60s'")  # a start never waits for ever
        conn.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])


def ensure_schema(url: str) -> None:
    """Create the PostgreSQL schema named in the URL if it is missing."""
    env = postgres_env(url)
    with _connect(env) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(env["POSTGRES_SCHEMA"]))
        )


def _connect(env: dict[str, str]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]), autocommit=True,
    )
