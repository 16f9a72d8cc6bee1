"""The activity list on SQL."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import (
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
    or_,
    select,
)

from application.projections import Page
from application.projections.activities import ActivitiesView, ActivityQuery, ActivityRow
from infrastructure.views.base import SQLView, row_values, utc
from infrastructure.views.case_list import _within


class SQLActivitiesView(SQLView, ActivitiesView):
    """``activities_gN``: one row per activity."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        name = f"activities{suffix}"
        table = Table(
            name, metadata,
            Column("activity_id", Uuid, primary_key=True),
            Column("kind", String(30), nullable=False),
            Column("title", String(100), nullable=False),
            Column("held_on", Date, nullable=False),
            Column("place", String(200), nullable=False),
            Column("organiser", String(100), nullable=False),
            Column("district", String(6), nullable=False),
            Column("status", String(12), nullable=False),
            Column("attendees", Integer, nullable=False),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            Index(f"ix_{name}_district", "district", "held_on"),
            Index(f"ix_{name}_held_on", "held_on"),
        )
        return {"activities": table}

    def put_activity(self, row: ActivityRow, tracking: Tracking) -> None:
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["activities"], row_values(row))

    def list_activities(self, query: ActivityQuery) -> Page[ActivityRow]:
        with self.reading() as (conn, tables):
            table = tables["activities"]
            conditions: list[Any] = []
            if query.text:
                like = f"%{query.text.strip()}%"
                conditions.append(or_(table.c.title.like(like), table.c.place.like(like),
                                      table.c.organiser.like(like)))
            if query.districts:
                conditions.append(table.c.district.in_(query.districts))
            if query.district_prefix:
                conditions.append(_within(table.c.district, query.district_prefix))
            for column in ("kind", "status"):
                if getattr(query, column):
                    conditions.append(table.c[column] == getattr(query, column))
            if query.date_from:
                conditions.append(table.c.held_on >= query.date_from)
            if query.date_to:
                conditions.append(table.c.held_on <= query.date_to)
            total = conn.execute(select(func.count()).select_from(table).where(*conditions)
                                 ).scalar() or 0
            per_page = max(1, min(query.per_page, 200))
            page = max(1, query.page)
            rows = conn.execute(
                select(table).where(*conditions)
                .order_by(table.c.held_on.desc(), table.c.title, table.c.activity_id)
                .limit(per_page).offset((page - 1) * per_page))
            return Page(tuple(_row(r._mapping) for r in rows), int(total), page, per_page)


def _row(values: object) -> ActivityRow:
    data = dict(values)  # type: ignore[call-overload]
    data["updated_at"] = utc(data["updated_at"])
    return ActivityRow(**data)
