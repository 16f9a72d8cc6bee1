"""A mentor's capacity (the N of "1+N") is enforced race-free, on each store.

A pairing beyond the mentor's places is refused with the mentor named and
nothing saved; ending a pairing or closing the case frees its place; two
caseworkers who pair two cases with the last place at once cannot both
succeed; a mentor paired before places were kept is counted from the
registries view at its first new pairing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.cases import Cases, Saved
from application.errors import ConcurrentEditError
from domain.case import Case
from domain.errors import DomainError
from domain.mentor_places import MentorPlaces
from domain.recording import recording_as
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment
from tests.integration.test_store_contract import race
from tests.registries import SUPERVISOR, a_mentor

pytestmark = pytest.mark.usefixtures("caseworker")


def position(cases: Cases) -> int:
    return int(cases.recorder.max_notification_id() or 0)


def pair(cases: Cases, saved: Saved, mentor: str) -> Saved:
    return cases.assign_mentor(saved.case_id, saved.version, occurred_on=days_ago(300),
                               mentor_id=mentor)


def events_of(cases: Cases, saved: Saved) -> list[str]:
    return [type(e).__name__ for e in cases.events.get(saved.case_id)]


def test_a_pairing_beyond_the_mentors_places_is_refused_and_saves_nothing(
    cases: Cases,
) -> None:
    mentor = a_mentor(cases, capacity=2)
    for _ in range(2):
        pair(cases, cases.enrol_case(**enrolment()), mentor)
    third = cases.enrol_case(**enrolment())
    before = position(cases)

    with pytest.raises(DomainError) as refused:
        pair(cases, third, mentor)

    assert (refused.value.field, refused.value.code) == ("mentor_id", "mentor_full")
    assert refused.value.params["capacity"] == 2
    assert position(cases) == before
    assert events_of(cases, third) == ["Enrolled"]


def test_ending_a_pairing_or_closing_the_case_frees_the_place(cases: Cases) -> None:
    mentor = a_mentor(cases, capacity=1)
    first = pair(cases, cases.enrol_case(**enrolment()), mentor)
    cases.release_mentor(first.case_id, first.version, occurred_on=days_ago(200),
                         pairing_ref=first.ref, reason="COMPLETED")
    second = pair(cases, cases.enrol_case(**enrolment()), mentor)
    cases.close_case(second.case_id, second.version, occurred_on=days_ago(100),
                     reason="MOVED_AWAY")

    third = pair(cases, cases.enrol_case(**enrolment()), mentor)

    assert third.ref
    assert cases.mentor_places_taken(mentor) == (str(third.case_id),)
    places = list(cases.events.get(MentorPlaces.create_id(mentor)))
    assert [type(e).__name__ for e in places] == [
        "Counted", "PlaceTaken", "PlaceReleased", "PlaceTaken", "PlaceReleased", "PlaceTaken"]
    assert places[2].occurred_on == days_ago(200)


def test_a_mentor_whose_capacity_was_raised_takes_more_mentees(cases: Cases) -> None:
    mentor = a_mentor(cases, capacity=1)
    pair(cases, cases.enrol_case(**enrolment()), mentor)
    with recording_as(*SUPERVISOR):
        cases.change_entry(cases.find_entry("MENTOR", mentor).entry_id, 1, capacity=2)

    assert pair(cases, cases.enrol_case(**enrolment()), mentor).ref


def test_two_caseworkers_pairing_two_cases_with_the_last_place_at_once_one_wins(
    settings: Settings, cases: Cases,
) -> None:
    mentor = a_mentor(cases, capacity=2)
    pair(cases, cases.enrol_case(**enrolment()), mentor)
    racing = [cases.enrol_case(**enrolment()) for _ in range(2)]
    others = [bootstrap(settings) for _ in range(2)]
    for other in others:  # each has read the places before the race
        assert other.cases.mentor_places_taken(mentor) == cases.mentor_places_taken(mentor)

    try:
        results = race(2, lambda i: pair(others[i].cases, racing[i], mentor))
    finally:
        for other in others:
            other.close()

    won = [r for r in results if isinstance(r, Saved)]
    lost = [r for r in results if not isinstance(r, Saved)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], ConcurrentEditError) or (
        isinstance(lost[0], DomainError) and lost[0].code == "mentor_full"), lost
    paired = [saved for saved in racing if "MentorAssigned" in events_of(cases, saved)]
    assert [saved.case_id for saved in paired] == [won[0].case_id]
    assert len(cases.mentor_places_taken(mentor)) == 2


def test_a_mentor_paired_before_places_were_kept_is_counted_from_the_registries_view(
    services: Services,
) -> None:
    cases = services.cases
    mentor = a_mentor(cases, capacity=2)
    for _ in range(2):  # pairings saved as an earlier version saved them: no places
        case = cases.repository.get(cases.enrol_case(**enrolment()).case_id)
        assert isinstance(case, Case)
        case.assign_mentor(rules=cases.rules, occurred_on=days_ago(300), mentor_id=mentor,
                           mentor_level="CITY")
        cases.save(case)
    services.views.catch_up("registries")
    late = cases.enrol_case(**enrolment())

    with pytest.raises(DomainError) as refused:
        pair(cases, late, mentor)
    with recording_as(*SUPERVISOR):
        cases.change_entry(cases.find_entry("MENTOR", mentor).entry_id, 1, capacity=3)
    pair(cases, late, mentor)

    assert refused.value.code == "mentor_full"
    assert len(cases.mentor_places_taken(mentor)) == 3
    counted = next(iter(cases.events.get(MentorPlaces.create_id(mentor))))
    assert len(counted.holders) == 2
    assert counted.occurred_on - days_ago(0) < timedelta(days=1)
