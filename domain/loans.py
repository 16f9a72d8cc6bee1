"""Guaranteed start-up loans (创业担保贷款) on the case stream.

The events are declared here and adopted by :class:`domain.case.Case`, so
their stored topics are ``domain.case:Case.LoanApplied`` and so on.  The
commands (:class:`LoanCommands`) check the rules of the rule set in force on
the date of each fact; the events' ``apply`` methods only change state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidValueError, RuleViolationError, StateConflictError
from domain.money import (
    add_months,
    days_inclusive,
    lpr_bp,
    money,
    months_between,
    quarter,
    subsidised_rate_bp,
    subsidy_fen,
)
from domain.recording import AuditedAggregate
from domain.rules import RuleBook, RuleSet
from domain.values import (
    BorrowerKind,
    Decision,
    Guarantor,
    LoanGroup,
    TrainingResult,
    a_date,
    choice,
    count,
    optional_text,
    text,
)

if TYPE_CHECKING:
    from domain.case import Case

#: Loan states in which the borrower still holds the bank's money.
LIVE = frozenset({"GRANTED", "EXTENDED", "OVERDUE"})


@dataclass(frozen=True)
class Loan:
    """One loan of a case, from application to its end."""

    ref: str
    borrower_kind: str
    amount: int
    term_months: int
    sequence_no: int
    applied_on: date
    status: str = "APPLIED"
    group: str | None = None
    certified_on: date | None = None
    business_ref: str | None = None
    contract_no: str | None = None
    bank: str | None = None
    guarantor: str | None = None
    principal: int = 0
    annual_rate_bp: int = 0
    lpr_bp: int = 0
    subsidy_rule: str | None = None
    rule_set: str | None = None
    disbursed_on: date | None = None
    original_maturity_on: date | None = None
    maturity_on: date | None = None
    extensions: int = 0
    overdue_since: date | None = None
    amount_overdue: int = 0
    repaid_on: date | None = None
    on_time: bool | None = None
    compensated: int = 0
    compensated_on: date | None = None
    recovered: int = 0
    written_off: int = 0
    subsidy_paid: int = 0
    subsidised_periods: tuple[str, ...] = ()

    @property
    def outstanding(self) -> int:
        """Principal the borrower still owes (to the bank, or to the fund after 代偿)."""
        if self.status in ("APPLIED", "CERTIFIED", "REJECTED", "REPAID", "WRITTEN_OFF"):
            return 0
        return self.principal - self.recovered

    @property
    def ever_overdue(self) -> bool:
        return self.overdue_since is not None


class LoanApplied(AuditedAggregate.Event):
    loan_ref: str
    borrower_kind: str
    amount: int
    term_months: int
    sequence_no: int
    other_loans_declared: bool
    note: str

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = Loan(self.loan_ref, self.borrower_kind, self.amount,
                                         self.term_months, self.sequence_no, self.occurred_on)


class LoanEligibilityCertified(AuditedAggregate.Event):
    loan_ref: str
    decision: str
    group: str
    reason: str | None
    basis: dict[str, Any]

    def apply(self, case: Case) -> None:
        status = "CERTIFIED" if self.decision == Decision.APPROVED else "REJECTED"
        case.loans[self.loan_ref] = replace(case.loans[self.loan_ref], status=status,
                                            group=self.group, certified_on=self.occurred_on,
                                            business_ref=self.basis.get("business_ref"))


class LoanGranted(AuditedAggregate.Event):
    loan_ref: str
    contract_no: str
    bank: str
    guarantor: str
    principal: int
    term_months: int
    annual_rate_bp: int
    lpr_bp: int
    maturity_on: date
    subsidy_rule: str
    rule_set: str

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = replace(
            case.loans[self.loan_ref], status="GRANTED", contract_no=self.contract_no,
            bank=self.bank, guarantor=self.guarantor, principal=self.principal,
            term_months=self.term_months, annual_rate_bp=self.annual_rate_bp,
            lpr_bp=self.lpr_bp, subsidy_rule=self.subsidy_rule, rule_set=self.rule_set,
            disbursed_on=self.occurred_on, original_maturity_on=self.maturity_on,
            maturity_on=self.maturity_on,
        )


class InterestSubsidyPaid(AuditedAggregate.Event):
    loan_ref: str
    period: str
    interest_paid: int
    subsidy: int
    basis: dict[str, Any]

    def apply(self, case: Case) -> None:
        loan = case.loans[self.loan_ref]
        case.loans[self.loan_ref] = replace(
            loan, subsidy_paid=loan.subsidy_paid + self.subsidy,
            subsidised_periods=(*loan.subsidised_periods, self.period),
        )


class LoanExtended(AuditedAggregate.Event):
    loan_ref: str
    new_maturity_on: date

    def apply(self, case: Case) -> None:
        loan = case.loans[self.loan_ref]
        case.loans[self.loan_ref] = replace(loan, status="EXTENDED", extensions=loan.extensions
                                            + 1, maturity_on=self.new_maturity_on)


class LoanOverdue(AuditedAggregate.Event):
    loan_ref: str
    overdue_since: date
    amount_overdue: int

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = replace(case.loans[self.loan_ref], status="OVERDUE",
                                            overdue_since=self.overdue_since,
                                            amount_overdue=self.amount_overdue)


class LoanRepaid(AuditedAggregate.Event):
    loan_ref: str
    early: bool
    on_time: bool

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = replace(case.loans[self.loan_ref], status="REPAID",
                                            repaid_on=self.occurred_on, on_time=self.on_time)


class GuaranteeCompensated(AuditedAggregate.Event):
    loan_ref: str
    paid: int
    fund_share_pct: int

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = replace(case.loans[self.loan_ref], status="COMPENSATED",
                                            compensated=self.paid,
                                            compensated_on=self.occurred_on)


class LoanRecovered(AuditedAggregate.Event):
    loan_ref: str
    amount: int

    def apply(self, case: Case) -> None:
        loan = case.loans[self.loan_ref]
        case.loans[self.loan_ref] = replace(loan, status="RECOVERED",
                                            recovered=loan.recovered + self.amount)


class LoanWrittenOff(AuditedAggregate.Event):
    loan_ref: str
    amount: int

    def apply(self, case: Case) -> None:
        case.loans[self.loan_ref] = replace(case.loans[self.loan_ref], status="WRITTEN_OFF",
                                            written_off=self.amount)


LOAN_EVENTS = (LoanApplied, LoanEligibilityCertified, LoanGranted, InterestSubsidyPaid,
               LoanExtended, LoanOverdue, LoanRepaid, GuaranteeCompensated, LoanRecovered,
               LoanWrittenOff)


class LoanCommands:
    """The loan commands of a case."""

    def apply_for_loan(
        self: Case, *, rules: RuleBook, occurred_on: date, borrower_kind: str, amount: int,
        term_months: int, other_loans_declared: bool, prior_loans: tuple[Loan, ...] = (),
        loan_ref: str | None = None, note: str = "",
    ) -> str:
        """Record a loan application (申请创业担保贷款); returns the loan ref."""
        self.check_open()
        occurred_on = self.check_effective(occurred_on)
        if not other_loans_declared:
            raise RuleViolationError(
                "other_loans_declared", "declaration_required",
                "the borrower's and spouse's other loans must be declared",
            )
        if any(loan.status in ("APPLIED", "CERTIFIED") for loan in self.loans.values()):
            raise StateConflictError("loan_ref", "loan_pending", "another application is open")
        rule_set = rules.in_force(occurred_on, self.owning_district)
        sequence = self.check_repeat_loan(rule_set, prior_loans)
        ref = self.check_new_ref(loan_ref, self.loans, "loan_ref")
        self.trigger_event(
            self.LoanApplied, occurred_on=occurred_on, loan_ref=ref,
            borrower_kind=choice(BorrowerKind, borrower_kind, "borrower_kind").value,
            amount=money(amount, "amount"),
            term_months=count(term_months, "term_months", minimum=1, maximum=120),
            sequence_no=sequence, other_loans_declared=True, note=self.check_note(note),
        )
        return ref

    def certify_loan_eligibility(
        self: Case, *, rules: RuleBook, occurred_on: date, loan_ref: str, decision: str,
        group: str, reason: str | None = None,
    ) -> None:
        """Record the eligibility decision (资格审核) on an application."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("APPLIED",))
        occurred_on = self.check_effective(occurred_on, not_before=loan.applied_on)
        verdict = choice(Decision, decision, "decision")
        group_ = choice(LoanGroup, group, "group").value
        if group_ not in self.loan_groups:
            raise InvalidValueError("group", "not_in_case", "is not a group recorded for the case")
        why = optional_text(reason, "reason", max_len=500)
        if verdict == Decision.REJECTED and why is None:
            raise InvalidValueError("reason", "required", "a rejection needs a reason")
        basis: dict[str, Any] = {}
        if verdict == Decision.APPROVED:
            rule_set = rules.in_force(occurred_on, self.owning_district)
            basis = self.check_loan_eligibility(rule_set, loan, occurred_on)
        self.trigger_event(self.LoanEligibilityCertified, occurred_on=occurred_on,
                           loan_ref=loan.ref, decision=verdict.value, group=group_,
                           reason=why, basis=basis)

    def grant_loan(
        self: Case, *, rules: RuleBook, occurred_on: date, loan_ref: str, contract_no: str,
        bank: str, guarantor: str, principal: int, term_months: int, annual_rate_bp: int,
        prior_loans: tuple[Loan, ...] = (),
    ) -> None:
        """Record the disbursement (放款) within the caps in force on the grant date."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("CERTIFIED",))
        occurred_on = self.check_effective(occurred_on, not_before=loan.certified_on)
        rule_set = rules.in_force(occurred_on, self.owning_district)
        self.check_repeat_loan(rule_set, prior_loans, current=loan.ref)
        amount = money(principal, "principal")
        if amount > loan.amount:
            raise RuleViolationError("principal", "above_applied",
                                     "must not exceed the amount applied for")
        cap = self.loan_cap(rule_set, loan)
        if amount > cap:
            raise RuleViolationError("principal", "above_cap", f"must not exceed {cap} 分",
                                     cap=cap, rule_set=rule_set.ref)
        key = ("loan.small_micro_max_term_months" if loan.borrower_kind == BorrowerKind.SMALL_MICRO
               else "loan.individual_max_term_months")
        term = count(term_months, "term_months", minimum=1, maximum=1200)
        if term > rule_set.number(key):
            raise RuleViolationError("term_months", "above_cap",
                                     f"must not exceed {rule_set.number(key)} months",
                                     cap=rule_set.number(key), rule_set=rule_set.ref)
        reference = lpr_bp(occurred_on)
        rate_cap = reference + rule_set.number("loan.rate_cap_over_lpr_bp")
        rate = count(annual_rate_bp, "annual_rate_bp", minimum=1, maximum=5000)
        if rate > rate_cap:
            raise RuleViolationError("annual_rate_bp", "above_cap",
                                     f"must not exceed LPR {reference} BP + "
                                     f"{rule_set.number('loan.rate_cap_over_lpr_bp')} BP",
                                     cap=rate_cap, rule_set=rule_set.ref)
        self.trigger_event(
            self.LoanGranted, occurred_on=occurred_on, loan_ref=loan.ref,
            contract_no=text(contract_no, "contract_no", max_len=60).upper(),
            bank=text(bank, "bank", max_len=100),
            guarantor=choice(Guarantor, guarantor, "guarantor").value, principal=amount,
            term_months=term, annual_rate_bp=rate, lpr_bp=reference,
            maturity_on=add_months(occurred_on, term),
            subsidy_rule=rule_set.number("loan.subsidy_rule"), rule_set=rule_set.ref,
        )

    def pay_interest_subsidy(
        self: Case, *, occurred_on: date, loan_ref: str, period: str, interest_paid: int
    ) -> int:
        """Record the quarter's interest subsidy (贴息); returns the subsidy in 分."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("GRANTED", "EXTENDED", "OVERDUE", "REPAID",
                                          "COMPENSATED", "RECOVERED", "WRITTEN_OFF"))
        label, first, last = quarter(period)
        occurred_on = self.check_effective(occurred_on)
        if label in loan.subsidised_periods:
            raise StateConflictError("period", "already_paid", "this quarter is already paid")
        if occurred_on <= last:
            raise InvalidValueError("period", "not_ended", "the quarter has not ended yet")
        assert loan.disbursed_on and loan.original_maturity_on and loan.subsidy_rule
        # Interest runs to the day before maturity; no subsidy for extended or overdue days.
        ends = [last, loan.original_maturity_on - timedelta(days=1)]
        ends += [d - timedelta(days=1) for d in (loan.repaid_on, loan.overdue_since) if d]
        days = days_inclusive(max(first, loan.disbursed_on), min(ends))
        if days == 0:
            raise InvalidValueError("period", "no_subsidised_days",
                                    "the loan had no subsidised days in this quarter")
        paid = count(interest_paid, "interest_paid", maximum=10**12)
        rate = subsidised_rate_bp(loan.subsidy_rule, loan.annual_rate_bp, loan.lpr_bp)
        subsidy = subsidy_fen(loan.principal, rate, days, paid)
        self.trigger_event(
            self.InterestSubsidyPaid, occurred_on=occurred_on, loan_ref=loan.ref, period=label,
            interest_paid=paid, subsidy=subsidy,
            basis={"rule": loan.subsidy_rule, "principal": loan.principal,
                   "annual_rate_bp": loan.annual_rate_bp, "lpr_bp": loan.lpr_bp,
                   "subsidised_days": days, "rule_set": loan.rule_set},
        )
        return subsidy

    def extend_loan(self: Case, *, rules: RuleBook, occurred_on: date, loan_ref: str,
                    new_maturity_on: date) -> None:
        """Record an extension (展期) of the maturity date."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("GRANTED", "EXTENDED"))
        rule_set = rules.get(loan.rule_set or "")
        if loan.extensions >= rule_set.number("loan.max_extensions"):
            raise RuleViolationError("loan_ref", "extension_limit",
                                     "the loan has had every extension allowed",
                                     rule_set=rule_set.ref)
        assert loan.maturity_on is not None
        new = a_date(new_maturity_on, "new_maturity_on")
        limit = add_months(loan.maturity_on, rule_set.number("loan.extension_max_months"))
        if not loan.maturity_on < new <= limit:
            raise RuleViolationError("new_maturity_on", "extension_too_long",
                                     f"must fall after the maturity date and by {limit}",
                                     limit=limit.isoformat(), rule_set=rule_set.ref)
        self.trigger_event(self.LoanExtended, occurred_on=self.check_effective(occurred_on),
                           loan_ref=loan.ref, new_maturity_on=new)

    def record_loan_overdue(self: Case, *, occurred_on: date, loan_ref: str,
                            overdue_since: date, amount_overdue: int) -> None:
        """Record that a loan fell overdue (逾期)."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("GRANTED", "EXTENDED"))
        occurred_on = self.check_effective(occurred_on)
        since = a_date(overdue_since, "overdue_since")
        if not loan.disbursed_on or not loan.disbursed_on < since <= occurred_on:
            raise InvalidValueError("overdue_since", "out_of_range",
                                    "must fall after the disbursement and by today's record")
        amount = money(amount_overdue, "amount_overdue", maximum=loan.principal)
        self.trigger_event(self.LoanOverdue, occurred_on=occurred_on, loan_ref=loan.ref,
                           overdue_since=since, amount_overdue=amount)

    def record_loan_repaid(self: Case, *, occurred_on: date, loan_ref: str) -> None:
        """Record that a loan was repaid in full (结清)."""
        self.check_open()
        loan = self.check_loan(loan_ref, tuple(LIVE))
        occurred_on = self.check_effective(occurred_on, not_before=loan.disbursed_on)
        assert loan.maturity_on is not None
        self.trigger_event(self.LoanRepaid, occurred_on=occurred_on, loan_ref=loan.ref,
                           early=occurred_on < loan.maturity_on,
                           on_time=not loan.ever_overdue and occurred_on <= loan.maturity_on)

    def compensate_guarantee(self: Case, *, rules: RuleBook, occurred_on: date,
                             loan_ref: str, paid: int,
                             fund_share_pct: int | None = None) -> None:
        """Record the guarantee fund's compensation (代偿) of an overdue loan."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("OVERDUE",))
        rule_set = rules.get(loan.rule_set or "")
        occurred_on = self.check_effective(occurred_on)
        assert loan.overdue_since is not None
        after = rule_set.number("loan.compensation_after_days")
        if occurred_on < loan.overdue_since + timedelta(days=after):
            raise RuleViolationError(
                "occurred_on", "compensation_too_early",
                f"compensation is claimed {after} days after the loan fell overdue",
                earliest=(loan.overdue_since + timedelta(days=after)).isoformat(),
                rule_set=rule_set.ref)
        share = rule_set.number("loan.fund_share_pct") if fund_share_pct is None else count(
            fund_share_pct, "fund_share_pct", minimum=1, maximum=100)
        self.trigger_event(self.GuaranteeCompensated, occurred_on=occurred_on,
                           loan_ref=loan.ref, paid=money(paid, "paid", maximum=loan.principal),
                           fund_share_pct=share)

    def record_loan_recovery(self: Case, *, occurred_on: date, loan_ref: str,
                             amount: int) -> None:
        """Record money recovered (追偿) after compensation."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("COMPENSATED", "RECOVERED"))
        left = loan.compensated - loan.recovered
        self.trigger_event(self.LoanRecovered, occurred_on=self.check_effective(
            occurred_on, not_before=loan.compensated_on), loan_ref=loan.ref,
            amount=money(amount, "amount", maximum=max(left, 0)))

    def write_off_loan(self: Case, *, occurred_on: date, loan_ref: str, amount: int) -> None:
        """Record the write-off (核销) of what could not be recovered."""
        self.check_open()
        loan = self.check_loan(loan_ref, ("COMPENSATED", "RECOVERED"))
        left = loan.compensated - loan.recovered
        if amount != left:
            raise InvalidValueError("amount", "not_remaining",
                                    f"must be the unrecovered {left} 分", remaining=left)
        self.trigger_event(self.LoanWrittenOff, occurred_on=self.check_effective(
            occurred_on, not_before=loan.compensated_on), loan_ref=loan.ref,
            amount=money(amount, "amount"))

    # ------------------------------------------------------------------- guards
    def check_loan(self: Case, raw: str, statuses: tuple[str, ...]) -> Loan:
        loan = self.loans.get(str(raw))
        if loan is None:
            raise InvalidValueError("loan_ref", "unknown", "names no loan of this case")
        if loan.status not in statuses:
            raise StateConflictError("loan_ref", "wrong_status",
                                     f"the loan is {loan.status.lower()}", status=loan.status)
        return loan

    def check_repeat_loan(self: Case, rule_set: RuleSet, prior_loans: tuple[Loan, ...],
                          current: str | None = None) -> int:
        """The sequence number of a new loan, after the repeat-loan rules."""
        granted = [*prior_loans, *(
            loan for loan in self.loans.values()
            if loan.disbursed_on is not None and loan.ref != current
        )]
        limit = rule_set.number("loan.max_loans_per_borrower")
        if len(granted) >= limit:
            raise RuleViolationError("sequence_no", "max_loans",
                                     f"a borrower may have at most {limit} loans",
                                     limit=limit, rule_set=rule_set.ref)
        if any(loan.ever_overdue for loan in granted):
            raise RuleViolationError("sequence_no", "past_overdue",
                                     "a borrower with an overdue record cannot borrow again")
        if any(loan.status != "REPAID" for loan in granted):
            raise RuleViolationError("sequence_no", "previous_outstanding",
                                     "the previous loan must be repaid first")
        return len(granted) + 1

    def check_loan_eligibility(self: Case, rule_set: RuleSet, loan: Loan,
                               on: date) -> dict[str, Any]:
        """The facts that make the borrower eligible, or a refusal naming the rule."""
        basis: dict[str, Any] = {"rule_set": rule_set.ref}
        if rule_set.number("loan.requires_training") and not any(
            t.result == TrainingResult.PASSED for t in self.trainings.values()
        ):
            raise RuleViolationError("decision", "training_required",
                                     "the rule set requires a passed training first")
        operating = [b for b in self.businesses.values() if b.is_operating and (
            loan.borrower_kind != BorrowerKind.SMALL_MICRO or b.entity_type == "ENTERPRISE")]
        if not operating:
            raise RuleViolationError(
                "decision", "business_required",
                "a 小微 loan needs an operating enterprise" if
                loan.borrower_kind == BorrowerKind.SMALL_MICRO else
                "a loan needs a registered, operating business")
        def minimum_age(business: Any) -> int:
            return int(rule_set.number("loan.online_merchant_min_months"
                                       if business.is_online_merchant
                                       else "loan.min_business_age_months"))

        # The oldest business that is old enough; failing that, report on the oldest.
        ordered = sorted(operating, key=lambda b: b.registered_on)
        business = next((b for b in ordered if months_between(b.registered_on, on)
                         >= minimum_age(b)), ordered[0])
        age, minimum = months_between(business.registered_on, on), minimum_age(business)
        basis |= {"business_ref": business.ref, "business_age_months": age}
        if age < minimum:
            raise RuleViolationError("decision", "business_too_young",
                                     f"the business must have operated {minimum} months",
                                     minimum=minimum, rule_set=rule_set.ref)
        if loan.borrower_kind == BorrowerKind.SMALL_MICRO:
            basis |= self.check_small_micro_hires(rule_set, business.jobs, on)
        return basis

    @staticmethod
    def check_small_micro_hires(rule_set: RuleSet, jobs: Any, on: date) -> dict[str, Any]:
        max_age = rule_set.number("loan.jobs_report_max_age_months")
        if jobs is None or not jobs.verified or months_between(jobs.as_of, on) >= max_age:
            raise RuleViolationError("decision", "jobs_report_required",
                                     f"a verified jobs report of the last {max_age} months "
                                     "is needed", rule_set=rule_set.ref)
        staff = jobs.employees_excl_founder
        pct = rule_set.number("loan.small_micro_hire_pct_over_threshold"
                              if staff > rule_set.number("loan.small_micro_staff_threshold")
                              else "loan.small_micro_hire_pct")
        # Only hires on contracts of a year or more count (财金〔2018〕22号).
        hires = min(jobs.priority_group_hires_12m, jobs.contracts_ge_1y)
        if hires * 100 < pct * staff or staff == 0:
            raise RuleViolationError("decision", "small_micro_hires",
                                     f"new hires from the eligible groups must be {pct}% "
                                     "of the staff", pct=pct, rule_set=rule_set.ref)
        return {"jobs_as_of": jobs.as_of.isoformat(), "staff": staff,
                "priority_group_hires_12m": jobs.priority_group_hires_12m,
                "contracts_ge_1y": jobs.contracts_ge_1y, "hire_pct": pct}

    def loan_cap(self: Case, rule_set: RuleSet, loan: Loan) -> int:
        """The cap for the loan's borrower kind on the rule set's date."""
        individual = rule_set.number("loan.individual_cap_fen")
        small_micro = rule_set.number("loan.small_micro_cap_fen")
        if loan.borrower_kind == BorrowerKind.INDIVIDUAL:
            return int(individual)
        if loan.borrower_kind == BorrowerKind.SMALL_MICRO:
            return int(small_micro)
        business = self.businesses.get(loan.business_ref or "")
        partners = 1 + (len(business.partners) if business else 0)
        pct = rule_set.number("loan.partnership_cap_pct")
        return int(min(individual * partners * pct // 100, small_micro))
