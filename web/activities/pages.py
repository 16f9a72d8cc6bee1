"""What the activity pages show besides the activity: names, reasons, the picker's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import abort

from application.activities import ActivityNotFoundError, ActivityState
from application.errors import CaseNotFoundError
from application.projections import Page
from application.projections.case_list import CaseQuery, CaseRow
from domain.accounts import Account
from domain.activities import AttendanceStatus, Outcome
from domain.errors import DomainError
from domain.values import case_id_for
from web.access import may_read_case
from web.cases.pages import reach_prefix
from web.i18n import _l
from web.messages import domain_message

#: The attendees shown on one page of the activity.
ATTENDEES_PER_PAGE = 100
STATUS_NAMES = {
    AttendanceStatus.SAVED: _l("Saved"),
    AttendanceStatus.ALREADY: _l("Already on record"),
    AttendanceStatus.REFUSED: _l("Refused"),
}
#: What each event of an activity's history is called.
EVENTS = {"Planned": _l("Activity planned"), "AttendanceRecorded": _l("Attendance recorded"),
          "AttendanceWithdrawn": _l("Attendance withdrawn"), "Cancelled": _l("Cancelled")}
@dataclass(frozen=True)
class Person:
    """An attendee or a refused case as a page shows it: its name only if readable."""

    case_no: str
    name: str | None
    district: str | None
    readable: bool


def _services() -> Any:
    from web import current_services

    return current_services()


def parse_id(raw: str) -> UUID:
    """The activity id in an address; 404 when it is no id."""
    try:
        return UUID(raw)
    except ValueError:
        abort(404)


def readable_activity(who: Account, raw: str) -> ActivityState:
    """The activity if this account may read it; otherwise 404, as if it did not exist."""
    try:
        state = _services().cases.get_activity(parse_id(raw))
    except ActivityNotFoundError:
        abort(404)
    if not who.may_read(state.district):
        abort(404)
    return state


def may_record(who: Account, state: ActivityState) -> bool:
    """Whether this account records attendance on, or cancels, the activity."""
    return who.may_write(state.district)


def person(who: Account, case_no: str) -> Person:
    """A case by its number, named when this account may read it."""
    try:
        found = _services().cases.get_case(case_id_for(case_no))
    except (CaseNotFoundError, DomainError):
        return Person(case_no, None, None, False)
    if not may_read_case(who, found):
        return Person(case_no, None, None, False)
    return Person(case_no, found.name, found.owning_district, True)


def attendee_rows(who: Account, state: ActivityState, page: int) -> Page[Person]:
    """A page of the attendees, in the order they were recorded."""
    start = (page - 1) * ATTENDEES_PER_PAGE
    shown = state.attendees[start:start + ATTENDEES_PER_PAGE]
    return Page(tuple(person(who, n) for n in shown), len(state.attendees), page,
                ATTENDEES_PER_PAGE)


def reason(outcome: Outcome) -> str:
    """Why a case refused, in the reader's language."""
    if outcome.status != AttendanceStatus.REFUSED:
        return ""
    error = DomainError(outcome.field or "case_no", outcome.code or "refused", "",
                        **dict(outcome.params or {}))
    return domain_message(error)


def outcome_rows(who: Account, outcomes: tuple[Outcome, ...]) -> list[dict[str, Any]]:
    """Each case of a recording: who it is, what became of it and why."""
    return [{"outcome": o, "person": person(who, o.case_no), "status": STATUS_NAMES.get(
        AttendanceStatus(o.status), o.status), "reason": reason(o)} for o in outcomes]


def picker_rows(who: Account, wanted: dict[str, Any]) -> Page[CaseRow] | None:
    """The cases within the account's reach that match the picker's search."""
    if not wanted.get("pick"):
        return None
    query = CaseQuery(text=wanted["pick"], district_prefix=reach_prefix(who),
                      status=wanted.get("status"), sort="name", descending=False,
                      page=wanted["page"], per_page=20)
    return _services().views["case_list"].list_cases(query)


def reach(who: Account) -> Any:
    """The districts whose cases this account records on (``may_record`` of the command)."""
    return who.may_write



def timeline_links(events: list[Any]) -> dict[int, str]:
    """The activity page of each ``ActivityAttended`` of a case's timeline, by version."""
    from flask import url_for

    return {e.originator_version: url_for("activities.show",
                                          activity_id=UUID(e.activity_id).hex)
            for e in events if type(e).__name__ == "ActivityAttended"}
