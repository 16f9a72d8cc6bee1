"""Guaranteed start-up loans on a case: the path of a loan, the policy in force on each date,
every refusal of the loan commands, and the quarterly interest subsidy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from application.rulesets import load_rule_book
from domain.case import Case
from domain.errors import (
    CaseClosedError,
    DomainError,
    InvalidValueError,
    RuleViolationError,
    StateConflictError,
)
from domain.loans import Loan
from tests.builders import a_uscc, an_id_number, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()
GROUP = "RETURNING_MIGRANT_WORKER"
DAY = timedelta(days=1)
#: The dates of the usual loan: applied, certified, granted (the LPR is 335 BP on the grant).
APPLIED_ON, CERTIFIED_ON, GRANTED_ON = date(2024, 8, 1), date(2024, 8, 10), date(2024, 8, 20)
#: The usual loan is 30万 for 24 months, so it matures on 2026-08-20.
MATURES_ON = date(2026, 8, 20)
OVERDUE_SINCE = date(2025, 3, 1)
#: The 90th day after OVERDUE_SINCE, the first on which the fund may compensate.
COMPENSATED_ON = date(2025, 5, 30)

Command = Callable[[], Any]


def refusal_of(command: Command) -> DomainError:
    with pytest.raises(DomainError) as caught:
        command()
    return caught.value


def described(error: DomainError) -> tuple[type[DomainError], str, str]:
    return type(error), error.field, error.code


def event_names(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.collect_events()]


def a_case() -> Case:
    """A case of someone who came home in 2014, without a business yet."""
    return Case.enrol(**enrolment(returned_on=date(2014, 1, 1), occurred_on=date(2014, 2, 1)))


def a_shop(case: Case, registered_on: date = date(2015, 6, 1), **overrides: Any) -> str:
    fields: dict[str, Any] = dict(
        occurred_on=registered_on, uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
        name="张三小吃店", first_time_founder=True, premises="RENTED",
    )
    return case.register_business(**{**fields, **overrides})


def jobs_reported(case: Case, business: str, *, staff: int = 20, hires: int = 2,
                  as_of: date = date(2024, 6, 1), verified: bool = True) -> None:
    case.report_jobs(
        occurred_on=as_of, business_ref=business, employees_excl_founder=staff,
        insured_employees=staff, priority_group_hires_12m=hires, contracts_ge_1y=hires,
        source="SOCIAL_INSURANCE_DATA", verified=verified,
    )


def a_firm(case: Case, **jobs: Any) -> str:
    """An enterprise whose verified jobs report meets the 10% rule, unless told otherwise."""
    firm = a_shop(case, uscc=a_uscc("91"), entity_type="ENTERPRISE", name="张三食品有限公司")
    jobs_reported(case, firm, **jobs)
    return firm


def a_borrower() -> Case:
    case = a_case()
    a_shop(case)
    return case


def applied(case: Case, on: date = APPLIED_ON, **overrides: Any) -> str:
    fields: dict[str, Any] = dict(
        occurred_on=on, borrower_kind="INDIVIDUAL", amount=30_000_000, term_months=24,
        other_loans_declared=True,
    )
    return case.apply_for_loan(rules=RULES, **{**fields, **overrides})


def certified(case: Case, ref: str, on: date = CERTIFIED_ON, **overrides: Any) -> None:
    fields: dict[str, Any] = dict(occurred_on=on, loan_ref=ref, decision="APPROVED", group=GROUP)
    case.certify_loan_eligibility(rules=RULES, **{**fields, **overrides})


def granted(case: Case, ref: str, on: date = GRANTED_ON, **overrides: Any) -> None:
    fields: dict[str, Any] = dict(
        occurred_on=on, loan_ref=ref, contract_no="zb-cdb-2024-0820", bank="淄博农商银行张店支行",
        guarantor="FUND", principal=30_000_000, term_months=24, annual_rate_bp=345,
    )
    case.grant_loan(rules=RULES, **{**fields, **overrides})


def a_granted_loan(case: Case, on: date = GRANTED_ON, *, kind: str = "INDIVIDUAL",
                   principal: int = 30_000_000, term_months: int = 24, rate: int = 345) -> str:
    ref = applied(case, on - 19 * DAY, borrower_kind=kind, amount=principal,
                  term_months=term_months)
    certified(case, ref, on - 10 * DAY)
    granted(case, ref, on, principal=principal, term_months=term_months, annual_rate_bp=rate)
    return ref


def a_repaid_loan(case: Case, on: date) -> str:
    ref = a_granted_loan(case, on, principal=10_000_000, term_months=12)
    case.record_loan_repaid(occurred_on=on + 300 * DAY, loan_ref=ref)
    return ref


def an_overdue_loan(case: Case) -> str:
    ref = a_granted_loan(case)
    case.record_loan_overdue(occurred_on=OVERDUE_SINCE + 4 * DAY, loan_ref=ref,
                             overdue_since=OVERDUE_SINCE, amount_overdue=2_000_000)
    return ref


def a_compensated_loan(case: Case) -> str:
    ref = an_overdue_loan(case)
    case.compensate_guarantee(rules=RULES, occurred_on=COMPENSATED_ON, loan_ref=ref,
                              paid=24_000_000)
    return ref


def a_loan_of_an_earlier_case(**overrides: Any) -> Loan:
    fields: dict[str, Any] = dict(
        ref="earlier-1", borrower_kind="INDIVIDUAL", amount=10_000_000, term_months=24,
        sequence_no=1, applied_on=date(2016, 3, 1), status="REPAID", principal=10_000_000,
        disbursed_on=date(2016, 4, 1), repaid_on=date(2018, 4, 1), on_time=True,
    )
    return Loan(**{**fields, **overrides})


def subsidy_for(case: Case, ref: str, period: str, interest_paid: int,
                on: date = date(2025, 1, 10)) -> int:
    return case.pay_interest_subsidy(occurred_on=on, loan_ref=ref, period=period,
                                     interest_paid=interest_paid)


# --------------------------------------------------------------- the happy path


def test_an_application_is_recorded_as_the_borrowers_first_loan() -> None:
    case = a_borrower()
    case.collect_events()

    ref = applied(case, amount=30_000_000, term_months=24)

    loan = case.loans[ref]
    assert (loan.status, loan.sequence_no, loan.amount, loan.term_months) == (
        "APPLIED", 1, 30_000_000, 24)
    assert (loan.applied_on, loan.outstanding) == (APPLIED_ON, 0)
    assert event_names(case) == ["LoanApplied"]


def test_an_approval_certifies_the_loan_for_the_group_and_keeps_the_facts_checked() -> None:
    case = a_case()
    shop = a_shop(case)
    ref = applied(case)
    case.collect_events()

    certified(case, ref)

    assert (case.loans[ref].status, case.loans[ref].group) == ("CERTIFIED", GROUP)
    (certification,) = case.collect_events()
    assert type(certification).__name__ == "LoanEligibilityCertified"
    # 2015-06-01 to 2024-08-10: 9 years and 2 months
    assert certification.basis == {"rule_set": "CN@4", "business_ref": shop,
                                   "business_age_months": 110}


def test_a_grant_records_the_terms_and_the_policy_in_force_on_its_date() -> None:
    case = a_borrower()
    ref = applied(case)
    certified(case, ref)
    case.collect_events()

    granted(case, ref, principal=30_000_000, term_months=24, annual_rate_bp=345)

    loan = case.loans[ref]
    assert (loan.status, loan.principal, loan.outstanding, loan.subsidy_paid) == (
        "GRANTED", 30_000_000, 30_000_000, 0)
    assert (loan.disbursed_on, loan.maturity_on, loan.original_maturity_on) == (
        GRANTED_ON, MATURES_ON, MATURES_ON)
    assert (loan.annual_rate_bp, loan.lpr_bp, loan.subsidy_rule, loan.rule_set) == (
        345, 335, "HALF_ACTUAL_RATE_2023", "CN@4")
    assert (loan.contract_no, event_names(case)) == ("ZB-CDB-2024-0820", ["LoanGranted"])


def test_an_interest_subsidy_adds_to_the_subsidy_paid_to_date() -> None:
    case = a_borrower()
    ref = a_granted_loan(case)
    case.collect_events()

    subsidy = subsidy_for(case, ref, "2024-Q3", interest_paid=119_096, on=date(2024, 10, 10))

    # 2024-08-20..2024-09-30 is 42 days: 30_000_000 × 172.5 × 42 / (10_000 × 365)
    # = 59_547.95 → 59_548
    loan = case.loans[ref]
    assert (subsidy, loan.subsidy_paid, loan.subsidised_periods) == (59_548, 59_548, ("2024-Q3",))
    assert (loan.status, loan.outstanding) == ("GRANTED", 30_000_000)
    assert event_names(case) == ["InterestSubsidyPaid"]


def test_a_repayment_ends_the_loan_and_keeps_the_subsidy_paid() -> None:
    case = a_borrower()
    ref = a_granted_loan(case)
    subsidy_for(case, ref, "2024-Q3", interest_paid=119_096, on=date(2024, 10, 10))
    case.collect_events()

    case.record_loan_repaid(occurred_on=date(2025, 8, 20), loan_ref=ref)

    loan = case.loans[ref]
    assert (loan.status, loan.outstanding, loan.repaid_on) == ("REPAID", 0, date(2025, 8, 20))
    assert (loan.on_time, loan.subsidy_paid) == (True, 59_548)
    assert event_names(case) == ["LoanRepaid"]


@pytest.mark.parametrize(("repaid_on", "early", "on_time"), [
    pytest.param(MATURES_ON - DAY, True, True, id="the day before maturity"),
    pytest.param(MATURES_ON, False, True, id="on the maturity date"),
    pytest.param(MATURES_ON + DAY, False, False, id="the day after maturity"),
])
def test_a_repayment_is_early_and_on_time_according_to_its_date(
    repaid_on: date, early: bool, on_time: bool
) -> None:
    case = a_borrower()
    ref = a_granted_loan(case)
    case.collect_events()

    case.record_loan_repaid(occurred_on=repaid_on, loan_ref=ref)

    (repaid,) = case.collect_events()
    assert (repaid.early, repaid.on_time, case.loans[ref].on_time) == (early, on_time, on_time)


def test_a_loan_repaid_after_falling_overdue_is_not_repaid_on_time() -> None:
    case = a_borrower()
    ref = an_overdue_loan(case)

    case.record_loan_repaid(occurred_on=date(2025, 4, 1), loan_ref=ref)

    loan = case.loans[ref]
    assert (loan.status, loan.on_time, loan.ever_overdue, loan.outstanding) == (
        "REPAID", False, True, 0)


def test_a_loan_applied_for_after_the_first_is_repaid_is_the_second() -> None:
    case = a_borrower()
    first = a_granted_loan(case)
    case.record_loan_repaid(occurred_on=date(2025, 8, 20), loan_ref=first)

    second = applied(case, date(2025, 9, 1))

    assert (case.loans[first].sequence_no, case.loans[second].sequence_no) == (1, 2)


# ---------------------------------------------------------------- the default path


def test_an_extension_moves_the_maturity_but_not_the_original_maturity() -> None:
    case = a_borrower()
    ref = a_granted_loan(case)
    case.collect_events()

    case.extend_loan(rules=RULES, occurred_on=date(2026, 8, 1), loan_ref=ref,
                     new_maturity_on=date(2027, 8, 20))

    loan = case.loans[ref]
    assert (loan.status, loan.extensions, loan.outstanding) == ("EXTENDED", 1, 30_000_000)
    assert (loan.maturity_on, loan.original_maturity_on) == (date(2027, 8, 20), MATURES_ON)
    assert event_names(case) == ["LoanExtended"]


def test_an_overdue_record_keeps_the_date_and_the_amount_overdue() -> None:
    case = a_borrower()
    ref = a_granted_loan(case)
    case.collect_events()

    case.record_loan_overdue(occurred_on=date(2025, 3, 5), loan_ref=ref,
                             overdue_since=OVERDUE_SINCE, amount_overdue=2_000_000)

    loan = case.loans[ref]
    assert (loan.status, loan.overdue_since, loan.amount_overdue) == (
        "OVERDUE", OVERDUE_SINCE, 2_000_000)
    assert (loan.ever_overdue, loan.outstanding) == (True, 30_000_000)
    assert event_names(case) == ["LoanOverdue"]


def test_the_fund_compensates_on_the_ninetieth_day_overdue_with_its_default_share() -> None:
    case = a_borrower()
    ref = an_overdue_loan(case)
    case.collect_events()

    case.compensate_guarantee(rules=RULES, occurred_on=COMPENSATED_ON, loan_ref=ref,
                              paid=24_000_000)

    loan = case.loans[ref]
    assert (loan.status, loan.compensated, loan.compensated_on) == (
        "COMPENSATED", 24_000_000, COMPENSATED_ON)
    assert loan.outstanding == 30_000_000
    (compensated,) = case.collect_events()
    assert (type(compensated).__name__, compensated.fund_share_pct) == ("GuaranteeCompensated", 80)


def test_a_recovery_reduces_what_is_outstanding() -> None:
    case = a_borrower()
    ref = a_compensated_loan(case)
    case.collect_events()

    case.record_loan_recovery(occurred_on=date(2025, 6, 20), loan_ref=ref, amount=4_000_000)

    loan = case.loans[ref]
    assert (loan.status, loan.recovered) == ("RECOVERED", 4_000_000)
    assert loan.outstanding == 30_000_000 - 4_000_000
    assert event_names(case) == ["LoanRecovered"]


def test_writing_off_the_unrecovered_remainder_leaves_nothing_outstanding() -> None:
    case = a_borrower()
    ref = a_compensated_loan(case)
    case.record_loan_recovery(occurred_on=date(2025, 6, 20), loan_ref=ref, amount=4_000_000)
    case.collect_events()

    case.write_off_loan(occurred_on=date(2025, 6, 30), loan_ref=ref, amount=20_000_000)

    loan = case.loans[ref]
    assert (loan.status, loan.written_off, loan.outstanding) == ("WRITTEN_OFF", 20_000_000, 0)
    assert event_names(case) == ["LoanWrittenOff"]


# ------------------------------------------------------------- policy history

#: (borrower kind, the day a cap changed, the cap before, the cap from then, their versions)
CAP_CHANGES = [
    ("INDIVIDUAL", date(2018, 3, 7), 10_000_000, 15_000_000, "CN@1", "CN@2"),
    ("INDIVIDUAL", date(2020, 4, 17), 15_000_000, 20_000_000, "CN@2", "CN@3"),
    ("INDIVIDUAL", date(2023, 10, 1), 20_000_000, 30_000_000, "CN@3", "CN@4"),
    ("SMALL_MICRO", date(2023, 10, 1), 300_000_000, 400_000_000, "CN@3", "CN@4"),
]
WITHIN_THE_CAP = [
    pytest.param(kind, on, principal, ref, id=f"{kind} {principal} on {on}")
    for kind, change, old, new, old_ref, new_ref in CAP_CHANGES
    for on, principal, ref in [(change - DAY, old, old_ref), (change, old + 1, new_ref),
                               (change, new, new_ref)]
]
ABOVE_THE_CAP = [
    pytest.param(kind, on, principal, cap, ref, id=f"{kind} {principal} on {on}")
    for kind, change, old, new, old_ref, new_ref in CAP_CHANGES
    for on, principal, cap, ref in [(change - DAY, old + 1, old, old_ref),
                                    (change, new + 1, new, new_ref)]
]


def a_certified_application(kind: str, granted_on: date, amount: int) -> tuple[Case, str]:
    """An application certified shortly before ``granted_on`` (小微: by an enterprise)."""
    case = a_case()
    if kind == "SMALL_MICRO":
        # 6 of 20 is 30%: the hire rule of every version from 2015 on
        a_firm(case, hires=6, as_of=granted_on - 60 * DAY)
    else:
        a_shop(case)
    ref = applied(case, granted_on - 10 * DAY, borrower_kind=kind, amount=amount)
    certified(case, ref, granted_on - 5 * DAY)
    return case, ref


@pytest.mark.parametrize(("kind", "granted_on", "principal", "rule_set"), WITHIN_THE_CAP)
def test_a_loan_within_the_cap_in_force_on_its_grant_date_is_granted(
    kind: str, granted_on: date, principal: int, rule_set: str
) -> None:
    case, ref = a_certified_application(kind, granted_on, principal)

    granted(case, ref, granted_on, principal=principal)

    loan = case.loans[ref]
    assert (loan.status, loan.principal, loan.rule_set) == ("GRANTED", principal, rule_set)


@pytest.mark.parametrize(("kind", "granted_on", "principal", "cap", "rule_set"), ABOVE_THE_CAP)
def test_a_loan_above_the_cap_in_force_on_its_grant_date_is_refused(
    kind: str, granted_on: date, principal: int, cap: int, rule_set: str
) -> None:
    case, ref = a_certified_application(kind, granted_on, principal)
    case.collect_events()

    refused = refusal_of(lambda: granted(case, ref, granted_on, principal=principal))

    assert described(refused) == (RuleViolationError, "principal", "above_cap")
    assert refused.params == {"cap": cap, "rule_set": rule_set}
    assert case.collect_events() == []


@pytest.mark.parametrize(("granted_on", "rule", "rule_set"), [
    (date(2023, 9, 30), "LPR_MINUS_150BP", "CN@3"),
    (date(2023, 10, 1), "HALF_ACTUAL_RATE_2023", "CN@4"),
])
def test_a_grant_stores_the_subsidy_rule_in_force_on_its_date(
    granted_on: date, rule: str, rule_set: str
) -> None:
    case, ref = a_certified_application("INDIVIDUAL", granted_on, 20_000_000)
    case.collect_events()

    granted(case, ref, granted_on, principal=20_000_000)

    (grant,) = case.collect_events()
    assert (type(grant).__name__, grant.subsidy_rule, grant.rule_set) == (
        "LoanGranted", rule, rule_set)


PARTNERSHIP_CAPS = [
    pytest.param(1, 66_000_000, id="2 people × 30万 × 110% = 66万"),
    pytest.param(2, 99_000_000, id="3 people × 30万 × 110% = 99万"),
    pytest.param(12, 400_000_000, id="13 people × 30万 × 110% = 429万, held to the 小微 400万"),
]


def a_certified_partnership(partners: int, amount: int) -> tuple[Case, str]:
    case = a_case()
    a_shop(case, uscc=a_uscc("91"), entity_type="ENTERPRISE", name="张三餐饮合伙企业",
           partners=[an_id_number() for _ in range(partners)])
    ref = applied(case, borrower_kind="PARTNERSHIP", amount=amount)
    certified(case, ref)
    return case, ref


@pytest.mark.parametrize(("partners", "cap"), PARTNERSHIP_CAPS)
def test_a_partnership_may_borrow_its_whole_cap(partners: int, cap: int) -> None:
    case, ref = a_certified_partnership(partners, cap)

    granted(case, ref, principal=cap)

    assert (case.loans[ref].status, case.loans[ref].principal) == ("GRANTED", cap)


@pytest.mark.parametrize(("partners", "cap"), PARTNERSHIP_CAPS)
def test_a_partnership_loan_one_fen_above_its_cap_is_refused(partners: int, cap: int) -> None:
    case, ref = a_certified_partnership(partners, cap + 1)
    case.collect_events()

    refused = refusal_of(lambda: granted(case, ref, principal=cap + 1))

    assert described(refused) == (RuleViolationError, "principal", "above_cap")
    assert refused.params == {"cap": cap, "rule_set": "CN@4"}
    assert case.collect_events() == []


# ----------------------------------------------------- accepted at the boundary


@pytest.mark.parametrize(("registered_on", "online"), [
    pytest.param(date(2024, 5, 10), False, id="a shop of exactly 3 months"),
    pytest.param(date(2024, 2, 10), True, id="an online merchant of exactly 6 months"),
])
def test_a_business_of_exactly_the_minimum_age_qualifies(registered_on: date, online: bool) -> None:
    case = a_case()
    a_shop(case, registered_on, is_online_merchant=online,
           platform_shop_url="https://shop.example/1" if online else None)
    ref = applied(case)

    certified(case, ref)

    assert case.loans[ref].status == "CERTIFIED"


@pytest.mark.parametrize(("staff", "hires", "pct"), [
    pytest.param(20, 2, 10, id="2 of 20 staff is 10%"),
    pytest.param(100, 10, 10, id="10 of 100 staff is 10%"),
    pytest.param(110, 6, 5, id="6 of 110 staff is above 5% (5.5)"),
])
def test_a_small_micro_firm_meeting_the_hire_rule_is_certified(
    staff: int, hires: int, pct: int
) -> None:
    case = a_case()
    a_firm(case, staff=staff, hires=hires, as_of=date(2023, 8, 11))
    ref = applied(case, borrower_kind="SMALL_MICRO", amount=100_000_000)
    case.collect_events()

    certified(case, ref)

    (certification,) = case.collect_events()
    assert case.loans[ref].status == "CERTIFIED"
    assert certification.basis["jobs_as_of"] == "2023-08-11"
    assert (certification.basis["staff"], certification.basis["hire_pct"]) == (staff, pct)


@pytest.mark.parametrize(("kind", "term_months"), [("INDIVIDUAL", 36), ("SMALL_MICRO", 24)])
def test_the_longest_term_the_rule_set_allows_is_granted(kind: str, term_months: int) -> None:
    case, ref = a_certified_application(kind, GRANTED_ON, 30_000_000)

    granted(case, ref, principal=30_000_000, term_months=term_months)

    assert case.loans[ref].maturity_on == date(2024 + term_months // 12, 8, 20)


def test_a_rate_of_lpr_plus_150_basis_points_on_the_grant_date_is_allowed() -> None:
    case = a_borrower()
    ref = applied(case)
    certified(case, ref)

    granted(case, ref, annual_rate_bp=335 + 150)

    assert (case.loans[ref].annual_rate_bp, case.loans[ref].lpr_bp) == (485, 335)


# ------------------------------------------------------------------- refusals
# Each scenario prepares a case without a business and returns the command it refuses.


def an_application_without_declaring_other_loans(case: Case) -> Command:
    a_shop(case)
    return lambda: applied(case, other_loans_declared=False)


def a_second_application_while_one_is_open(case: Case) -> Command:
    a_shop(case)
    applied(case)
    return lambda: applied(case, date(2024, 8, 2))


def a_second_application_while_one_is_certified(case: Case) -> Command:
    a_shop(case)
    certified(case, applied(case))
    return lambda: applied(case, date(2024, 8, 11))


def a_certification_for_a_group_not_on_the_case(case: Case) -> Command:
    a_shop(case)
    ref = applied(case)
    return lambda: certified(case, ref, group="VETERAN")


def a_rejection_without_a_reason(case: Case) -> Command:
    a_shop(case)
    ref = applied(case)
    return lambda: certified(case, ref, decision="REJECTED")


def approval(case: Case, **application: Any) -> Command:
    ref = applied(case, **application)
    return lambda: certified(case, ref)


def an_approval_without_a_business(case: Case) -> Command:
    return approval(case)


def an_approval_when_the_only_business_has_closed(case: Case) -> Command:
    shop = a_shop(case)
    case.close_business(occurred_on=date(2024, 7, 1), business_ref=shop, kind="DEREGISTERED",
                        reason="转让")
    return approval(case)


def an_approval_for_a_shop_a_day_short_of_three_months(case: Case) -> Command:
    a_shop(case, date(2024, 5, 11))
    return approval(case)


def an_approval_for_an_online_merchant_a_day_short_of_six_months(case: Case) -> Command:
    a_shop(case, date(2024, 2, 11), is_online_merchant=True,
           platform_shop_url="https://shop.example/1")
    return approval(case)


def small_micro_approval(case: Case) -> Command:
    return approval(case, borrower_kind="SMALL_MICRO", amount=100_000_000)


def a_small_micro_approval_without_a_jobs_report(case: Case) -> Command:
    a_shop(case, uscc=a_uscc("91"), entity_type="ENTERPRISE", name="张三食品有限公司")
    return small_micro_approval(case)


def a_small_micro_approval_with_an_unverified_jobs_report(case: Case) -> Command:
    a_firm(case, verified=False)
    return small_micro_approval(case)


def a_small_micro_approval_with_a_jobs_report_of_twelve_months(case: Case) -> Command:
    a_firm(case, as_of=date(2023, 8, 10))
    return small_micro_approval(case)


def a_small_micro_approval_with_1_priority_hire_among_20_staff(case: Case) -> Command:
    a_firm(case, staff=20, hires=1)
    return small_micro_approval(case)


def a_small_micro_approval_with_9_priority_hires_among_100_staff(case: Case) -> Command:
    a_firm(case, staff=100, hires=9)
    return small_micro_approval(case)


def a_small_micro_approval_with_5_priority_hires_among_110_staff(case: Case) -> Command:
    a_firm(case, staff=110, hires=5)  # 5% of 110 is 5.5
    return small_micro_approval(case)


def a_small_micro_approval_for_an_individual_business(case: Case) -> Command:
    jobs_reported(case, a_shop(case), staff=20, hires=2)
    return small_micro_approval(case)


def a_small_micro_approval_for_a_firm_without_staff(case: Case) -> Command:
    a_firm(case, staff=0, hires=0)
    return small_micro_approval(case)


def a_grant_before_certification(case: Case) -> Command:
    a_shop(case)
    ref = applied(case)
    return lambda: granted(case, ref)


def a_grant_after_a_rejection(case: Case) -> Command:
    a_shop(case)
    ref = applied(case)
    certified(case, ref, decision="REJECTED", reason="征信不良")
    return lambda: granted(case, ref)


def certified_loan(case: Case, **application: Any) -> str:
    ref = applied(case, **application)
    certified(case, ref)
    return ref


def a_grant_dated_before_the_certification(case: Case) -> Command:
    a_shop(case)
    ref = certified_loan(case)
    return lambda: granted(case, ref, date(2024, 8, 5))


def a_grant_above_the_amount_applied(case: Case) -> Command:
    a_shop(case)
    ref = certified_loan(case, amount=20_000_000)
    return lambda: granted(case, ref, principal=20_000_001)


def a_term_of_37_months_for_an_individual(case: Case) -> Command:
    a_shop(case)
    ref = certified_loan(case, term_months=48)
    return lambda: granted(case, ref, term_months=37)


def a_term_of_25_months_for_a_small_micro_firm(case: Case) -> Command:
    a_firm(case)
    ref = certified_loan(case, borrower_kind="SMALL_MICRO", term_months=36)
    return lambda: granted(case, ref, term_months=25)


def a_rate_one_basis_point_above_lpr_plus_150(case: Case) -> Command:
    a_shop(case)
    ref = certified_loan(case)
    return lambda: granted(case, ref, annual_rate_bp=335 + 150 + 1)


def a_fourth_loan(case: Case) -> Command:
    a_shop(case)
    for year in (2021, 2022, 2023):
        a_repaid_loan(case, date(year, 3, 1))
    return lambda: applied(case)


def a_fourth_loan_counting_the_loans_of_earlier_cases(case: Case) -> Command:
    a_shop(case)
    a_repaid_loan(case, date(2023, 3, 1))
    earlier = (a_loan_of_an_earlier_case(), a_loan_of_an_earlier_case(ref="earlier-2"))
    return lambda: applied(case, prior_loans=earlier)


def a_loan_while_the_previous_is_not_repaid(case: Case) -> Command:
    a_shop(case)
    a_granted_loan(case, date(2023, 3, 1), principal=10_000_000)
    return lambda: applied(case)


def a_loan_while_a_loan_of_an_earlier_case_is_not_repaid(case: Case) -> Command:
    a_shop(case)
    earlier = a_loan_of_an_earlier_case(status="GRANTED", repaid_on=None, on_time=None)
    return lambda: applied(case, prior_loans=(earlier,))


def a_loan_after_a_loan_that_fell_overdue(case: Case) -> Command:
    a_shop(case)
    ref = an_overdue_loan(case)
    case.record_loan_repaid(occurred_on=date(2025, 4, 1), loan_ref=ref)
    return lambda: applied(case, date(2025, 5, 1))


def a_loan_after_an_overdue_loan_of_an_earlier_case(case: Case) -> Command:
    a_shop(case)
    earlier = a_loan_of_an_earlier_case(overdue_since=date(2017, 5, 1), on_time=False)
    return lambda: applied(case, prior_loans=(earlier,))


def a_grant_once_an_overdue_loan_of_an_earlier_case_is_known(case: Case) -> Command:
    a_shop(case)
    earlier = a_loan_of_an_earlier_case(overdue_since=date(2017, 5, 1), on_time=False)
    ref = certified_loan(case)
    return lambda: granted(case, ref, prior_loans=(earlier,))


def extended(case: Case, ref: str, new_maturity_on: date) -> Command:
    return lambda: case.extend_loan(rules=RULES, occurred_on=date(2026, 8, 1), loan_ref=ref,
                                    new_maturity_on=new_maturity_on)


def a_second_extension(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    extended(case, ref, date(2027, 2, 20))()
    return extended(case, ref, date(2027, 8, 20))


def an_extension_a_day_beyond_twelve_months(case: Case) -> Command:
    a_shop(case)
    return extended(case, a_granted_loan(case), date(2027, 8, 21))


def an_extension_to_the_maturity_date_itself(case: Case) -> Command:
    a_shop(case)
    return extended(case, a_granted_loan(case), MATURES_ON)


def a_compensation_on_the_89th_day_overdue(case: Case) -> Command:
    a_shop(case)
    ref = an_overdue_loan(case)
    return lambda: case.compensate_guarantee(rules=RULES, occurred_on=COMPENSATED_ON - DAY,
                                             loan_ref=ref, paid=24_000_000)


def a_compensation_of_a_loan_that_is_not_overdue(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: case.compensate_guarantee(rules=RULES, occurred_on=COMPENSATED_ON,
                                             loan_ref=ref, paid=24_000_000)


def an_interest_subsidy_paid_on_the_last_day_of_its_quarter(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: subsidy_for(case, ref, "2024-Q3", 119_096, on=date(2024, 9, 30))


def an_interest_subsidy_for_a_quarter_already_paid(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    subsidy_for(case, ref, "2024-Q3", 119_096, on=date(2024, 10, 10))
    return lambda: subsidy_for(case, ref, "2024-q3", 119_096, on=date(2024, 10, 20))


def an_interest_subsidy_for_a_loan_not_yet_granted(case: Case) -> Command:
    a_shop(case)
    ref = certified_loan(case)
    return lambda: subsidy_for(case, ref, "2024-Q3", 119_096)


def an_interest_subsidy_for_a_period_that_is_not_a_quarter(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: subsidy_for(case, ref, "2024-09", 119_096)


def an_overdue_date_before_the_disbursement(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: case.record_loan_overdue(occurred_on=date(2025, 3, 5), loan_ref=ref,
                                            overdue_since=GRANTED_ON, amount_overdue=1)


def more_overdue_than_the_principal(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: case.record_loan_overdue(occurred_on=date(2025, 3, 5), loan_ref=ref,
                                            overdue_since=OVERDUE_SINCE,
                                            amount_overdue=30_000_001)


def a_repayment_dated_before_the_disbursement(case: Case) -> Command:
    a_shop(case)
    ref = a_granted_loan(case)
    return lambda: case.record_loan_repaid(occurred_on=GRANTED_ON - DAY, loan_ref=ref)


def a_recovery_above_the_compensated_remainder(case: Case) -> Command:
    a_shop(case)
    ref = a_compensated_loan(case)
    case.record_loan_recovery(occurred_on=date(2025, 6, 20), loan_ref=ref, amount=4_000_000)
    return lambda: case.record_loan_recovery(occurred_on=date(2025, 6, 25), loan_ref=ref,
                                             amount=20_000_001)


def a_write_off_that_is_not_the_unrecovered_remainder(case: Case) -> Command:
    a_shop(case)
    ref = a_compensated_loan(case)
    case.record_loan_recovery(occurred_on=date(2025, 6, 20), loan_ref=ref, amount=4_000_000)
    return lambda: case.write_off_loan(occurred_on=date(2025, 6, 30), loan_ref=ref,
                                       amount=24_000_000)


APPLICATION_AND_CERTIFICATION_REFUSALS = [
    (an_application_without_declaring_other_loans,
     RuleViolationError, "other_loans_declared", "declaration_required"),
    (a_second_application_while_one_is_open, StateConflictError, "loan_ref", "loan_pending"),
    (a_second_application_while_one_is_certified,
     StateConflictError, "loan_ref", "loan_pending"),
    (a_certification_for_a_group_not_on_the_case, InvalidValueError, "group", "not_in_case"),
    (a_rejection_without_a_reason, InvalidValueError, "reason", "required"),
    (an_approval_without_a_business, RuleViolationError, "decision", "business_required"),
    (an_approval_when_the_only_business_has_closed,
     RuleViolationError, "decision", "business_required"),
    (an_approval_for_a_shop_a_day_short_of_three_months,
     RuleViolationError, "decision", "business_too_young"),
    (an_approval_for_an_online_merchant_a_day_short_of_six_months,
     RuleViolationError, "decision", "business_too_young"),
    (a_small_micro_approval_without_a_jobs_report,
     RuleViolationError, "decision", "jobs_report_required"),
    (a_small_micro_approval_with_an_unverified_jobs_report,
     RuleViolationError, "decision", "jobs_report_required"),
    (a_small_micro_approval_with_a_jobs_report_of_twelve_months,
     RuleViolationError, "decision", "jobs_report_required"),
    (a_small_micro_approval_with_1_priority_hire_among_20_staff,
     RuleViolationError, "decision", "small_micro_hires"),
    (a_small_micro_approval_with_9_priority_hires_among_100_staff,
     RuleViolationError, "decision", "small_micro_hires"),
    (a_small_micro_approval_with_5_priority_hires_among_110_staff,
     RuleViolationError, "decision", "small_micro_hires"),
    (a_small_micro_approval_for_a_firm_without_staff,
     RuleViolationError, "decision", "small_micro_hires"),
    (a_small_micro_approval_for_an_individual_business,
     RuleViolationError, "decision", "business_required"),
]

GRANT_REFUSALS = [
    (a_grant_before_certification, StateConflictError, "loan_ref", "wrong_status"),
    (a_grant_after_a_rejection, StateConflictError, "loan_ref", "wrong_status"),
    (a_grant_dated_before_the_certification, InvalidValueError, "occurred_on", "too_early"),
    (a_grant_above_the_amount_applied, RuleViolationError, "principal", "above_applied"),
    (a_term_of_37_months_for_an_individual, RuleViolationError, "term_months", "above_cap"),
    (a_term_of_25_months_for_a_small_micro_firm, RuleViolationError, "term_months", "above_cap"),
    (a_rate_one_basis_point_above_lpr_plus_150,
     RuleViolationError, "annual_rate_bp", "above_cap"),
]

REPEAT_LOAN_REFUSALS = [
    (a_fourth_loan, RuleViolationError, "sequence_no", "max_loans"),
    (a_fourth_loan_counting_the_loans_of_earlier_cases,
     RuleViolationError, "sequence_no", "max_loans"),
    (a_loan_while_the_previous_is_not_repaid,
     RuleViolationError, "sequence_no", "previous_outstanding"),
    (a_loan_while_a_loan_of_an_earlier_case_is_not_repaid,
     RuleViolationError, "sequence_no", "previous_outstanding"),
    (a_loan_after_a_loan_that_fell_overdue, RuleViolationError, "sequence_no", "past_overdue"),
    (a_loan_after_an_overdue_loan_of_an_earlier_case,
     RuleViolationError, "sequence_no", "past_overdue"),
    (a_grant_once_an_overdue_loan_of_an_earlier_case_is_known,
     RuleViolationError, "sequence_no", "past_overdue"),
]

LATER_REFUSALS = [
    (a_second_extension, RuleViolationError, "loan_ref", "extension_limit"),
    (an_extension_a_day_beyond_twelve_months,
     RuleViolationError, "new_maturity_on", "extension_too_long"),
    (an_extension_to_the_maturity_date_itself,
     RuleViolationError, "new_maturity_on", "extension_too_long"),
    (a_compensation_on_the_89th_day_overdue,
     RuleViolationError, "occurred_on", "compensation_too_early"),
    (a_compensation_of_a_loan_that_is_not_overdue,
     StateConflictError, "loan_ref", "wrong_status"),
    (an_interest_subsidy_paid_on_the_last_day_of_its_quarter,
     InvalidValueError, "period", "not_ended"),
    (an_interest_subsidy_for_a_quarter_already_paid,
     StateConflictError, "period", "already_paid"),
    (an_interest_subsidy_for_a_loan_not_yet_granted,
     StateConflictError, "loan_ref", "wrong_status"),
    (an_interest_subsidy_for_a_period_that_is_not_a_quarter,
     InvalidValueError, "period", "quarter"),
    (an_overdue_date_before_the_disbursement,
     InvalidValueError, "overdue_since", "out_of_range"),
    (more_overdue_than_the_principal, InvalidValueError, "amount_overdue", "too_large"),
    (a_repayment_dated_before_the_disbursement, InvalidValueError, "occurred_on", "too_early"),
    (a_recovery_above_the_compensated_remainder, InvalidValueError, "amount", "too_large"),
    (a_write_off_that_is_not_the_unrecovered_remainder,
     InvalidValueError, "amount", "not_remaining"),
]


def scenarios(*tables: list[tuple[Any, ...]]) -> list[Any]:
    return [pytest.param(*row, id=row[0].__name__) for table in tables for row in table]


@pytest.mark.parametrize(("scenario", "error", "field", "code"), scenarios(
    APPLICATION_AND_CERTIFICATION_REFUSALS, GRANT_REFUSALS, REPEAT_LOAN_REFUSALS,
    LATER_REFUSALS,
))
def test_a_refused_loan_command_names_its_rule_and_records_nothing(
    scenario: Callable[[Case], Command], error: type[DomainError], field: str, code: str
) -> None:
    case = a_case()
    command = scenario(case)
    case.collect_events()

    refused = refusal_of(command)

    assert described(refused) == (error, field, code)
    assert case.collect_events() == []


def test_a_refused_rate_names_the_cap_of_lpr_plus_150_on_the_grant_date() -> None:
    case = a_case()
    command = a_rate_one_basis_point_above_lpr_plus_150(case)

    refused = refusal_of(command)

    assert refused.params == {"cap": 485, "rule_set": "CN@4"}


def test_a_refused_extension_names_the_latest_maturity_allowed() -> None:
    case = a_case()
    command = an_extension_a_day_beyond_twelve_months(case)

    refused = refusal_of(command)

    assert refused.params == {"limit": "2027-08-20", "rule_set": "CN@4"}


# ----------------------------------------------------------- interest subsidy

#: 300,000元 at 3.45% granted 2024-06-28 under HALF_ACTUAL_RATE_2023: 172.5 BP is subsidised.
WORKED_EXAMPLE_ON = date(2024, 6, 28)


def repaid_on_15_august(case: Case, ref: str) -> None:
    case.record_loan_repaid(occurred_on=date(2024, 8, 15), loan_ref=ref)


def overdue_from_1_august(case: Case, ref: str) -> None:
    case.record_loan_overdue(occurred_on=date(2024, 8, 5), loan_ref=ref,
                             overdue_since=date(2024, 8, 1), amount_overdue=1_000_000)


def nothing_happened(case: Case, ref: str) -> None:
    pass


SUBSIDISED_QUARTERS = [
    # 2024-07-01..2024-09-30, 92 days: 30_000_000 × 172.5 × 92 / (10_000 × 365)
    # = 130_438.36 → 130_438 (the interest is 260_876.71 → 260_877)
    pytest.param(nothing_happened, "2024-Q3", 260_877, 92, 130_438, id="a whole quarter"),
    # 2024-06-28..2024-06-30, 3 days: 30_000_000 × 172.5 × 3 / (10_000 × 365)
    # = 4_253.42 → 4_253
    pytest.param(nothing_happened, "2024-Q2", 8_507, 3, 4_253,
                 id="the first quarter from the disbursement"),
    # 2024-07-01..2024-08-14, 45 days: 30_000_000 × 172.5 × 45 / (10_000 × 365)
    # = 63_801.37 → 63_801
    pytest.param(repaid_on_15_august, "2024-Q3", 127_603, 45, 63_801,
                 id="to the day before repayment"),
    # 2024-07-01..2024-07-31, 31 days: 30_000_000 × 172.5 × 31 / (10_000 × 365)
    # = 43_952.05 → 43_952
    pytest.param(overdue_from_1_august, "2024-Q3", 87_904, 31, 43_952,
                 id="to the day before the loan fell overdue"),
]


@pytest.mark.parametrize(("what_happened", "period", "interest_paid", "days", "expected"),
                         SUBSIDISED_QUARTERS)
def test_the_interest_subsidy_covers_the_eligible_days_of_the_quarter(
    what_happened: Callable[[Case, str], None], period: str, interest_paid: int, days: int,
    expected: int,
) -> None:
    case = a_borrower()
    ref = a_granted_loan(case, WORKED_EXAMPLE_ON, principal=30_000_000, rate=345)
    what_happened(case, ref)
    case.collect_events()

    subsidy = subsidy_for(case, ref, period, interest_paid, on=date(2024, 10, 10))

    (paid,) = case.collect_events()
    assert (subsidy, paid.subsidy, paid.interest_paid) == (expected, expected, interest_paid)
    assert paid.basis == {"rule": "HALF_ACTUAL_RATE_2023", "principal": 30_000_000,
                          "annual_rate_bp": 345, "lpr_bp": 345, "subsidised_days": days,
                          "rule_set": "CN@4"}


def an_extended_three_month_loan() -> tuple[Case, str]:
    """Granted 2024-06-28 for 3 months (maturity 2024-09-28), then extended by 3 months."""
    case = a_borrower()
    ref = a_granted_loan(case, WORKED_EXAMPLE_ON, principal=30_000_000, term_months=3)
    case.extend_loan(rules=RULES, occurred_on=date(2024, 9, 20), loan_ref=ref,
                     new_maturity_on=date(2024, 12, 28))
    return case, ref


def test_the_subsidy_stops_the_day_before_the_original_maturity_of_an_extended_loan() -> None:
    case, ref = an_extended_three_month_loan()

    subsidy = subsidy_for(case, ref, "2024-Q3", interest_paid=260_877)

    # 2024-07-01..2024-09-27, 89 days: 30_000_000 × 172.5 × 89 / (10_000 × 365)
    # = 126_184.93 → 126_185
    assert subsidy == 126_185


def test_the_extended_days_of_a_loan_are_not_subsidised() -> None:
    case, ref = an_extended_three_month_loan()
    case.collect_events()

    with pytest.raises(InvalidValueError) as refused:
        subsidy_for(case, ref, "2024-Q4", interest_paid=260_877)

    assert (refused.value.field, refused.value.code) == ("period", "no_subsidised_days")
    assert case.collect_events() == []


def test_the_subsidy_never_exceeds_the_interest_paid() -> None:
    case = a_borrower()
    ref = a_granted_loan(case, WORKED_EXAMPLE_ON, principal=30_000_000, rate=345)

    subsidy = subsidy_for(case, ref, "2024-Q3", interest_paid=100_000)

    # the 92 days would earn 130_438 (see above), more than the 100_000 paid
    assert (subsidy, case.loans[ref].subsidy_paid) == (100_000, 100_000)


def test_half_a_fen_of_subsidy_is_rounded_up() -> None:
    case = a_borrower()
    ref = a_granted_loan(case, date(2024, 7, 20), principal=10_010_000, rate=345)

    subsidy = subsidy_for(case, ref, "2024-Q3", interest_paid=69_069)

    # 2024-07-20..2024-09-30, 73 days: 10_010_000 × 172.5 × 73 / (10_000 × 365)
    # = 34_534.5 → 34_535
    assert subsidy == 34_535


def test_before_october_2023_the_rate_above_lpr_minus_150_is_subsidised() -> None:
    case = a_borrower()
    ref = a_granted_loan(case, date(2022, 9, 1), principal=20_000_000, rate=480)

    subsidy = subsidy_for(case, ref, "2022-Q4", interest_paid=241_973, on=date(2023, 1, 10))

    # LPR 365 on 2022-09-01, so 480 − (365 − 150) = 265 BP is subsidised;
    # 2022-10-01..2022-12-31, 92 days: 20_000_000 × 265 × 92 / (10_000 × 365)
    # = 133_589.04 → 133_589
    loan = case.loans[ref]
    assert (loan.subsidy_rule, loan.lpr_bp, subsidy) == ("LPR_MINUS_150BP", 365, 133_589)


# -------------------------------------------------------------- on a closed case


LATER_COMMANDS = {
    "pay_interest_subsidy": (a_granted_loan, lambda c, ref: subsidy_for(
        c, ref, "2025-Q2", 258_041, on=date(2025, 7, 10))),
    "record_loan_overdue": (a_granted_loan, lambda c, ref: c.record_loan_overdue(
        occurred_on=date(2025, 7, 10), loan_ref=ref, overdue_since=date(2025, 7, 5),
        amount_overdue=1_000_000)),
    "record_loan_repaid": (a_granted_loan, lambda c, ref: c.record_loan_repaid(
        occurred_on=date(2025, 7, 10), loan_ref=ref)),
    "compensate_guarantee": (an_overdue_loan, lambda c, ref: c.compensate_guarantee(
        rules=RULES, occurred_on=date(2025, 7, 10), loan_ref=ref, paid=24_000_000)),
    "record_loan_recovery": (a_compensated_loan, lambda c, ref: c.record_loan_recovery(
        occurred_on=date(2025, 7, 10), loan_ref=ref, amount=1_000_000)),
    "write_off_loan": (a_compensated_loan, lambda c, ref: c.write_off_loan(
        occurred_on=date(2025, 7, 10), loan_ref=ref, amount=24_000_000)),
}


@pytest.mark.parametrize(("loan_in", "command"), LATER_COMMANDS.values(),
                         ids=LATER_COMMANDS.keys())
def test_a_closed_case_refuses_the_loan_commands_that_follow_a_grant(
    loan_in: Callable[[Case], str], command: Callable[[Case, str], Any]
) -> None:
    case = a_borrower()
    ref = loan_in(case)
    case.close(occurred_on=date(2025, 7, 1), reason="MOVED_AWAY")
    case.collect_events()

    refused = refusal_of(lambda: command(case, ref))

    assert described(refused) == (CaseClosedError, "case", "case_closed")
    assert case.collect_events() == []
