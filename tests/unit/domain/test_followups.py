"""Follow-up work items (F1–F16) derived from a case's stream, with hand-computed due dates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.rulesets import load_rule_book, load_rule_sets
from domain.case import Case
from domain.followups import DueItem, ItemStatus, due_items
from domain.recording import recording_as
from domain.rules import RuleBook
from tests.builders import a_uscc, enrolment, training
from tests.fixtures.make_golden import golden_mapper

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()
CN_TEXT = (resources.files("application.rulesets") / "CN.toml").read_text("utf-8")
GOLDEN = Path(__file__).parents[2] / "fixtures" / "golden" / "events-v1.jsonl"
DONE, PENDING, CANCELLED = ItemStatus.DONE, ItemStatus.PENDING, ItemStatus.CANCELLED


# ------------------------------------------------------------------ builders
def a_case(on: date = date(2022, 3, 1)) -> Case:
    return Case.enrol(**enrolment(returned_on=date(2022, 2, 1), occurred_on=on))


def passed(case: Case, on: date = date(2022, 4, 1), result: str = "PASSED") -> str:
    ref = case.enrol_in_training(rules=RULES, **training(occurred_on=date(2022, 3, 7),
                                                         start_on=date(2022, 3, 7)))
    case.complete_training(
        rules=RULES, occurred_on=on, enrolment_ref=ref, result=result, hours_attended=75,
        certificate_no=f"SYB-{ref}" if result == "PASSED" else None,
        business_plan_grade="PASS" if result == "PASSED" else "FAIL")
    return ref


def follow_up(case: Case, on: date, reached: bool = True, status: str | None = None) -> None:
    case.record_follow_up(occurred_on=on, method="PHONE", reached=reached, summary="回访",
                          business_status=status)


def business(case: Case, on: date = date(2022, 6, 1), *, first_time: bool = True,
             firm: bool = False) -> str:
    return case.register_business(
        occurred_on=on, uscc=a_uscc("91" if firm else "92"), name="小吃店",
        entity_type="ENTERPRISE" if firm else "INDIVIDUAL_BUSINESS",
        first_time_founder=first_time, premises="RENTED")


def jobs(case: Case, biz: str, on: date, verified: bool = True) -> None:
    case.report_jobs(occurred_on=on, business_ref=biz, employees_excl_founder=5,
                     insured_employees=5, priority_group_hires_12m=2, contracts_ge_1y=5,
                     source="ROSTER", verified=verified)


def loan(case: Case, on: date = date(2022, 9, 15), *, kind: str = "INDIVIDUAL",
         term: int = 12) -> str:
    ref = case.apply_for_loan(rules=RULES, occurred_on=on - timedelta(days=14),
                              borrower_kind=kind, amount=10_000_000, term_months=term,
                              other_loans_declared=True)
    case.certify_loan_eligibility(rules=RULES, occurred_on=on - timedelta(days=10), loan_ref=ref,
                                  decision="APPROVED", group="RETURNING_MIGRANT_WORKER")
    case.grant_loan(rules=RULES, occurred_on=on, loan_ref=ref, contract_no=f"HT-{ref}",
                    bank="银行", guarantor="FUND", principal=10_000_000, term_months=term,
                    annual_rate_bp=400)
    return ref


def rent(case: Case, biz: str, period_to: date = date(2024, 6, 30)) -> str:
    ref = case.apply_for_subsidy(rules=RULES, occurred_on=date(2022, 7, 10), kind="RENT",
                                 amount=300_000, subject_ref=biz, period_from=date(2022, 7, 1),
                                 period_to=period_to)
    case.grant_subsidy(rules=RULES, occurred_on=date(2022, 8, 1), subsidy_ref=ref, amount=300_000)
    return ref


def items_of(case: Case, rules: RuleBook = RULES) -> list[DueItem]:
    return due_items(case.collect_events(), rules)


def rows(items: list[DueItem], *rule_ids: str) -> list[str]:
    """Each item as ``"F6#2 2022-12-01 PENDING"`` (rule, seq, due date, status)."""
    return [f"{i.rule_id}#{i.seq} {i.due_on} {i.status}" for i in items
            if not rule_ids or i.rule_id in rule_ids]


def one(items: list[DueItem], key: str) -> DueItem:
    (item,) = [i for i in items if i.key == key]
    return item


def version_of(events: list[Any], name: str) -> int:
    return next(e.originator_version for e in events if type(e).__name__ == name)


# ------------------------------------------------------------ a whole story
def a_scripted_case() -> Case:
    """Enrol, assess, pass SYB, mentor, register, borrow and repay (2022–2023)."""
    case = a_case()
    case.assess_needs(occurred_on=date(2022, 3, 4), stage="IDEA", needs=["TRAINING"])
    passed(case)
    pairing = case.assign_mentor(rules=RULES, occurred_on=date(2022, 4, 6), mentor_id="m-1",
                                 mentor_level="CITY")
    follow_up(case, date(2022, 5, 3))
    case.hold_mentoring_session(occurred_on=date(2022, 5, 10), pairing_ref=pairing, mode="VISIT",
                                minutes=45)
    business(case)
    ref = loan(case)
    follow_up(case, date(2022, 12, 10), status="OPERATING")
    case.record_loan_repaid(occurred_on=date(2023, 9, 8), loan_ref=ref)
    return case


def test_a_scripted_case_gives_the_hand_computed_items() -> None:
    assert rows(items_of(a_scripted_case())) == [
        "F1#1 2022-03-08 DONE", "F2#1 2022-05-01 DONE", "F5#1 2022-05-12 DONE",
        "F15#1 2022-05-30 DONE", "F15#2 2022-06-02 DONE", "F15#3 2022-06-05 DONE",
        "F5#2 2022-06-15 PENDING", "F15#4 2022-06-30 DONE", "F2#2 2022-07-01 DONE",
        "F4#1 2022-07-01 CANCELLED", "F15#5 2022-08-01 DONE", "F15#6 2022-08-08 DONE",
        "F6#1 2022-09-01 DONE", "F2#3 2022-10-01 PENDING", "F3#1 2022-10-01 DONE",
        "F6#2 2022-12-01 PENDING", "F8#1 2022-12-15 DONE", "F8#2 2023-03-10 CANCELLED",
        "F15#7 2023-03-10 PENDING", "F6#3 2023-06-01 PENDING", "F7#1 2023-06-01 PENDING",
        "F10#1 2023-08-16 DONE", "F11#1 2023-09-16 CANCELLED", "F6#4 2024-06-01 PENDING",
        "F6#5 2025-06-01 PENDING", "F16#1 2025-06-01 PENDING",
    ]


def test_an_item_names_its_trigger_rule_set_window_holder_and_closing_event() -> None:
    case = a_scripted_case()
    events = case.collect_events()

    assessment = one(due_items(events, RULES), "F1:-:1")

    assert (assessment.case_id, assessment.trigger_version, assessment.trigger_event) == (
        case.id, 1, "Enrolled")
    assert (assessment.rule_set, assessment.window_days) == ("CN@3", 7)
    assert (assessment.assignee, assessment.district) == ("cw-1", "370303")
    assert (assessment.closed_version, assessment.closed_on) == (2, date(2022, 3, 4))


# ------------------------------------------------------------------ F1–F3
def test_f1_an_assessment_on_the_enrolment_day_completes_the_needs_assessment() -> None:
    case = a_case()
    case.assess_needs(occurred_on=date(2022, 3, 1), stage="IDEA", needs=[])

    assert rows(items_of(case), "F1") == ["F1#1 2022-03-08 DONE"]


def test_f2_services_after_a_pass_satisfy_the_post_training_items_in_their_windows() -> None:
    case = a_case()
    ref = passed(case)
    follow_up(case, date(2022, 4, 20))  # before the first window opens
    follow_up(case, date(2022, 5, 3), reached=False)
    case.deliver_service(occurred_on=date(2022, 5, 4), service="PREMISES", provider="园区",
                         outcome="看场地")
    follow_up(case, date(2022, 7, 2))

    items = items_of(case)

    assert rows(items, "F2") == [
        "F2#1 2022-05-01 DONE", "F2#2 2022-07-01 DONE", "F2#3 2022-10-01 PENDING"]
    assert {i.subject_ref for i in items if i.rule_id == "F2"} == {ref}


def test_f2_to_f4_a_failed_training_creates_no_post_training_items() -> None:
    case = a_case()
    passed(case, result="FAILED")

    assert rows(items_of(case), "F2", "F3", "F4") == []


def test_f3_a_follow_up_recording_the_business_status_answers_the_start_check() -> None:
    case = a_case()
    passed(case)
    follow_up(case, date(2022, 9, 28), reached=False, status="PREPARING")

    assert rows(items_of(case), "F3") == ["F3#1 2022-10-01 DONE"]


def test_f3_a_registration_answers_the_start_check_and_cancels_f4_contacts() -> None:
    case = a_case()
    passed(case)
    business(case, date(2022, 5, 20))
    events = case.collect_events()

    items = due_items(events, RULES)

    assert rows(items, "F3", "F4") == ["F4#1 2022-07-01 CANCELLED", "F3#1 2022-10-01 DONE"]
    assert {i.closed_version for i in items if i.rule_id in ("F3", "F4")} == {
        version_of(events, "BusinessRegistered")}


def test_f3_and_f4_are_not_created_when_a_business_is_already_operating() -> None:
    case = a_case()
    business(case, date(2022, 3, 10))
    passed(case)

    assert rows(items_of(case), "F3", "F4") == []


# ----------------------------------------------------------------------- F4
def test_f4_contacts_are_quarterly_for_a_year_then_half_yearly_until_two_years() -> None:
    case = a_case()
    passed(case)
    for on in (date(2022, 7, 1), date(2022, 10, 1), date(2023, 1, 1), date(2023, 4, 1),
               date(2023, 10, 1), date(2024, 4, 1)):
        follow_up(case, on)

    assert rows(items_of(case), "F4") == [
        "F4#1 2022-07-01 DONE", "F4#2 2022-10-01 DONE", "F4#3 2023-01-01 DONE",
        "F4#4 2023-04-01 DONE", "F4#5 2023-10-01 DONE", "F4#6 2024-04-01 DONE"]


def test_f4_the_next_contact_is_due_an_interval_after_a_late_contact() -> None:
    case = a_case()
    passed(case)
    follow_up(case, date(2022, 8, 15))

    assert rows(items_of(case), "F4") == ["F4#1 2022-07-01 DONE", "F4#2 2022-11-15 PENDING"]


# ----------------------------------------------------------------------- F5
def test_f5_only_a_counted_session_satisfies_and_dates_the_next_one() -> None:
    case = a_case()
    pairing = case.assign_mentor(rules=RULES, occurred_on=date(2022, 4, 6), mentor_id="m-1",
                                 mentor_level="CITY")
    for on, minutes in ((date(2022, 5, 8), 20), (date(2022, 5, 9), 30)):
        case.hold_mentoring_session(occurred_on=on, pairing_ref=pairing, mode="PHONE",
                                    minutes=minutes)

    items = items_of(case)

    assert rows(items, "F5") == ["F5#1 2022-05-12 DONE", "F5#2 2022-06-14 PENDING"]
    assert {i.subject_ref for i in items if i.rule_id == "F5"} == {pairing}


def test_f5_releasing_the_mentor_cancels_the_pending_session() -> None:
    case = a_case()
    pairing = case.assign_mentor(rules=RULES, occurred_on=date(2022, 4, 6), mentor_id="m-1",
                                 mentor_level="CITY")
    case.release_mentor(occurred_on=date(2022, 4, 20), pairing_ref=pairing, reason="MENTOR_LEFT")

    item = one(items_of(case), f"F5:{pairing}:1")

    assert (item.status, item.closed_on) == (CANCELLED, date(2022, 4, 20))


# ------------------------------------------------------------------ F6, F7, F14
def test_f6_f7_f14_closing_a_business_cancels_its_visits_and_prompt_and_offers_services() -> None:
    case = a_case()
    biz = business(case)
    follow_up(case, date(2022, 8, 30))
    case.close_business(occurred_on=date(2023, 3, 1), business_ref=biz, kind="DEREGISTERED",
                        reason="经营不善")
    case.deliver_service(occurred_on=date(2023, 3, 6), service="RECRUITMENT", provider="人才市场",
                         outcome="推荐岗位")

    assert rows(items_of(case), "F6", "F7", "F14") == [
        "F6#1 2022-09-01 DONE", "F6#2 2022-12-01 CANCELLED", "F14#1 2023-03-31 DONE",
        "F6#3 2023-06-01 CANCELLED", "F7#1 2023-06-01 CANCELLED", "F6#4 2024-06-01 CANCELLED",
        "F6#5 2025-06-01 CANCELLED"]


def test_f6_a_follow_up_naming_its_item_satisfies_that_one() -> None:
    case = a_case()
    biz = business(case)
    case.record_follow_up(occurred_on=date(2022, 12, 1), method="VISIT", reached=True,
                          summary="半年回访", due_ref=f"F6:{biz}:2")

    assert rows(items_of(case), "F6")[:2] == ["F6#1 2022-09-01 PENDING", "F6#2 2022-12-01 DONE"]


def test_f7_the_start_up_subsidy_prompt_is_for_first_time_founders_and_expires() -> None:
    case = a_case()
    business(case, first_time=False)
    first = business(case, date(2022, 7, 1))

    (prompt,) = [i for i in items_of(case) if i.rule_id == "F7"]

    assert (prompt.subject_ref, prompt.due_on, prompt.expires_on) == (
        first, date(2023, 7, 1), date(2025, 7, 1))
    assert (prompt.state_on(date(2025, 7, 1)), prompt.state_on(date(2025, 7, 2))) == (
        "overdue", "expired")


def test_f7_applying_for_the_start_up_subsidy_answers_the_prompt() -> None:
    case = a_case()
    biz = business(case)
    case.apply_for_subsidy(rules=RULES, occurred_on=date(2023, 6, 10), kind="ONE_TIME_STARTUP",
                           amount=1_000_000, subject_ref=biz)

    assert rows(items_of(case), "F7") == ["F7#1 2023-06-01 DONE"]


# ----------------------------------------------------------------- F8–F12
def test_f8_a_post_loan_visit_dates_the_next_and_repayment_cancels_it() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    follow_up(case, date(2023, 1, 10))
    case.record_loan_repaid(occurred_on=date(2023, 2, 1), loan_ref=ref)

    assert rows(items_of(case), "F8") == ["F8#1 2022-12-15 DONE", "F8#2 2023-04-10 CANCELLED"]


def test_f9_a_small_micro_loan_needs_a_verified_jobs_report_each_anniversary() -> None:
    case = a_case()
    firm = business(case, firm=True)
    jobs(case, firm, date(2022, 8, 20))
    ref = loan(case, kind="SMALL_MICRO", term=24)
    jobs(case, firm, date(2023, 9, 12), verified=False)
    jobs(case, firm, date(2023, 10, 20))
    case.record_loan_repaid(occurred_on=date(2024, 9, 1), loan_ref=ref)

    assert rows(items_of(case), "F9") == ["F9#1 2023-09-15 DONE", "F9#2 2024-09-15 CANCELLED"]


def test_f9_an_individual_loan_needs_no_jobs_report() -> None:
    case = a_case()
    business(case)
    loan(case)

    assert rows(items_of(case), "F9") == []


def test_f10_f11_an_early_extension_moves_the_reminder_and_the_overdue_task() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    case.extend_loan(rules=RULES, occurred_on=date(2023, 3, 1), loan_ref=ref,
                     new_maturity_on=date(2024, 3, 15))

    assert rows(items_of(case), "F10", "F11") == [
        "F10#1 2024-02-14 PENDING", "F11#1 2024-03-16 PENDING"]


def test_f10_an_extension_in_the_reminder_window_satisfies_it_and_reminds_again() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    case.extend_loan(rules=RULES, occurred_on=date(2023, 8, 20), loan_ref=ref,
                     new_maturity_on=date(2024, 3, 15))

    assert rows(items_of(case), "F10", "F11") == [
        "F10#1 2023-08-16 DONE", "F10#2 2024-02-14 PENDING", "F11#1 2024-03-16 PENDING"]


def test_f11_f12_an_overdue_record_does_the_task_and_opens_the_compensation_claim() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    case.record_loan_overdue(occurred_on=date(2023, 9, 20), loan_ref=ref,
                             overdue_since=date(2023, 9, 16), amount_overdue=10_000_000)
    case.compensate_guarantee(rules=RULES, occurred_on=date(2023, 12, 20), loan_ref=ref,
                              paid=8_000_000)
    case.write_off_loan(occurred_on=date(2024, 1, 10), loan_ref=ref, amount=8_000_000)

    assert rows(items_of(case), "F8", "F10", "F11", "F12") == [
        "F8#1 2022-12-15 CANCELLED", "F10#1 2023-08-16 CANCELLED", "F11#1 2023-09-16 DONE",
        "F12#1 2023-12-15 DONE"]


def test_f8_f16_a_loan_recovered_in_full_ends_its_visits_and_holds_nothing_back() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    case.record_loan_overdue(occurred_on=date(2023, 9, 20), loan_ref=ref,
                             overdue_since=date(2023, 9, 16), amount_overdue=10_000_000)
    case.compensate_guarantee(rules=RULES, occurred_on=date(2023, 12, 20), loan_ref=ref,
                              paid=8_000_000)
    case.record_loan_recovery(occurred_on=date(2024, 2, 1), loan_ref=ref, amount=8_000_000)

    assert rows(items_of(case), "F8", "F16") == [
        "F8#1 2022-12-15 CANCELLED", "F16#1 2025-06-01 PENDING"]


def test_f12_a_repayment_before_the_claim_window_cancels_the_claim() -> None:
    case = a_case()
    business(case)
    ref = loan(case)
    case.record_loan_overdue(occurred_on=date(2023, 9, 20), loan_ref=ref,
                             overdue_since=date(2023, 9, 16), amount_overdue=10_000_000)
    case.record_loan_repaid(occurred_on=date(2023, 10, 1), loan_ref=ref)

    assert rows(items_of(case), "F12") == ["F12#1 2023-12-15 CANCELLED"]


# ----------------------------------------------------------------- F13–F16
def test_f13_a_rent_subsidy_is_re_verified_yearly_while_its_period_runs() -> None:
    case = a_case()
    biz = business(case)
    ref = rent(case, biz)
    jobs(case, biz, date(2023, 8, 3))

    items = items_of(case)

    assert rows(items, "F13") == ["F13#1 2023-08-01 DONE"]
    assert one(items, f"F13:{ref}:1").closed_on == date(2023, 8, 3)


def test_f13_a_subsidy_shorter_than_a_year_needs_no_re_verification() -> None:
    case = a_case()
    rent(case, business(case), period_to=date(2023, 6, 30))

    assert rows(items_of(case), "F13") == []


def test_f15_each_newer_contact_satisfies_the_stale_flag_and_opens_the_next() -> None:
    case = a_case()
    follow_up(case, date(2022, 4, 1), reached=False)
    case.deliver_service(occurred_on=date(2022, 5, 1), service="POLICY_BRIEFING", provider="局",
                         outcome="讲政策")

    assert rows(items_of(case), "F15") == ["F15#1 2022-05-30 DONE", "F15#2 2022-07-30 PENDING"]


def test_f16_the_close_suggestion_is_cancelled_while_a_loan_is_live() -> None:
    case = a_case()
    business(case)
    loan(case)
    events = case.collect_events()

    item = one(due_items(events, RULES), "F16:" + events[1].business_ref + ":1")

    assert (item.status, item.closed_version) == (CANCELLED, version_of(events, "LoanGranted"))


def test_f16_the_close_suggestion_waits_for_a_loan_repaid_after_its_date() -> None:
    case = a_case()
    business(case, date(2021, 3, 1))
    ref = loan(case, date(2022, 6, 1), term=24)
    case.record_loan_repaid(occurred_on=date(2024, 5, 20), loan_ref=ref)

    assert rows(items_of(case), "F16") == ["F16#1 2024-05-20 PENDING"]


def test_f16_closing_the_case_after_the_suggestion_date_satisfies_it() -> None:
    case = a_case()
    business(case)
    case.close(occurred_on=date(2025, 6, 5), reason="FOLLOW_UP_COMPLETE")

    assert rows(items_of(case), "F16") == ["F16#1 2025-06-01 DONE"]


# ------------------------------------------------- closing, reopening, transfer
def test_closing_the_case_cancels_every_pending_item_and_reopening_restarts_f15_only() -> None:
    case = a_case()
    passed(case)
    business(case, date(2022, 4, 10))
    case.close(occurred_on=date(2022, 4, 20), reason="MOVED_AWAY")
    case.reopen(occurred_on=date(2022, 6, 1), reason="回来了")
    events = case.collect_events()

    items = due_items(events, RULES)
    closed = version_of(events, "CaseClosed")

    assert [i.key for i in items if i.status == PENDING] == ["F15:-:4"]
    assert one(items, "F15:-:4").due_on == date(2022, 8, 30)
    assert {i.closed_version for i in items
            if i.status == CANCELLED and i.rule_id != "F4"} == {closed}
    assert not any(i.trigger_version > closed and i.rule_id != "F15" for i in items)


def test_a_transfer_and_a_reassignment_move_pending_items_but_not_closed_ones() -> None:
    case = a_case()
    case.assess_needs(occurred_on=date(2022, 3, 4), stage="IDEA", needs=[])
    case.request_transfer(occurred_on=date(2022, 4, 1), to_district="370302", reason="搬家")
    case.accept_transfer(occurred_on=date(2022, 4, 5), to_caseworker_id="cw-9")
    case.reassign(occurred_on=date(2022, 4, 6), to_caseworker_id="cw-10", reason="调岗")

    items = items_of(case)

    assert {(i.key, i.assignee, i.district) for i in items} == {
        ("F1:-:1", "cw-1", "370303"), ("F15:-:1", "cw-1", "370303"),
        ("F15:-:2", "cw-10", "370302")}


def test_a_trigger_after_a_transfer_uses_the_rule_set_of_the_new_district() -> None:
    local = ('jurisdiction = "370302"\n[[version]]\nversion = 1\neffective_from = 2020-01-01\n'
             'base = "CN@3"\n[version.values.followup]\nstale_contact_days = 30\n')
    national = load_rule_sets(CN_TEXT, "CN.toml")
    rules = RuleBook([*national, *load_rule_sets(local, "370302.toml",
                                                 {r.ref: r for r in national})])
    case = a_case()
    case.request_transfer(occurred_on=date(2022, 4, 1), to_district="370302", reason="搬家")
    case.accept_transfer(occurred_on=date(2022, 4, 5), to_caseworker_id="cw-9")
    follow_up(case, date(2022, 4, 10))

    stale = one(items_of(case, rules), "F15:-:2")

    assert (stale.rule_set, stale.due_on) == ("370302@1", date(2022, 5, 10))


# ------------------------------------------------------ rule set, determinism
def test_the_offsets_come_from_the_rule_set() -> None:
    text = CN_TEXT.replace("needs_assessment_days = 7", "needs_assessment_days = 14").replace(
        "post_training_service_months = [1, 3, 6]", "post_training_service_months = [2, 4]")
    rules = RuleBook(load_rule_sets(text, "CN.toml"))
    case = a_case()
    passed(case)

    assert rows(items_of(case, rules), "F1", "F2") == [
        "F1#1 2022-03-15 PENDING", "F2#1 2022-06-01 PENDING", "F2#2 2022-08-01 PENDING"]


def test_the_same_events_always_give_the_same_items() -> None:
    events = a_scripted_case().collect_events()
    mapper = golden_mapper()

    stored = [mapper.to_stored_event(e) for e in events]
    replayed = [mapper.to_domain_event(s) for s in reversed(stored)]

    assert due_items(events, RULES) == due_items(events, RULES)
    assert due_items(replayed, RULES) == due_items(list(events), RULES)


def test_an_approved_date_correction_moves_the_items_the_event_dated() -> None:
    case = a_case()
    ref = case.correct_record(occurred_on=date(2022, 3, 20), target_version=1,
                              field="occurred_on", new_value=date(2022, 3, 10),
                              reason="登记日期有误")
    with recording_as("sup-1", "supervisor"):
        case.approve_correction(occurred_on=date(2022, 3, 21), correction_ref=ref)

    assert rows(items_of(case), "F1") == ["F1#1 2022-03-17 PENDING"]


def test_a_stored_stream_of_an_earlier_version_loads() -> None:
    mapper = golden_mapper()
    records = [json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines()]
    events = [mapper.to_domain_event(StoredEvent(
        UUID(r["originator_id"]), r["originator_version"], r["topic"], r["state"].encode()))
        for r in records if r["topic"].startswith("domain.case:")]

    pending = [i for i in due_items(events, RULES) if i.status == PENDING]

    assert [(i.rule_id, i.trigger_event, i.due_on, i.assignee, i.district)
            for i in pending] == [
        ("F15", "CaseReopened", date(2025, 10, 30), "cw-370302-03", "370302")]


# ------------------------------------------------------------------ state_on
@pytest.mark.parametrize(("status", "day", "state"), [
    (PENDING, date(2023, 5, 31), "upcoming"),
    (PENDING, date(2023, 6, 1), "due"),
    (PENDING, date(2023, 6, 8), "due"),
    (PENDING, date(2023, 6, 9), "overdue"),
    (PENDING, date(2025, 6, 2), "expired"),
    (DONE, date(2023, 6, 9), "done"),
    (CANCELLED, date(2023, 5, 31), "cancelled"),
])
def test_state_on_a_day(status: ItemStatus, day: date, state: str) -> None:
    item = DueItem(
        case_id=UUID(int=1), rule_id="F7", rule_set="CN@4", trigger_version=8,
        trigger_event="BusinessRegistered", subject_ref="biz-1", seq=1, due_on=date(2023, 6, 1),
        window_days=7, assignee="cw-1", district="370303", status=PENDING, closed_version=None,
        closed_on=None, expires_on=date(2025, 6, 1))

    assert replace(item, status=status).state_on(day) == state
    assert item.key == "F7:biz-1:1"
