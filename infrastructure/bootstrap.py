"""The one place that builds Homeward's concrete parts from its settings."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from application.accounts import Accounts
from application.cases import Cases
from application.rulesets import load_rule_book
from infrastructure.accounts import account_store
from infrastructure.projections import Views, build_views
from infrastructure.settings import Settings, postgres_env


@dataclass
class Services:
    """What a process (web worker, CLI command, projection worker) works with."""

    settings: Settings
    cases: Cases
    views: Views
    accounts: Accounts

    def close(self) -> None:
        self.views.db.engine.dispose()
        self.accounts.store.engine.dispose()
        self.cases.close()


def bootstrap(settings: Settings) -> Services:
    """Build the services for ``settings`` (once per process)."""
    if settings.is_postgres:
        ensure_schema(settings.database_url)
    rules = load_rule_book([settings.rules_dir] if settings.rules_dir else [])
    cases = Cases(
        env=settings.eventsourcing_env(),
        identity_hasher=settings.keys.identity_hasher(),
        rules=rules,
    )
    views = build_views(settings, cases)
    store = account_store(settings, views.db.engine, views.db.metadata)
    return Services(settings=settings, cases=cases, views=views, accounts=Accounts(store))


def ensure_schema(url: str) -> None:
    """Create the PostgreSQL schema named in the URL if it is missing."""
    env = postgres_env(url)
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]), autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(env["POSTGRES_SCHEMA"]))
        )
