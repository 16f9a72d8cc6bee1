"""The accept path of every command of a case: the state it leaves and the events it records."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from application.rulesets import load_rule_book
from domain.case import Case
from domain.codes import id_check_character
from domain.recording import GENESIS, Recorder, chain_hash, recording_as
from tests.builders import a_uscc, an_id_number, days_ago, enrolment, training

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()


def event_names(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.collect_events()]


def an_enrolled_case(**overrides: Any) -> Case:
    case = Case.enrol(**enrolment(**overrides))
    case.collect_events()
    return case


def a_training(case: Case, **overrides: Any) -> str:
    return case.enrol_in_training(rules=RULES, **training(**overrides))


def a_pass(case: Case, ref: str, **overrides: Any) -> None:
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(300), enrolment_ref=ref, result="PASSED", hours_attended=75,
        certificate_no="syb-2025-0001", business_plan_grade="PASS",
    )
    case.complete_training(rules=RULES, **{**fields, **overrides})


def a_pairing(case: Case, **overrides: Any) -> str:
    fields: dict[str, Any] = dict(occurred_on=days_ago(290), mentor_id="m-1", mentor_level="CITY")
    return case.assign_mentor(rules=RULES, **{**fields, **overrides})


def a_session(case: Case, pairing: str, minutes: int) -> None:
    case.hold_mentoring_session(
        occurred_on=days_ago(280), pairing_ref=pairing, mode="VISIT", minutes=minutes,
        topics=["选址"], next_steps="看铺面",
    )


def a_business(case: Case, **overrides: Any) -> str:
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(250), uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
        name="张三小吃店", first_time_founder=True, premises="RENTED",
    )
    return case.register_business(**{**fields, **overrides})


def a_jobs_report(case: Case, business: str, as_of: int, employees: int) -> None:
    case.report_jobs(
        occurred_on=days_ago(as_of), business_ref=business, employees_excl_founder=employees,
        insured_employees=1, priority_group_hires_12m=1, contracts_ge_1y=1,
        source="ROSTER", verified=True,
    )


def a_follow_up(case: Case, *, reached: bool) -> None:
    case.record_follow_up(
        occurred_on=days_ago(100), method="PHONE", reached=reached, summary="经营正常",
    )


def a_return_date_correction(case: Case) -> str:
    return case.correct_record(
        occurred_on=days_ago(1), target_version=1, field="returned_on",
        new_value=days_ago(390), reason="回乡日期登记错误",
    )


def as_supervisor(actor: str = "sup-1") -> Any:
    return recording_as(actor, "supervisor")


# ------------------------------------------------------------------ enrolment


def test_enrolment_derives_birth_date_and_sex_from_the_id_number() -> None:
    fields = enrolment(id_number=an_id_number(born=date(1988, 2, 29), sex="F"))

    case = Case.enrol(**fields)

    assert (case.birth_date, case.sex) == (date(1988, 2, 29), "F")
    assert event_names(case) == ["Enrolled"]


def test_an_enrolled_case_is_open_in_its_district_under_its_caseworker() -> None:
    fields = enrolment()

    case = Case.enrol(**fields)

    assert case.id == Case.create_id(fields["case_no"])
    assert (case.is_open, case.owning_district, case.caseworker_id) == (True, "370303", "cw-1")
    assert (case.returned_on, case.enrolled_on) == (fields["returned_on"], fields["occurred_on"])
    assert case.last_contact_on == fields["occurred_on"]


def test_a_mobile_number_with_country_code_spaces_and_hyphens_is_normalised() -> None:
    fields = enrolment(mobile="+86 138-1234-5678")

    case = Case.enrol(**fields)

    assert case.mobile == "13812345678"
    assert case.warnings == ()


def test_an_id_number_of_an_unknown_province_is_kept_with_a_warning() -> None:
    first17 = "990303" + "19900517" + "123"
    id_number = first17 + id_check_character(first17)

    case = Case.enrol(**enrolment(id_number=id_number))

    assert case.id_number == id_number
    assert case.warnings == ("id_number.unknown_province",)


def test_an_iot_mobile_number_is_kept_with_a_warning() -> None:
    fields = enrolment(mobile="148 1234 5678")

    case = Case.enrol(**fields)

    assert case.mobile == "14812345678"
    assert case.warnings == ("mobile.iot_prefix",)


def test_a_passport_holder_states_birth_date_and_sex() -> None:
    fields = enrolment(id_type="PASSPORT", id_number="e1234 5678",
                       birth_date=date(1985, 3, 1), sex="F")

    case = Case.enrol(**fields)

    assert (case.id_number, case.birth_date, case.sex) == ("E12345678", date(1985, 3, 1), "F")


# ----------------------------------------------------------------- assessment


def test_a_needs_assessment_records_the_stage_and_the_needs() -> None:
    case = an_enrolled_case()

    case.assess_needs(occurred_on=days_ago(379), stage="IDEA",
                      needs=["TRAINING", "MENTOR", "TRAINING"])

    assert (case.stage, case.needs) == ("IDEA", ("MENTOR", "TRAINING"))
    assert event_names(case) == ["NeedsAssessed"]


# ------------------------------------------------------------------- training


def test_enrolling_in_training_returns_a_ref_and_stores_the_rule_set_in_force() -> None:
    case = an_enrolled_case()

    ref = a_training(case)

    training_ = case.trainings[ref]
    assert (training_.course, training_.rule_set, training_.is_open) == ("SYB", "CN@4", True)
    assert event_names(case) == ["TrainingEnrolled"]


def test_an_unsubsidised_course_needs_no_class_approval_number() -> None:
    case = an_enrolled_case()

    ref = a_training(case, subsidised=False, class_approval_no=None)

    assert case.trainings[ref].subsidised is False
    assert case.trainings[ref].class_approval_no is None


def test_a_passed_training_records_hours_certificate_and_plan_grade() -> None:
    case = an_enrolled_case()
    ref = a_training(case)
    case.collect_events()

    a_pass(case, ref)

    training_ = case.trainings[ref]
    assert (training_.result, training_.hours_attended) == ("PASSED", 75)
    assert (training_.certificate_no, training_.business_plan_grade) == ("SYB-2025-0001", "PASS")
    assert (training_.ended_on, training_.is_open) == (days_ago(300), False)
    assert event_names(case) == ["TrainingCompleted"]


def test_a_failed_training_is_recorded_without_a_certificate() -> None:
    case = an_enrolled_case()
    ref = a_training(case)

    a_pass(case, ref, result="FAILED", hours_attended=40, certificate_no=None,
           business_plan_grade="FAIL")

    training_ = case.trainings[ref]
    assert (training_.result, training_.hours_attended) == ("FAILED", 40)
    assert training_.certificate_no is None


# ------------------------------------------------------------------ mentoring


def test_a_mentor_pairing_plans_ten_counted_sessions_a_year_by_default() -> None:
    case = an_enrolled_case()

    ref = a_pairing(case)

    pairing = case.pairings[ref]
    assert (pairing.planned_sessions_per_year, pairing.counted_session_minutes) == (10, 30)
    assert (pairing.rule_set, pairing.is_active) == ("CN@4", True)
    assert event_names(case) == ["MentorAssigned"]


def test_a_twenty_minute_session_is_a_session_but_does_not_count_toward_the_target() -> None:
    case = an_enrolled_case()
    ref = a_pairing(case)

    a_session(case, ref, minutes=20)

    assert (case.pairings[ref].sessions, case.pairings[ref].counted_sessions) == (1, 0)


def test_a_thirty_minute_session_counts_toward_the_target() -> None:
    case = an_enrolled_case()
    ref = a_pairing(case)
    case.collect_events()

    a_session(case, ref, minutes=30)

    assert (case.pairings[ref].sessions, case.pairings[ref].counted_sessions) == (1, 1)
    assert case.pairings[ref].last_session_on == days_ago(280)
    assert event_names(case) == ["MentoringSessionHeld"]


def test_releasing_a_mentor_ends_the_pairing() -> None:
    case = an_enrolled_case()
    ref = a_pairing(case)
    case.collect_events()

    case.release_mentor(occurred_on=days_ago(200), pairing_ref=ref, reason="COMPLETED")

    assert (case.pairings[ref].released_on, case.pairings[ref].release_reason) == (
        days_ago(200), "COMPLETED")
    assert event_names(case) == ["MentorReleased"]


# ------------------------------------------------------------------- business


def test_registering_a_business_records_its_licence() -> None:
    case = an_enrolled_case()
    uscc = a_uscc("92")

    ref = a_business(case, uscc=uscc.lower())

    business = case.businesses[ref]
    assert (business.uscc, business.entity_type, business.registered_on) == (
        uscc, "INDIVIDUAL_BUSINESS", days_ago(250))
    assert business.is_operating
    assert event_names(case) == ["BusinessRegistered"]


def test_an_online_merchant_in_an_incubator_keeps_shop_address_and_incubator() -> None:
    case = an_enrolled_case()

    ref = a_business(case, is_online_merchant=True, platform_shop_url="https://shop.example/1",
                     premises="INCUBATOR", incubator_id="inc-7")

    business = case.businesses[ref]
    assert business.platform_shop_url == "https://shop.example/1"
    assert (business.premises, business.incubator_id) == ("INCUBATOR", "inc-7")


def test_a_jobs_report_is_kept_on_its_business() -> None:
    case = an_enrolled_case()
    ref = a_business(case)
    case.collect_events()

    a_jobs_report(case, ref, as_of=200, employees=3)

    jobs = case.businesses[ref].jobs
    assert (jobs.as_of, jobs.employees_excl_founder, jobs.verified) == (days_ago(200), 3, True)
    assert event_names(case) == ["JobsReported"]


def test_an_older_jobs_report_does_not_replace_a_newer_one() -> None:
    case = an_enrolled_case()
    ref = a_business(case)
    a_jobs_report(case, ref, as_of=100, employees=5)

    a_jobs_report(case, ref, as_of=200, employees=3)

    assert case.businesses[ref].jobs.employees_excl_founder == 5


def test_closing_a_business_records_its_date_and_kind() -> None:
    case = an_enrolled_case()
    ref = a_business(case)
    case.collect_events()

    case.close_business(occurred_on=days_ago(50), business_ref=ref, kind="SUSPENDED",
                        reason="季节性歇业")

    assert (case.businesses[ref].closed_on, case.businesses[ref].closure_kind) == (
        days_ago(50), "SUSPENDED")
    assert event_names(case) == ["BusinessClosed"]


# ------------------------------------------------------------------ follow-up


def test_a_follow_up_that_reached_the_person_moves_the_last_contact_date() -> None:
    case = an_enrolled_case()

    a_follow_up(case, reached=True)

    assert case.last_contact_on == days_ago(100)
    assert event_names(case) == ["FollowUpRecorded"]


def test_a_follow_up_that_did_not_reach_the_person_leaves_the_last_contact_date() -> None:
    case = an_enrolled_case()

    a_follow_up(case, reached=False)

    assert case.last_contact_on == days_ago(380)
    assert event_names(case) == ["FollowUpRecorded"]


def test_delivering_a_service_counts_as_contact() -> None:
    case = an_enrolled_case()

    case.deliver_service(occurred_on=days_ago(90), service="POLICY_BRIEFING",
                         provider="区人社局", outcome="讲解担保贷款政策")

    assert case.last_contact_on == days_ago(90)
    assert event_names(case) == ["ServiceDelivered"]


# ---------------------------------------------------------------- corrections


def test_a_name_correction_applies_at_once() -> None:
    case = an_enrolled_case()

    ref = case.correct_record(occurred_on=days_ago(1), target_version=1, field="name",
                              new_value="张珊", reason="错别字")

    assert case.name == "张珊"
    assert (case.corrections[ref].status, case.corrections[ref].old_value) == ("APPLIED", "张三")
    assert event_names(case) == ["RecordCorrected"]


def test_a_return_date_correction_waits_for_a_supervisor() -> None:
    case = an_enrolled_case()

    ref = a_return_date_correction(case)

    assert (case.corrections[ref].status, case.corrections[ref].needs_approval) == (
        "PENDING", True)
    assert case.returned_on == days_ago(400)


def test_a_supervisors_approval_makes_a_pending_correction_take_effect() -> None:
    case = an_enrolled_case()
    ref = a_return_date_correction(case)
    case.collect_events()

    with as_supervisor():
        correction = case.approve_correction(occurred_on=days_ago(0), correction_ref=ref)

    assert (correction.status, correction.decided_by) == ("APPLIED", "sup-1")
    assert case.returned_on == days_ago(390)
    assert event_names(case) == ["CorrectionApproved"]


def test_a_rejected_correction_leaves_the_recorded_value() -> None:
    case = an_enrolled_case()
    ref = a_return_date_correction(case)
    case.collect_events()

    with as_supervisor():
        case.reject_correction(occurred_on=days_ago(0), correction_ref=ref, reason="有社保记录")

    assert (case.corrections[ref].status, case.corrections[ref].decided_by) == ("REJECTED", "sup-1")
    assert case.returned_on == days_ago(400)
    assert event_names(case) == ["CorrectionRejected"]


def test_an_approved_id_number_correction_also_corrects_birth_date_and_sex() -> None:
    case = an_enrolled_case()
    ref = case.correct_record(occurred_on=days_ago(1), target_version=1, field="id_number",
                              new_value=an_id_number(born=date(1991, 8, 2), sex="F"),
                              reason="号码抄错")

    with as_supervisor():
        case.approve_correction(occurred_on=days_ago(0), correction_ref=ref)

    assert (case.birth_date, case.sex) == (date(1991, 8, 2), "F")


def test_a_closed_case_can_still_be_corrected() -> None:
    case = an_enrolled_case()
    case.close(occurred_on=days_ago(10), reason="MOVED_AWAY")
    case.collect_events()

    case.correct_record(occurred_on=days_ago(1), target_version=1, field="name",
                        new_value="张珊", reason="错别字")

    assert case.name == "张珊"
    assert event_names(case) == ["RecordCorrected"]


def test_an_approved_passport_number_correction_takes_effect() -> None:
    case = an_enrolled_case(id_type="PASSPORT", id_number="E12345678",
                            birth_date=date(1985, 3, 1), sex="F")
    ref = case.correct_record(occurred_on=days_ago(1), target_version=1, field="id_number",
                              new_value="E87654321", reason="号码抄错")

    with as_supervisor():
        case.approve_correction(occurred_on=days_ago(0), correction_ref=ref)

    assert case.id_number == "E87654321"


# ---------------------------------------------------------- transfer, closure


def test_an_accepted_transfer_moves_the_case_to_the_new_district_and_caseworker() -> None:
    case = an_enrolled_case()
    case.request_transfer(occurred_on=days_ago(50), to_district="370302", reason="搬到淄川")

    case.accept_transfer(occurred_on=days_ago(45), to_caseworker_id="cw-9")

    assert (case.owning_district, case.caseworker_id, case.transfer) == ("370302", "cw-9", None)
    assert event_names(case) == ["TransferRequested", "CaseTransferred"]


def test_a_declined_transfer_leaves_the_case_where_it_was() -> None:
    case = an_enrolled_case()
    case.request_transfer(occurred_on=days_ago(50), to_district="370302", reason="搬到淄川")

    case.decline_transfer(occurred_on=days_ago(45), reason="户籍未迁")

    assert (case.owning_district, case.caseworker_id, case.transfer) == ("370303", "cw-1", None)
    assert event_names(case) == ["TransferRequested", "TransferDeclined"]


def test_reassigning_gives_the_case_to_another_caseworker() -> None:
    case = an_enrolled_case()

    case.reassign(occurred_on=days_ago(40), to_caseworker_id="cw-2", reason="调岗")

    assert (case.caseworker_id, case.owning_district) == ("cw-2", "370303")
    assert event_names(case) == ["CaseReassigned"]


def test_closing_a_case_first_releases_its_active_mentors() -> None:
    case = an_enrolled_case()
    case.release_mentor(occurred_on=days_ago(200), pairing_ref=a_pairing(case), reason="COMPLETED")
    active = a_pairing(case, mentor_id="m-2")
    case.collect_events()

    case.close(occurred_on=days_ago(10), reason="FOLLOW_UP_COMPLETE")

    assert event_names(case) == ["MentorReleased", "CaseClosed"]
    assert case.pairings[active].release_reason == "CASE_CLOSED"
    assert (case.is_open, case.closed_reason) == (False, "FOLLOW_UP_COMPLETE")


def test_a_case_closed_as_a_duplicate_names_the_original() -> None:
    case = an_enrolled_case()

    case.close(occurred_on=days_ago(10), reason="DUPLICATE", duplicate_of="t-000000000001")

    (closed,) = case.collect_events()
    assert (closed.reason, closed.duplicate_of) == ("DUPLICATE", "T-000000000001")
    assert case.closed_reason == "DUPLICATE"


def test_reopening_a_closed_case_opens_it_again() -> None:
    case = an_enrolled_case()
    case.close(occurred_on=days_ago(10), reason="OPTED_OUT")

    case.reopen(occurred_on=days_ago(5), reason="本人要求恢复")

    assert (case.is_open, case.closed_reason) == (True, None)
    assert event_names(case) == ["CaseClosed", "CaseReopened"]


# ---------------------------------------------------- replay and attribution


def a_case_with_a_long_history() -> Case:
    case = Case.enrol(**enrolment())
    case.assess_needs(occurred_on=days_ago(379), stage="PREPARING", needs=["TRAINING"])
    a_pass(case, a_training(case))
    a_session(case, a_pairing(case), minutes=45)
    a_jobs_report(case, a_business(case), as_of=200, employees=2)
    a_follow_up(case, reached=True)
    case.deliver_service(occurred_on=days_ago(90), service="PREMISES", provider="园区",
                         outcome="已入驻")
    case.correct_record(occurred_on=days_ago(60), target_version=1, field="name",
                        new_value="张珊", reason="错别字")
    pending = a_return_date_correction(case)
    with as_supervisor():
        case.approve_correction(occurred_on=days_ago(55), correction_ref=pending)
    case.request_transfer(occurred_on=days_ago(50), to_district="370302", reason="搬到淄川")
    case.accept_transfer(occurred_on=days_ago(45), to_caseworker_id="cw-9")
    case.reassign(occurred_on=days_ago(40), to_caseworker_id="cw-10", reason="调岗")
    case.close(occurred_on=days_ago(30), reason="MOVED_AWAY")
    case.reopen(occurred_on=days_ago(20), reason="又回来了")
    return case


def test_replaying_a_long_history_rebuilds_the_same_case() -> None:
    case = a_case_with_a_long_history()
    events = case.collect_events()

    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)

    assert len(events) == case.version == 19
    assert rebuilt == case
    assert rebuilt._pending_events == []


def test_every_event_carries_its_recorder_and_its_own_chain_value(caseworker: Recorder) -> None:
    case = Case.enrol(**enrolment())
    case.assess_needs(occurred_on=days_ago(379), stage="IDEA", needs=[])
    a_follow_up(case, reached=True)
    a_follow_up(case, reached=True)

    events = case.collect_events()

    assert {(e.actor, e.actor_role, e.request_id) for e in events} == {
        (caseworker.actor, "caseworker", "req-test")}
    assert all(re.fullmatch(r"[0-9a-f]{64}", e.chain) for e in events)
    assert len({e.chain for e in events}) == len(events)


def test_each_chain_value_hashes_the_event_and_the_chain_value_before_it() -> None:
    case = a_case_with_a_long_history()

    events = case.collect_events()

    previous = [GENESIS] + [e.chain for e in events[:-1]]
    assert [e.chain for e in events] == [
        chain_hash(p, get_topic(type(e)), e.originator_version, vars(e))
        for p, e in zip(previous, events, strict=True)
    ]
    assert case.chain_head == events[-1].chain


def test_an_event_recorded_by_a_supervisor_names_the_supervisor() -> None:
    case = an_enrolled_case()
    ref = a_return_date_correction(case)
    case.collect_events()

    with recording_as("sup-1", "supervisor", "req-approve"):
        case.approve_correction(occurred_on=days_ago(0), correction_ref=ref)

    (approved,) = case.collect_events()
    assert (approved.actor, approved.actor_role, approved.request_id) == (
        "sup-1", "supervisor", "req-approve")
