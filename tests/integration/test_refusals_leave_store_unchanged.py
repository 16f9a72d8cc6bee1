"""Every command, refused through ``Cases`` on either store, names its field and stores nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from application.cases import Cases
from application.errors import CaseNotFoundError
from domain.errors import DomainError
from domain.recording import Role, recording_as
from tests.builders import a_uscc, days_ago, enrolment, training

pytestmark = pytest.mark.usefixtures("caseworker")

REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("assess_needs", dict(occurred_on=days_ago(1), stage="DREAMING", needs=[]), "stage", "choice"),
    ("enrol_in_training", training(class_approval_no=""), "class_approval_no",
     "approval_required"),
    ("enrol_in_training", training(provider_uscc="91110000600037341M"), "provider_uscc",
     "checksum"),
    ("complete_training", dict(occurred_on=days_ago(1), enrolment_ref="nope",
                               result="PASSED", hours_attended=70), "enrolment_ref", "unknown"),
    ("assign_mentor", dict(occurred_on=days_ago(1), mentor_id="m-1", mentor_level="GALACTIC"),
     "mentor_level", "choice"),
    ("hold_mentoring_session", dict(occurred_on=days_ago(1), pairing_ref="nope", mode="VISIT",
                                    minutes=30), "pairing_ref", "unknown"),
    ("release_mentor", dict(occurred_on=days_ago(1), pairing_ref="nope", reason="COMPLETED"),
     "pairing_ref", "unknown"),
    ("register_business", dict(occurred_on=days_ago(1), uscc=a_uscc("92"),
                               entity_type="ENTERPRISE", name="某公司", first_time_founder=True,
                               premises="OWN"), "uscc", "entity_type"),
    ("report_jobs", dict(occurred_on=days_ago(1), business_ref="nope", employees_excl_founder=1,
                         insured_employees=0, priority_group_hires_12m=0, contracts_ge_1y=0,
                         source="ROSTER", verified=True), "business_ref", "unknown"),
    ("close_business", dict(occurred_on=days_ago(1), business_ref="nope", kind="SUSPENDED",
                            reason="x"), "business_ref", "unknown"),
    ("record_follow_up", dict(occurred_on=days_ago(-3), method="PHONE", reached=True,
                              summary="未来"), "occurred_on", "future"),
    ("record_follow_up", dict(occurred_on=days_ago(1), method="PHONE", reached=True,
                              summary=" "), "summary", "required"),
    ("deliver_service", dict(occurred_on=days_ago(1), service="PREMISES", provider="x" * 201,
                             outcome="ok"), "provider", "too_long"),
    ("correct_record", dict(occurred_on=days_ago(1), target_version=9, field="name",
                            new_value="李四", reason="x"), "target_version", "no_such_event"),
    ("correct_record", dict(occurred_on=days_ago(1), target_version=1, field="case_no",
                            new_value="X-1", reason="x"), "field", "not_correctable"),
    ("approve_correction", dict(occurred_on=days_ago(1), correction_ref="nope"),
     "correction_ref", "unknown"),
    ("reject_correction", dict(occurred_on=days_ago(1), correction_ref="nope", reason="x"),
     "correction_ref", "unknown"),
    ("request_transfer", dict(occurred_on=days_ago(1), to_district="370303", reason="x"),
     "to_district", "same_district"),
    ("request_transfer", dict(occurred_on=days_ago(1), to_district="370000", reason="x"),
     "to_district", "not_county"),
    ("decline_transfer", dict(occurred_on=days_ago(1), reason="x"), "transfer", "none_pending"),
    ("accept_transfer", dict(occurred_on=days_ago(1), to_caseworker_id="cw-2"), "transfer",
     "none_pending"),
    ("reassign_case", dict(occurred_on=days_ago(1), to_caseworker_id="cw-1", reason="x"),
     "to_caseworker_id", "same_caseworker"),
    ("close_case", dict(occurred_on=days_ago(1), reason="DUPLICATE"), "duplicate_of", "required"),
    ("reopen_case", dict(occurred_on=days_ago(1), reason="x"), "reason", "not_closed"),
    ("apply_for_loan", dict(occurred_on=days_ago(1), borrower_kind="INDIVIDUAL",
                            amount=10_000_000, term_months=12, other_loans_declared=False),
     "other_loans_declared", "declaration_required"),
    ("apply_for_loan", dict(occurred_on=days_ago(1), borrower_kind="INDIVIDUAL", amount=0,
                            term_months=12, other_loans_declared=True), "amount", "too_small"),
    *[(command, dict(occurred_on=days_ago(1), loan_ref="nope", **extra), "loan_ref", "unknown")
      for command, extra in [
          ("certify_loan_eligibility", dict(decision="APPROVED",
                                            group="RETURNING_MIGRANT_WORKER")),
          ("grant_loan", dict(contract_no="HT-1", bank="银行", guarantor="FUND",
                              principal=1_000_000, term_months=12, annual_rate_bp=300)),
          ("pay_interest_subsidy", dict(period="2024-Q1", interest_paid=100)),
          ("extend_loan", dict(new_maturity_on=days_ago(-30))),
          ("record_loan_overdue", dict(overdue_since=days_ago(5), amount_overdue=100)),
          ("record_loan_repaid", {}),
          ("compensate_guarantee", dict(paid=100)),
          ("record_loan_recovery", dict(amount=100)),
          ("write_off_loan", dict(amount=100)),
      ]],
    ("apply_for_subsidy", dict(occurred_on=days_ago(1), kind="ONE_TIME_STARTUP",
                               amount=1_200_000, subject_ref="nope"),
     "subject_ref", "business_required"),
    ("apply_for_subsidy", dict(occurred_on=days_ago(1), kind="RENT", amount=1_000,
                               subject_ref="nope"), "period_from", "required"),
    *[(command, dict(occurred_on=days_ago(1), subsidy_ref="nope", **extra), "subsidy_ref",
       "unknown") for command, extra in [("grant_subsidy", dict(amount=100)),
                                         ("reject_subsidy", dict(reason="x")),
                                         ("pay_subsidy", dict(amount=100))]],
]


@pytest.mark.parametrize(("command", "fields", "field", "code"), REFUSALS,
                         ids=[f"{r[0]}-{r[2]}-{r[3]}" for r in REFUSALS])
def test_a_refused_command_names_its_field_and_stores_nothing(
    cases: Cases, command: str, fields: dict[str, Any], field: str, code: str
) -> None:
    saved = cases.enrol_case(**enrolment())
    position = cases.recorder.max_notification_id()

    with pytest.raises(DomainError) as refused:
        getattr(cases, command)(saved.case_id, saved.version, **fields)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert cases.recorder.max_notification_id() == position
    assert cases.get_case(saved.case_id).version == saved.version


def test_a_refused_enrolment_stores_nothing(cases: Cases) -> None:
    with pytest.raises(DomainError) as refused:
        cases.enrol_case(**enrolment(id_number="110105194912310021"))

    assert (refused.value.field, refused.value.code) == ("id_number", "checksum")
    assert cases.recorder.max_notification_id() is None


def test_a_second_enrolment_with_the_same_case_number_is_refused(cases: Cases) -> None:
    first = enrolment()
    cases.enrol_case(**first)

    with pytest.raises(DomainError) as refused:
        cases.enrol_case(**enrolment(case_no=first["case_no"]))

    assert refused.value.field == "case_no"


def test_a_command_for_an_unknown_case_is_not_found(cases: Cases) -> None:
    missing = uuid4()

    with pytest.raises(CaseNotFoundError):
        cases.record_follow_up(missing, 1, occurred_on=days_ago(1), method="PHONE",
                                      reached=True, summary="x")

    assert cases.recorder.max_notification_id() is None


def test_a_correction_approved_by_a_caseworker_is_refused_and_stays_pending(
    cases: Cases,
) -> None:
    saved = cases.enrol_case(**enrolment())
    asked = cases.correct_record(saved.case_id, 1, occurred_on=days_ago(1),
                                        target_version=1, field="returned_on",
                                        new_value=days_ago(390), reason="核对")

    with recording_as("cw-2", Role.CASEWORKER), pytest.raises(DomainError) as refused:
        cases.approve_correction(saved.case_id, 2, occurred_on=days_ago(0),
                                        correction_ref=asked.ref)

    assert refused.value.code == "supervisor_only"
    assert [c.status for c in cases.get_case(saved.case_id).corrections] == ["PENDING"]


def test_an_approved_id_number_correction_moves_the_identity_claim(cases: Cases) -> None:
    person, other = enrolment(), enrolment()
    saved = cases.enrol_case(**person)
    asked = cases.correct_record(saved.case_id, 1, occurred_on=days_ago(1),
                                        target_version=1, field="id_number",
                                        new_value=other["id_number"], reason="录错")

    with recording_as("sup-1", Role.SUPERVISOR):
        cases.approve_correction(saved.case_id, 2, occurred_on=days_ago(0),
                                        correction_ref=asked.ref)

    assert cases.get_case(saved.case_id).id_number == other["id_number"]
    cases.enrol_case(**enrolment(id_number=person["id_number"]))  # free again
    with pytest.raises(DomainError) as refused:
        cases.enrol_case(**enrolment(id_number=other["id_number"]))
    assert refused.value.field == "id_number"
