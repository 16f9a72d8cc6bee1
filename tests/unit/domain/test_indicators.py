"""Indicator facts (domain research §5) of scripted cases, and the yearly targets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from application.rulesets import load_rule_book
from domain.case import Case
from domain.errors import InvalidCodeError, InvalidValueError
from domain.indicators import Fact, indicator_facts
from domain.recording import Role, recording_as
from domain.targets import Targets
from tests.builders import a_uscc, enrolment, training

pytestmark = pytest.mark.usefixtures("caseworker")

RULES = load_rule_book()
_collected: dict[UUID, list[Any]] = {}


# ------------------------------------------------------------------ builders
def a_case(**overrides: Any) -> Case:
    return Case.enrol(**enrolment(returned_on=date(2022, 2, 1), occurred_on=date(2022, 3, 1),
                                  **overrides))


def complete(case: Case, on: date = date(2022, 4, 1), result: str = "PASSED",
             course: str = "SYB") -> int:
    """Enrol and complete a course; returns the completion's version."""
    ref = case.enrol_in_training(rules=RULES, **training(
        occurred_on=date(2022, 3, 7), start_on=date(2022, 3, 7), course=course))
    case.complete_training(
        rules=RULES, occurred_on=on, enrolment_ref=ref, result=result,
        hours_attended=75 if result == "PASSED" else 20,
        certificate_no=f"C-{ref}" if result == "PASSED" else None,
        business_plan_grade="NONE" if course != "SYB" else
        {"PASSED": "PASS", "FAILED": "FAIL"}.get(result, "NONE"))
    return case.version


def business(case: Case, on: date) -> str:
    return case.register_business(occurred_on=on, uscc=a_uscc("92"), name="小吃店",
                                  entity_type="INDIVIDUAL_BUSINESS", first_time_founder=True,
                                  premises="RENTED")


def jobs(case: Case, biz: str, on: date, staff: int, verified: bool = True) -> None:
    case.report_jobs(occurred_on=on, business_ref=biz, employees_excl_founder=staff,
                     insured_employees=0, priority_group_hires_12m=0, contracts_ge_1y=0,
                     source="ROSTER", verified=verified)


def loan(case: Case, on: date, term: int = 12) -> str:
    ref = case.apply_for_loan(rules=RULES, occurred_on=on - timedelta(days=14),
                              borrower_kind="INDIVIDUAL", amount=10_000_000, term_months=term,
                              other_loans_declared=True)
    case.certify_loan_eligibility(rules=RULES, occurred_on=on - timedelta(days=10),
                                  loan_ref=ref, decision="APPROVED",
                                  group="RETURNING_MIGRANT_WORKER")
    case.grant_loan(rules=RULES, occurred_on=on, loan_ref=ref, contract_no=f"HT-{ref}",
                    bank="银行", guarantor="FUND", principal=10_000_000, term_months=term,
                    annual_rate_bp=400)
    return ref


def events_of(case: Case) -> list[Any]:
    """Every event the case has recorded so far (collecting them does not lose them)."""
    events = _collected.setdefault(case.id, [])
    events.extend(case.collect_events())
    return events


def facts_of(case: Case, **options: Any) -> tuple[list[Fact], list[str]]:
    """The case's facts, and each as ``"kpi on value tag <source event>"``."""
    events = events_of(case)
    names = {e.originator_version: type(e).__name__ for e in events}
    facts = indicator_facts(events, **options)
    return facts, [f"{f.kpi} {f.on} {f.value} {f.course or f.loan_group or '-'} "
                   f"<{names[f.source_version]}>" for f in facts]


def rows(case: Case, *kpis: str, **options: Any) -> list[str]:
    _, described = facts_of(case, **options)
    return [r for r in described if not kpis or r.split()[0] in kpis]


# ------------------------------------------------------------ a whole story
def test_a_supported_start_gives_the_facts_of_every_indicator_it_touches() -> None:
    case = a_case()
    complete(case)
    biz = business(case, date(2022, 9, 15))
    jobs(case, biz, date(2022, 12, 1), 5)
    case.deliver_service(occurred_on=date(2022, 12, 5), service="RESOURCE_MATCHING",
                         provider="区人社局", outcome="对接冷链仓储")
    case.deliver_service(occurred_on=date(2022, 12, 6), service="PREMISES",
                         provider="孵化园", outcome="入驻")
    ref = loan(case, date(2023, 1, 10))
    jobs(case, biz, date(2023, 3, 1), 7)
    jobs(case, biz, date(2023, 6, 1), 9, verified=False)
    case.record_loan_repaid(occurred_on=date(2023, 12, 20), loan_ref=ref)

    facts, described = facts_of(case)

    assert described == [
        "training_completions 2022-04-01 1 SYB <TrainingCompleted>",
        "training_passed 2022-04-01 1 SYB <TrainingCompleted>",
        "trained_then_started 2022-04-01 1 SYB <BusinessRegistered>",
        "supported_start 2022-09-15 1 - <BusinessRegistered>",
        "business_anniversary 2023-09-15 1 - <BusinessRegistered>",
        "business_survived 2023-09-15 1 - <BusinessRegistered>",
        "resource_matching 2022-12-05 1 - <ServiceDelivered>",
        "loan_granted 2023-01-10 10000000 RETURNING_MIGRANT_WORKER <LoanGranted>",
        "loan_due 2024-01-10 10000000 RETURNING_MIGRANT_WORKER <LoanGranted>",
        "jobs 2023-03-01 7 - <JobsReported>",
        "loan_settled 2023-12-20 10000000 RETURNING_MIGRANT_WORKER <LoanRepaid>",
        "loan_repaid_on_time 2024-01-10 10000000 RETURNING_MIGRANT_WORKER <LoanRepaid>",
    ]
    assert {(f.district, f.returnee_type, f.sex, f.person) for f in facts} == {
        ("370303", "MIGRANT_WORKER", case.sex, str(case.id))}
    assert facts[0].month == "2022-04"


def test_a_correction_moves_a_training_pass_into_its_corrected_month_once_approved() -> None:
    case = a_case()
    completed = complete(case, on=date(2022, 4, 1))
    business(case, date(2022, 10, 1))  # within 6 months of 1 April, not of 30 March
    ref = case.correct_record(occurred_on=date(2022, 11, 1), target_version=completed,
                              field="occurred_on", new_value="2022-03-30",
                              reason="以结业证书日期为准")
    pending = rows(case, "training_passed", "trained_then_started")

    with recording_as("sup-1", Role.SUPERVISOR):
        case.approve_correction(occurred_on=date(2022, 11, 2), correction_ref=ref)
    facts, _ = facts_of(case)

    assert pending == ["training_passed 2022-04-01 1 SYB <TrainingCompleted>",
                       "trained_then_started 2022-04-01 1 SYB <BusinessRegistered>"]
    passed = [f for f in facts if f.kpi in ("training_completions", "training_passed")]
    assert [(f.month, f.on, f.source_version) for f in passed] == [
        ("2022-03", date(2022, 3, 30), completed)] * 2
    assert not [f for f in facts if f.kpi == "trained_then_started"]


def test_a_rejected_correction_leaves_the_pass_where_it_was() -> None:
    case = a_case()
    completed = complete(case, on=date(2022, 4, 1))
    ref = case.correct_record(occurred_on=date(2022, 11, 1), target_version=completed,
                              field="occurred_on", new_value="2022-03-30", reason="核对")

    with recording_as("sup-1", Role.SUPERVISOR):
        case.reject_correction(occurred_on=date(2022, 11, 2), correction_ref=ref,
                               reason="证书日期为4月1日")

    assert rows(case, "training_passed") == [
        "training_passed 2022-04-01 1 SYB <TrainingCompleted>"]


# ---------------------------------------------------------- the start window
@pytest.mark.parametrize(("registered_on", "months", "counted"), [
    (date(2022, 4, 1), 6, True),  # the day of the pass
    (date(2022, 10, 1), 6, True),  # the last day of the window
    (date(2022, 10, 2), 6, False),
    (date(2022, 10, 2), 12, True),
    (date(2022, 3, 20), 6, False),  # started before the pass: not a start after training
])
def test_a_pass_counts_as_a_start_only_when_the_business_follows_within_the_window(
    registered_on: date, months: int, counted: bool,
) -> None:
    case = a_case()
    complete(case, on=date(2022, 4, 1))
    business(case, registered_on)

    assert bool(rows(case, "trained_then_started", months=months)) is counted
    assert rows(case, "supported_start") == [
        f"supported_start {registered_on} 1 - <BusinessRegistered>"]


def test_two_passes_before_one_business_are_two_starts_of_one_person() -> None:
    case = a_case()
    complete(case, on=date(2022, 4, 1), course="GYB")
    complete(case, on=date(2022, 5, 1), course="SYB")
    business(case, date(2022, 6, 1))

    facts, _ = facts_of(case)

    started = [f for f in facts if f.kpi == "trained_then_started"]
    assert [(f.course, str(f.on)) for f in started] == [("GYB", "2022-04-01"),
                                                         ("SYB", "2022-05-01")]
    assert len({f.person for f in started}) == 1


# ------------------------------------------------------------- training results
def test_a_failure_counts_as_a_completion_and_a_withdrawal_counts_as_nothing() -> None:
    case = a_case()
    complete(case, result="FAILED", course="GYB")
    complete(case, result="WITHDRAWN", course="SYB")

    assert rows(case) == ["training_completions 2022-04-01 1 GYB <TrainingCompleted>",
                          "training_failed 2022-04-01 1 GYB <TrainingCompleted>"]


# ---------------------------------------------------------------- support
def test_a_business_without_any_support_is_no_supported_start_and_its_jobs_do_not_count(
) -> None:
    case = a_case()
    biz = business(case, date(2022, 6, 1))
    jobs(case, biz, date(2022, 9, 1), 4)
    case.deliver_service(occurred_on=date(2022, 9, 2), service="POLICY_BRIEFING",
                         provider="区人社局", outcome="讲解补贴政策")

    # Its survival counts all the same: every business a case records is followed.
    assert rows(case) == ["business_anniversary 2023-06-01 1 - <BusinessRegistered>",
                          "business_survived 2023-06-01 1 - <BusinessRegistered>"]


def test_mentoring_support_given_after_the_registration_still_makes_it_a_supported_start(
) -> None:
    case = a_case()
    biz = business(case, date(2022, 6, 1))
    jobs(case, biz, date(2022, 9, 1), 4)
    jobs(case, biz, date(2022, 8, 1), 2)  # reported later, but as of an earlier date
    case.assign_mentor(rules=RULES, occurred_on=date(2022, 10, 1), mentor_id="m-1",
                       mentor_level="CITY")

    assert rows(case, "supported_start", "jobs") == [
        "supported_start 2022-06-01 1 - <BusinessRegistered>",
        "jobs 2022-09-01 4 - <JobsReported>"]


# ------------------------------------------------------------------- loans
def test_an_extended_loan_falls_due_at_its_new_maturity_and_what_was_compensated_counts(
) -> None:
    case = a_case()
    business(case, date(2022, 3, 10))
    ref = loan(case, date(2022, 9, 15))
    case.extend_loan(rules=RULES, occurred_on=date(2023, 9, 1), loan_ref=ref,
                     new_maturity_on=date(2024, 3, 15))
    case.record_loan_overdue(occurred_on=date(2024, 3, 20), loan_ref=ref,
                             overdue_since=date(2024, 3, 16), amount_overdue=10_000_000)
    case.compensate_guarantee(rules=RULES, occurred_on=date(2024, 7, 1), loan_ref=ref,
                              paid=8_000_000)
    case.record_loan_recovery(occurred_on=date(2024, 8, 1), loan_ref=ref, amount=1_000_000)
    case.write_off_loan(occurred_on=date(2024, 9, 1), loan_ref=ref, amount=7_000_000)

    assert [r.rsplit(" ", 2)[0] + " " + r.rsplit(" ", 1)[1]
            for r in rows(case, "loan_granted", "loan_due", "loan_compensated", "loan_settled",
                          "loan_repaid_on_time")] == [
        "loan_granted 2022-09-15 10000000 <LoanGranted>",
        "loan_due 2024-03-15 10000000 <LoanExtended>",
        "loan_compensated 2024-07-01 8000000 <GuaranteeCompensated>",
        "loan_settled 2024-08-01 1000000 <LoanRecovered>",
        "loan_settled 2024-09-01 9000000 <LoanWrittenOff>",
    ]


# -------------------------------------------------------- 12-month survival
SURVIVAL = ("business_anniversary", "business_survived")


@pytest.mark.parametrize(("closed_on", "survived"), [
    (date(2023, 5, 31), False),  # closed before the anniversary
    (date(2023, 6, 1), False),  # closed on the anniversary: not operating at +12 months
    (date(2023, 6, 2), True),  # closed the day after: it operated its first year
])
def test_a_business_closed_on_or_before_its_anniversary_did_not_survive(
    closed_on: date, survived: bool,
) -> None:
    case = a_case()
    biz = business(case, date(2022, 6, 1))
    case.close_business(occurred_on=closed_on, business_ref=biz, kind="DEREGISTERED",
                        reason="经营不善")

    assert rows(case, *SURVIVAL) == [
        "business_anniversary 2023-06-01 1 - <BusinessRegistered>",
        *(["business_survived 2023-06-01 1 - <BusinessRegistered>"] if survived else [])]


def test_a_suspended_business_counts_as_closed_and_a_leap_day_reaches_12_months_on_28_february(
) -> None:
    case = Case.enrol(**enrolment(returned_on=date(2023, 12, 1), occurred_on=date(2024, 1, 10)))
    biz = business(case, date(2024, 2, 29))
    case.close_business(occurred_on=date(2024, 11, 1), business_ref=biz, kind="SUSPENDED",
                        reason="歇业")

    assert rows(case, *SURVIVAL) == ["business_anniversary 2025-02-28 1 - <BusinessRegistered>"]


def test_a_business_whose_case_closed_before_its_anniversary_counts_in_neither_figure() -> None:
    lost, followed, reopened = a_case(), a_case(), a_case()
    for case in (lost, followed, reopened):
        business(case, date(2022, 6, 1))
    lost.close(occurred_on=date(2023, 5, 31), reason="MOVED_AWAY")
    followed.close(occurred_on=date(2023, 6, 1), reason="MOVED_AWAY")  # on the anniversary
    reopened.close(occurred_on=date(2022, 12, 1), reason="OPTED_OUT")
    reopened.reopen(occurred_on=date(2023, 3, 1), reason="本人要求恢复")

    assert rows(lost, *SURVIVAL) == []
    assert rows(followed, *SURVIVAL) == rows(reopened, *SURVIVAL) == [
        "business_anniversary 2023-06-01 1 - <BusinessRegistered>",
        "business_survived 2023-06-01 1 - <BusinessRegistered>"]


def test_a_business_already_a_year_old_at_enrolment_is_not_counted_and_a_correction_moves_it(
) -> None:
    old, young = a_case(), a_case()  # both enrolled on 1 March 2022
    business(old, date(2021, 2, 28))
    registered = young.version + 1
    business(young, date(2021, 3, 1))  # its anniversary is the enrolment day: counted

    assert rows(old, *SURVIVAL) == []
    assert rows(young, *SURVIVAL)[0] == "business_anniversary 2022-03-01 1 - <BusinessRegistered>"

    ref = young.correct_record(occurred_on=date(2022, 4, 1), target_version=registered,
                               field="occurred_on", new_value="2021-06-15", reason="核对执照")
    assert rows(young, *SURVIVAL)[0].startswith("business_anniversary 2022-03-01")  # not approved
    with recording_as("sup-1", Role.SUPERVISOR):
        young.approve_correction(occurred_on=date(2022, 4, 2), correction_ref=ref)
    assert rows(young, *SURVIVAL)[0].startswith("business_anniversary 2022-06-15")


# --------------------------------------------------- district and person tags
def test_facts_keep_the_district_of_their_event_and_the_corrected_returnee_type() -> None:
    case = a_case()
    complete(case, on=date(2022, 4, 1))
    case.request_transfer(occurred_on=date(2022, 5, 1), to_district="370302", reason="户籍迁移")
    with recording_as("sup-370302", Role.SUPERVISOR):
        case.accept_transfer(occurred_on=date(2022, 5, 3), to_caseworker_id="cw-370302-01")
    business(case, date(2022, 6, 1))
    case.correct_record(occurred_on=date(2022, 7, 1), target_version=1, field="returnee_type",
                        new_value="VETERAN", reason="退役军人证")

    facts, _ = facts_of(case)

    assert [(f.kpi, f.district) for f in facts] == [
        ("training_completions", "370303"), ("training_passed", "370303"),
        ("trained_then_started", "370303"), ("supported_start", "370302"),
        ("business_anniversary", "370302"), ("business_survived", "370302")]
    assert {f.returnee_type for f in facts} == {"VETERAN"}


def test_an_empty_stream_has_no_facts() -> None:
    assert indicator_facts([]) == []


# ----------------------------------------------------------------- targets
def test_targets_of_a_district_and_year_live_in_one_stream_named_by_both() -> None:
    targets = Targets.register("370303", 2024)
    targets.set_target("training_completions", 15_000)
    targets.set_target("training_completions", 16_000)
    targets.set_target("loan_granted", 100_000_000_000)

    events = targets.collect_events()

    assert targets.id == uuid5(NAMESPACE_URL, "/homeward/targets/370303/2024")
    assert [type(e).__name__ for e in events] == ["Registered", "TargetSet", "TargetSet",
                                                  "TargetSet"]
    assert targets.values == {"training_completions": 16_000, "loan_granted": 100_000_000_000}
    assert Targets.register("370300", 2024).district == "370300"  # a city: its counties


@pytest.mark.parametrize(("district", "kpi", "value", "error", "field"), [
    ("370000", "jobs", 1, InvalidCodeError, "district"),  # a province
    ("999999", "jobs", 1, InvalidCodeError, "district"),
    ("370303", "happiness", 1, InvalidValueError, "kpi"),
    ("370303", "business_survived", 1, InvalidValueError, "kpi"),  # decided at report time
    ("370303", "jobs", -1, InvalidValueError, "value"),
    ("370303", "jobs", 1.5, InvalidValueError, "value"),
    ("370303", "jobs", True, InvalidValueError, "value"),
])
def test_a_target_names_a_county_or_city_a_known_indicator_and_a_whole_number(
    district: str, kpi: str, value: Any, error: type[Exception], field: str,
) -> None:
    with pytest.raises(error) as raised:
        Targets.register(district, 2024).set_target(kpi, value)

    assert getattr(raised.value, "field", None) == field
