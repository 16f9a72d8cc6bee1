"""Which recorded fields a ``RecordCorrected`` may change, and how values are read.

A correction names an earlier event of the stream and one of its fields.  The
old and new values are stored as canonical text (ISO dates, decimal numbers,
``true``/``false``, normalised codes) so that the stored correction does not
depend on Python types.  Corrections of ID numbers, money and dates wait for
a supervisor's approval (``CorrectionApproved``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.codes import IdNumber, Mobile, Sex, Uscc
from domain.divisions import StatisticalCode, divisions
from domain.errors import InvalidValueError
from domain.values import PlanGrade, ReturneeType, choice, count, person_name, text

#: Field kinds whose correction needs a supervisor's approval.
APPROVAL_KINDS = frozenset({"date", "id_number", "money"})


@dataclass(frozen=True)
class Correctable:
    kind: str
    attr: str  # attribute of the case, or of the sub-record the event created


CORRECTABLE: dict[str, dict[str, Correctable]] = {
    "Enrolled": {
        "occurred_on": Correctable("date", "enrolled_on"),
        "name": Correctable("name", "name"),
        "id_number": Correctable("id_number", "id_number"),
        "mobile": Correctable("mobile", "mobile"),
        "hukou_division": Correctable("county", "hukou_division"),
        "residence_division": Correctable("stat_code", "residence_division"),
        "returnee_type": Correctable("returnee_type", "returnee_type"),
        "returned_on": Correctable("date", "returned_on"),
        "birth_date": Correctable("date", "birth_date"),
        "sex": Correctable("sex", "sex"),
        "is_disabled": Correctable("bool", "is_disabled"),
        "intended_industry": Correctable("text", "intended_industry"),
    },
    "TrainingEnrolled": {
        "class_approval_no": Correctable("text", "class_approval_no"),
        "start_on": Correctable("date", "start_on"),
        "planned_hours": Correctable("int", "planned_hours"),
    },
    "TrainingCompleted": {
        "occurred_on": Correctable("date", "ended_on"),
        "hours_attended": Correctable("int", "hours_attended"),
        "business_plan_grade": Correctable("plan_grade", "business_plan_grade"),
    },
    "MentorAssigned": {"occurred_on": Correctable("date", "assigned_on")},
    "BusinessRegistered": {
        "occurred_on": Correctable("date", "registered_on"),
        "name": Correctable("text", "name"),
        "uscc": Correctable("uscc", "uscc"),
        "industry_code": Correctable("text", "industry_code"),
    },
    "BusinessClosed": {"occurred_on": Correctable("date", "closed_on")},
    "FollowUpRecorded": {
        "occurred_on": Correctable("date", "occurred_on"),
        "summary": Correctable("long_text", "summary"),
    },
    "ServiceDelivered": {
        "occurred_on": Correctable("date", "occurred_on"),
        "provider": Correctable("text", "provider"),
        "outcome": Correctable("long_text", "outcome"),
    },
}


def correctable(event_name: str, field: str) -> Correctable:
    """The correction rule for ``field`` of ``event_name``, or an error naming the field."""
    spec = CORRECTABLE.get(event_name, {}).get(field)
    if spec is None:
        allowed = sorted(CORRECTABLE.get(event_name, {}))
        raise InvalidValueError(
            "field",
            "not_correctable",
            f"{field} of {event_name} cannot be corrected",
            allowed=allowed,
        )
    return spec


def canonical_text(kind: str, raw: Any, field: str = "new_value") -> str:
    """Check a new value of the given kind and return its canonical text."""
    if kind == "date":
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw.strip())
            except ValueError:
                raise InvalidValueError(field, "date", "must be a date (YYYY-MM-DD)") from None
        if not isinstance(raw, date):
            raise InvalidValueError(field, "date", "must be a date (YYYY-MM-DD)")
        return raw.isoformat()
    if kind == "int":
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        return str(count(raw, field))
    if kind == "bool":
        if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
            return raw.strip().lower()
        if isinstance(raw, bool):
            return "true" if raw else "false"
        raise InvalidValueError(field, "type", "must be true or false")
    parsers = {
        "name": lambda v: person_name(v, field),
        "text": lambda v: text(v, field, max_len=200),
        "long_text": lambda v: text(v, field, max_len=2000),
        "id_number": lambda v: IdNumber.parse(v, field=field).value.value,
        "document_number": lambda v: text(v, field, max_len=30).upper().replace(" ", ""),
        "mobile": lambda v: Mobile.parse(v, field=field).value.value,
        "county": lambda v: divisions().county(v, field=field).code,
        "stat_code": lambda v: StatisticalCode.parse(v, field=field).value.value,
        "uscc": lambda v: Uscc.parse(v, field=field).value.value,
        "returnee_type": lambda v: choice(ReturneeType, v, field).value,
        "plan_grade": lambda v: choice(PlanGrade, v, field).value,
        "sex": lambda v: choice(Sex, v, field).value,
    }
    return str(parsers[kind](raw))


def typed(kind: str, value: str | None) -> Any:
    """The state value of a canonical text."""
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return value == "true"
    return value


def as_text(value: Any) -> str:
    """The canonical text of a recorded value (for ``old_value``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
