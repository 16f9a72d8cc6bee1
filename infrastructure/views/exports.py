"""A view's rows for an export, streamed from one snapshot as of a log position.

The rows and the view's tracking position are read in one snapshot (a
REPEATABLE READ transaction on PostgreSQL, a read transaction on SQLite), so
the position the file states is the position of its rows even while a worker
keeps the view live.  When the view stands elsewhere, the rows are those of a
scratch generation built beside it up to the position and dropped afterwards.
Rows are fetched ``yield_per`` at a time (a server-side cursor on PostgreSQL):
memory does not grow with the view.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Select, Table, func, or_, select

from application.exports import ExportFilter, Progress
from domain.values import BUREAU_TZ
from infrastructure.log_rows import log_rows
from infrastructure.views.base import SQLView, utc

if TYPE_CHECKING:
    from infrastructure.projections import Views

CHUNK = 2_000


@dataclass(frozen=True)
class Shape:
    """Which table of a view is exported, what each filter reads, and the row order."""

    table: str
    district: str | None
    day: str
    caseworker: str | None
    order: tuple[str, ...]


SHAPES = {
    "case_list": Shape("cases", "district", "enrolled_on", "caseworker_id",
                       ("case_no", "case_id")),
    "work_queue": Shape("items", "district", "due_on", "assignee", ("due_on", "case_id", "key")),
    "indicators": Shape("facts", "district", "on", None, ("on", "kpi", "case_id", "seq")),
    "audit_log": Shape("entries", None, "recorded_at", "actor", ("notification_id", "event_id")),
}


class ViewExports:
    """``application.exports.ViewSource`` over the SQL views."""

    log_rows = staticmethod(log_rows)

    def __init__(self, views: Views) -> None:
        self.views, self.db = views, views.db

    def position(self, view: str) -> int:
        return int(self.views[view].max_tracking_id(self.views.cases.name) or 0)

    def topics(self, view: str) -> tuple[str, ...]:
        return tuple(self.views.projection(view, self.views[view]).topics)

    def rows(self, view: str, filters: ExportFilter, position: int,
             progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        live: SQLView = self.views[view]
        with self.db.engine.connect() as conn:
            generation = self.db.generation(conn, view)
        tables, cases = live.tables(generation), self._case_numbers()
        with self.snapshot() as conn:
            if (self.db.generation(conn, view) == generation
                    and self._tracked(conn, live, generation) == position):
                yield from self._select(conn, view, tables, cases, filters, progress)
                return
        yield from self._rebuilt(view, live, position, filters, progress)

    def _rebuilt(self, view: str, live: SQLView, position: int, filters: ExportFilter,
                 progress: Progress | None) -> Iterator[dict[str, Any]]:
        """The rows of a scratch generation built up to ``position``."""
        from infrastructure.projections import catch_up, drop_generation

        generation = 1_000_000_000 + secrets.randbelow(1_000_000_000)  # apart from any other
        scratch = type(live)(self.db, generation=generation)
        drop_generation(scratch, generation)
        try:
            if position:
                catch_up(self.views.cases, self.views.projection(view, scratch), scratch,
                         stop=position, progress=progress)
            tables, cases = scratch.tables(generation), self._case_numbers()
            with self.snapshot() as conn:
                yield from self._select(conn, view, tables, cases, filters, progress)
        finally:
            drop_generation(scratch, generation)

    def _case_numbers(self) -> Table:
        """The live case list's table: case numbers never change, so any generation will do."""
        case_list = self.views["case_list"]
        with self.db.engine.connect() as conn:
            return case_list.tables(self.db.generation(conn, "case_list"))["cases"]

    def _tracked(self, conn: Connection, view: SQLView, generation: int) -> int:
        table = self.db.tracking
        found = conn.execute(select(table.c.notification_id).where(
            table.c.view == view.tracking_key(generation),
            table.c.application_name == self.views.cases.name)).scalar()
        return int(found or 0)

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A connection whose reads all see one state of the database."""
        with self.db.engine.connect() as conn:
            if self.db.is_postgres:
                conn.execution_options(isolation_level="REPEATABLE READ",
                                       postgresql_readonly=True)
            else:  # pysqlite begins no transaction for reads: without one each read is its own
                conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()

    def _select(self, conn: Connection, view: str, tables: dict[str, Table], cases: Table,
                filters: ExportFilter, progress: Progress | None) -> Iterator[dict[str, Any]]:
        shape = SHAPES[view]
        table = tables[shape.table]
        conditions = _conditions(table, shape, filters)
        joined = table.outerjoin(cases, cases.c.case_id == table.c.case_id)
        if view == "audit_log" and filters.districts:
            # A case's rows go with the case's district, an entry's or activity's with its own.
            district = func.coalesce(func.nullif(table.c.district, ""), cases.c.district)
            conditions.append(or_(*(district.like(f"{p}%") for p in filters.prefixes)))
        counted = joined if view == "audit_log" else table
        total = int(conn.execute(select(func.count()).select_from(counted).where(*conditions))
                    .scalar() or 0)
        query: Select[Any]
        if view == "case_list":
            query = select(table)
        elif view == "audit_log":
            query = select(table, cases.c.case_no, cases.c.district.label("case_district")
                           ).select_from(joined)
        else:
            query = select(table, cases.c.case_no).select_from(joined)
        query = query.where(*conditions).order_by(*(table.c[c] for c in shape.order))
        result = conn.execution_options(yield_per=CHUNK).execute(query)
        done = 0
        for part in result.mappings().partitions():
            for row in part:
                values = dict(row)
                for key, value in values.items():
                    if isinstance(value, datetime):
                        values[key] = utc(value)
                yield values
            done += len(part)
            if progress:
                progress(done, total)


def _conditions(table: Table, shape: Shape, filters: ExportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.districts and shape.district:
        column = table.c[shape.district]
        conditions.append(or_(*(column.like(f"{p}%") for p in filters.prefixes)))
    if filters.caseworker is not None and shape.caseworker:
        conditions.append(table.c[shape.caseworker] == filters.caseworker)
    day = table.c[shape.day]
    if shape.day == "recorded_at":  # a recorded time: the bureau's days, as UTC bounds
        if filters.date_from:
            conditions.append(day >= _start_of(filters.date_from))
        if filters.date_to:
            conditions.append(day < _start_of(filters.date_to + timedelta(days=1)))
        return conditions
    if filters.date_from:
        conditions.append(day >= filters.date_from)
    if filters.date_to:
        conditions.append(day <= filters.date_to)
    return conditions


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time.min, BUREAU_TZ).astimezone(UTC)
