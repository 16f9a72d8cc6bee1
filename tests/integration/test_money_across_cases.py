"""Money rules that reach across cases, kept on both stores."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.cases import Cases
from domain.errors import DomainError, DuplicateError
from tests.builders import a_uscc, days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


def a_case_with_a_business(cases: Cases, uscc: str | None = None,
                           **person: Any) -> tuple[UUID, int, str]:
    saved = cases.enrol_case(**enrolment(returned_on=days_ago(900), occurred_on=days_ago(880),
                                         **person))
    business = cases.register_business(
        saved.case_id, saved.version, occurred_on=days_ago(800), uscc=uscc or a_uscc("92"),
        entity_type="INDIVIDUAL_BUSINESS", name="张三小吃店", first_time_founder=True,
        premises="RENTED")
    return saved.case_id, business.version, business.ref or ""


def a_granted_loan(cases: Cases, case_id: UUID, version: int, contract_no: str,
                   start: int = 600) -> tuple[int, str]:
    applied = cases.apply_for_loan(case_id, version, occurred_on=days_ago(start),
                                   borrower_kind="INDIVIDUAL", amount=10_000_000,
                                   term_months=12, other_loans_declared=True)
    ref = applied.ref or ""
    v = cases.certify_loan_eligibility(case_id, applied.version, occurred_on=days_ago(start - 5),
                                       loan_ref=ref, decision="APPROVED",
                                       group="RETURNING_MIGRANT_WORKER").version
    v = cases.grant_loan(case_id, v, occurred_on=days_ago(start - 10), loan_ref=ref,
                         contract_no=contract_no, bank="淄博农商银行", guarantor="FUND",
                         principal=10_000_000, term_months=12, annual_rate_bp=300).version
    return v, ref


def test_a_loan_history_reads_back_and_verifies(cases: Cases) -> None:
    case_id, version, _ = a_case_with_a_business(cases)
    version, ref = a_granted_loan(cases, case_id, version, "HT-0001")

    repaid = cases.record_loan_repaid(case_id, version, occurred_on=days_ago(300), loan_ref=ref)

    loan = cases.get_case(case_id).loans[0]
    assert (loan.status, loan.outstanding, loan.on_time) == ("REPAID", 0, True)
    assert repaid.version == 6
    assert cases.verify_case(case_id) is None


def test_a_loan_contract_number_is_used_once_across_cases(cases: Cases) -> None:
    first_id, first_v, _ = a_case_with_a_business(cases)
    second_id, second_v, _ = a_case_with_a_business(cases)
    a_granted_loan(cases, first_id, first_v, "HT-0002")

    with pytest.raises(DuplicateError) as refused:
        a_granted_loan(cases, second_id, second_v, "ht-0002")

    assert refused.value.field == "contract_no"
    assert cases.get_case(second_id).loans[0].status == "CERTIFIED"


def test_an_overdue_record_in_an_earlier_case_bars_a_new_loan(cases: Cases) -> None:
    person = enrolment()
    case_id, version, _ = a_case_with_a_business(cases, id_number=person["id_number"])
    version, ref = a_granted_loan(cases, case_id, version, "HT-0003")
    version = cases.record_loan_overdue(case_id, version, occurred_on=days_ago(100),
                                        loan_ref=ref, overdue_since=days_ago(110),
                                        amount_overdue=10_000_000).version
    cases.close_case(case_id, version, occurred_on=days_ago(50), reason="MOVED_AWAY")
    new_id, new_v, _ = a_case_with_a_business(cases, id_number=person["id_number"])

    with pytest.raises(DomainError) as refused:
        cases.apply_for_loan(new_id, new_v, occurred_on=days_ago(10), borrower_kind="INDIVIDUAL",
                             amount=5_000_000, term_months=12, other_loans_declared=True)

    assert (refused.value.field, refused.value.code) == ("sequence_no", "past_overdue")
    assert cases.get_case(new_id).version == new_v


def startup_subsidy(cases: Cases, case_id: UUID, version: int, business: str) -> int:
    applied = cases.apply_for_subsidy(case_id, version, occurred_on=days_ago(300),
                                      kind="ONE_TIME_STARTUP", amount=1_200_000,
                                      subject_ref=business)
    return cases.grant_subsidy(case_id, applied.version, occurred_on=days_ago(290),
                               subsidy_ref=applied.ref, amount=1_200_000).version


def test_the_start_up_subsidy_is_granted_once_per_person_across_cases(cases: Cases) -> None:
    person = enrolment()
    case_id, version, business = a_case_with_a_business(cases, id_number=person["id_number"])
    version = startup_subsidy(cases, case_id, version, business)
    cases.close_case(case_id, version, occurred_on=days_ago(200), reason="MOVED_AWAY")
    new_id, new_v, new_business = a_case_with_a_business(cases, id_number=person["id_number"])

    with pytest.raises(DuplicateError) as refused:
        startup_subsidy(cases, new_id, new_v, new_business)

    assert refused.value.field == "kind"
    assert cases.get_case(new_id).version == new_v


def test_the_start_up_subsidy_is_granted_once_per_business_across_cases(cases: Cases) -> None:
    uscc = a_uscc("92")
    first_id, first_v, first_business = a_case_with_a_business(cases, uscc)
    second_id, second_v, second_business = a_case_with_a_business(cases, uscc)
    startup_subsidy(cases, first_id, first_v, first_business)

    with pytest.raises(DuplicateError) as refused:
        startup_subsidy(cases, second_id, second_v, second_business)

    assert refused.value.field == "subject_ref"
    assert cases.get_case(second_id).version == second_v
