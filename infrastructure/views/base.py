"""SQL views on SQLAlchemy 2 Core, the same code on SQLite and PostgreSQL.

A view's rows live in tables of a numbered *generation* (``case_list_g3``).
The live generation is named in ``view_generations``; a rebuild fills the next
generation beside it and then points the view at it in one transaction, so
the view stays readable throughout.  Each generation has its own tracking
row in ``view_tracking``, written in the same transaction as the rows it
accounts for: a view is exactly the events up to its tracking position.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from operator import itemgetter
from time import monotonic, sleep
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking, WaitInterruptedError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    exc,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from application.projections import View


@dataclass
class ViewDatabase:
    """Where the views live: an engine and the schema's bookkeeping tables."""

    engine: Engine
    metadata: MetaData

    def __post_init__(self) -> None:
        self.generations = Table(
            "view_generations", self.metadata,
            Column("view", String(64), primary_key=True),
            Column("generation", Integer, nullable=False),
        )
        self.tracking = Table(
            "view_tracking", self.metadata,
            Column("view", String(80), primary_key=True),
            Column("application_name", String(64), primary_key=True),
            Column("notification_id", BigInteger, nullable=False),
        )
        self.metadata.create_all(self.engine, [self.generations, self.tracking])
        self.defined: dict[tuple[str, int], dict[str, Table]] = {}
        self.upserts: dict[Table, Any] = {}
        self.compiled: dict[tuple[Table, str], _Compiled | None] = {}

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def insert(self, table: Table) -> Any:
        """An INSERT that can say ON CONFLICT in this database's dialect."""
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def generation(self, conn: Connection, view: str) -> int:
        found = conn.execute(self._generation_of, {"view": view}).scalar()
        return int(found) if found is not None else 1

    @cached_property
    def _generation_of(self) -> Any:
        """The generation lookup, built once: every read of a view asks it."""
        return select(self.generations.c.generation).where(
            self.generations.c.view == bindparam("view"))

    def execute_many(self, conn: Connection, table: Table, kind: str, statement: Any,
                     rows: list[dict[str, Any]]) -> None:
        """``statement`` (an INSERT or upsert of ``table``) once per row, in one executemany.

        Compiled once per table and kind; each row's values go through the columns'
        own bind processors (so they are stored as SQLAlchemy would store them) and
        straight to the driver, without building SQLAlchemy's parameters row by row:
        a rebuild writes hundreds of thousands of rows.  A table whose columns have
        defaults, or rows that lack a column, take SQLAlchemy's way.
        """
        key = (table, kind)
        if key not in self.compiled:
            self.compiled[key] = _Compiled.of(statement, table, self.engine.dialect)
        compiled = self.compiled[key]
        if compiled is not None:
            try:
                parameters = compiled.parameters(rows)
            except KeyError:
                pass
            else:
                if kind == "insert" and self.is_postgres and len(rows) >= COPY_FROM_ROWS:
                    self._copy(conn, table, compiled.columns, parameters)
                else:
                    conn.exec_driver_sql(compiled.sql, compiled.named(parameters))
                return
        conn.execute(statement, rows)

    def _copy(self, conn: Connection, table: Table, columns: tuple[str, ...],
              rows: list[tuple[Any, ...]]) -> None:
        """Plain rows appended with PostgreSQL's ``COPY … FROM STDIN``, in the connection's
        transaction: its bulk-load path, for the thousands of rows a batch of a rebuild
        or a catch-up appends (a rebuild of all views took 30% less time than with
        INSERTs in ``bench/projections.py``)."""
        preparer = self.engine.dialect.identifier_preparer
        target = preparer.format_table(table)
        names = ", ".join(preparer.quote(name) for name in columns)
        raw = conn.connection.driver_connection
        try:
            with raw.cursor() as cursor, \
                    cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.IntegrityError as error:  # as an INSERT would fail
            raise exc.IntegrityError(f"COPY {target}", None, error) from error


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for one dialect, and how each row becomes its parameters."""

    sql: str
    names: tuple[str, ...]  # the parameters, in the statement's order when positional
    columns: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)
    positional: bool

    @classmethod
    def of(cls, statement: Any, table: Table, dialect: Any) -> _Compiled | None:
        if any(c.default is not None or c.server_default is not None or c.onupdate is not None
               for c in table.columns):
            return None
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup if dialect.positional else compiled.binds)
        columns = tuple(compiled.binds[name].key for name in names)
        if not columns or any(column not in table.c for column in columns):
            return None
        escaped = getattr(compiled, "escaped_bind_names", None) or {}
        processors = []
        for index, column in enumerate(columns):
            impl = table.c[column].type.dialect_impl(dialect)
            processor = impl.bind_processor(dialect)
            if processor is not None:
                processors.append((index, _quicker(impl, processor)))
        return cls(sql=compiled.string, names=tuple(escaped.get(n, n) for n in names),
                   columns=columns, processors=tuple(processors),
                   positional=dialect.positional)

    @cached_property
    def values_of(self) -> Callable[[dict[str, Any]], Any]:
        """A row's values in the statement's order (KeyError if it lacks a column)."""
        get = itemgetter(*self.columns)
        return get if len(self.columns) > 1 else lambda row: (get(row),)

    def parameters(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Each row's values in the columns' order, converted as the columns' types
        convert them."""
        values_of, processors = self.values_of, self.processors
        found: list[Any] = []
        for row in rows:
            values = list(values_of(row))
            for index, processor in processors:
                value = values[index]
                if value is not None:
                    values[index] = processor(value)
            found.append(tuple(values))
        return found

    def named(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        """Rows of values as the statement takes them (by name, unless positional)."""
        if self.positional:
            return rows
        return [dict(zip(self.names, values, strict=True)) for values in rows]


def _quicker(impl: Any, processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's date processor, as ``isoformat`` where that gives the same text."""
    if isinstance(impl, sqlite.DATE) and impl._storage_format == sqlite.DATE._storage_format:
        def date_text(value: Any) -> Any:
            return value.isoformat() if type(value) is date else processor(value)

        return date_text
    return processor


@dataclass
class _Batch:
    """An open batch: its connection, generation, last position and buffered upserts."""

    conn: Connection
    generation: int
    positions: list[Tracking]
    upserts: dict[Table, dict[Any, dict[str, Any]]]
    inserts: dict[Table, list[dict[str, Any]]]
    groups: dict[tuple[Table, str], dict[Any, list[dict[str, Any]]]]


#: From how many rows an append to a PostgreSQL view goes by ``COPY`` (fewer: INSERT).
COPY_FROM_ROWS = 50
#: How long :meth:`SQLView.wait` sleeps between looks at first, and at most.
WAIT_FIRST_PAUSE, WAIT_LONGEST_PAUSE = 0.005, 0.05

_batch: ContextVar[_Batch | None] = ContextVar("view_batch", default=None)


class SQLView(View):
    """Base of the SQL views: generations, tracking, batches, checksums."""

    name: str

    def __init__(self, db: ViewDatabase, generation: int | None = None) -> None:
        self.db = db
        self.fixed_generation = generation

    # ------------------------------------------------------------ to implement
    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        """The view's tables, named with ``suffix`` (``_g3``)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- tables
    def tables(self, generation: int, *, indexes: bool = True) -> dict[str, Table]:
        """The generation's tables, created on first use (in this process); with
        ``indexes=False`` a new generation's tables are created without their
        non-unique indexes (see :meth:`without_indexes`)."""
        key = (self.name, generation)
        if key not in self.db.defined:
            tables = self.define_tables(self.db.metadata, f"_g{generation}")
            try:
                self._create(tables, f"{self.name}_g{generation}", indexes)
            except BaseException:  # defined again on the next try, not left half-known
                for table in tables.values():
                    self.db.metadata.remove(table)
                raise
            self.db.defined[key] = tables
        return self.db.defined[key]

    def _create(self, tables: dict[str, Table], label: str, indexes: bool = True) -> None:
        """Create the tables unless they exist, one process at a time on PostgreSQL.

        Web and projection workers meet a new generation at once; two sessions
        creating one table together collide in PostgreSQL's catalogue.
        """
        with self.db.engine.begin() as conn:
            if self.db.is_postgres:
                ddl_lock(conn, self.db.metadata.schema, label)
            if indexes:
                self.db.metadata.create_all(conn, list(tables.values()))
                self.complete_tables(conn, tables, loaded=False)
                return
            for table in tables.values():
                if not inspect(conn).has_table(table.name, schema=table.schema):
                    conn.execute(CreateTable(table))
                    for index in table.indexes:
                        if index.unique:
                            index.create(conn)

    def without_indexes(self, generation: int) -> list[Index]:
        """Create a new generation's tables without their non-unique indexes; return those.

        For a bulk load (a rebuild): an index built once over the loaded rows costs
        much less than one kept up to date row by row.  Unique indexes are made at
        once, since they check the rows as they come.
        """
        if (self.name, generation) in self.db.defined:
            raise RuntimeError(f"{self.name} generation {generation} is already defined")
        return [index for table in self.tables(generation, indexes=False).values()
                for index in table.indexes if not index.unique]

    def complete_tables(self, conn: Connection, tables: dict[str, Table], *,
                        loaded: bool) -> None:
        """What a view keeps beside its tables (triggers, say), made once its tables are
        there: empty, or ``loaded`` by a rebuild, whose rows it must then account for.
        Made at most once per generation, however often it is asked (each process asks
        for a live generation's tables on first use)."""

    def add_indexes(self, generation: int, indexes: list[Index]) -> None:
        """Create indexes left out by :meth:`without_indexes`, then complete the tables.

        On PostgreSQL the loaded tables are then vacuumed and analysed: a freshly
        loaded table's pages are not yet marked all-visible, so a count or a page
        read from a covering index would still visit every row, and its statistics
        would be those of an empty table until autovacuum came by.
        """
        with self.db.engine.begin() as conn:
            for index in indexes:
                index.create(conn)
            self.complete_tables(conn, self.tables(generation), loaded=True)
        if self.db.is_postgres:
            loaded = {id(index.table): index.table for index in indexes}
            with self.db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as conn:
                for table in loaded.values():
                    name = conn.dialect.identifier_preparer.format_table(table)
                    conn.execute(text(f"VACUUM (ANALYZE) {name}"))

    def forget_tables(self, generation: int) -> None:
        """Forget a dropped generation's table definitions."""
        for table in self.db.defined.pop((self.name, generation), {}).values():
            self.db.upserts.pop(table, None)
            for kind in ("insert", "upsert"):
                self.db.compiled.pop((table, kind), None)
            self.db.metadata.remove(table)

    def current_generation(self, conn: Connection) -> int:
        if self.fixed_generation is not None:
            return self.fixed_generation
        return self.db.generation(conn, self.name)

    def tracking_key(self, generation: int) -> str:
        return f"{self.name}@{generation}"

    # ------------------------------------------------------------ transactions
    @contextmanager
    def writing(self, tracking: Tracking | None) -> Iterator[tuple[Connection, dict[str, Table]]]:
        """A connection in a transaction that ends by advancing the tracking position."""
        batch = _batch.get()
        if batch is not None:
            yield batch.conn, self.tables(batch.generation)
            if tracking is not None:
                batch.positions.append(tracking)
            return
        generation, tables = self._prepared()
        with _as_replay_error(), self.db.engine.begin() as conn:
            if tracking is not None:
                self._advance(conn, generation, tracking)
            yield conn, tables

    def _prepared(self) -> tuple[int, dict[str, Table]]:
        """The generation to write and its tables, created before any write transaction
        (on SQLite, DDL on a second connection would wait for the writer's lock)."""
        with self.db.engine.connect() as conn:
            generation = self.current_generation(conn)
        return generation, self.tables(generation)

    @contextmanager
    def batch(self) -> Iterator[None]:
        generation, _ = self._prepared()
        with _as_replay_error(), self.db.engine.begin() as conn:
            batch = _Batch(conn, generation, [], {}, {}, {})
            token = _batch.set(batch)
            try:
                yield
            finally:
                _batch.reset(token)
            # The position first: a batch already applied fails before touching rows.
            if batch.positions:
                self._advance(conn, batch.generation, batch.positions[-1])
            for table, rows in batch.upserts.items():
                self.db.execute_many(conn, table, "upsert", self.upsert_statement(table),
                                     list(rows.values()))
            for table, new_rows in batch.inserts.items():
                self.db.execute_many(conn, table, "insert", table.insert(), new_rows)
            for (table, column), groups in batch.groups.items():
                self._replace(conn, table, column, groups)

    def upsert(self, conn: Connection, table: Table, values: dict[str, Any]) -> None:
        """Insert or replace a row by its primary key; in a batch, the last one wins."""
        batch = _batch.get()
        if batch is not None:
            key = tuple(values[c.name] for c in table.primary_key.columns)
            batch.upserts.setdefault(table, {})[key] = values
        else:
            conn.execute(self.upsert_statement(table), values)

    def insert_rows(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Append rows; in a batch, written together when the batch ends."""
        batch = _batch.get()
        if batch is not None:
            batch.inserts.setdefault(table, []).extend(rows)
        elif rows:
            conn.execute(table.insert(), rows)

    def buffered_rows(self, table: Table) -> list[dict[str, Any]]:
        """The rows of ``table`` the open batch will insert when it ends (none outside one)."""
        batch = _batch.get()
        return batch.inserts.get(table, []) if batch is not None else []

    def replace_group(self, conn: Connection, table: Table, column: str, value: Any,
                      rows: list[dict[str, Any]]) -> None:
        """Replace every row whose ``column`` is ``value``; in a batch, the last one wins."""
        batch = _batch.get()
        if batch is not None:
            batch.groups.setdefault((table, column), {})[value] = rows
        else:
            self._replace(conn, table, column, {value: rows})

    def _replace(self, conn: Connection, table: Table, column: str,
                 groups: dict[Any, list[dict[str, Any]]]) -> None:
        keys = list(groups)
        for start in range(0, len(keys), 500):
            conn.execute(table.delete().where(table.c[column].in_(keys[start:start + 500])))
        rows = [row for group in groups.values() for row in group]
        if rows:
            self.db.execute_many(conn, table, "insert", table.insert(), rows)

    def upsert_statement(self, table: Table) -> Any:
        """INSERT … ON CONFLICT DO UPDATE with bound parameters (built and compiled once)."""
        if table in self.db.upserts:
            return self.db.upserts[table]
        insert = self.db.insert(table)
        keys = [c.name for c in table.primary_key.columns]
        statement = insert.on_conflict_do_update(
            index_elements=keys,
            set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys},
        )
        self.db.upserts[table] = statement
        return statement

    @contextmanager
    def reading(self) -> Iterator[tuple[Connection, dict[str, Table]]]:
        with self.db.engine.connect() as conn:
            key = (self.name, self.current_generation(conn))
            tables = self.db.defined.get(key)
            if tables is None:  # first use in this process: create outside this connection
                _, tables = self._prepared()
            yield conn, tables

    def _advance(self, conn: Connection, generation: int, tracking: Tracking) -> None:
        """Move the position forward, or fail so that nothing is applied twice."""
        table, key = self.db.tracking, self.tracking_key(generation)
        moved = conn.execute(
            update(table)
            .where(table.c.view == key, table.c.application_name == tracking.application_name,
                   table.c.notification_id < tracking.notification_id)
            .values(notification_id=tracking.notification_id)
        ).rowcount
        if moved:
            return
        inserted = conn.execute(
            self.db.insert(table)
            .values(view=key, application_name=tracking.application_name,
                    notification_id=tracking.notification_id)
            .on_conflict_do_nothing()
        ).rowcount
        if not inserted:
            raise IntegrityError(
                f"{key} is already at or past notification {tracking.notification_id}"
            )

    # ---------------------------------------------------- TrackingRecorder API
    def insert_tracking(self, tracking: Tracking) -> None:
        with self.writing(tracking):
            pass

    def advance(self, tracking: Tracking) -> None:
        batch = _batch.get()
        if batch is not None:  # what most events of a batch do: only the last one is written
            batch.positions.append(tracking)
            return
        self.insert_tracking(tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.db.engine.connect() as conn:
            return self._position(conn, application_name)

    def _position(self, conn: Connection, application_name: str) -> int | None:
        key = self.tracking_key(self.current_generation(conn))
        table = self.db.tracking
        return conn.execute(
            select(table.c.notification_id)
            .where(table.c.view == key, table.c.application_name == application_name)
        ).scalar()

    def wait(self, application_name: str, notification_id: int | None, timeout: float = 1.0,
             interrupt: threading.Event | None = None) -> None:
        """Block until the view has processed ``notification_id`` (the library's contract).

        The library polls at 0.1, 0.3, 0.7 and 1.5 s, so a view that is ready after
        120 ms is seen at 300 ms.  A view is usually a few milliseconds behind, so
        this polls every 5 ms at first, then less often, never more than 50 ms apart
        (a lookup by primary key each time).  One connection serves the whole wait,
        in autocommit so that every look sees what has been committed since.
        """
        if notification_id is None:
            return
        deadline, pause = monotonic() + timeout, WAIT_FIRST_PAUSE
        with self.db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while (self._position(conn, application_name) or 0) < notification_id:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"Timed out waiting for notification {notification_id} "
                                       f"from application '{application_name}' to be processed")
                if interrupt is None:
                    sleep(min(pause, remaining))
                elif interrupt.wait(timeout=min(pause, remaining)):
                    raise WaitInterruptedError
                pause = min(pause * 2, WAIT_LONGEST_PAUSE)

    # -------------------------------------------------------------- inspection
    def row_count(self) -> int:
        with self.reading() as (conn, tables):
            return sum(int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                       for t in tables.values())

    def checksum(self) -> str:
        digest = hashlib.sha256()
        with self.reading() as (conn, tables):
            for name in sorted(tables):
                table = tables[name]
                order = list(table.primary_key.columns) or list(table.columns)
                digest.update(name.encode())
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update(json.dumps([_plain(v) for v in row], ensure_ascii=False,
                                             default=str).encode())
        return digest.hexdigest()


def ddl_lock(conn: Connection, schema: str | None, label: str) -> None:
    """Hold PostgreSQL's lock on ``label``'s DDL in the schema until the transaction ends:
    two sessions creating one object at once collide in the catalogue."""
    key = zlib.crc32(f"homeward-ddl-{schema}-{label}".encode())
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@contextmanager
def _as_replay_error() -> Iterator[None]:
    """A duplicate row means events were applied twice: the library's IntegrityError."""
    try:
        yield
    except exc.IntegrityError as error:
        raise IntegrityError(str(error.orig)) from error


def row_values(row: Any) -> dict[str, Any]:
    """A frozen dataclass row as column values (shallow: rows hold plain values)."""
    return dict(vars(row))


def _plain(value: Any) -> Any:
    """One representation per value whichever database returned it."""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    return value if isinstance(value, (int, str, bool, type(None))) else str(value)


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
