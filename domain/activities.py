"""Group activities (集中服务活动): a training session, a volunteer service day, a roadshow …

An activity is its own stream.  It is planned with its kind, title, date,
place, organiser and district; attendance is then recorded on it, and each
attendee's case records that it attended (``Case.ActivityAttended``).  The
activity keeps what each recording did, case by case: saved, already on
record, or refused with the reason, so a refusal is never lost.  An activity
that nobody has attended yet can be cancelled; one that took place cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from domain.divisions import divisions
from domain.errors import InvalidValueError, StateConflictError
from domain.recording import AuditedAggregate
from domain.values import a_date, choice, optional_text, text, today

#: How far ahead an activity may be planned.
PLAN_AHEAD = timedelta(days=2 * 366)
#: How many attendees one recording may name (a roadshow or a competition is large).
MAX_ATTENDEES = 1000


class ActivityKind(StrEnum):
    TRAINING_SESSION = "TRAINING_SESSION"  # 培训讲座
    VOLUNTEER_SERVICE = "VOLUNTEER_SERVICE"  # 公益志愿服务
    ROADSHOW = "ROADSHOW"  # 项目路演
    COMPETITION = "COMPETITION"  # 创业大赛
    SALON = "SALON"  # 创业沙龙


class ActivityStatus(StrEnum):
    PLANNED = "PLANNED"
    HELD = "HELD"
    CANCELLED = "CANCELLED"


class AttendanceStatus(StrEnum):
    """What one recording did for one case."""

    SAVED = "SAVED"  # the case now records that it attended
    ALREADY = "ALREADY"  # it had recorded this activity before: nothing new
    REFUSED = "REFUSED"  # the case refused (closed, moved away, not in reach …)


class ActivityCancelledError(StateConflictError):
    """Raised when attendance is recorded on, or a change made to, a cancelled activity."""


@dataclass(frozen=True)
class Attendance:
    """An activity a case attended, as the case records it."""

    activity_id: str
    kind: str
    title: str
    held_on: date
    district: str


@dataclass(frozen=True)
class Outcome:
    """What one recording of attendance did for one case."""

    case_no: str
    status: str
    field: str | None = None
    code: str | None = None
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Recording:
    """One recording of attendance: its outcome case by case, who recorded it and when."""

    version: int
    outcomes: tuple[Outcome, ...]
    actor: str
    recorded_at: Any

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


class Activity(AuditedAggregate):
    """One group activity and who attended it."""

    @classmethod
    def plan(
        cls, *, kind: str, title: str, held_on: date, place: str, organiser: str,
        district: str, note: str = "",
    ) -> Activity:
        """Plan an activity (or record one already held) in a county of the bureau."""
        held = a_date(held_on, "held_on")
        if held > today() + PLAN_AHEAD:
            raise InvalidValueError("held_on", "too_far_ahead",
                                    "must be within two years from today")
        return cls(
            kind=choice(ActivityKind, kind, "kind").value,
            title=text(title, "title", max_len=100), held_on=held,
            place=text(place, "place", max_len=200),
            organiser=text(organiser, "organiser", max_len=100),
            district=divisions().county(district, field="district").code,
            note=optional_text(note, "note", max_len=2000) or "", occurred_on=today(),
        )

    @event("Planned")
    def __init__(self, kind: str, title: str, held_on: date, place: str, organiser: str,
                 district: str, note: str, occurred_on: date) -> None:
        self.kind, self.title, self.held_on, self.place = kind, title, held_on, place
        self.organiser, self.district, self.note = organiser, district, note
        self.planned_on = occurred_on
        self.cancelled_reason: str | None = None
        self.attendees: tuple[str, ...] = ()
        self.recordings: tuple[Recording, ...] = ()

    @property
    def status(self) -> str:
        if self.cancelled_reason is not None:
            return ActivityStatus.CANCELLED.value
        return (ActivityStatus.HELD if self.attendees else ActivityStatus.PLANNED).value

    def attendance(self) -> Attendance:
        """What an attendee's case records of this activity."""
        return Attendance(str(self.id), self.kind, self.title, self.held_on, self.district)

    # ---------------------------------------------------------------- attendance
    def check_attendance_open(self) -> None:
        """Attendance is recorded for an activity that was not cancelled, once it has begun."""
        if self.cancelled_reason is not None:
            raise ActivityCancelledError("activity", "activity_cancelled",
                                         "the activity was cancelled")
        if self.held_on > today():
            raise StateConflictError("held_on", "not_yet_held",
                                     "attendance is recorded once the activity took place",
                                     held_on=self.held_on.isoformat())

    @staticmethod
    def check_attendees(case_nos: Iterable[object]) -> list[str]:
        """The case numbers named, each once, in the order given (the syntax is the case's)."""
        if isinstance(case_nos, (str, bytes)) or not isinstance(case_nos, Iterable):
            raise InvalidValueError("case_nos", "type", "must be a list of case numbers")
        named = list(case_nos)
        if not all(isinstance(n, str) for n in named):
            raise InvalidValueError("case_nos", "type", "must be a list of case numbers")
        if any(len(n) > 64 for n in named):
            raise InvalidValueError("case_nos", "too_long", "a case number is at most 32 "
                                    "characters", max=32)
        named = list(dict.fromkeys(n.strip().upper() for n in named if n.strip()))
        if not named:
            raise InvalidValueError("case_nos", "required", "name at least one case")
        if len(named) > MAX_ATTENDEES:
            raise InvalidValueError("case_nos", "too_many_cases",
                                    f"at most {MAX_ATTENDEES} cases at once", max=MAX_ATTENDEES)
        return named

    def record_attendance(self, outcomes: Iterable[Outcome]) -> None:
        """Record what a recording of attendance did, case by case, in the order named."""
        self.check_attendance_open()
        self.trigger_event(self.AttendanceRecorded, occurred_on=self.held_on, outcomes=[
            {"case_no": o.case_no, "status": AttendanceStatus(o.status).value,
             "field": o.field, "code": o.code, "params": dict(o.params or {})}
            for o in outcomes])

    class AttendanceRecorded(AuditedAggregate.Event):
        outcomes: list[dict[str, Any]]

        def apply(self, activity: Activity) -> None:
            found = tuple(Outcome(o["case_no"], o["status"], o["field"], o["code"],
                                  dict(o["params"]) or None) for o in self.outcomes)
            known = set(activity.attendees)
            activity.attendees += tuple(dict.fromkeys(
                o.case_no for o in found if o.status != AttendanceStatus.REFUSED
                and o.case_no not in known))
            activity.recordings += (Recording(self.originator_version, found, self.actor,
                                              self.timestamp),)

    # ------------------------------------------------------------- withdrawing
    def withdraw_attendance(self, *, case_no: str, reason: str) -> None:
        """Take a wrongly recorded attendee off the activity, with the reason why."""
        if case_no not in self.attendees:
            raise StateConflictError("case_no", "not_attended",
                                     "the case is not among the attendees")
        self._withdraw_attendance(occurred_on=today(), case_no=case_no,
                                  reason=text(reason, "reason", max_len=500))

    @event("AttendanceWithdrawn")
    def _withdraw_attendance(self, occurred_on: date, case_no: str, reason: str) -> None:
        self.attendees = tuple(n for n in self.attendees if n != case_no)

    # --------------------------------------------------------------- cancelling
    def cancel(self, *, reason: str) -> None:
        """Call the activity off; only before anyone's attendance is recorded."""
        if self.cancelled_reason is not None:
            raise ActivityCancelledError("reason", "activity_cancelled",
                                         "the activity was cancelled already")
        if self.attendees:
            raise StateConflictError("reason", "activity_held",
                                     "attendance is on record: the activity took place")
        self._cancel(occurred_on=today(), reason=text(reason, "reason", max_len=500))

    @event("Cancelled")
    def _cancel(self, occurred_on: date, reason: str) -> None:
        self.cancelled_reason = reason


def counted_events(events: Sequence[Any]) -> list[Any]:
    """A case's events (in stream order) without the attendances later withdrawn: what the
    work queue and the indicators count (an attendance recorded again counts again)."""
    if not any(type(e).__name__ == "AttendanceWithdrawn" for e in events):
        return list(events)
    attended: dict[str, int] = {}
    dropped: set[int] = set()
    for found in events:
        name = type(found).__name__
        if name == "ActivityAttended":
            attended[found.activity_id] = found.originator_version
        elif name == "AttendanceWithdrawn" and found.activity_id in attended:
            dropped.add(attended.pop(found.activity_id))
    return [e for e in events if e.originator_version not in dropped]
