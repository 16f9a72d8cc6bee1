"""What the case pages show besides the views' rows: reach, links, names, masks."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, url_for

from application.projections.case_list import masked_id, masked_mobile
from application.projections.work_queue import QueueItem
from application.queries import CaseState
from domain.accounts import Account
from domain.divisions import divisions
from domain.recording import Role
from web.i18n import _l

#: What each event of a case's timeline is called.
EVENTS = {
    "Enrolled": _l("Enrolled"), "NeedsAssessed": _l("Needs assessed"),
    "TrainingEnrolled": _l("Enrolled in training"),
    "TrainingCompleted": _l("Training completed"), "MentorAssigned": _l("Mentor assigned"),
    "MentoringSessionHeld": _l("Mentoring session held"),
    "MentorReleased": _l("Mentor released"), "BusinessRegistered": _l("Business registered"),
    "JobsReported": _l("Jobs reported"), "BusinessClosed": _l("Business closed"),
    "FollowUpRecorded": _l("Follow-up recorded"), "ServiceDelivered": _l("Service delivered"),
    "ActivityAttended": _l("Activity attended"),
    "AttendanceWithdrawn": _l("Attendance withdrawn"),
    "RecordCorrected": _l("Correction proposed"), "CorrectionApproved": _l("Correction approved"),
    "CorrectionRejected": _l("Correction rejected"),
    "TransferRequested": _l("Transfer requested"), "TransferDeclined": _l("Transfer declined"),
    "CaseTransferred": _l("Case transferred"), "CaseReassigned": _l("Case reassigned"),
    "CaseClosed": _l("Case closed"), "CaseReopened": _l("Case reopened"),
    "LoanApplied": _l("Loan applied for"),
    "LoanEligibilityCertified": _l("Loan eligibility certified"),
    "LoanGranted": _l("Loan granted"), "InterestSubsidyPaid": _l("Interest subsidy paid"),
    "LoanExtended": _l("Loan extended"), "LoanOverdue": _l("Loan overdue"),
    "LoanRepaid": _l("Loan repaid"), "GuaranteeCompensated": _l("Guarantee compensated"),
    "LoanRecovered": _l("Loan recovered"), "LoanWrittenOff": _l("Loan written off"),
    "SubsidyApplied": _l("Subsidy applied for"), "SubsidyGranted": _l("Subsidy granted"),
    "SubsidyRejected": _l("Subsidy rejected"), "SubsidyPaid": _l("Subsidy paid"),
}

#: The command forms a case page offers: (command, label, for an open case, supervisors only).
COMMANDS = (
    ("assess-needs", _l("Assess needs"), True, False),
    ("enrol-in-training", _l("Enrol in training"), True, False),
    ("complete-training", _l("Complete training"), True, False),
    ("assign-mentor", _l("Assign a mentor"), True, False),
    ("hold-mentoring-session", _l("Mentoring session"), True, False),
    ("release-mentor", _l("Release the mentor"), True, False),
    ("register-business", _l("Register a business"), True, False),
    ("report-jobs", _l("Report jobs"), True, False),
    ("close-business", _l("Close a business"), True, False),
    ("record-follow-up", _l("Record a follow-up"), True, False),
    ("deliver-service", _l("Deliver a service"), True, False),
    ("apply-for-loan", _l("Apply for a loan"), True, False),
    ("apply-for-subsidy", _l("Apply for a subsidy"), True, False),
    ("correct-record", _l("Correct a record"), None, False),
    ("request-transfer", _l("Request a transfer"), True, False),
    ("reassign-case", _l("Reassign the case"), True, True),
    ("close-case", _l("Close the case"), True, False),
    ("reopen-case", _l("Reopen the case"), False, False),
)
#: Fields of a case state that are personal data: masked wherever a state is shown.
PERSONAL = ("id_number", "mobile")


def event_name(name: str) -> str:
    found = EVENTS.get(name)
    return str(found) if found is not None else name


def reach_prefix(who: Account) -> str | None:
    """The district-code prefix of the cases ``who`` may read (None: every case)."""
    if who.role is Role.INVESTIGATOR:
        return None
    mine = who.district
    if who.role not in (Role.CASEWORKER, Role.SUPERVISOR) or not who.active:
        return "-"  # matches no district
    return mine[:2] if mine.endswith("0000") else mine[:4] if mine.endswith("00") else mine


def served(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def command_link(case_no: str, command: str, **fields: Any) -> str | None:
    """The command's form for this case, once the command forms are served."""
    if not served("commands.form"):
        return None
    return url_for("commands.form", case_no=case_no, command=command, **fields)


def command_links(who: Account, state: CaseState, writable: bool) -> list[tuple[str, str]]:
    """(label, link) of each command form this account may open on this case."""
    if not writable:
        return []
    links = []
    for command, text, for_open, supervisors in COMMANDS:
        if (for_open is not None and for_open != state.is_open) or (
                supervisors and not who.may_supervise):
            continue
        link = command_link(state.case_no, command)
        if link:
            links.append((str(text), link))
    return links


def queue_rows(items: list[QueueItem], case_no: str, on: date,
               writable: bool) -> list[dict[str, Any]]:
    """The case's pending items, each with where it stands and the form that satisfies it."""
    from web.followups.links import form_link, rule_name

    rows = []
    for item in sorted(items, key=lambda i: (i.due_on, i.key)):
        if item.status != "PENDING" or (item.expires_on is not None and on > item.expires_on):
            continue
        standing = "overdue" if on >= item.overdue_from else "due" if on >= item.due_on \
            else "upcoming"
        rows.append({"item": item, "name": rule_name(item.rule_id), "standing": standing,
                     "link": form_link(item, case_no, on) if writable else None})
    return rows


def masked_state(flat: dict[str, str], id_type: str) -> dict[str, str]:
    """A flattened state with its ID number and phone masked."""
    return {key: mask(key, value, id_type) for key, value in flat.items()}


def mask(field: str, value: str | None, id_type: str) -> str | None:
    if not value or field not in PERSONAL:
        return value
    return masked_id(id_type, value) if field == "id_number" else masked_mobile(value)


def district_choices(who: Account) -> list[str]:
    """The districts an account may enrol a case into."""
    if divisions().is_county_level(who.district):
        return [who.district]
    return [d.code for d in divisions().counties_of(who.district)]


def caseworker_choices(who: Account, accounts: list[Account]) -> list[Account]:
    """Whom a case may be given to at enrolment: oneself, or (a supervisor) a caseworker."""
    if who.role is Role.CASEWORKER:
        return [who]
    return [a for a in accounts
            if a.role is Role.CASEWORKER and a.active and who.covers(a.district)]
