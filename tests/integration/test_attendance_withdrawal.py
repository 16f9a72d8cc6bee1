"""Withdrawing a wrongly recorded attendance, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.cases import Cases
from application.projections.activities import ActivityQuery
from application.projections.audit_log import AuditQuery
from domain.errors import DomainError
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services
from tests.builders import days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


def plan(cases: Cases, **overrides: Any) -> UUID:
    fields: dict[str, Any] = dict(
        kind="SALON", title="创业沙龙", held_on=days_ago(20), place="张店区创业大厦",
        organiser="张店区就业服务中心", district="370303")
    return cases.plan_activity(**{**fields, **overrides}).activity_id


def events_of(cases: Cases, case_no: str) -> list[str]:
    return [type(e).__name__ for e in cases.events.get(cases.find_case_id(case_no))]


def test_a_withdrawn_attendance_leaves_the_case_the_activity_and_the_indicators(
    services: Services,
) -> None:
    cases, views = services.cases, services.views
    numbers = [cases.enrol_case(**enrolment(occurred_on=days_ago(60))).case_no
               for _ in range(3)]
    salon = plan(cases)
    cases.record_attendance(salon, numbers)
    wrong = numbers[1]

    with recording_as("sup.li", Role.SUPERVISOR, "req-withdraw"):
        cases.withdraw_attendance(salon, wrong, reason="误录：当天未到场")
    for name in ("activities", "indicators", "audit_log", "case_list"):
        views.catch_up(name)

    assert events_of(cases, wrong) == ["Enrolled", "ActivityAttended", "AttendanceWithdrawn"]
    assert cases.get_case_numbered(wrong).last_contact_on == days_ago(60)
    assert cases.get_case_numbered(numbers[0]).last_contact_on == days_ago(20)
    assert sorted(cases.get_activity(salon).attendees) == sorted([numbers[0], numbers[2]])
    (row,) = views["activities"].list_activities(ActivityQuery(kind="SALON"))
    assert row.attendees == 2
    month = days_ago(20)
    (total,) = views["indicators"].summarise("activity_attendances", date_from=month,
                                            date_to=month)
    assert total.total == 2
    audited = views["audit_log"].list_entries(AuditQuery(actor="sup.li")).rows
    assert sorted((r.event, r.request_id) for r in audited) == [
        ("AttendanceWithdrawn", "req-withdraw"), ("AttendanceWithdrawn", "req-withdraw")]
    on_activity = next(r for r in audited if r.subject)
    assert on_activity.detail == f"创业沙龙; {wrong} withdrawn: 误录：当天未到场"


def test_a_case_that_did_not_attend_cannot_be_withdrawn_and_nothing_is_saved(
    cases: Cases,
) -> None:
    came, absent = (cases.enrol_case(**enrolment()).case_no for _ in range(2))
    salon = plan(cases)
    cases.record_attendance(salon, [came])
    before = cases.recorder.max_notification_id()

    with pytest.raises(DomainError) as refused:
        cases.withdraw_attendance(salon, absent, reason="误录")
    with pytest.raises(DomainError) as no_reason:
        cases.withdraw_attendance(salon, came, reason=" ")

    assert (refused.value.field, refused.value.code) == ("case_no", "not_attended")
    assert no_reason.value.field == "reason"
    assert cases.recorder.max_notification_id() == before


def test_an_attendance_withdrawn_may_be_recorded_again_and_counts_again(
    services: Services,
) -> None:
    cases, views = services.cases, services.views
    number = cases.enrol_case(**enrolment()).case_no
    salon = plan(cases)
    cases.record_attendance(salon, [number])
    cases.withdraw_attendance(salon, number, reason="误录")

    again = cases.record_attendance(salon, [number])
    views.catch_up("indicators")

    assert [o.status for o in again.outcomes] == ["SAVED"]
    month = days_ago(20)
    (total,) = views["indicators"].summarise("activity_attendances", date_from=month,
                                            date_to=month)
    assert total.total == 1
