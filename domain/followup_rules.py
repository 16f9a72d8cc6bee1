"""What each event of a case's stream does to its follow-up items (rules F1–F16).

Every offset comes from the rule set in force on the date of the event that
creates the item, in the district that owned the case then.  Recurring items
are created one at a time: the next one when the previous one is satisfied,
so a rule has at most one pending item per subject.  Handlers run in stream
order; an event satisfies at most one item of each rule (the earliest open
one, or the one a follow-up names in ``due_ref``) unless a handler says otherwise.

Where the research leaves room: an event that *answers* an item's question
closes it whatever its window (a registration answers F3, an application F7,
an overdue record F11, compensation F12, any newer contact F15); a loan's end
closes its reminder and tasks as done if their window had opened, else as
cancelled; a survival visit (F6) is a reached follow-up; F4 runs once per case
and restarts with each newer passed training; F9 falls on the grant's
anniversaries; F16 is held back while a loan is live or a subsidy is applied
for or granted, and is then due when the last of them ended.  A closed case
gets no new items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from domain.case import CONTACT_EVENTS
from domain.money import add_months
from domain.values import BorrowerKind, SubsidyKind, TrainingResult

if TYPE_CHECKING:
    from domain.followups import Schedule

Handler = Callable[["Schedule", Any], None]

#: F4's phases are named "quarterly" and "half-yearly" by the rule set's numbers,
#: which say only when each phase ends; the names fix the intervals.
#: Subsidies paid for a period, re-verified every year while the period runs (F13).
REVERIFIED = frozenset({SubsidyKind.RENT, SubsidyKind.JOB_CREATION})
#: The rules whose items concern one loan.
LOAN_RULES = ("F8", "F9", "F10", "F11", "F12")


@dataclass(frozen=True)
class Grant:
    """What the follow-up rules need to know of one subsidy."""

    kind: str
    subject_ref: str
    period_to: date | None
    unpaid: int = 0


# ------------------------------------------------------------ case lifecycle
def _enrolled(s: Schedule, e: Any) -> None:
    s.caseworker, s.district, s.is_open = e.caseworker_id, e.owning_district, True
    # "Within N days": an assessment on the enrolment day already counts.
    s.open("F1", s.on + s.days("followup.needs_assessment_days"), opens_on=s.on)


def _transferred(s: Schedule, e: Any) -> None:
    s.district, s.caseworker = e.to_district, e.to_caseworker_id


def _reassigned(s: Schedule, e: Any) -> None:
    s.caseworker = e.to_caseworker_id


def _case_closed(s: Schedule, e: Any) -> None:
    # Closing is what F16 suggests: done if it was due by now and no money is open.
    for entry in s.pending("F16"):
        due = s.close_suggestion_due(entry)
        if not s.money_open and s.on >= due - timedelta(days=entry.window_days):
            s.redate(entry, due)
            s.done(entry)
    s.cancel()
    s.is_open = False


def _case_reopened(s: Schedule, e: Any) -> None:
    s.is_open, s.last_contact = True, s.on
    s.open("F15", s.on + s.days("followup.stale_contact_days"))


def note_contact(s: Schedule, e: Any) -> None:
    """F15: a contact newer than the last one satisfies the stale-case flag and opens the next."""
    name = type(e).__name__
    contact = name in CONTACT_EVENTS or (name == "FollowUpRecorded" and e.reached)
    if not contact or not s.is_open or (s.last_contact is not None and s.on <= s.last_contact):
        return
    s.last_contact = s.on
    s.satisfy_all("F15")
    s.open("F15", s.on + s.days("followup.stale_contact_days"))


# ------------------------------------------------------- assessment, training
def _needs_assessed(s: Schedule, e: Any) -> None:
    s.satisfy("F1")


def _training_completed(s: Schedule, e: Any) -> None:
    if e.result != TrainingResult.PASSED:
        return
    ref = e.enrolment_ref
    for seq, months in enumerate(s.number("followup.post_training_service_months"), 1):
        s.open("F2", add_months(s.on, months), ref, seq=seq)
    if s.operating:
        return  # "business started?" is answered and F4 is for people without one
    s.open("F3", add_months(s.on, s.number("followup.business_started_check_months")), ref)
    s.cancel("F4")  # the newest training restarts the contact plan
    s.trained_on[ref] = s.on
    _next_contact(s, ref)


def _next_contact(s: Schedule, ref: str) -> None:
    """F4: quarterly while the last contact is in the first phase, then half-yearly."""
    start = s.trained_on[ref]
    quarterly_until = add_months(start, s.number("followup.trained_quarterly_until_months"))
    until = add_months(start, s.number("followup.trained_half_yearly_until_months"))
    due = add_months(s.on, s.number("followup.trained_quarterly_interval_months")
                     if s.on < quarterly_until
                     else s.number("followup.trained_half_yearly_interval_months"))
    if due <= until:
        s.open("F4", due, ref)


def _follow_up(s: Schedule, e: Any) -> None:
    if e.business_status is not None:
        s.satisfy("F3")
    if not e.reached:
        return
    s.satisfy("F2")
    if (entry := s.satisfy("F4")) is not None and entry.subject_ref is not None:
        _next_contact(s, entry.subject_ref)
    s.satisfy("F6")
    if (entry := s.satisfy("F8")) is not None:
        s.open("F8", add_months(s.on, s.number("followup.post_loan_visit_months")),
               entry.subject_ref)
    if (entry := s.satisfy("F13")) is not None and entry.subject_ref is not None:
        _next_reverification(s, entry.subject_ref)
    s.satisfy("F14")


def _service(s: Schedule, e: Any) -> None:
    s.satisfy("F2")
    s.satisfy("F14")


def _activity_attended(s: Schedule, e: Any) -> None:
    s.satisfy("F2")  # a group activity after the course is one of the "5+3" services


# ---------------------------------------------------------------- mentoring
def _mentor_assigned(s: Schedule, e: Any) -> None:
    s.session_minutes[e.pairing_ref] = e.counted_session_minutes
    s.open("F5", s.on + s.days("followup.mentoring_interval_days"), e.pairing_ref)


def _session(s: Schedule, e: Any) -> None:
    needed = s.session_minutes.get(e.pairing_ref)
    if needed is None or e.minutes < needed:
        return
    if s.satisfy("F5", e.pairing_ref) is not None:
        s.open("F5", s.on + s.days("followup.mentoring_interval_days"), e.pairing_ref)


def _mentor_released(s: Schedule, e: Any) -> None:
    s.cancel("F5", e.pairing_ref)


# ----------------------------------------------------------------- business
def _business_registered(s: Schedule, e: Any) -> None:
    ref = e.business_ref
    s.operating.add(ref)
    s.satisfy_all("F3")  # a registration answers "business started?" whenever it comes
    s.cancel("F4")
    for seq, months in enumerate(s.number("followup.survival_visit_months"), 1):
        s.open("F6", add_months(s.on, months), ref, seq=seq)
    if e.first_time_founder:
        s.open("F7", add_months(s.on, s.number("followup.one_time_subsidy_prompt_months")), ref,
               expires_on=add_months(s.on, s.number("followup.one_time_subsidy_window_months")))
    s.open("F16", add_months(s.on, s.number("followup.close_suggestion_months")), ref)


def _jobs_reported(s: Schedule, e: Any) -> None:
    if e.verified and (entry := s.satisfy("F9")) is not None and entry.subject_ref is not None:
        loan = entry.subject_ref
        months = s.number("followup.jobs_report_months") * (entry.seq + 1)
        s.open("F9", add_months(s.granted_on[loan], months), loan)
    entry = s.satisfy("F13", where=lambda i: _grant_business(s, i.subject_ref) == e.business_ref)
    if entry is not None and entry.subject_ref is not None:
        _next_reverification(s, entry.subject_ref)


def _business_closed(s: Schedule, e: Any) -> None:
    ref = e.business_ref
    s.operating.discard(ref)
    s.cancel("F6", ref)
    s.cancel("F7", ref)
    # "Within N days": a service on the closing day already counts.
    s.open("F14", s.on + s.days("followup.closure_service_days"), ref, opens_on=s.on)


# -------------------------------------------------------------------- loans
def _loan_applied(s: Schedule, e: Any) -> None:
    s.borrower_kinds[e.loan_ref] = e.borrower_kind


def _loan_granted(s: Schedule, e: Any) -> None:
    ref = e.loan_ref
    s.granted_on[ref] = s.on
    s.money_opened(f"loan:{ref}")
    s.open("F8", add_months(s.on, s.number("followup.post_loan_visit_months")), ref)
    if s.borrower_kinds.get(ref) == BorrowerKind.SMALL_MICRO:
        s.open("F9", add_months(s.on, s.number("followup.jobs_report_months")), ref)
    s.open("F10", e.maturity_on - s.days("followup.maturity_reminder_days"), ref)
    s.open("F11", e.maturity_on + s.days("followup.overdue_task_days"), ref)


def _loan_extended(s: Schedule, e: Any) -> None:
    ref, maturity = e.loan_ref, e.new_maturity_on
    for entry in s.pending("F10", ref):
        if s.on >= entry.opens_on:
            # An extension in answer to the reminder: done, and remind again before the new date.
            s.done(entry)
            s.open("F10", maturity - s.days("followup.maturity_reminder_days"), ref)
        else:
            days = s.entry_rule_set(entry).number("followup.maturity_reminder_days")
            s.redate(entry, maturity - timedelta(days=days))
    for entry in s.pending("F11", ref):
        days = s.entry_rule_set(entry).number("followup.overdue_task_days")
        s.redate(entry, maturity + timedelta(days=days))


def _loan_overdue(s: Schedule, e: Any) -> None:
    ref = e.loan_ref
    s.cancel("F10", ref)
    s.satisfy("F11", ref, anytime=True)
    s.open("F12", e.overdue_since + s.days("followup.compensation_claim_days"), ref)


def _loan_repaid(s: Schedule, e: Any) -> None:
    ref = e.loan_ref
    s.cancel("F8", ref)
    s.cancel("F9", ref)
    for rule_id in ("F10", "F11", "F12"):
        s.end(rule_id, ref)
    s.money_closed(f"loan:{e.loan_ref}")


def _compensated(s: Schedule, e: Any) -> None:
    s.satisfy("F12", e.loan_ref, anytime=True)
    s.unrecovered[e.loan_ref] = e.paid


def _recovered(s: Schedule, e: Any) -> None:
    left = s.unrecovered.get(e.loan_ref, 0) - e.amount
    s.unrecovered[e.loan_ref] = left
    if left <= 0:
        _loan_ended(s, e.loan_ref)  # nothing left to write off: the loan is over


def _written_off(s: Schedule, e: Any) -> None:
    _loan_ended(s, e.loan_ref)


def _loan_ended(s: Schedule, ref: str) -> None:
    for rule_id in LOAN_RULES:
        s.cancel(rule_id, ref)
    s.money_closed(f"loan:{ref}")


# ---------------------------------------------------------------- subsidies
def _subsidy_applied(s: Schedule, e: Any) -> None:
    s.grants[e.subsidy_ref] = Grant(e.kind, e.subject_ref, e.period_to)
    s.money_opened(f"subsidy:{e.subsidy_ref}")
    if e.kind == SubsidyKind.ONE_TIME_STARTUP:
        s.satisfy_all("F7", e.subject_ref)  # applying is what the prompt asks, whenever


def _subsidy_granted(s: Schedule, e: Any) -> None:
    grant = s.grants.get(e.subsidy_ref)
    if grant is None:
        return
    s.grants[e.subsidy_ref] = replace(grant, unpaid=e.amount)
    if grant.kind in REVERIFIED:
        _next_reverification(s, e.subsidy_ref)


def _subsidy_rejected(s: Schedule, e: Any) -> None:
    s.money_closed(f"subsidy:{e.subsidy_ref}")


def _subsidy_paid(s: Schedule, e: Any) -> None:
    grant = s.grants.get(e.subsidy_ref)
    if grant is None:
        return
    s.grants[e.subsidy_ref] = replace(grant, unpaid=grant.unpaid - e.amount)
    if grant.unpaid - e.amount <= 0:
        s.money_closed(f"subsidy:{e.subsidy_ref}")


def _next_reverification(s: Schedule, subsidy_ref: str) -> None:
    """F13: a year after the grant or the last re-verification, while the period runs."""
    due = add_months(s.on, s.number("followup.subsidy_reverification_months"))
    period_to = s.grants[subsidy_ref].period_to
    if period_to is None or due <= period_to:
        s.open("F13", due, subsidy_ref)


def _grant_business(s: Schedule, subsidy_ref: str | None) -> str | None:
    grant = s.grants.get(subsidy_ref or "")
    return None if grant is None else grant.subject_ref


HANDLERS: dict[str, Handler] = {
    "Enrolled": _enrolled,
    "NeedsAssessed": _needs_assessed,
    "TrainingCompleted": _training_completed,
    "MentorAssigned": _mentor_assigned,
    "MentoringSessionHeld": _session,
    "MentorReleased": _mentor_released,
    "BusinessRegistered": _business_registered,
    "JobsReported": _jobs_reported,
    "BusinessClosed": _business_closed,
    "FollowUpRecorded": _follow_up,
    "ServiceDelivered": _service,
    "ActivityAttended": _activity_attended,
    "LoanApplied": _loan_applied,
    "LoanGranted": _loan_granted,
    "LoanExtended": _loan_extended,
    "LoanOverdue": _loan_overdue,
    "LoanRepaid": _loan_repaid,
    "GuaranteeCompensated": _compensated,
    "LoanRecovered": _recovered,
    "LoanWrittenOff": _written_off,
    "SubsidyApplied": _subsidy_applied,
    "SubsidyGranted": _subsidy_granted,
    "SubsidyRejected": _subsidy_rejected,
    "SubsidyPaid": _subsidy_paid,
    "CaseTransferred": _transferred,
    "CaseReassigned": _reassigned,
    "CaseClosed": _case_closed,
    "CaseReopened": _case_reopened,
}
