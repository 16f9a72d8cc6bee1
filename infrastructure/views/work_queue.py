"""The work queue on SQL."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    case,
    func,
    not_,
    or_,
    select,
)

from application.projections import Share
from application.projections.indicators import areas
from application.projections.work_queue import Queue, QueueItem, WorkQueueView
from domain.followups import SERVICE_RULES, DueItem, ItemStatus
from infrastructure.views.base import SQLView

#: A queue item's fields in order: its columns are selected in this order.
ITEM_FIELDS = tuple(f.name for f in fields(QueueItem))


class SQLWorkQueueView(SQLView, WorkQueueView):
    """``work_queue_gN``: one row per item."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        name = f"work_queue{suffix}"
        table = Table(
            name, metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("key", String(120), primary_key=True),
            Column("rule_id", String(4), nullable=False),
            Column("rule_set", String(24), nullable=False),
            Column("trigger_version", Integer, nullable=False),
            Column("trigger_event", String(60), nullable=False),
            Column("subject_ref", String(64)),
            Column("seq", Integer, nullable=False),
            Column("due_on", Date, nullable=False),
            Column("window_days", Integer, nullable=False),
            Column("overdue_from", Date, nullable=False),
            Column("expires_on", Date),
            Column("assignee", String(64), nullable=False),
            Column("district", String(6), nullable=False),
            Column("status", String(10), nullable=False),
            Column("closed_version", Integer),
            Column("closed_on", Date),
            # A queue's conditions are all in these indexes: its counts read nothing else.
            Index(f"ix_{name}_assignee", "assignee", "status", "due_on", "overdue_from",
                  "expires_on"),
            Index(f"ix_{name}_district", "district", "status", "due_on", "overdue_from",
                  "expires_on"),
        )
        return {"items": table}

    def replace_items(self, case_id: UUID, items: list[DueItem],
                      tracking: Tracking | None) -> None:
        with self.writing(tracking) as (conn, tables):
            self.replace_group(conn, tables["items"], "case_id", case_id,
                               [QueueItem.values_of(i) for i in items])

    def queue(self, on: date, *, assignee: str | None = None,
              districts: tuple[str, ...] = (), within_days: int = 7,
              limit: int = 100) -> Queue:
        # Every condition is in the (assignee | district, status, due_on, overdue_from,
        # expires_on) index: the counts read the index alone, in one pass for all three
        # buckets, and each bucket's rows are its first ``limit`` in due order.
        with self.reading() as (conn, tables):
            table = tables["items"]
            scope = [table.c.status == "PENDING",
                     or_(table.c.expires_on.is_(None), table.c.expires_on >= on)]
            if assignee is not None:
                scope.append(table.c.assignee == assignee)
            if districts:
                scope.append(table.c.district.in_(districts))
            buckets = {
                "overdue": table.c.overdue_from <= on,
                "due_today": and_(table.c.due_on <= on, table.c.overdue_from > on),
                "upcoming": and_(table.c.due_on > on,
                                 table.c.due_on <= on + timedelta(days=within_days)),
            }
            totals = conn.execute(
                select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                         for condition in buckets.values()))
                .where(*scope, table.c.due_on <= on + timedelta(days=within_days))).one()
            found: dict[str, Any] = {}
            for (name, condition), total in zip(buckets.items(), totals, strict=True):
                found[f"{name}_total"] = int(total)
                found[name] = () if not total else tuple(
                    QueueItem(*r) for r in conn.execute(
                        select(*(table.c[field] for field in ITEM_FIELDS))
                        .where(*scope, condition)
                        .order_by(table.c.due_on, table.c.rule_id, table.c.case_id,
                                  table.c.key).limit(limit)))
        return Queue(on=on, **found)

    def overdue_by_caseworker(self, on: date,
                              districts: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        with self.reading() as (conn, tables):
            table = tables["items"]
            conditions = [table.c.status == "PENDING", table.c.overdue_from <= on,
                          or_(table.c.expires_on.is_(None), table.c.expires_on >= on)]
            if districts:
                conditions.append(table.c.district.in_(districts))
            rows = conn.execute(
                select(table.c.assignee, func.count()).where(and_(*conditions))
                .group_by(table.c.assignee).order_by(func.count().desc(), table.c.assignee))
            return [(str(a), int(n)) for a, n in rows]

    def items_of(self, case_id: UUID) -> list[QueueItem]:
        with self.reading() as (conn, tables):
            table = tables["items"]
            return [QueueItem(*r) for r in conn.execute(
                select(*(table.c[field] for field in ITEM_FIELDS))
                .where(table.c.case_id == case_id)
                .order_by(table.c.due_on, table.c.key))]

    def timeliness(self, on: date, *, date_from: date = date.min, date_to: date = date.max,
                   districts: tuple[str, ...] = ()) -> dict[str, Share]:
        # The SQL of domain.followups.timely: the window ends the day before overdue_from.
        with self.reading() as (conn, tables):
            table = tables["items"]
            done_by_then = and_(table.c.status == ItemStatus.DONE.value, table.c.closed_on <= on)
            conditions = [
                table.c.rule_id.in_(SERVICE_RULES),
                table.c.due_on >= date_from, table.c.due_on <= min(date_to, on),
                not_(and_(table.c.status == ItemStatus.CANCELLED.value,
                          table.c.closed_on < table.c.overdue_from)),
                or_(done_by_then, table.c.overdue_from <= on),
            ]
            if districts:
                conditions.append(table.c.district.in_(
                    [code for district in districts for code in areas(district)]))
            in_time = case((and_(done_by_then, table.c.closed_on < table.c.overdue_from), 1),
                           else_=0)
            rows = conn.execute(
                select(table.c.district, func.sum(in_time), func.count())
                .where(and_(*conditions)).group_by(table.c.district)
                .order_by(table.c.district))
            return {str(district): Share(int(part or 0), int(whole))
                    for district, part, whole in rows}
