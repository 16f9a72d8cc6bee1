"""Entrepreneurship subsidies on a case: apply, grant or reject, pay, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
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
from tests.builders import a_uscc, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()
SHOP, LOAN, SYB = "shop", "loan", "syb"
SHOP_USCC = a_uscc("92")
#: The shop opened on REGISTERED_ON, so it has run 14 months on APPLIED_ON.
REGISTERED_ON = date(2023, 1, 1)
APPLIED_ON, GRANTED_ON, PAID_ON = date(2024, 3, 1), date(2024, 3, 15), date(2024, 3, 20)
YEAR_2023 = dict(period_from=date(2023, 1, 1), period_to=date(2023, 12, 31))

Command = Callable[[], Any]


def refusal_of(command: Command) -> DomainError:
    with pytest.raises(DomainError) as caught:
        command()
    return caught.value


def described(error: DomainError) -> tuple[type[DomainError], str, str]:
    return type(error), error.field, error.code


def event_names(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.collect_events()]


def a_business(case: Case, ref: str, **overrides: Any) -> str:
    fields: dict[str, Any] = dict(
        occurred_on=REGISTERED_ON, uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
        name="张三小吃店", first_time_founder=True, premises="RENTED", business_ref=ref,
    )
    return case.register_business(**{**fields, **overrides})


def a_founder() -> Case:
    """Someone who came home in 2020 and opened a shop (``SHOP``) on REGISTERED_ON."""
    case = Case.enrol(**enrolment(returned_on=date(2020, 1, 1), occurred_on=date(2020, 2, 1)))
    a_business(case, SHOP, uscc=SHOP_USCC)
    return case


def with_jobs(case: Case, *, as_of: date = date(2024, 1, 1), insured: int = 3,
              verified: bool = True) -> None:
    case.report_jobs(occurred_on=as_of, business_ref=SHOP, employees_excl_founder=5,
                     insured_employees=insured, priority_group_hires_12m=1, contracts_ge_1y=3,
                     source="ROSTER", verified=verified)


def with_a_loan(case: Case, *, granted: bool = True) -> None:
    """A 10万 loan (``LOAN``) applied for in June 2023 and, unless told, granted."""
    case.apply_for_loan(rules=RULES, occurred_on=date(2023, 6, 1), borrower_kind="INDIVIDUAL",
                        amount=10_000_000, term_months=24, other_loans_declared=True,
                        loan_ref=LOAN)
    case.certify_loan_eligibility(rules=RULES, occurred_on=date(2023, 6, 10), loan_ref=LOAN,
                                  decision="APPROVED", group="RETURNING_MIGRANT_WORKER")
    if granted:
        case.grant_loan(rules=RULES, occurred_on=date(2023, 6, 20), loan_ref=LOAN,
                        contract_no="ZB-CDB-2023-0620", bank="淄博农商银行", guarantor="FUND",
                        principal=10_000_000, term_months=24, annual_rate_bp=345)


def with_a_training(case: Case, *, subsidised: bool = True, result: str = "PASSED") -> None:
    """An SYB course (``SYB``) in February and March 2023."""
    case.enrol_in_training(rules=RULES, occurred_on=date(2023, 2, 1), course="SYB",
                           provider_uscc=a_uscc("52"), start_on=date(2023, 2, 10),
                           planned_hours=80, subsidised=subsidised,
                           class_approval_no="KB-2023-001" if subsidised else None,
                           enrolment_ref=SYB)
    passed = result == "PASSED"
    case.complete_training(rules=RULES, occurred_on=date(2023, 3, 20), enrolment_ref=SYB,
                           result=result, hours_attended=75 if passed else 40,
                           certificate_no="SYB-2023-0001" if passed else None,
                           business_plan_grade="PASS" if passed else "FAIL")


def applied(case: Case, kind: str = "ONE_TIME_STARTUP", **overrides: Any) -> str:
    fields: dict[str, Any] = dict(occurred_on=APPLIED_ON, kind=kind, amount=1_200_000,
                                  subject_ref=SHOP)
    return case.apply_for_subsidy(rules=RULES, **{**fields, **overrides})


def granted(case: Case, ref: str, amount: int = 1_200_000, on: date = GRANTED_ON) -> None:
    case.grant_subsidy(rules=RULES, occurred_on=on, subsidy_ref=ref, amount=amount)


def paid(case: Case, ref: str, amount: int = 1_200_000, on: date = PAID_ON) -> None:
    case.pay_subsidy(occurred_on=on, subsidy_ref=ref, amount=amount)


def rejected(case: Case, ref: str, reason: str = "营业执照已吊销") -> None:
    case.reject_subsidy(occurred_on=GRANTED_ON, subsidy_ref=ref, reason=reason)


# --------------------------------------------------------------- the happy path


def test_an_application_keeps_the_rule_set_and_the_facts_it_checked() -> None:
    case = a_founder()
    case.collect_events()

    ref = applied(case)

    (application,) = case.collect_events()
    assert (case.subsidies[ref].status, case.subsidies[ref].amount) == ("APPLIED", 1_200_000)
    assert type(application).__name__ == "SubsidyApplied"
    assert application.basis == {
        "rule_set": "CN@4", "rule": "subsidy.ONE_TIME_STARTUP", "uscc": SHOP_USCC,
        "registered_on": "2023-01-01", "operating_months": 14, "first_time_founder": True}


def test_a_grant_checks_the_rules_again_and_records_the_amount_granted() -> None:
    case = a_founder()
    ref = applied(case)
    case.collect_events()

    granted(case, ref, amount=1_000_000)

    (grant,) = case.collect_events()
    assert (case.subsidies[ref].status, case.subsidies[ref].granted) == ("GRANTED", 1_000_000)
    assert (type(grant).__name__, grant.amount) == ("SubsidyGranted", 1_000_000)
    assert (grant.basis["rule_set"], grant.basis["operating_months"]) == ("CN@4", 14)


def test_paying_the_whole_grant_makes_the_subsidy_paid() -> None:
    case = a_founder()
    ref = applied(case)
    granted(case, ref)
    case.collect_events()

    paid(case, ref, amount=1_200_000)

    assert (case.subsidies[ref].status, case.subsidies[ref].paid) == ("PAID", 1_200_000)
    assert event_names(case) == ["SubsidyPaid"]


def test_a_part_payment_leaves_the_subsidy_granted_until_the_rest_is_paid() -> None:
    case = a_founder()
    ref = applied(case)
    granted(case, ref)

    paid(case, ref, amount=700_000)

    assert (case.subsidies[ref].status, case.subsidies[ref].paid) == ("GRANTED", 700_000)


def test_a_rejection_keeps_its_reason() -> None:
    case = a_founder()
    ref = applied(case)
    case.collect_events()

    rejected(case, ref, reason="营业执照已吊销")

    subsidy = case.subsidies[ref]
    assert (subsidy.status, subsidy.reason) == ("REJECTED", "营业执照已吊销")
    assert event_names(case) == ["SubsidyRejected"]


def test_after_a_rejection_the_one_time_subsidy_may_be_applied_for_again() -> None:
    case = a_founder()
    rejected(case, applied(case))

    ref = applied(case, occurred_on=date(2024, 4, 1))

    assert case.subsidies[ref].status == "APPLIED"


def test_a_grant_names_the_rule_set_in_force_on_the_grant_date() -> None:
    case = a_founder()
    ref = applied(case, "RENT", occurred_on=date(2023, 9, 25), amount=300_000,
                  period_from=date(2023, 1, 1), period_to=date(2023, 8, 31))
    case.collect_events()

    granted(case, ref, amount=300_000, on=date(2023, 10, 8))

    (grant,) = case.collect_events()
    assert (grant.basis["rule_set"], grant.basis["period_months"]) == ("CN@4", 8)


KINDS = [
    pytest.param("RENT", SHOP, YEAR_2023, {"uscc": SHOP_USCC, "registered_on": "2023-01-01",
                                            "period_months": 12, "rent_months_total": 12},
                 id="RENT"),
    pytest.param("JOB_CREATION", SHOP, YEAR_2023, {
        "uscc": SHOP_USCC, "registered_on": "2023-01-01", "period_months": 12,
        "jobs_as_of": "2024-01-01", "employees": 5, "insured": 3}, id="JOB_CREATION"),
    pytest.param("SOCIAL_INSURANCE", SHOP, YEAR_2023, {
        "uscc": SHOP_USCC, "registered_on": "2023-01-01", "period_months": 12,
        "jobs_as_of": "2024-01-01", "employees": 5, "insured": 3}, id="SOCIAL_INSURANCE"),
    pytest.param("GUARANTEE_FEE", LOAN, {}, {"loan_ref": LOAN}, id="GUARANTEE_FEE"),
    pytest.param("TRAINING", SYB, {}, {"course": "SYB"}, id="TRAINING"),
]


@pytest.mark.parametrize(("kind", "subject", "period", "facts"), KINDS)
def test_each_kind_of_subsidy_keeps_the_facts_of_its_own_rule(
    kind: str, subject: str, period: dict[str, date], facts: dict[str, Any]
) -> None:
    case = a_founder()
    with_jobs(case)
    with_a_loan(case)
    with_a_training(case)
    case.collect_events()

    applied(case, kind, subject_ref=subject, amount=300_000, **period)

    (application,) = case.collect_events()
    assert application.basis == {"rule_set": "CN@4", "rule": f"subsidy.{kind}", **facts}


def test_rent_may_be_subsidised_for_thirty_six_months_in_all() -> None:
    case = a_founder()
    applied(case, "RENT", amount=500_000, period_from=date(2023, 1, 1),
            period_to=date(2024, 12, 31), occurred_on=date(2025, 1, 10))

    ref = applied(case, "RENT", amount=300_000, period_from=date(2025, 1, 1),
                  period_to=date(2025, 12, 31), occurred_on=date(2026, 1, 10))

    assert case.subsidies[ref].months == 12
    assert case.subsidies[ref].status == "APPLIED"


def test_a_one_time_subsidy_is_due_after_exactly_twelve_months() -> None:
    case = a_founder()

    ref = applied(case, occurred_on=date(2024, 1, 1))

    assert case.subsidies[ref].status == "APPLIED"


# ------------------------------------------------------------------- refusals
# Each scenario prepares a founder's case and returns the command it refuses.


def a_one_time_subsidy_a_day_short_of_twelve_months(case: Case) -> Command:
    return lambda: applied(case, occurred_on=date(2023, 12, 31))


def a_one_time_subsidy_for_a_founder_who_founded_before(case: Case) -> Command:
    a_business(case, "second", occurred_on=date(2022, 1, 1), first_time_founder=False)
    return lambda: applied(case, subject_ref="second")


def a_second_one_time_subsidy_for_another_business(case: Case) -> Command:
    a_business(case, "second", occurred_on=date(2022, 1, 1))
    applied(case)
    return lambda: applied(case, subject_ref="second")


def a_second_one_time_subsidy_after_the_first_was_paid(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    paid(case, ref)
    return lambda: applied(case, occurred_on=date(2024, 4, 1))


def twenty_days_of_rent_after_thirty_six_months(case: Case) -> Command:
    applied(case, "RENT", period_from=date(2023, 1, 1), period_to=date(2025, 12, 31),
            occurred_on=date(2026, 1, 10))
    return lambda: applied(case, "RENT", period_from=date(2026, 1, 1),
                           period_to=date(2026, 1, 20), occurred_on=date(2026, 2, 1))


def a_rent_subsidy_without_a_period(case: Case) -> Command:
    return lambda: applied(case, "RENT")


def a_rent_subsidy_without_the_end_of_its_period(case: Case) -> Command:
    return lambda: applied(case, "RENT", period_from=date(2023, 1, 1))


def a_rent_period_that_ends_before_it_starts(case: Case) -> Command:
    return lambda: applied(case, "RENT", period_from=date(2023, 6, 1),
                           period_to=date(2023, 5, 31))


def a_rent_period_overlapping_an_earlier_one(case: Case) -> Command:
    applied(case, "RENT", **YEAR_2023)
    return lambda: applied(case, "RENT", period_from=date(2023, 12, 31),
                           period_to=date(2024, 2, 29))


def thirteen_months_of_rent_after_twenty_four(case: Case) -> Command:
    applied(case, "RENT", period_from=date(2023, 1, 1), period_to=date(2024, 12, 31),
            occurred_on=date(2025, 1, 10))
    return lambda: applied(case, "RENT", period_from=date(2025, 1, 1),
                           period_to=date(2026, 1, 31), occurred_on=date(2026, 2, 10))


def a_job_creation_subsidy_without_a_jobs_report(case: Case) -> Command:
    return lambda: applied(case, "JOB_CREATION", **YEAR_2023)


def a_job_creation_subsidy_with_an_unverified_jobs_report(case: Case) -> Command:
    with_jobs(case, verified=False)
    return lambda: applied(case, "JOB_CREATION", **YEAR_2023)


def a_job_creation_subsidy_with_a_jobs_report_of_twelve_months(case: Case) -> Command:
    with_jobs(case, as_of=date(2023, 3, 1))
    return lambda: applied(case, "JOB_CREATION", **YEAR_2023)


def a_social_insurance_subsidy_for_a_business_insuring_nobody(case: Case) -> Command:
    with_jobs(case, insured=0)
    return lambda: applied(case, "SOCIAL_INSURANCE", **YEAR_2023)


def a_guarantee_fee_subsidy_for_an_unknown_loan(case: Case) -> Command:
    return lambda: applied(case, "GUARANTEE_FEE", subject_ref="no-such-loan")


def a_guarantee_fee_subsidy_for_a_loan_not_granted(case: Case) -> Command:
    with_a_loan(case, granted=False)
    return lambda: applied(case, "GUARANTEE_FEE", subject_ref=LOAN)


def a_second_guarantee_fee_subsidy_for_one_loan(case: Case) -> Command:
    with_a_loan(case)
    applied(case, "GUARANTEE_FEE", subject_ref=LOAN)
    return lambda: applied(case, "GUARANTEE_FEE", subject_ref=LOAN)


def a_training_subsidy_for_a_failed_training(case: Case) -> Command:
    with_a_training(case, result="FAILED")
    return lambda: applied(case, "TRAINING", subject_ref=SYB)


def a_training_subsidy_for_an_unsubsidised_training(case: Case) -> Command:
    with_a_training(case, subsidised=False)
    return lambda: applied(case, "TRAINING", subject_ref=SYB)


def a_training_subsidy_for_an_unknown_training(case: Case) -> Command:
    return lambda: applied(case, "TRAINING", subject_ref="no-such-training")


def a_second_training_subsidy_for_one_training(case: Case) -> Command:
    with_a_training(case)
    applied(case, "TRAINING", subject_ref=SYB)
    return lambda: applied(case, "TRAINING", subject_ref=SYB)


def a_period_on_a_one_time_subsidy(case: Case) -> Command:
    return lambda: applied(case, **YEAR_2023)


def a_period_end_on_a_guarantee_fee_subsidy(case: Case) -> Command:
    with_a_loan(case)
    return lambda: applied(case, "GUARANTEE_FEE", subject_ref=LOAN,
                           period_to=date(2023, 12, 31))


def a_subsidy_for_a_closed_business(case: Case) -> Command:
    case.close_business(occurred_on=date(2024, 2, 1), business_ref=SHOP, kind="DEREGISTERED",
                        reason="转让")
    return lambda: applied(case, "RENT", **YEAR_2023)


def a_subsidy_for_an_unknown_business(case: Case) -> Command:
    return lambda: applied(case, subject_ref="no-such-business")


def a_subsidy_of_an_unknown_kind(case: Case) -> Command:
    return lambda: applied(case, "MEALS")


def a_subsidy_of_nothing(case: Case) -> Command:
    return lambda: applied(case, amount=0)


def a_grant_of_more_than_applied_for(case: Case) -> Command:
    ref = applied(case, amount=1_200_000)
    return lambda: granted(case, ref, amount=1_200_001)


def a_payment_of_more_than_granted(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref, amount=1_000_000)
    return lambda: paid(case, ref, amount=1_000_001)


def a_payment_of_more_than_is_left_after_a_part_payment(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    paid(case, ref, amount=700_000)
    return lambda: paid(case, ref, amount=500_001, on=date(2024, 4, 1))


def a_second_grant(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    return lambda: granted(case, ref, on=date(2024, 3, 16))


def a_grant_of_a_rejected_subsidy(case: Case) -> Command:
    ref = applied(case)
    rejected(case, ref)
    return lambda: granted(case, ref)


def a_payment_before_the_grant(case: Case) -> Command:
    ref = applied(case)
    return lambda: paid(case, ref)


def a_payment_dated_before_the_grant(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    return lambda: paid(case, ref, on=date(2024, 3, 10))


def a_payment_of_a_subsidy_already_paid(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    paid(case, ref)
    return lambda: paid(case, ref, amount=1, on=date(2024, 4, 1))


def a_rejection_of_a_granted_subsidy(case: Case) -> Command:
    ref = applied(case)
    granted(case, ref)
    return lambda: rejected(case, ref)


def a_rejection_without_a_reason(case: Case) -> Command:
    ref = applied(case)
    return lambda: rejected(case, ref, reason=" ")


def a_grant_of_an_unknown_subsidy(case: Case) -> Command:
    return lambda: granted(case, "no-such-subsidy")


APPLICATION_REFUSALS = [
    (a_one_time_subsidy_a_day_short_of_twelve_months,
     RuleViolationError, "subject_ref", "operating_months"),
    (a_one_time_subsidy_for_a_founder_who_founded_before,
     RuleViolationError, "subject_ref", "first_time_founder"),
    (a_second_one_time_subsidy_for_another_business,
     RuleViolationError, "kind", "once_per_person"),
    (a_second_one_time_subsidy_after_the_first_was_paid,
     RuleViolationError, "kind", "once_per_person"),
    (a_rent_subsidy_without_a_period, InvalidValueError, "period_from", "required"),
    (a_rent_subsidy_without_the_end_of_its_period, InvalidValueError, "period_to", "required"),
    (a_rent_period_that_ends_before_it_starts, InvalidValueError, "period_to", "before_start"),
    (a_rent_period_overlapping_an_earlier_one, RuleViolationError, "period_from", "overlap"),
    (thirteen_months_of_rent_after_twenty_four, RuleViolationError, "period_to", "rent_months"),
    (twenty_days_of_rent_after_thirty_six_months,
     RuleViolationError, "period_to", "rent_months"),
    (a_job_creation_subsidy_without_a_jobs_report,
     RuleViolationError, "subject_ref", "verified_jobs_required"),
    (a_job_creation_subsidy_with_an_unverified_jobs_report,
     RuleViolationError, "subject_ref", "verified_jobs_required"),
    (a_job_creation_subsidy_with_a_jobs_report_of_twelve_months,
     RuleViolationError, "subject_ref", "verified_jobs_required"),
    (a_social_insurance_subsidy_for_a_business_insuring_nobody,
     RuleViolationError, "subject_ref", "insured_required"),
    (a_guarantee_fee_subsidy_for_an_unknown_loan,
     RuleViolationError, "subject_ref", "loan_required"),
    (a_guarantee_fee_subsidy_for_a_loan_not_granted,
     RuleViolationError, "subject_ref", "loan_required"),
    (a_second_guarantee_fee_subsidy_for_one_loan, RuleViolationError, "subject_ref", "once_only"),
    (a_training_subsidy_for_a_failed_training,
     RuleViolationError, "subject_ref", "training_required"),
    (a_training_subsidy_for_an_unsubsidised_training,
     RuleViolationError, "subject_ref", "training_required"),
    (a_training_subsidy_for_an_unknown_training,
     RuleViolationError, "subject_ref", "training_required"),
    (a_second_training_subsidy_for_one_training, RuleViolationError, "subject_ref", "once_only"),
    (a_period_on_a_one_time_subsidy, InvalidValueError, "period_from", "not_periodic"),
    (a_period_end_on_a_guarantee_fee_subsidy, InvalidValueError, "period_from", "not_periodic"),
    (a_subsidy_for_a_closed_business, RuleViolationError, "subject_ref", "business_required"),
    (a_subsidy_for_an_unknown_business, RuleViolationError, "subject_ref", "business_required"),
    (a_subsidy_of_an_unknown_kind, InvalidValueError, "kind", "choice"),
    (a_subsidy_of_nothing, InvalidValueError, "amount", "too_small"),
]

DECISION_AND_PAYMENT_REFUSALS = [
    (a_grant_of_more_than_applied_for, InvalidValueError, "amount", "too_large"),
    (a_payment_of_more_than_granted, InvalidValueError, "amount", "too_large"),
    (a_payment_of_more_than_is_left_after_a_part_payment,
     InvalidValueError, "amount", "too_large"),
    (a_second_grant, StateConflictError, "subsidy_ref", "wrong_status"),
    (a_grant_of_a_rejected_subsidy, StateConflictError, "subsidy_ref", "wrong_status"),
    (a_payment_before_the_grant, StateConflictError, "subsidy_ref", "wrong_status"),
    (a_payment_dated_before_the_grant, InvalidValueError, "occurred_on", "too_early"),
    (a_payment_of_a_subsidy_already_paid, StateConflictError, "subsidy_ref", "wrong_status"),
    (a_rejection_of_a_granted_subsidy, StateConflictError, "subsidy_ref", "wrong_status"),
    (a_rejection_without_a_reason, InvalidValueError, "reason", "required"),
    (a_grant_of_an_unknown_subsidy, InvalidValueError, "subsidy_ref", "unknown"),
]


def scenarios(*tables: list[tuple[Any, ...]]) -> list[Any]:
    return [pytest.param(*row, id=row[0].__name__) for table in tables for row in table]


@pytest.mark.parametrize(("scenario", "error", "field", "code"), scenarios(
    APPLICATION_REFUSALS, DECISION_AND_PAYMENT_REFUSALS,
))
def test_a_refused_subsidy_command_names_its_rule_and_records_nothing(
    scenario: Callable[[Case], Command], error: type[DomainError], field: str, code: str
) -> None:
    case = a_founder()
    command = scenario(case)
    case.collect_events()

    refused = refusal_of(command)

    assert described(refused) == (error, field, code)
    assert case.collect_events() == []


def test_a_refused_rent_period_names_the_months_in_all_and_the_limit() -> None:
    case = a_founder()
    command = thirteen_months_of_rent_after_twenty_four(case)

    refused = refusal_of(command)

    assert refused.params == {"total": 37, "limit": 36, "rule_set": "CN@4"}


# ------------------------------------------------- the grant checks again


def test_a_grant_is_refused_once_the_business_has_closed() -> None:
    case = a_founder()
    ref = applied(case)
    case.close_business(occurred_on=date(2024, 3, 10), business_ref=SHOP, kind="DEREGISTERED",
                        reason="转让")
    case.collect_events()

    refused = refusal_of(lambda: granted(case, ref))

    assert described(refused) == (RuleViolationError, "subject_ref", "business_required")
    assert (case.subsidies[ref].status, case.collect_events()) == ("APPLIED", [])


def test_a_grant_is_refused_once_the_jobs_report_is_twelve_months_old() -> None:
    case = a_founder()
    with_jobs(case, as_of=date(2023, 3, 10))
    ref = applied(case, "JOB_CREATION", **YEAR_2023)
    case.collect_events()

    refused = refusal_of(lambda: granted(case, ref, on=date(2024, 3, 10)))

    assert described(refused) == (RuleViolationError, "subject_ref", "verified_jobs_required")
    assert case.collect_events() == []


# -------------------------------------------------------------- on a closed case


def nothing_more(case: Case, ref: str) -> None:
    pass


def rejecting(case: Case, ref: str) -> None:
    case.reject_subsidy(occurred_on=date(2024, 4, 1), subsidy_ref=ref, reason="材料不全")


def paying(case: Case, ref: str) -> None:
    paid(case, ref, on=date(2024, 4, 1))


@pytest.mark.parametrize(("before_closing", "command"), [
    pytest.param(nothing_more, rejecting, id="reject_subsidy"),
    pytest.param(granted, paying, id="pay_subsidy"),
])
def test_a_closed_case_refuses_to_reject_or_pay_a_subsidy(
    before_closing: Callable[[Case, str], None], command: Callable[[Case, str], None]
) -> None:
    case = a_founder()
    ref = applied(case)
    before_closing(case, ref)
    case.close(occurred_on=date(2024, 3, 25), reason="MOVED_AWAY")
    case.collect_events()

    refused = refusal_of(lambda: command(case, ref))

    assert described(refused) == (CaseClosedError, "case", "case_closed")
    assert case.collect_events() == []
