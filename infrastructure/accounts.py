"""Accounts in SQL tables beside the events (the same SQLite file, or PostgreSQL schema).

Accounts are not a view: they cannot be rebuilt from the case streams, so on
SQLite they live in the events' file (backed up with it), not the views' file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)

from application.accounts import AccountChange
from domain.accounts import Account
from domain.recording import Role
from infrastructure.settings import Settings


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SQLAccountStore:
    """The ``AccountStore`` on SQLAlchemy Core."""

    def __init__(self, engine: Engine, metadata: MetaData) -> None:
        self.engine = engine
        self.accounts = Table(
            "accounts", metadata,
            Column("id", String(36), primary_key=True),
            Column("username", String(40), nullable=False, unique=True),
            Column("display_name", String(80), nullable=False),
            Column("role", String(20), nullable=False),
            Column("district", String(6), nullable=False),
            Column("active", Boolean, nullable=False),
            Column("language", String(8), nullable=False),
            Column("password_hash", String(200), nullable=False),
        )
        self.changes = Table(
            "account_changes", metadata,
            Column("seq", Integer, primary_key=True, autoincrement=True),
            Column("account_id", String(36), nullable=False, index=True),
            Column("username", String(40), nullable=False),
            Column("change", String(40), nullable=False),
            Column("detail", Text, nullable=False),
            Column("actor", String(40), nullable=False),
            Column("at", DateTime(timezone=True), nullable=False),
        )
        self.tokens = Table(
            "api_tokens", metadata,
            Column("digest", String(64), primary_key=True),
            Column("account_id", String(36), nullable=False, index=True),
            Column("issued_at", DateTime(timezone=True), nullable=False),
        )
        self.failures = Table(
            "login_failures", metadata,
            Column("seq", Integer, primary_key=True, autoincrement=True),
            Column("key", String(120), nullable=False, index=True),
            Column("at", DateTime(timezone=True), nullable=False),
        )
        metadata.create_all(engine, [self.accounts, self.changes, self.tokens, self.failures])

    # ------------------------------------------------------------ accounts
    def get(self, account_id: UUID) -> tuple[Account, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.accounts).where(self.accounts.c.id == str(account_id))
            ).one_or_none()
        return (self._account(row), row.password_hash) if row else None

    def list(self) -> Sequence[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.accounts).order_by(self.accounts.c.username))
            return [self._account(row) for row in rows]

    def add(self, account: Account, password_hash: str, change: AccountChange) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(self.accounts).values(
                **self._row(account), password_hash=password_hash))
            self._log(conn, account.id, change)

    def save(self, account: Account, password_hash: str | None, change: AccountChange) -> None:
        values = self._row(account)
        if password_hash is not None:
            values["password_hash"] = password_hash
        with self.engine.begin() as conn:
            conn.execute(update(self.accounts)
                         .where(self.accounts.c.id == str(account.id)).values(**values))
            self._log(conn, account.id, change)

    def history(self, account_id: UUID) -> Iterator[AccountChange]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.changes)
                                .where(self.changes.c.account_id == str(account_id))
                                .order_by(self.changes.c.seq)).all()
        for row in rows:
            yield AccountChange(row.username, row.change, json.loads(row.detail),
                                row.actor, _utc(row.at))

    # -------------------------------------------------------------- tokens
    def add_token(self, account_id: UUID, token_hash: str, change: AccountChange) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(self.tokens).values(
                digest=token_hash, account_id=str(account_id), issued_at=change.at))
            self._log(conn, account_id, change)

    def account_for_token(self, token_hash: str) -> UUID | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(self.tokens.c.account_id)
                                 .where(self.tokens.c.digest == token_hash)).scalar()
        return UUID(found) if found else None

    # ----------------------------------------------------------- throttling
    def failures_since(self, keys: Sequence[str], since: datetime) -> dict[str, list[datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.failures.c.key, self.failures.c.at)
                                .where(self.failures.c.key.in_(list(keys)),
                                       self.failures.c.at >= since)).all()
        found: dict[str, list[datetime]] = {}
        for key, at in rows:
            found.setdefault(key, []).append(_utc(at))
        return found

    def record_failure(self, keys: Sequence[str], at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(self.failures), [{"key": key, "at": at} for key in keys])

    def clear_failures(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self.failures).where(self.failures.c.key == key))

    # -------------------------------------------------------------- helpers
    def _log(self, conn: Any, account_id: UUID, change: AccountChange) -> None:
        conn.execute(insert(self.changes).values(
            account_id=str(account_id), username=change.username, change=change.change,
            detail=json.dumps(change.detail, ensure_ascii=False, sort_keys=True),
            actor=change.actor, at=change.at))

    @staticmethod
    def _row(account: Account) -> dict[str, Any]:
        return {"id": str(account.id), "username": account.username,
                "display_name": account.display_name, "role": account.role.value,
                "district": account.district, "active": account.active,
                "language": account.language}

    @staticmethod
    def _account(row: Any) -> Account:
        return Account(id=UUID(row.id), username=row.username, display_name=row.display_name,
                       role=Role(row.role), district=row.district, active=bool(row.active),
                       language=row.language)


def account_store(settings: Settings, views_engine: Engine, views_metadata: MetaData
                  ) -> SQLAccountStore:
    """Accounts beside the events: PostgreSQL shares the views' engine and schema."""
    if settings.is_postgres:
        return SQLAccountStore(views_engine, MetaData(schema=views_metadata.schema))
    events_file = Path(settings.database_url.removeprefix("sqlite:///"))
    engine = create_engine(f"sqlite:///{events_file}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return SQLAccountStore(engine, MetaData())
