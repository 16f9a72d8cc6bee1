"""Matching on each store: what is taken of an entry comes from the registries view, and a
match that no longer holds is refused with nothing saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.matching import Matching
from domain.errors import RuleViolationError
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.bootstrap import Services
from tests.builders import days_ago, enrolment, training
from tests.registries import a_class, a_mentor, a_provider


def a_case(services: Services, needs: list[str], **overrides: Any) -> Any:
    cases = services.cases
    with recording_as("cw-1", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(**overrides))
        return cases.assess_needs(saved.case_id, saved.version, occurred_on=days_ago(370),
                                  stage="PREPARING", needs=needs)


def matching(services: Services) -> Matching:
    services.views.catch_up("registries")
    return Matching(services.cases, services.views["registries"])


def keys(services: Services, case: Any) -> list[str]:
    return [m.key for m in matching(services).match_case(case.case_id).matches]


def test_a_mentor_whose_places_are_taken_is_not_matched_and_cannot_be_recorded(
    services: Services,
) -> None:
    cases = services.cases
    mentor = a_mentor(cases, capacity=1)
    seeker = a_case(services, ["MARKETING"])
    assert keys(services, seeker) == [mentor]
    other = a_case(services, ["MARKETING"])
    with recording_as("cw-1", Role.CASEWORKER):
        cases.assign_mentor(other.case_id, other.version, occurred_on=days_ago(300),
                            mentor_id=mentor, mentor_level="CITY")
    before = cases.recorder.max_notification_id()

    with pytest.raises(RuleViolationError) as refused, recording_as("cw-1", Role.CASEWORKER):
        matching(services).record_match(seeker.case_id, seeker.version, kind="MENTOR",
                                        key=mentor, outcome="推荐导师")

    assert keys(services, seeker) == []
    assert (refused.value.field, refused.value.code) == ("key", "not_matching")
    assert cases.recorder.max_notification_id() == before


def test_a_class_whose_seats_are_taken_is_not_matched(services: Services) -> None:
    cases = services.cases
    a_provider(cases)
    starts = today() + timedelta(days=20)
    number = a_class(cases, "淄人社培〔2099〕1号", start_on=starts,
                     end_on=starts + timedelta(days=10), seats=1)
    seeker = a_case(services, ["TRAINING"])
    assert number in keys(services, seeker)
    taker = a_case(services, ["TRAINING"])
    with recording_as("cw-1", Role.CASEWORKER):
        cases.enrol_in_training(taker.case_id, taker.version, **training(
            occurred_on=days_ago(1), start_on=starts, class_approval_no=number))

    assert number not in keys(services, seeker)


def test_a_recorded_match_is_on_the_case_and_shown_as_matched_before(services: Services
                                                                      ) -> None:
    mentor = a_mentor(services.cases)
    seeker = a_case(services, ["MARKETING"])

    with recording_as("cw-1", Role.CASEWORKER):
        saved = matching(services).record_match(seeker.case_id, seeker.version, kind="MENTOR",
                                                key=mentor, outcome="推荐导师")

    found = matching(services).match_case(seeker.case_id)
    assert found.version == saved.version == seeker.version + 1
    assert found.matches[0].reasons[-1].code == "matched_before"
    assert found.seeker.matched == {f"MENTOR:{mentor}": today()}
