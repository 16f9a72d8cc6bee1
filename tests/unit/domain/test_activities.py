"""Group activities: planning, attendance on the activity and on the case, cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.rulesets import load_rule_book
from domain.activities import Activity, ActivityCancelledError, Outcome
from domain.case import Case
from domain.errors import CaseClosedError, InvalidValueError, StateConflictError
from domain.followups import due_items
from domain.indicators import indicator_facts
from domain.values import today
from tests.builders import days_ago, enrolment, training

pytestmark = pytest.mark.usefixtures("caseworker")


def a_salon(**overrides: Any) -> Activity:
    fields: dict[str, Any] = dict(
        kind="SALON", title="返乡创业沙龙", held_on=days_ago(10), place="张店区创业孵化基地",
        organiser="张店区就业服务中心", district="370303")
    return Activity.plan(**{**fields, **overrides})


def event_names(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def test_an_activity_is_planned_with_its_kind_date_place_organiser_and_district() -> None:
    activity = a_salon(title="  直播带货路演 ", kind="ROADSHOW")

    assert (activity.kind, activity.title, activity.district) == ("ROADSHOW", "直播带货路演",
                                                                  "370303")
    assert activity.status == "PLANNED"
    assert event_names(activity) == ["Planned"]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("kind", "PICNIC", "choice"),
    ("title", "", "required"),
    ("place", "x" * 201, "too_long"),
    ("district", "370300", "not_county"),
    ("held_on", "2025-01-01", "type"),
    ("held_on", today() + timedelta(days=800), "too_far_ahead"),
])
def test_a_bad_activity_field_is_refused_by_name(field: str, value: Any, code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        a_salon(**{field: value})

    assert (refused.value.field, refused.value.code) == (field, code)


def test_recorded_attendance_lists_every_case_and_what_became_of_it() -> None:
    activity = a_salon()

    activity.record_attendance([
        Outcome("A-001", "SAVED"), Outcome("A-002", "ALREADY"),
        Outcome("A-003", "REFUSED", "case", "case_closed", {}),
    ])

    assert activity.attendees == ("A-001", "A-002")
    assert activity.status == "HELD"
    (recording,) = activity.recordings
    assert [(o.case_no, o.status, o.code) for o in recording.outcomes] == [
        ("A-001", "SAVED", None), ("A-002", "ALREADY", None), ("A-003", "REFUSED", "case_closed")]
    assert recording.actor == "cw-1"


def test_attendance_is_refused_before_the_activity_takes_place() -> None:
    activity = a_salon(held_on=today() + timedelta(days=3))

    with pytest.raises(StateConflictError) as refused:
        activity.record_attendance([Outcome("A-001", "SAVED")])

    assert refused.value.code == "not_yet_held"


def test_a_cancelled_activity_takes_no_attendance_and_a_held_one_cannot_be_cancelled() -> None:
    cancelled, held = a_salon(), a_salon()
    cancelled.cancel(reason="场地临时征用")
    held.record_attendance([Outcome("A-001", "SAVED")])

    with pytest.raises(ActivityCancelledError):
        cancelled.record_attendance([Outcome("A-001", "SAVED")])
    with pytest.raises(StateConflictError) as refused:
        held.cancel(reason="太晚了")

    assert cancelled.status == "CANCELLED"
    assert refused.value.code == "activity_held"


@pytest.mark.parametrize(("named", "code"), [
    ([], "required"), ("A-001", "type"), ([1, 2], "type"), (["x" * 65], "too_long"),
    ([f"A-{i}" for i in range(1001)], "too_many_cases"),
])
def test_the_named_attendees_must_be_a_list_of_case_numbers(named: Any, code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        Activity.check_attendees(named)

    assert (refused.value.field, refused.value.code) == ("case_nos", code)


def test_attendees_are_named_once_each_in_the_order_given() -> None:
    assert Activity.check_attendees([" a-2 ", "A-1", "A-2", ""]) == ["A-2", "A-1"]


# ----------------------------------------------------------------------- the case
def a_case() -> Case:
    case = Case.enrol(**enrolment())
    case.collect_events()
    return case


def test_a_case_records_the_activity_it_attended_on_the_activity_date() -> None:
    case, salon = a_case(), a_salon()

    case.attend_activity(attendance=salon.attendance())

    (event,) = case.collect_events()
    assert type(event).__name__ == "ActivityAttended"
    assert (event.activity_id, event.kind, event.occurred_on, event.district) == (
        str(salon.id), "SALON", salon.held_on, "370303")
    assert case.last_contact_on == salon.held_on
    assert list(case.activities) == [str(salon.id)]


def test_a_case_records_one_activity_once_and_a_closed_case_none() -> None:
    case, closed, salon = a_case(), a_case(), a_salon()
    case.attend_activity(attendance=salon.attendance())
    closed.close(occurred_on=days_ago(5), reason="MOVED_AWAY")

    with pytest.raises(StateConflictError) as twice:
        case.attend_activity(attendance=salon.attendance())
    with pytest.raises(CaseClosedError):
        closed.attend_activity(attendance=salon.attendance())

    assert twice.value.code == "already_attended"


def test_an_activity_before_the_return_home_is_refused_on_the_case() -> None:
    case = a_case()  # returned home 400 days ago
    early = a_salon(held_on=days_ago(500))

    with pytest.raises(InvalidValueError) as refused:
        case.attend_activity(attendance=early.attendance())

    assert (refused.value.field, refused.value.code) == ("occurred_on", "before_return")


def test_replaying_the_events_gives_the_same_activity_and_case() -> None:
    activity, case = a_salon(), a_case()
    case.attend_activity(attendance=activity.attendance())
    activity.record_attendance([Outcome(case.case_no, "SAVED")])
    events = activity.collect_events()

    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed == activity
    assert replayed.attendees == (case.case_no,)


def test_an_activity_counts_as_one_of_the_three_services_after_a_course() -> None:
    rules = load_rule_book()
    case = Case.enrol(**enrolment())
    ref = case.enrol_in_training(rules=rules, **training())
    case.complete_training(rules=rules, occurred_on=days_ago(300), enrolment_ref=ref,
                           result="PASSED", hours_attended=76, certificate_no="C-1",
                           business_plan_grade="PASS")
    events = list(case.collect_events())
    first = next(i for i in due_items(events, rules) if i.rule_id == "F2")
    case.attend_activity(attendance=a_salon(held_on=first.due_on).attendance())

    items = [i for i in due_items(events + case.collect_events(), rules) if i.rule_id == "F2"]

    assert (items[0].status, items[0].closed_on) == ("DONE", first.due_on)


def test_a_withdrawn_attendance_no_longer_satisfies_the_follow_up_nor_counts_as_contact(
) -> None:
    rules = load_rule_book()
    case = Case.enrol(**enrolment())
    ref = case.enrol_in_training(rules=rules, **training())
    case.complete_training(rules=rules, occurred_on=days_ago(300), enrolment_ref=ref,
                           result="PASSED", hours_attended=76, certificate_no="C-1",
                           business_plan_grade="PASS")
    events = list(case.collect_events())
    first = next(i for i in due_items(events, rules) if i.rule_id == "F2")
    salon = a_salon(held_on=first.due_on)
    case.attend_activity(attendance=salon.attendance())
    case.withdraw_attendance(activity_id=str(salon.id), reason="误录")

    events += case.collect_events()
    items = [i for i in due_items(events, rules) if i.rule_id == "F2"]

    assert items[0].status != "DONE"
    assert [f for f in indicator_facts(events) if f.kpi.startswith("activit")] == []
    assert case.last_contact_on == days_ago(300)
    assert str(salon.id) not in case.activities


def test_activity_facts_count_activities_once_and_every_attendance_in_the_activity_district(
) -> None:
    salon = a_salon(district="370302", held_on=days_ago(3))
    cases = [Case.enrol(**enrolment()) for _ in range(2)]
    for case in cases:
        case.attend_activity(attendance=salon.attendance())

    facts = [f for case in cases for f in indicator_facts(list(case.collect_events()))
             if f.kpi.startswith("activit")]

    assert sorted((f.kpi, f.district, f.on) for f in facts) == [
        ("activities_held", "370302", salon.held_on)] * 2 + [
        ("activity_attendances", "370302", salon.held_on)] * 2
    assert {f.person for f in facts if f.kpi == "activities_held"} == {str(salon.id)}
