"""The activity list: one row per group activity, searchable by district, kind and date."""

from __future__ import annotations

from abc import abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from application.projections import Page, View
from domain.activities import Activity

if TYPE_CHECKING:
    from application.cases import Cases


@dataclass(frozen=True)
class ActivityRow:
    """What the activity list shows of an activity."""

    activity_id: UUID
    kind: str
    title: str
    held_on: date
    place: str
    organiser: str
    district: str
    status: str
    attendees: int
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class ActivityQuery:
    """A search of the activity list: dates are inclusive, the text matches title or place."""

    text: str | None = None
    districts: tuple[str, ...] = ()
    #: Activities whose district code starts so (``3703``: every county of 淄博市).
    district_prefix: str | None = None
    kind: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 20


class ActivitiesView(View):
    """The activity list's rows."""

    name = "activities"

    @abstractmethod
    def put_activity(self, row: ActivityRow, tracking: Tracking) -> None:
        """Insert or replace an activity's row."""

    @abstractmethod
    def list_activities(self, query: ActivityQuery) -> Page[ActivityRow]:
        """A page of activities matching the query, the latest first."""


class ActivitiesProjection(Projection[ActivitiesView]):
    """Keeps each activity's row up to date with its latest event."""

    name = "activities"
    topics = (get_topic(Activity.Planned), get_topic(Activity.AttendanceRecorded),
              get_topic(Activity.AttendanceWithdrawn), get_topic(Activity.Cancelled))

    def __init__(self, view: ActivitiesView, cases: Cases, size: int = 2_000) -> None:
        super().__init__(view)
        self.cases, self.size = cases, size
        self._folded: OrderedDict[UUID, Activity] = OrderedDict()

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if not isinstance(domain_event, Activity.Event):
            self.view.advance(tracking)  # type: ignore[attr-defined]
            return
        activity = self.after(domain_event)
        self.view.put_activity(ActivityRow(
            activity_id=activity.id, kind=activity.kind, title=activity.title,
            held_on=activity.held_on, place=activity.place, organiser=activity.organiser,
            district=activity.district, status=activity.status,
            attendees=len(activity.attendees), version=activity.version,
            updated_at=activity.modified_on,
        ), tracking)

    def after(self, event: Any) -> Activity:
        """The activity with ``event`` applied (recent ones are kept folded)."""
        activity_id, version = event.originator_id, event.originator_version
        activity = self._folded.pop(activity_id, None)
        if activity is not None and activity.version != version - 1:
            activity = None
        if activity is None and version > 1:
            activity = self.cases.repository.get(activity_id, version=version - 1)
        activity = event.mutate(activity)
        self._folded[activity_id] = activity
        if len(self._folded) > self.size:
            self._folded.popitem(last=False)
        return activity

    def forget(self) -> None:
        """Drop the folded activities (after a failed batch, whose events will come again)."""
        self._folded.clear()
