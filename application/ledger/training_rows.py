"""A row of a training ledger (培训台账) as the training commands of its case.

A row enrols the person in a course (``Cases.enrol_in_training``: a class
approval number fills in the class's provider, course, start and hours, and
a provider whose filing is not in force is refused) and, when it says how the
course ended, records the end (``Cases.complete_training``: the hours a pass
needs, the business plan grade, a certificate number used once system-wide).
A row that ends a course the case holds open (a ledger of enrolments imported
earlier, or a caseworker's form) only records the end.  报名日期 defaults to
the course's start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.ledger.case_rows import FieldError, OnCaseAlready, RowPlan, fields_as, required
from application.queries import CaseState
from domain.errors import InvalidValueError
from domain.records import Training

if TYPE_CHECKING:
    from application.cases import Cases

#: The fields that say how a course ended.
_ENDING = ("result", "ended_on", "hours_attended", "certificate_no", "business_plan_grade")


def same_training(values: dict[str, Any]) -> Any:
    """What makes two rows the same training of one person."""
    number = values.get("class_approval_no")
    if number:
        return ("class", str(number).strip().upper())
    return ("course", values.get("course"), str(values.get("provider_uscc") or "").upper(),
            values.get("start_on"))


def record_training(cases: Cases, state: CaseState, values: dict[str, Any]) -> None:
    """Enrol (unless the case holds the course open) and, if the row says so, complete."""
    ends = any(values.get(f) not in (None, "") for f in _ENDING)
    held = _held(state, values)
    if held is not None and (not held.is_open or not ends):
        raise OnCaseAlready()
    version = state.version
    if held is None:
        ref, version = _enrol(cases, state, values)
    else:
        ref = held.ref
    if ends:
        required(values, "result", "ended_on", "hours_attended")
        with fields_as({"occurred_on": "ended_on", "enrolment_ref": "class_approval_no"}):
            cases.complete_training(
                state.case_id, version, occurred_on=values["ended_on"], enrolment_ref=ref,
                result=values["result"], hours_attended=values["hours_attended"],
                certificate_no=values.get("certificate_no"),
                business_plan_grade=values.get("business_plan_grade") or "NONE")


def _enrol(cases: Cases, state: CaseState, values: dict[str, Any]) -> tuple[str, int]:
    if not values.get("class_approval_no"):
        required(values, "course", "provider_uscc", "start_on", "planned_hours")
    fields = {k: values[k] for k in ("course", "provider_uscc", "class_approval_no",
                                     "start_on", "planned_hours") if values.get(k) is not None}
    with fields_as({"new_value": "class_approval_no"}):
        chosen = cases.training_choice(fields)
    subsidised = values.get("subsidised")
    if subsidised is None:
        subsidised = bool(values.get("class_approval_no"))
    with fields_as({"occurred_on": "enrolled_on", "enrolment_ref": "class_approval_no"}):
        saved = cases.enrol_in_training(
            state.case_id, state.version, occurred_on=values.get("enrolled_on")
            or chosen["start_on"], subsidised=subsidised, note=values.get("note") or "",
            **fields)
    if saved.ref is None:
        raise FieldError("class_approval_no", InvalidValueError(
            "class_approval_no", "unknown", "names no training of this case"))
    return saved.ref, saved.version


def _held(state: CaseState, values: dict[str, Any]) -> Training | None:
    """The case's training this row names: by class, else by course, provider and start."""
    number = values.get("class_approval_no")
    for training in state.trainings:
        if number:
            if (training.class_approval_no or "").upper() == str(number).strip().upper():
                return training
        elif (training.course, training.provider_uscc.upper(), training.start_on) == (
                values.get("course"), str(values.get("provider_uscc") or "").upper(),
                values.get("start_on")):
            return training
    return None


TRAINING_ROWS = RowPlan(record_training, same_training)
