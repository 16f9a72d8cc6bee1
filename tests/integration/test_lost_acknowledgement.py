"""A save whose acknowledgement is lost is still answered as saved, on each store.

When the connection drops after the store committed a save but before it said
so, the recorder writes the same events again and meets them as a conflict.
``SavedTwice`` does exactly that against the real store: each save is written,
then written again, the second write raising the conflict the retry meets.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording

from application.cases import Cases
from application.errors import ConcurrentEditError
from domain.case import Case
from domain.errors import DuplicateError
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


class SavedTwice(Cases):
    """Writes every save twice, as the recorder's retry does after a lost acknowledgement."""

    name = Cases.name  # the same tables

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording]:
        super()._record(processing_event)
        return super()._record(processing_event)


@pytest.fixture
def retried(cases: Cases, settings: Settings) -> Any:
    app = SavedTwice(env=settings.eventsourcing_env(), identity_hasher=cases.identity_hasher)
    yield app
    app.close()


def versions(cases: Cases, stream_id: UUID) -> list[int]:
    return [e.originator_version for e in cases.recorder.select_events(stream_id)]


def test_an_enrolment_stored_before_its_acknowledgement_was_lost_is_enrolled(
    cases: Cases, retried: SavedTwice
) -> None:
    saved = retried.enrol_case(**enrolment(name="王五"))

    assert (saved.version, cases.get_case(saved.case_id).name) == (1, "王五")
    assert versions(cases, saved.case_id) == [1]
    head = cases.recorder.max_notification_id()
    assert saved.notification_id is not None and 0 < saved.notification_id <= head
    (stored,) = [n for n in cases.recorder.select_notifications(start=1, limit=100)
                 if n.originator_id == saved.case_id]
    assert stored.id == saved.notification_id


def test_a_command_stored_before_its_acknowledgement_was_lost_is_saved_once(
    cases: Cases, retried: SavedTwice
) -> None:
    case_id = cases.enrol_case(**enrolment()).case_id

    saved = retried.record_follow_up(case_id, 1, occurred_on=days_ago(1), method="PHONE",
                                     reached=True, summary="回访")

    assert saved.version == 2 and versions(cases, case_id) == [1, 2]
    assert cases.get_case(case_id).version == 2


def test_another_write_at_the_same_version_is_still_a_conflict(
    cases: Cases, retried: SavedTwice
) -> None:
    case_id = cases.enrol_case(**enrolment()).case_id
    theirs = cases.record_follow_up  # another clerk, saving first

    def change(case: Case, _: list[Any]) -> None:
        theirs(case_id, 1, occurred_on=days_ago(2), method="VISIT", reached=True, summary="走访")
        case.record_follow_up(occurred_on=days_ago(1), method="PHONE", reached=True,
                              summary="回访")

    with pytest.raises(ConcurrentEditError):
        retried._update(case_id, 1, change)
    assert versions(cases, case_id) == [1, 2]
    assert cases.get_case(case_id).last_contact_on == days_ago(2)


def test_the_same_case_number_enrolled_by_someone_else_is_still_refused(
    cases: Cases, retried: SavedTwice
) -> None:
    first = cases.enrol_case(**enrolment(name="甲"))

    with pytest.raises(DuplicateError) as refused:
        retried.enrol_case(**enrolment(name="乙", case_no=first.case_no))

    assert refused.value.field == "case_no"
    assert cases.get_case(first.case_id).name == "甲"


def test_a_save_of_events_someone_else_stored_differently_raises(
    cases: Cases
) -> None:
    case_id = cases.enrol_case(**enrolment()).case_id
    mine, theirs = cases._get(case_id), cases._get(case_id)
    mine.record_follow_up(occurred_on=days_ago(1), method="PHONE", reached=True, summary="我的")
    theirs.record_follow_up(occurred_on=days_ago(1), method="PHONE", reached=True,
                            summary="我的")  # same fields, recorded at another moment
    cases.save(theirs)

    with pytest.raises(IntegrityError):
        cases.save(mine)
