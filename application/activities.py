"""The group-activity commands of ``Cases``: plan, record attendance, cancel.

Recording attendance is one action: the activity's ``AttendanceRecorded``
and every attendee's ``ActivityAttended`` are saved in one transaction, each
case at the version it was loaded at.  A case that refuses (closed, moved to
another district, not the recorder's, not found) is left out and named in
the outcome with the reason; a case that records the activity already is
named as such and not written again, so a re-submission saves nothing twice.
When a case or the activity moved on between loading and saving, the store
refuses the whole transaction and every case is judged again on its new
state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.errors import CaseNotFoundError
from domain.activities import (
    Activity,
    Attendance,
    AttendanceStatus,
    Outcome,
    Recording,
)
from domain.case import Case
from domain.errors import DomainError, StateConflictError
from domain.values import case_id_for
from domain.values import case_no as check_case_no

if TYPE_CHECKING:
    from application.cases import Cases

#: How often a recording is judged again when a case or the activity moved under it.
ATTEMPTS = 5
#: Whether the recorder may record on a case of a district (None: on every case).
Reach = Callable[[str], bool] | None


class ActivityNotFoundError(Exception):
    """Raised when no activity has the given id."""

    def __init__(self, activity: UUID | str) -> None:
        super().__init__(f"no activity {activity}")
        self.activity = activity


@dataclass(frozen=True)
class ActivitySaved:
    """What an activity command saved: the activity's version and the log position."""

    activity_id: UUID
    version: int
    notification_id: int | None


@dataclass(frozen=True)
class AttendanceResult:
    """What a recording of attendance did, case by case, in the order the cases were named."""

    activity_id: UUID
    version: int
    outcomes: tuple[Outcome, ...]
    notification_id: int | None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


@dataclass(frozen=True)
class ActivityState:
    """An activity as it stands."""

    activity_id: UUID
    version: int
    kind: str
    title: str
    held_on: date
    place: str
    organiser: str
    district: str
    note: str
    status: str
    planned_on: date
    cancelled_reason: str | None
    attendees: tuple[str, ...]
    recordings: tuple[Recording, ...]
    recorded_at: datetime

    @property
    def last_recording(self) -> Recording | None:
        return self.recordings[-1] if self.recordings else None


def activity_state(activity: Activity) -> ActivityState:
    """Freeze an activity into an :class:`ActivityState`."""
    return ActivityState(
        activity_id=activity.id, version=activity.version, kind=activity.kind,
        title=activity.title, held_on=activity.held_on, place=activity.place,
        organiser=activity.organiser, district=activity.district, note=activity.note,
        status=activity.status, planned_on=activity.planned_on,
        cancelled_reason=activity.cancelled_reason, attendees=activity.attendees,
        recordings=activity.recordings, recorded_at=activity.modified_on,
    )


class ActivityCommands:
    """Group activities (集中服务活动) and their attendance."""

    def plan_activity(self: Cases, **fields: Any) -> ActivitySaved:
        """Plan an activity (or record one already held)."""
        activity = Activity.plan(**fields)
        recordings = self.save(activity)
        return ActivitySaved(activity.id, activity.version, _position(recordings))

    def cancel_activity(self: Cases, activity_id: UUID, expected_version: int,
                        **fields: Any) -> ActivitySaved:
        """Call an activity off before anyone's attendance is recorded."""
        activity = self._activity(activity_id)
        if activity.version != expected_version:
            raise StateConflictError("expected_version", "activity_changed",
                                     "the activity changed after it was loaded",
                                     version=activity.version)
        activity.cancel(**fields)
        try:
            recordings = self.save(activity)
        except IntegrityError:
            raise StateConflictError("expected_version", "activity_changed",
                                     "the activity changed after it was loaded") from None
        return ActivitySaved(activity.id, activity.version, _position(recordings))

    def record_attendance(self: Cases, activity_id: UUID, case_nos: Iterable[str], *,
                          may_record: Reach = None) -> AttendanceResult:
        """Record that the named cases attended; each refusal is named with its reason."""
        named = Activity.check_attendees(case_nos)
        for _ in range(ATTEMPTS):
            activity = self._activity(activity_id)
            activity.check_attendance_open()
            attendance = activity.attendance()
            outcomes, attendees = [], []
            for number in named:
                outcome, case = self._attend(number, attendance, may_record)
                outcomes.append(outcome)
                if case is not None:
                    attendees.append(case)
            activity.record_attendance(outcomes)
            try:
                recordings = self.save(activity, *attendees)
            except IntegrityError:
                continue  # a case or the activity moved on: judge every case again
            return AttendanceResult(activity.id, activity.version, tuple(outcomes),
                                    _position(recordings))
        raise StateConflictError("case_nos", "attendance_busy",
                                 "these cases are being changed right now; try again")

    def withdraw_attendance(self: Cases, activity_id: UUID, case_no: str, *, reason: str,
                            may_record: Reach = None) -> ActivitySaved:
        """Withdraw one case's wrongly recorded attendance, on the case and the activity."""
        number = check_case_no(case_no)
        for _ in range(ATTEMPTS):
            activity = self._activity(activity_id)
            try:
                case = self._get(case_id_for(number))
            except CaseNotFoundError:
                case = None
            if case is None or (may_record is not None and not _in_reach(case, may_record)):
                raise StateConflictError("case_no", "not_attended",
                                         "the case is not among the attendees")
            activity.withdraw_attendance(case_no=number, reason=reason)
            case.withdraw_attendance(activity_id=str(activity.id), reason=reason)
            try:
                recordings = self.save(activity, case)
            except IntegrityError:
                continue  # the case or the activity moved on: judge again
            return ActivitySaved(activity.id, activity.version, _position(recordings))
        raise StateConflictError("case_no", "attendance_busy",
                                 "these cases are being changed right now; try again")

    def get_activity(self: Cases, activity_id: UUID) -> ActivityState:
        """The activity as it stands."""
        return activity_state(self._activity(activity_id))

    def activity_events(self: Cases, activity_id: UUID) -> list[Any]:
        """The activity's events, oldest first (its history)."""
        self._activity(activity_id)
        return list(self.events.get(activity_id))

    # ------------------------------------------------------------------ internals
    def _activity(self: Cases, activity_id: UUID) -> Activity:
        try:
            found = self.repository.get(activity_id)
        except AggregateNotFoundError:
            raise ActivityNotFoundError(activity_id) from None
        if not isinstance(found, Activity):
            raise ActivityNotFoundError(activity_id)
        return found

    def _attend(self: Cases, number: str, attendance: Attendance,
                may_record: Reach) -> tuple[Outcome, Case | None]:
        """One case's outcome, and the case with its new event when it is to be saved."""
        try:
            case_no = check_case_no(number)
            case = self._get(case_id_for(case_no))
        except DomainError as error:
            return _refused(number, error), None
        except CaseNotFoundError:
            return Outcome(number, AttendanceStatus.REFUSED.value, "case_no",
                           "not_in_reach"), None
        if may_record is not None and not _in_reach(case, may_record):
            # A case outside the recorder's districts is answered as one that does not
            # exist, unless it moved away from them: then they knew it, and may know why.
            code = "transferred_out" if self._moved_from(case, may_record) else "not_in_reach"
            return Outcome(case_no, AttendanceStatus.REFUSED.value, "case_no", code), None
        if attendance.activity_id in case.activities:
            return Outcome(case_no, AttendanceStatus.ALREADY.value), None
        try:
            case.attend_activity(attendance=attendance)
        except DomainError as error:
            return _refused(case_no, error), None
        return Outcome(case_no, AttendanceStatus.SAVED.value), case

    def _moved_from(self: Cases, case: Case, may_record: Callable[[str], bool]) -> bool:
        return any(type(e).__name__ == "CaseTransferred" and may_record(e.from_district)
                   for e in self.events.get(case.id))


def _in_reach(case: Case, may_record: Callable[[str], bool]) -> bool:
    # The receiving district of a pending transfer records on the case too (as on its forms).
    incoming = case.transfer is not None and may_record(case.transfer.to_district)
    return may_record(case.owning_district) or incoming


def _refused(case_no: str, error: DomainError) -> Outcome:
    params = {k: str(v) for k, v in error.params.items() if isinstance(v, (str, int, date))}
    return Outcome(case_no, AttendanceStatus.REFUSED.value, error.field, error.code,
                   params or None)


def _position(recordings: list[Any]) -> int | None:
    return recordings[-1].notification.id if recordings else None
