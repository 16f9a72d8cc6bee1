"""Recording attendance of a group activity, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from application.activities import ActivityNotFoundError
from application.cases import Cases
from application.projections.activities import ActivityQuery
from domain.activities import ActivityCancelledError
from domain.case import Case
from domain.errors import InvalidValueError, StateConflictError
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment
from tests.integration.test_store_contract import race

pytestmark = pytest.mark.usefixtures("caseworker")


def plan(cases: Cases, **overrides: Any) -> UUID:
    fields: dict[str, Any] = dict(
        kind="VOLUNTEER_SERVICE", title="公益志愿服务日", held_on=days_ago(7),
        place="张店区人民公园", organiser="张店区就业服务中心", district="370303")
    return cases.plan_activity(**{**fields, **overrides}).activity_id


def enrol(cases: Cases, **overrides: Any) -> str:
    return cases.enrol_case(**enrolment(**overrides)).case_no


def events_of(cases: Cases, case_no: str) -> list[str]:
    return [type(e).__name__ for e in cases.events.get(cases.find_case_id(case_no))]


def outcomes(result: Any) -> list[tuple[str, str, str | None]]:
    return [(o.case_no, o.status, o.code) for o in result.outcomes]


def test_a_closed_case_among_the_attendees_is_named_and_the_others_are_saved(
    cases: Cases,
) -> None:
    first, closed, last = (enrol(cases) for _ in range(3))
    cases.close_case(cases.find_case_id(closed), 1, occurred_on=days_ago(10),
                     reason="MOVED_AWAY")
    activity_id = plan(cases)

    result = cases.record_attendance(activity_id, [first, closed, last])

    assert outcomes(result) == [(first, "SAVED", None), (closed, "REFUSED", "case_closed"),
                                (last, "SAVED", None)]
    assert events_of(cases, first) == events_of(cases, last) == ["Enrolled", "ActivityAttended"]
    assert events_of(cases, closed) == ["Enrolled", "CaseClosed"]
    activity = cases.get_activity(activity_id)
    assert (activity.status, activity.attendees) == ("HELD", (first, last))
    assert outcomes(activity.last_recording) == outcomes(result)
    attended = cases.get_case(cases.find_case_id(first)).activities
    assert [(a.activity_id, a.held_on) for a in attended] == [(str(activity_id), days_ago(7))]


def test_a_second_submission_records_nothing_twice(cases: Cases) -> None:
    first, second, third = (enrol(cases) for _ in range(3))
    activity_id = plan(cases)
    cases.record_attendance(activity_id, [first, second])

    again = cases.record_attendance(activity_id, [first, second, third])

    assert outcomes(again) == [(first, "ALREADY", None), (second, "ALREADY", None),
                               (third, "SAVED", None)]
    for number in (first, second, third):
        assert events_of(cases, number).count("ActivityAttended") == 1
    assert cases.get_activity(activity_id).attendees == (first, second, third)


def test_cases_outside_the_recorders_districts_are_refused_as_unknown_or_moved_away(
    cases: Cases,
) -> None:
    mine = enrol(cases)
    neighbours = enrol(cases, owning_district="370302", residence_division=None)
    moved = enrol(cases)
    moved_id = cases.find_case_id(moved)
    cases.request_transfer(moved_id, 1, occurred_on=days_ago(30), to_district="370302",
                           reason="迁居淄川")
    cases.accept_transfer(moved_id, 2, occurred_on=days_ago(29), to_caseworker_id="cw-9")
    activity_id = plan(cases)

    result = cases.record_attendance(
        activity_id, [mine, neighbours, moved, "T-999999999999", "not a number!"],
        may_record=lambda district: district == "370303")

    assert outcomes(result) == [
        (mine, "SAVED", None), (neighbours, "REFUSED", "not_in_reach"),
        (moved, "REFUSED", "transferred_out"), ("T-999999999999", "REFUSED", "not_in_reach"),
        ("NOT A NUMBER!", "REFUSED", "format")]
    assert events_of(cases, neighbours) == ["Enrolled"]


def test_a_case_enrolled_after_the_activity_keeps_its_history_and_says_why(
    cases: Cases,
) -> None:
    late = enrol(cases, returned_on=days_ago(5), occurred_on=days_ago(2))
    activity_id = plan(cases, held_on=days_ago(7))

    result = cases.record_attendance(activity_id, [late])

    (refusal,) = result.outcomes
    assert (refusal.status, refusal.field, refusal.code) == ("REFUSED", "occurred_on",
                                                             "before_return")
    assert refusal.params == {"returned_on": days_ago(5).isoformat()}


def test_a_cancelled_or_future_activity_takes_no_attendance_and_nothing_is_saved(
    cases: Cases,
) -> None:
    number = enrol(cases)
    cancelled, future = plan(cases), plan(cases, held_on=today() + timedelta(days=30))
    cases.cancel_activity(cancelled, 1, reason="暴雨预警")

    with pytest.raises(ActivityCancelledError):
        cases.record_attendance(cancelled, [number])
    with pytest.raises(StateConflictError) as early:
        cases.record_attendance(future, [number])

    assert early.value.code == "not_yet_held"
    assert events_of(cases, number) == ["Enrolled"]
    assert cases.get_activity(cancelled).status == "CANCELLED"


def test_cancelling_needs_the_version_loaded_and_an_activity_nobody_attended(
    cases: Cases,
) -> None:
    held = plan(cases)
    cases.record_attendance(held, [enrol(cases)])

    with pytest.raises(StateConflictError) as stale:
        cases.cancel_activity(held, 1, reason="改期")
    with pytest.raises(StateConflictError) as refused:
        cases.cancel_activity(held, 2, reason="改期")

    assert (stale.value.code, refused.value.code) == ("activity_changed", "activity_held")


def test_an_unknown_activity_and_an_empty_list_are_refused(cases: Cases) -> None:
    with pytest.raises(ActivityNotFoundError):
        cases.get_activity(UUID(int=7))
    with pytest.raises(ActivityNotFoundError):
        cases.get_activity(cases.find_case_id(enrol(cases)))  # a case is no activity
    with pytest.raises(InvalidValueError) as empty:
        cases.record_attendance(plan(cases), [])

    assert empty.value.field == "case_nos"


# ------------------------------------------------------------------ concurrency
class ColleagueFirst(Cases):
    """Between loading an attendee's case and saving, a colleague records on it once."""

    name = "cases"  # the same store as every other process

    def __init__(self, other: Cases, target: str, action: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.other, self.target, self.action, self.done = other, target, action, False

    def _attend(self, number: str, *args: Any) -> Any:
        found = super()._attend(number, *args)
        if number == self.target and not self.done:
            self.done = True
            case_id = self.other.find_case_id(number)
            with recording_as("cw-2", Role.CASEWORKER):
                if self.action == "close":
                    self.other.close_case(case_id, 1, occurred_on=days_ago(1),
                                          reason="OPTED_OUT")
                else:
                    self.other.record_follow_up(case_id, 1, occurred_on=days_ago(1),
                                                method="PHONE", reached=True, summary="在忙")
        return found


def racing(services: Services, target: str, action: str) -> ColleagueFirst:
    cases = services.cases
    return ColleagueFirst(cases, target, action, env=services.settings.eventsourcing_env(),
                          identity_hasher=cases.identity_hasher, rules=cases.rules)


@pytest.mark.parametrize("action", ["follow_up", "close"])
def test_an_attendee_case_changed_meanwhile_is_judged_again_on_its_new_state(
    services: Services, action: str,
) -> None:
    cases = services.cases
    first, busy, last = (enrol(cases) for _ in range(3))
    activity_id = plan(cases)
    mine = racing(services, busy, action)

    try:
        result = mine.record_attendance(activity_id, [first, busy, last])
    finally:
        mine.close()

    expected = ("SAVED", None) if action == "follow_up" else ("REFUSED", "case_closed")
    assert outcomes(result) == [(first, "SAVED", None), (busy, *expected),
                                (last, "SAVED", None)]
    colleague = "FollowUpRecorded" if action == "follow_up" else "CaseClosed"
    attended = ["ActivityAttended"] if action == "follow_up" else []
    assert events_of(cases, busy) == ["Enrolled", colleague, *attended]
    assert events_of(cases, first) == ["Enrolled", "ActivityAttended"]
    assert len(cases.get_activity(activity_id).recordings) == 1


def test_two_people_recording_one_activity_at_once_save_each_attendance_once(
    settings: Settings, cases: Cases,
) -> None:
    numbers = [enrol(cases) for _ in range(6)]
    activity_id = plan(cases)
    others = [bootstrap(settings) for _ in range(2)]

    try:
        results = race(2, lambda i: others[i].cases.record_attendance(
            activity_id, numbers[i * 2:i * 2 + 4]))
    finally:
        for other in others:
            other.close()

    assert not [r for r in results if isinstance(r, Exception)], results
    saved = Counter(o.case_no for r in results for o in r.outcomes if o.status == "SAVED")
    assert saved == Counter(numbers)
    for number in numbers:
        assert events_of(cases, number).count("ActivityAttended") == 1
    assert sorted(cases.get_activity(activity_id).attendees) == sorted(numbers)


# ------------------------------------------------------------------------ views
def test_the_activity_list_and_the_indicators_follow_the_recordings(
    services: Services,
) -> None:
    cases, views = services.cases, services.views
    salon = plan(cases, kind="SALON", title="创业沙龙", held_on=days_ago(20))
    plan(cases, kind="ROADSHOW", title="项目路演", held_on=days_ago(3), district="370302")
    cases.record_attendance(salon, [enrol(cases) for _ in range(3)])
    for name in ("activities", "indicators"):
        views.catch_up(name)

    listed = views["activities"].list_activities(ActivityQuery(district_prefix="370303"))
    salons = views["activities"].list_activities(ActivityQuery(
        kind="SALON", date_from=days_ago(21), date_to=days_ago(19)))
    later = views["activities"].list_activities(ActivityQuery(date_from=days_ago(10)))

    assert [(r.title, r.status, r.attendees) for r in listed] == [("创业沙龙", "HELD", 3)]
    assert [r.activity_id for r in salons] == [salon]
    assert [r.title for r in later] == ["项目路演"]
    indicators = views["indicators"]
    month = days_ago(20)
    rows = indicators.summarise("activity_attendances", date_from=month, date_to=month,
                                by=("district",))
    held = indicators.summarise("activities_held", date_from=month, date_to=month)
    assert [(r.district, r.total) for r in rows] == [("370303", 3)]
    assert [r.people for r in held] == [1]


def test_an_activity_replays_from_the_store_to_the_same_state(cases: Cases) -> None:
    activity_id = plan(cases)
    cases.record_attendance(activity_id, [enrol(cases), "T-000000000001"])

    events = cases.activity_events(activity_id)

    assert [type(e).__name__ for e in events] == ["Planned", "AttendanceRecorded"]
    assert not isinstance(cases.repository.get(activity_id), Case)
    assert cases.verify_case(activity_id) is None  # its hash chain holds
