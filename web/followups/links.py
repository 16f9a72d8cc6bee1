"""Which command satisfies each follow-up rule (F1–F16), and its form's prefilled fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, url_for

from application.projections.work_queue import QueueItem
from web.i18n import _l

#: What each rule asks for, as the queue names it.
RULES = {
    "F1": _l("Needs assessment"),
    "F2": _l("Post-training service"),
    "F3": _l("Business started?"),
    "F4": _l("Contact after training"),
    "F5": _l("Mentoring session"),
    "F6": _l("Survival visit"),
    "F7": _l("One-time start-up subsidy"),
    "F8": _l("Post-loan visit"),
    "F9": _l("Annual jobs report"),
    "F10": _l("Loan maturity reminder"),
    "F11": _l("Record the overdue loan"),
    "F12": _l("Guarantee compensation claim"),
    "F13": _l("Subsidy re-verification"),
    "F14": _l("Employment services after closure"),
    "F15": _l("No contact for a long time"),
    "F16": _l("Suggest closing the case"),
}

#: rule → (command in kebab case, what its form names the item's subject, fixed fields).
SATISFIED_BY: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "F1": ("assess-needs", None, {}),
    "F2": ("record-follow-up", None, {}),
    "F3": ("record-follow-up", None, {}),
    "F4": ("record-follow-up", None, {}),
    "F5": ("hold-mentoring-session", "pairing_ref", {}),
    "F6": ("record-follow-up", None, {}),
    "F7": ("apply-for-subsidy", "subject_ref", {"kind": "ONE_TIME_STARTUP"}),
    "F8": ("record-follow-up", None, {}),
    "F9": ("report-jobs", None, {"verified": "true"}),
    "F10": ("record-loan-repaid", "loan_ref", {}),
    "F11": ("record-loan-overdue", "loan_ref", {}),
    "F12": ("compensate-guarantee", "loan_ref", {}),
    "F13": ("record-follow-up", None, {}),
    "F14": ("deliver-service", None, {}),
    "F15": ("record-follow-up", None, {}),
    "F16": ("close-case", None, {"reason": "FOLLOW_UP_COMPLETE"}),
}


def rule_name(rule_id: str) -> str:
    found = RULES.get(rule_id)
    return str(found) if found is not None else rule_id


def prefill(item: QueueItem, on: date) -> tuple[str, dict[str, Any]]:
    """The command that satisfies ``item`` and the fields its form starts with."""
    command, subject_field, fixed = SATISFIED_BY[item.rule_id]
    fields: dict[str, Any] = {"occurred_on": on.isoformat(), **fixed}
    if command == "record-follow-up":
        fields["due_ref"] = item.key  # names the item it satisfies
    if subject_field and item.subject_ref:
        fields[subject_field] = item.subject_ref
    return command, fields


def form_link(item: QueueItem, case_no: str | None, on: date) -> str | None:
    """The prefilled form that satisfies ``item``, once the forms are served."""
    if case_no is None or "commands.form" not in current_app.view_functions:
        return None
    command, fields = prefill(item, on)
    return url_for("commands.form", case_no=case_no, command=command, **fields)


def case_link(case_no: str | None) -> str | None:
    if case_no is None or "cases.show" not in current_app.view_functions:
        return None
    return url_for("cases.show", case_no=case_no)
