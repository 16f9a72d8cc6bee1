"""Entrepreneurship subsidies (创业补贴) on the case stream.

Like the loan events, these are adopted by :class:`domain.case.Case`.  An
application and a grant each keep a ``basis``: the rule-set version and a
snapshot of the facts that were checked, so a later audit sees why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidValueError, RuleViolationError, StateConflictError
from domain.money import add_months, money, months_between
from domain.recording import AuditedAggregate
from domain.rules import RuleBook, RuleSet
from domain.values import SubsidyKind, TrainingResult, a_date, choice, text

if TYPE_CHECKING:
    from domain.case import Case

#: Kinds paid for a period of time, whose periods may not overlap.
PERIODIC = frozenset({SubsidyKind.RENT, SubsidyKind.JOB_CREATION, SubsidyKind.SOCIAL_INSURANCE})
#: What each kind's ``subject_ref`` names.
SUBJECTS = {SubsidyKind.GUARANTEE_FEE: "loan", SubsidyKind.TRAINING: "training"}


@dataclass(frozen=True)
class Subsidy:
    ref: str
    kind: str
    amount: int
    subject_ref: str
    period_from: date | None
    period_to: date | None
    applied_on: date
    status: str = "APPLIED"  # APPLIED, GRANTED, REJECTED, PAID
    granted: int = 0
    granted_on: date | None = None
    paid: int = 0
    reason: str | None = None

    @property
    def months(self) -> int:
        """Months of the period; a part of a month counts as a month."""
        if self.period_from is None or self.period_to is None:
            return 0
        whole = months_between(self.period_from, self.period_to + timedelta(days=1))
        return whole + int(add_months(self.period_from, whole) <= self.period_to)


class SubsidyApplied(AuditedAggregate.Event):
    subsidy_ref: str
    kind: str
    amount: int
    subject_ref: str
    period_from: date | None
    period_to: date | None
    basis: dict[str, Any]

    def apply(self, case: Case) -> None:
        case.subsidies[self.subsidy_ref] = Subsidy(
            self.subsidy_ref, self.kind, self.amount, self.subject_ref, self.period_from,
            self.period_to, self.occurred_on)


class SubsidyGranted(AuditedAggregate.Event):
    subsidy_ref: str
    amount: int
    basis: dict[str, Any]

    def apply(self, case: Case) -> None:
        case.subsidies[self.subsidy_ref] = replace(
            case.subsidies[self.subsidy_ref], status="GRANTED", granted=self.amount,
            granted_on=self.occurred_on)


class SubsidyRejected(AuditedAggregate.Event):
    subsidy_ref: str
    reason: str

    def apply(self, case: Case) -> None:
        case.subsidies[self.subsidy_ref] = replace(
            case.subsidies[self.subsidy_ref], status="REJECTED", reason=self.reason)


class SubsidyPaid(AuditedAggregate.Event):
    subsidy_ref: str
    amount: int

    def apply(self, case: Case) -> None:
        subsidy = case.subsidies[self.subsidy_ref]
        paid = subsidy.paid + self.amount
        case.subsidies[self.subsidy_ref] = replace(
            subsidy, paid=paid, status="PAID" if paid == subsidy.granted else subsidy.status)


SUBSIDY_EVENTS = (SubsidyApplied, SubsidyGranted, SubsidyRejected, SubsidyPaid)


class SubsidyCommands:
    """The subsidy commands of a case."""

    def apply_for_subsidy(
        self: Case, *, rules: RuleBook, occurred_on: date, kind: str, amount: int,
        subject_ref: str, period_from: date | None = None, period_to: date | None = None,
        subsidy_ref: str | None = None,
    ) -> str:
        """Record a subsidy application; returns the subsidy ref."""
        self.check_open()
        occurred_on = self.check_effective(occurred_on)
        kind_ = choice(SubsidyKind, kind, "kind")
        start, end = self.check_period(kind_, period_from, period_to)
        rule_set = rules.in_force(occurred_on, self.owning_district)
        candidate = Subsidy("", kind_.value, money(amount, "amount"), str(subject_ref),
                            start, end, occurred_on)
        basis = self.check_subsidy_rules(rule_set, candidate, occurred_on)
        ref = self.check_new_ref(subsidy_ref, self.subsidies, "subsidy_ref")
        self.trigger_event(self.SubsidyApplied, occurred_on=occurred_on, subsidy_ref=ref,
                           kind=kind_.value, amount=candidate.amount,
                           subject_ref=candidate.subject_ref, period_from=start,
                           period_to=end, basis=basis)
        return ref

    def grant_subsidy(self: Case, *, rules: RuleBook, occurred_on: date, subsidy_ref: str,
                      amount: int) -> None:
        """Grant an application, after checking its rules again on the decision date."""
        self.check_open()
        subsidy = self.check_subsidy(subsidy_ref, ("APPLIED",))
        occurred_on = self.check_effective(occurred_on, not_before=subsidy.applied_on)
        granted = money(amount, "amount", maximum=subsidy.amount)
        rule_set = rules.in_force(occurred_on, self.owning_district)
        basis = self.check_subsidy_rules(rule_set, subsidy, occurred_on)
        self.trigger_event(self.SubsidyGranted, occurred_on=occurred_on,
                           subsidy_ref=subsidy.ref, amount=granted, basis=basis)

    def reject_subsidy(self: Case, *, occurred_on: date, subsidy_ref: str, reason: str) -> None:
        """Refuse an application, with the reason."""
        self.check_open()
        subsidy = self.check_subsidy(subsidy_ref, ("APPLIED",))
        self.trigger_event(
            self.SubsidyRejected,
            occurred_on=self.check_effective(occurred_on, not_before=subsidy.applied_on),
            subsidy_ref=subsidy.ref, reason=text(reason, "reason", max_len=500))

    def pay_subsidy(self: Case, *, occurred_on: date, subsidy_ref: str, amount: int) -> None:
        """Record a payment of a granted subsidy."""
        self.check_open()
        subsidy = self.check_subsidy(subsidy_ref, ("GRANTED",))
        self.trigger_event(
            self.SubsidyPaid,
            occurred_on=self.check_effective(occurred_on, not_before=subsidy.granted_on),
            subsidy_ref=subsidy.ref,
            amount=money(amount, "amount", maximum=subsidy.granted - subsidy.paid))

    # ------------------------------------------------------------------- guards
    def check_subsidy(self: Case, raw: str, statuses: tuple[str, ...]) -> Subsidy:
        subsidy = self.subsidies.get(str(raw))
        if subsidy is None:
            raise InvalidValueError("subsidy_ref", "unknown", "names no subsidy of this case")
        if subsidy.status not in statuses:
            raise StateConflictError("subsidy_ref", "wrong_status",
                                     f"the subsidy is {subsidy.status.lower()}")
        return subsidy

    @staticmethod
    def check_period(kind: SubsidyKind, start: Any, end: Any) -> tuple[date | None, date | None]:
        if kind not in PERIODIC:
            if start is not None or end is not None:
                raise InvalidValueError("period_from", "not_periodic",
                                        f"a {kind.value} subsidy has no period")
            return None, None
        if start is None or end is None:
            raise InvalidValueError("period_from" if start is None else "period_to", "required",
                                    "a periodic subsidy needs its period")
        first, last = a_date(start, "period_from"), a_date(end, "period_to")
        if last < first:
            raise InvalidValueError("period_to", "before_start", "must not be before the start")
        return first, last

    def check_subsidy_rules(self: Case, rule_set: RuleSet, subsidy: Subsidy,
                            on: date) -> dict[str, Any]:
        """The facts checked for a subsidy, or a refusal naming the rule."""
        kind = SubsidyKind(subsidy.kind)
        basis: dict[str, Any] = {"rule_set": rule_set.ref, "rule": f"subsidy.{kind.value}"}
        others = [s for s in self.subsidies.values() if s.kind == kind.value
                  and s.ref != subsidy.ref and s.status != "REJECTED"]
        if kind == SubsidyKind.GUARANTEE_FEE:
            loan = self.loans.get(subsidy.subject_ref)
            if loan is None or loan.disbursed_on is None:
                raise RuleViolationError("subject_ref", "loan_required",
                                         "names no granted loan of this case")
            return self._once(others, subsidy, basis | {"loan_ref": loan.ref})
        if kind == SubsidyKind.TRAINING:
            training = self.trainings.get(subsidy.subject_ref)
            if training is None or not (training.subsidised
                                        and training.result == TrainingResult.PASSED):
                raise RuleViolationError("subject_ref", "training_required",
                                         "names no passed subsidised training of this case")
            return self._once(others, subsidy, basis | {"course": training.course})
        business = self.businesses.get(subsidy.subject_ref)
        if business is None or not business.is_operating:
            raise RuleViolationError("subject_ref", "business_required",
                                     "names no operating business of this case")
        basis |= {"uscc": business.uscc, "registered_on": business.registered_on.isoformat()}
        if subsidy.period_from is not None and subsidy.period_from < business.registered_on:
            raise InvalidValueError("period_from", "before_registration",
                                    "must not be before the business was registered")
        if kind == SubsidyKind.ONE_TIME_STARTUP:
            return self._check_startup(rule_set, business, on, others, basis)
        return self._check_periodic(rule_set, kind, subsidy, business, on, others, basis)

    @staticmethod
    def _once(others: list[Subsidy], subsidy: Subsidy, basis: dict[str, Any]) -> dict[str, Any]:
        if any(s.subject_ref == subsidy.subject_ref for s in others):
            raise RuleViolationError("subject_ref", "once_only",
                                     "this subsidy was already applied for")
        return basis

    @staticmethod
    def _check_startup(rule_set: RuleSet, business: Any, on: date, others: list[Subsidy],
                       basis: dict[str, Any]) -> dict[str, Any]:
        if not business.first_time_founder:
            raise RuleViolationError("subject_ref", "first_time_founder",
                                     "only a first-time founder's business qualifies")
        months = months_between(business.registered_on, on)
        needed = rule_set.number("subsidy.one_time_startup_months")
        if months < needed:
            raise RuleViolationError("subject_ref", "operating_months",
                                     f"the business must have operated {needed} months",
                                     months=months, needed=needed, rule_set=rule_set.ref)
        if others:
            raise RuleViolationError("kind", "once_per_person",
                                     "the one-time start-up subsidy is paid once per person")
        return basis | {"operating_months": months, "first_time_founder": True}

    def _check_periodic(self: Case, rule_set: RuleSet, kind: SubsidyKind, subsidy: Subsidy,
                        business: Any, on: date, others: list[Subsidy],
                        basis: dict[str, Any]) -> dict[str, Any]:
        assert subsidy.period_from is not None and subsidy.period_to is not None
        same = [s for s in others if s.subject_ref == subsidy.subject_ref]
        if any(s.period_from and s.period_to and s.period_from <= subsidy.period_to
               and subsidy.period_from <= s.period_to for s in same):
            raise RuleViolationError("period_from", "overlap",
                                     "overlaps a period already applied for")
        basis |= {"period_months": subsidy.months}
        if kind == SubsidyKind.RENT:
            total = subsidy.months + sum(s.months for s in same)
            limit = rule_set.number("subsidy.rent_max_months")
            if total > limit:
                raise RuleViolationError("period_to", "rent_months",
                                         f"rent is subsidised for at most {limit} months",
                                         total=total, limit=limit, rule_set=rule_set.ref)
            return basis | {"rent_months_total": total}
        jobs = business.jobs
        max_age = rule_set.number("subsidy.jobs_report_max_age_months")
        if jobs is None or not jobs.verified or months_between(jobs.as_of, on) >= max_age:
            raise RuleViolationError("subject_ref", "verified_jobs_required",
                                     f"needs a verified jobs report of the last {max_age} months",
                                     rule_set=rule_set.ref)
        if kind == SubsidyKind.SOCIAL_INSURANCE and jobs.insured_employees == 0:
            raise RuleViolationError("subject_ref", "insured_required",
                                     "the business insures no employees")
        return basis | {"jobs_as_of": jobs.as_of.isoformat(),
                        "employees": jobs.employees_excl_founder,
                        "insured": jobs.insured_employees}
