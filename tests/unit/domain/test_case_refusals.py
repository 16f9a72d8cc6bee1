"""Every refusal a case's commands make: the error's class, field and code, and nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from application.rulesets import load_rule_book
from domain.case import Case
from domain.errors import (
    CaseClosedError,
    CaseNotClosedError,
    DomainError,
    InvalidCodeError,
    InvalidValueError,
    RuleViolationError,
    StateConflictError,
)
from domain.recording import recording_as
from domain.values import today
from tests.builders import a_uscc, an_id_number, days_ago, enrolment, training

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()
LAST_YEAR = today().year - 1

Command = Callable[[], Any]


def refusal_of(command: Command) -> DomainError:
    with pytest.raises(DomainError) as caught:
        command()
    return caught.value


def described(error: DomainError) -> tuple[type[DomainError], str, str]:
    return type(error), error.field, error.code


def a_wrong_check_character() -> str:
    number = an_id_number()
    return number[:17] + ("1" if number[17] != "1" else "2")


# ------------------------------------------------------------------ enrolment

ENROLMENT_REFUSALS = [
    pytest.param(dict(id_number=a_wrong_check_character()),
                 InvalidCodeError, "id_number", "checksum", id="id number checksum"),
    pytest.param(dict(occurred_on=days_ago(-1)),
                 InvalidValueError, "occurred_on", "future", id="enrolment in the future"),
    pytest.param(dict(returned_on=days_ago(10), occurred_on=days_ago(20)),
                 InvalidValueError, "returned_on", "after_enrolment", id="return after enrolment"),
    pytest.param(dict(owning_district="370399"),
                 InvalidCodeError, "owning_district", "unknown_division", id="unknown district"),
    pytest.param(dict(owning_district="370000"),
                 InvalidCodeError, "owning_district", "not_county", id="province as district"),
    pytest.param(dict(residence_division="370302100201"),
                 InvalidCodeError, "residence_division", "county_mismatch",
                 id="residence in another county"),
    pytest.param(dict(mobile="1381234567"),
                 InvalidCodeError, "mobile", "format", id="ten-digit mobile"),
    pytest.param(dict(name="张三3"),
                 InvalidValueError, "name", "name_characters", id="digit in the name"),
    pytest.param(dict(id_type="PASSPORT", id_number="E12345678", sex="M"),
                 InvalidValueError, "birth_date", "required", id="passport without birth date"),
    pytest.param(dict(id_type="PASSPORT", id_number="E12345678", sex="M",
                      birth_date=today() + timedelta(days=30)),
                 InvalidValueError, "birth_date", "future", id="passport holder born in future"),
    pytest.param(dict(birth_date=date(1991, 1, 1)),
                 InvalidValueError, "birth_date", "id_mismatch", id="birth date against the ID"),
    pytest.param(dict(sex="F"),
                 InvalidValueError, "sex", "id_mismatch", id="sex against the ID"),
    pytest.param(dict(prior_work_province="99"),
                 InvalidValueError, "prior_work_province", "unknown_province",
                 id="unknown prior work province"),
]


@pytest.mark.parametrize(("overrides", "error", "field", "code"), ENROLMENT_REFUSALS)
def test_an_enrolment_that_breaks_a_rule_is_refused(
    overrides: dict[str, Any], error: type[DomainError], field: str, code: str
) -> None:
    fields = enrolment(**overrides)

    refused = refusal_of(lambda: Case.enrol(**fields))

    assert described(refused) == (error, field, code)


# --------------------------------------------------------------- closed case

ON_A_CLOSED_CASE: dict[str, Callable[[Case], Any]] = {
    "assess_needs": lambda c: c.assess_needs(occurred_on=days_ago(1), stage="IDEA", needs=[]),
    "enrol_in_training": lambda c: c.enrol_in_training(rules=RULES, **training()),
    "complete_training": lambda c: c.complete_training(
        rules=RULES, occurred_on=days_ago(1), enrolment_ref="t", result="FAILED",
        hours_attended=1),
    "assign_mentor": lambda c: c.assign_mentor(
        rules=RULES, occurred_on=days_ago(1), mentor_id="m-1", mentor_level="CITY"),
    "hold_mentoring_session": lambda c: c.hold_mentoring_session(
        occurred_on=days_ago(1), pairing_ref="p", mode="PHONE", minutes=30),
    "release_mentor": lambda c: c.release_mentor(
        occurred_on=days_ago(1), pairing_ref="p", reason="COMPLETED"),
    "register_business": lambda c: c.register_business(
        occurred_on=days_ago(1), uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
        name="小吃店", first_time_founder=True, premises="HOME"),
    "report_jobs": lambda c: c.report_jobs(
        occurred_on=days_ago(1), business_ref="b", employees_excl_founder=1,
        insured_employees=0, priority_group_hires_12m=0, contracts_ge_1y=0, source="ROSTER",
        verified=False),
    "close_business": lambda c: c.close_business(
        occurred_on=days_ago(1), business_ref="b", kind="SUSPENDED", reason="歇业"),
    "record_follow_up": lambda c: c.record_follow_up(
        occurred_on=days_ago(1), method="PHONE", reached=True, summary="回访"),
    "deliver_service": lambda c: c.deliver_service(
        occurred_on=days_ago(1), service="POLICY_BRIEFING", provider="人社局", outcome="讲解"),
    "request_transfer": lambda c: c.request_transfer(
        occurred_on=days_ago(1), to_district="370302", reason="搬家"),
    "reassign": lambda c: c.reassign(occurred_on=days_ago(1), to_caseworker_id="cw-2",
                                     reason="调岗"),
    "close": lambda c: c.close(occurred_on=days_ago(1), reason="OPTED_OUT"),
}


@pytest.mark.parametrize("command", ON_A_CLOSED_CASE.values(), ids=ON_A_CLOSED_CASE.keys())
def test_a_closed_case_refuses_every_command_but_reopen_and_corrections(
    command: Callable[[Case], Any],
) -> None:
    case = Case.enrol(**enrolment())
    case.close(occurred_on=days_ago(10), reason="OPTED_OUT")
    case.collect_events()

    refused = refusal_of(lambda: command(case))

    assert described(refused) == (CaseClosedError, "case", "case_closed")
    assert case.collect_events() == []


# ------------------------------------------------ scenarios, one per refusal
# Each scenario prepares an enrolled case and returns the command it refuses.


def enrolled_in(case: Case, **overrides: Any) -> str:
    return case.enrol_in_training(rules=RULES, **training(**overrides))


def completed(case: Case, ref: str, **overrides: Any) -> Command:
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(300), enrolment_ref=ref, result="PASSED", hours_attended=75,
        certificate_no=f"C-{ref[:8]}", business_plan_grade="PASS",
    )
    return lambda: case.complete_training(rules=RULES, **{**fields, **overrides})


def reopening_an_open_case(case: Case) -> Command:
    return lambda: case.reopen(occurred_on=days_ago(1), reason="恢复")


def an_assessment_dated_before_the_return(case: Case) -> Command:
    return lambda: case.assess_needs(occurred_on=days_ago(401), stage="IDEA", needs=[])


def a_subsidised_course_without_class_approval(case: Case) -> Command:
    return lambda: enrolled_in(case, class_approval_no=None)


def a_fourth_subsidised_course_in_one_year(case: Case) -> Command:
    for month in (2, 5, 8):
        enrolled_in(case, start_on=date(LAST_YEAR, month, 1))
    return lambda: enrolled_in(case, start_on=date(LAST_YEAR, 11, 1))


def a_second_subsidised_pass_of_one_course(case: Case) -> Command:
    completed(case, enrolled_in(case))()
    return lambda: enrolled_in(case, start_on=days_ago(100))


def a_gyb_pass_below_24_hours(case: Case) -> Command:
    return completed(case, enrolled_in(case, course="GYB", planned_hours=30),
                     hours_attended=23, business_plan_grade="NONE")


def an_syb_pass_below_70_hours(case: Case) -> Command:
    return completed(case, enrolled_in(case), hours_attended=69)


def a_pass_without_a_certificate(case: Case) -> Command:
    return completed(case, enrolled_in(case), certificate_no=None)


def a_failure_with_a_certificate(case: Case) -> Command:
    return completed(case, enrolled_in(case), result="FAILED", business_plan_grade="FAIL")


def more_hours_than_planned(case: Case) -> Command:
    return completed(case, enrolled_in(case, planned_hours=80), hours_attended=81)


def an_syb_pass_without_a_graded_plan(case: Case) -> Command:
    return completed(case, enrolled_in(case), business_plan_grade="NONE")


def an_syb_pass_with_a_failed_plan(case: Case) -> Command:
    return completed(case, enrolled_in(case), business_plan_grade="FAIL")


def a_gyb_with_a_plan_grade(case: Case) -> Command:
    return completed(case, enrolled_in(case, course="GYB"), hours_attended=30)


def completing_an_unknown_training(case: Case) -> Command:
    return completed(case, "no-such-training")


def completing_a_training_twice(case: Case) -> Command:
    ref = enrolled_in(case)
    completed(case, ref)()
    return completed(case, ref, result="FAILED", certificate_no=None)


def completing_before_the_course_started(case: Case) -> Command:
    return completed(case, enrolled_in(case), occurred_on=days_ago(366))


def a_certificate_number_already_recorded(case: Case) -> Command:
    completed(case, enrolled_in(case), certificate_no="C-1")()
    return completed(case, enrolled_in(case, course="IYB"), certificate_no="c-1",
                     business_plan_grade="NONE")


TRAINING_REFUSALS = [
    (a_subsidised_course_without_class_approval,
     RuleViolationError, "class_approval_no", "approval_required"),
    (a_fourth_subsidised_course_in_one_year, RuleViolationError, "subsidised", "yearly_limit"),
    (a_second_subsidised_pass_of_one_course, RuleViolationError, "course", "subsidised_once"),
    (a_gyb_pass_below_24_hours, RuleViolationError, "hours_attended", "below_minimum"),
    (an_syb_pass_below_70_hours, RuleViolationError, "hours_attended", "below_minimum"),
    (a_pass_without_a_certificate, InvalidValueError, "certificate_no", "required"),
    (a_failure_with_a_certificate, InvalidValueError, "certificate_no", "not_passed"),
    (more_hours_than_planned, InvalidValueError, "hours_attended", "too_large"),
    (an_syb_pass_without_a_graded_plan,
     RuleViolationError, "business_plan_grade", "plan_required"),
    (an_syb_pass_with_a_failed_plan, RuleViolationError, "business_plan_grade", "plan_required"),
    (a_gyb_with_a_plan_grade, InvalidValueError, "business_plan_grade", "not_graded"),
    (completing_an_unknown_training, InvalidValueError, "enrolment_ref", "unknown"),
    (completing_a_training_twice, StateConflictError, "enrolment_ref", "already_completed"),
    (completing_before_the_course_started, InvalidValueError, "occurred_on", "before_start"),
    (a_certificate_number_already_recorded, StateConflictError, "certificate_no", "duplicate"),
]


def paired(case: Case, mentor_id: str = "m-1") -> str:
    return case.assign_mentor(rules=RULES, occurred_on=days_ago(290), mentor_id=mentor_id,
                              mentor_level="COUNTY")


def registered(case: Case, **overrides: Any) -> Command:
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(250), uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
        name="张三小吃店", first_time_founder=True, premises="RENTED",
    )
    return lambda: case.register_business(**{**fields, **overrides})


def jobs_reported(case: Case, business: str, **overrides: Any) -> Command:
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(200), business_ref=business, employees_excl_founder=2,
        insured_employees=2, priority_group_hires_12m=0, contracts_ge_1y=1, source="ROSTER",
        verified=True,
    )
    return lambda: case.report_jobs(**{**fields, **overrides})


def a_session_of_a_released_pairing(case: Case) -> Command:
    ref = paired(case)
    case.release_mentor(occurred_on=days_ago(200), pairing_ref=ref, reason="MENTOR_LEFT")
    return lambda: case.hold_mentoring_session(occurred_on=days_ago(100), pairing_ref=ref,
                                               mode="PHONE", minutes=30)


def a_session_before_its_pairing(case: Case) -> Command:
    ref = paired(case)
    return lambda: case.hold_mentoring_session(occurred_on=days_ago(291), pairing_ref=ref,
                                               mode="PHONE", minutes=30)


def pairing_the_same_mentor_twice(case: Case) -> Command:
    paired(case, "m-7")
    return lambda: paired(case, "m-7")


def an_individual_business_code_declared_an_enterprise(case: Case) -> Command:
    return registered(case, uscc=a_uscc("92"), entity_type="ENTERPRISE")


def incubator_premises_without_the_incubator(case: Case) -> Command:
    return registered(case, premises="INCUBATOR")


def an_online_merchant_without_a_shop_address(case: Case) -> Command:
    return registered(case, is_online_merchant=True)


def registering_one_business_twice(case: Case) -> Command:
    uscc = a_uscc("92")
    registered(case, uscc=uscc)()
    return registered(case, uscc=uscc)


def more_insured_staff_than_employees(case: Case) -> Command:
    business = registered(case)()
    return jobs_reported(case, business, employees_excl_founder=2, insured_employees=3)


def jobs_of_a_closed_business(case: Case) -> Command:
    business = registered(case)()
    case.close_business(occurred_on=days_ago(100), business_ref=business, kind="DEREGISTERED",
                        reason="转让")
    return jobs_reported(case, business)


MENTORING_AND_BUSINESS_REFUSALS = [
    (a_session_of_a_released_pairing, StateConflictError, "pairing_ref", "released"),
    (a_session_before_its_pairing, InvalidValueError, "occurred_on", "too_early"),
    (pairing_the_same_mentor_twice, StateConflictError, "mentor_id", "already_paired"),
    (an_individual_business_code_declared_an_enterprise, InvalidCodeError, "uscc", "entity_type"),
    (incubator_premises_without_the_incubator, InvalidValueError, "incubator_id", "required"),
    (an_online_merchant_without_a_shop_address,
     InvalidValueError, "platform_shop_url", "required"),
    (registering_one_business_twice, StateConflictError, "uscc", "duplicate"),
    (more_insured_staff_than_employees, InvalidValueError, "insured_employees", "too_large"),
    (jobs_of_a_closed_business, StateConflictError, "business_ref", "closed"),
]


def corrected(case: Case, field: str, new_value: Any, version: int = 1) -> Command:
    return lambda: case.correct_record(occurred_on=days_ago(1), target_version=version,
                                       field=field, new_value=new_value, reason="登记错误")


def approved_by(actor: str, role: str, case: Case, ref: str) -> Command:
    def approve() -> None:
        with recording_as(actor, role):
            case.approve_correction(occurred_on=days_ago(0), correction_ref=ref)
    return approve


def correcting_an_unknown_version(case: Case) -> Command:
    return corrected(case, "name", "李四", version=2)


def correcting_a_field_that_is_not_correctable(case: Case) -> Command:
    return corrected(case, "owning_district", "370302")


def correcting_a_field_to_its_recorded_value(case: Case) -> Command:
    return corrected(case, "name", " 张三 ")


def correcting_a_field_whose_correction_is_pending(case: Case) -> Command:
    corrected(case, "returned_on", days_ago(390))()
    return corrected(case, "returned_on", days_ago(395))


def a_caseworker_approving_a_correction(case: Case) -> Command:
    return approved_by("cw-2", "caseworker", case, corrected(case, "returned_on", days_ago(390))())


def a_supervisor_approving_their_own_correction(case: Case) -> Command:
    with recording_as("sup-1", "supervisor"):
        ref = corrected(case, "returned_on", days_ago(390))()
    return approved_by("sup-1", "supervisor", case, ref)


def approving_a_decided_correction(case: Case) -> Command:
    ref = corrected(case, "returned_on", days_ago(390))()
    approved_by("sup-1", "supervisor", case, ref)()
    return approved_by("sup-2", "supervisor", case, ref)


def correcting_the_birth_date_of_a_resident_id_case(case: Case) -> Command:
    return corrected(case, "birth_date", date(1990, 5, 18))


def correcting_the_return_to_after_the_enrolment(case: Case) -> Command:
    return corrected(case, "returned_on", days_ago(370))


def correcting_the_enrolment_to_before_the_return(case: Case) -> Command:
    return corrected(case, "occurred_on", days_ago(410))


def correcting_a_follow_up_date_into_the_future(case: Case) -> Command:
    case.record_follow_up(occurred_on=days_ago(100), method="PHONE", reached=True, summary="回访")
    return corrected(case, "occurred_on", today() + timedelta(days=30), version=2)


def correcting_hours_attended_above_the_planned_hours(case: Case) -> Command:
    completed(case, enrolled_in(case, planned_hours=80))()
    return corrected(case, "hours_attended", 81, version=case.version)


CORRECTION_REFUSALS = [
    (correcting_an_unknown_version, InvalidValueError, "target_version", "no_such_event"),
    (correcting_a_field_that_is_not_correctable, InvalidValueError, "field", "not_correctable"),
    (correcting_a_field_to_its_recorded_value, InvalidValueError, "new_value", "unchanged"),
    (correcting_a_field_whose_correction_is_pending,
     StateConflictError, "field", "correction_pending"),
    (a_caseworker_approving_a_correction,
     RuleViolationError, "correction_ref", "supervisor_only"),
    (a_supervisor_approving_their_own_correction,
     RuleViolationError, "correction_ref", "four_eyes"),
    (approving_a_decided_correction, StateConflictError, "correction_ref", "decided"),
    (correcting_the_birth_date_of_a_resident_id_case, InvalidValueError, "field", "derived"),
    (correcting_the_return_to_after_the_enrolment,
     InvalidValueError, "new_value", "after_enrolment"),
    (correcting_the_enrolment_to_before_the_return,
     InvalidValueError, "new_value", "before_return"),
    (correcting_a_follow_up_date_into_the_future, InvalidValueError, "new_value", "future"),
    (correcting_hours_attended_above_the_planned_hours,
     InvalidValueError, "new_value", "above_planned"),
]


def transfer_requested(case: Case, to_district: str = "370302") -> Command:
    return lambda: case.request_transfer(occurred_on=days_ago(50), to_district=to_district,
                                         reason="搬家")


def a_transfer_to_the_owning_district(case: Case) -> Command:
    return transfer_requested(case, "370303")


def a_second_transfer_while_one_is_pending(case: Case) -> Command:
    transfer_requested(case)()
    return transfer_requested(case, "370304")


def accepting_when_no_transfer_is_pending(case: Case) -> Command:
    return lambda: case.accept_transfer(occurred_on=days_ago(1), to_caseworker_id="cw-9")


def declining_when_no_transfer_is_pending(case: Case) -> Command:
    return lambda: case.decline_transfer(occurred_on=days_ago(1), reason="不接收")


def reassigning_to_the_same_caseworker(case: Case) -> Command:
    return lambda: case.reassign(occurred_on=days_ago(1), to_caseworker_id="cw-1", reason="调岗")


def closing_while_a_transfer_is_pending(case: Case) -> Command:
    transfer_requested(case)()
    return lambda: case.close(occurred_on=days_ago(1), reason="MOVED_AWAY")


def closing_as_a_duplicate_without_the_original(case: Case) -> Command:
    return lambda: case.close(occurred_on=days_ago(1), reason="DUPLICATE")


def closing_as_a_duplicate_of_itself(case: Case) -> Command:
    return lambda: case.close(occurred_on=days_ago(1), reason="DUPLICATE",
                              duplicate_of=case.case_no)


def closing_with_too_long_a_note_while_a_mentor_is_paired(case: Case) -> Command:
    paired(case)
    return lambda: case.close(occurred_on=days_ago(1), reason="OPTED_OUT", note="x" * 2001)


TRANSFER_AND_CLOSURE_REFUSALS = [
    (reopening_an_open_case, CaseNotClosedError, "reason", "not_closed"),
    (an_assessment_dated_before_the_return, InvalidValueError, "occurred_on", "before_return"),
    (a_transfer_to_the_owning_district, InvalidValueError, "to_district", "same_district"),
    (a_second_transfer_while_one_is_pending,
     StateConflictError, "to_district", "transfer_pending"),
    (accepting_when_no_transfer_is_pending, StateConflictError, "transfer", "none_pending"),
    (declining_when_no_transfer_is_pending, StateConflictError, "transfer", "none_pending"),
    (reassigning_to_the_same_caseworker,
     InvalidValueError, "to_caseworker_id", "same_caseworker"),
    (closing_while_a_transfer_is_pending, StateConflictError, "reason", "transfer_pending"),
    (closing_as_a_duplicate_without_the_original, InvalidValueError, "duplicate_of", "required"),
    (closing_as_a_duplicate_of_itself, InvalidValueError, "duplicate_of", "self"),
    (closing_with_too_long_a_note_while_a_mentor_is_paired, InvalidValueError, "note", "too_long"),
]


def scenarios(*tables: list[tuple[Any, ...]]) -> list[Any]:
    return [pytest.param(*row, id=row[0].__name__) for table in tables for row in table]


@pytest.mark.parametrize(("scenario", "error", "field", "code"), scenarios(
    TRAINING_REFUSALS, MENTORING_AND_BUSINESS_REFUSALS, CORRECTION_REFUSALS,
    TRANSFER_AND_CLOSURE_REFUSALS,
))
def test_a_refused_command_names_its_rule_and_records_nothing(
    scenario: Callable[[Case], Command], error: type[DomainError], field: str, code: str
) -> None:
    case = Case.enrol(**enrolment())
    command = scenario(case)
    case.collect_events()

    refused = refusal_of(command)

    assert described(refused) == (error, field, code)
    assert case.collect_events() == []
