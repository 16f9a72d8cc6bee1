"""The follow-up work queue: every case's items F1–F16, asked about on any date.

Items are a pure function of a case's stream (``domain.followups``): on each
event of a case its items are computed again and replace the old ones, so the
queue is exactly what the rules say of the stream.  Whether an item is due,
overdue or done is decided by the date in the query, so nothing needs a timer.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.projections import RecomputesCases, Share, View, case_topics
from domain.case import Case
from domain.followups import DueItem, due_items

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class QueueItem:
    """A work item as the queue stores it."""

    case_id: UUID
    key: str
    rule_id: str
    rule_set: str
    trigger_version: int
    trigger_event: str
    subject_ref: str | None
    seq: int
    due_on: date
    window_days: int
    overdue_from: date
    expires_on: date | None
    assignee: str
    district: str
    status: str
    closed_version: int | None
    closed_on: date | None

    @classmethod
    def of(cls, item: DueItem) -> QueueItem:
        return cls(**cls.values_of(item))

    @staticmethod
    def values_of(item: DueItem) -> dict[str, Any]:
        """The stored values of a work item, by field."""
        return {
            "case_id": item.case_id, "key": item.key, "rule_id": item.rule_id,
            "rule_set": item.rule_set, "trigger_version": item.trigger_version,
            "trigger_event": item.trigger_event, "subject_ref": item.subject_ref,
            "seq": item.seq, "due_on": item.due_on, "window_days": item.window_days,
            "overdue_from": item.due_on + timedelta(days=item.window_days + 1),
            "expires_on": item.expires_on, "assignee": item.assignee,
            "district": item.district, "status": item.status.value,
            "closed_version": item.closed_version, "closed_on": item.closed_on,
        }


@dataclass(frozen=True)
class Queue:
    """A caseworker's or a team's pending work on a date."""

    on: date
    overdue: tuple[QueueItem, ...]
    due_today: tuple[QueueItem, ...]
    upcoming: tuple[QueueItem, ...]
    overdue_total: int = 0
    due_today_total: int = 0
    upcoming_total: int = 0


class WorkQueueView(View):
    """Work items by case."""

    name = "work_queue"

    @abstractmethod
    def replace_items(self, case_id: UUID, items: list[DueItem],
                      tracking: Tracking | None) -> None:
        """Replace a case's items with ``items`` (stored as :meth:`QueueItem.values_of`)."""

    @abstractmethod
    def queue(self, on: date, *, assignee: str | None = None,
              districts: tuple[str, ...] = (), within_days: int = 7,
              limit: int = 100) -> Queue:
        """Pending items overdue, due, or due within ``within_days`` on ``on``.

        Each bucket holds its ``limit`` earliest items; the totals count them all.
        """

    @abstractmethod
    def overdue_by_caseworker(self, on: date,
                              districts: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        """How many items each caseworker has overdue on ``on``."""

    @abstractmethod
    def items_of(self, case_id: UUID) -> list[QueueItem]:
        """Every item of one case, done and cancelled too."""

    @abstractmethod
    def timeliness(self, on: date, *, date_from: date = date.min, date_to: date = date.max,
                   districts: tuple[str, ...] = ()) -> dict[str, Share]:
        """跟踪服务及时率 on report date ``on``, by district: of the follow-up service
        items due ``date_from``–``date_to`` that count on ``on``, those done in time.

        Which items count and which were in time: :func:`domain.followups.timely`.
        An item is in the district that holds it (a closed item: the one that held
        the case when it closed).  A city or province in ``districts`` stands for
        its counties.
        """


class WorkQueueProjection(RecomputesCases, Projection[WorkQueueView]):
    """Recomputes a case's items whenever its stream grows."""

    name = "work_queue"
    topics = case_topics()

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if not isinstance(domain_event, Case.Event):
            self.view.advance(tracking)
            return
        self.case_event(domain_event, tracking)

    def write(self, case_id: UUID, events: list[Any], tracking: Tracking | None) -> None:
        self.view.replace_items(case_id, due_items(events, self.cases.rules), tracking)
