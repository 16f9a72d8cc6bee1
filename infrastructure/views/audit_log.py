"""The audit log on SQL."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    update,
)

from application.projections import Page
from application.projections.audit_log import AuditLogView, AuditQuery, AuditRow
from infrastructure.views.base import SQLView, row_values, utc


class SQLAuditLogView(SQLView, AuditLogView):
    """``audit_log_gN``: one row per event."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        name = f"audit_log{suffix}"
        table = Table(
            name, metadata,
            Column("event_id", Uuid, primary_key=True),
            Column("case_id", Uuid, nullable=False),
            Column("version", Integer, nullable=False),
            Column("topic", String(120), nullable=False),
            Column("event", String(60), nullable=False),
            Column("actor", String(64), nullable=False),
            Column("actor_role", String(20), nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False),
            Column("occurred_on", Date, nullable=False),
            Column("request_id", String(64), nullable=False),
            Column("notification_id", BigInteger, nullable=False),
            Column("detail", String(600), nullable=False),
            Column("subject", String(80), nullable=False),
            Column("district", String(12), nullable=False),
            Index(f"ix_{name}_case", "case_id", "version"),
            Index(f"ix_{name}_actor", "actor", "recorded_at"),
            Index(f"ix_{name}_recorded", "recorded_at"),
        )
        return {"entries": table}

    def add_entries(self, rows: list[AuditRow], tracking: Tracking) -> None:
        with self.writing(tracking) as (conn, tables):
            self.insert_rows(conn, tables["entries"], [row_values(r) for r in rows])

    def amend_entry(self, event_id: UUID, amend: Callable[[str], str],
                    tracking: Tracking) -> None:
        with self.writing(tracking) as (conn, tables):
            table = tables["entries"]
            for row in reversed(self.buffered_rows(table)):  # added earlier in this batch
                if row["event_id"] == event_id:
                    row["detail"] = amend(row["detail"])
                    return
            detail = conn.execute(select(table.c.detail).where(table.c.event_id == event_id)
                                  ).scalar()
            if detail is not None:
                conn.execute(update(table).where(table.c.event_id == event_id)
                             .values(detail=amend(detail)))

    def list_entries(self, query: AuditQuery) -> Page[AuditRow]:
        with self.reading() as (conn, tables):
            table = tables["entries"]
            conditions = []
            if query.case_id:
                conditions.append(table.c.case_id == query.case_id)
            if query.actor:
                conditions.append(table.c.actor == query.actor)
            if query.recorded_from:
                conditions.append(table.c.recorded_at >= query.recorded_from)
            if query.recorded_to:
                conditions.append(table.c.recorded_at < query.recorded_to)
            total = conn.execute(select(func.count()).select_from(table).where(*conditions)
                                 ).scalar() or 0
            per_page, page = max(1, min(query.per_page, 500)), max(1, query.page)
            rows = conn.execute(select(table).where(*conditions)
                                .order_by(table.c.notification_id.desc())
                                .limit(per_page).offset((page - 1) * per_page))
            entries = tuple(AuditRow(**{**r._mapping, "recorded_at": utc(r.recorded_at)})
                            for r in rows)
            return Page(entries, int(total), page, per_page)
