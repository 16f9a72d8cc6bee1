"""SQLite's subscription (no LISTEN/NOTIFY) is woken by a commit of another connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import infrastructure.polling as polling
from application.cases import Cases
from infrastructure.bootstrap import Services
from tests.builders import enrolment
from tests.processes import wait_for

pytestmark = pytest.mark.usefixtures("caseworker")


def subscribed(services: Services, memory: bool = False) -> Cases:
    """A second Cases on the same store, whose recorder subscribes by polling."""
    env = dict(services.settings.eventsourcing_env())
    env["APPLICATION_RECORDER_TOPIC"] = "infrastructure.polling:PollingSQLiteApplicationRecorder"
    if memory:
        env["SQLITE_DBNAME"] = ":memory:"
    return Cases(env={**env, "CREATE_TABLE": "y" if memory else "n"})


def reading(subscription: Iterator[Any]) -> list[Any]:
    """What the subscription delivers, gathered by a thread until it is stopped."""
    got: list[Any] = []
    threading.Thread(target=lambda: got.extend(subscription), daemon=True).start()
    return got


def test_a_commit_elsewhere_wakes_the_subscription_before_its_timer(
        sqlite_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "POLL_SECONDS", 600.0)  # the timer alone would take minutes
    listening = subscribed(sqlite_services)
    try:
        head = listening.recorder.max_notification_id() or 0
        with listening.recorder.subscribe(gt=head) as subscription:
            got = reading(subscription)
            time.sleep(0.5)
            assert got == []  # nothing new: a wake-up delivers nothing
            enrolled = sqlite_services.cases.enrol_case(**enrolment())
            assert wait_for(lambda: got, 10, 0.01)
        assert enrolled.notification_id in [n.id for n in got]
        assert enrolled.case_id in {n.originator_id for n in got}
    finally:
        listening.close()


def test_a_store_in_memory_is_pulled_on_the_timer(sqlite_services: Services,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "POLL_SECONDS", 0.05)
    in_memory = subscribed(sqlite_services, memory=True)
    try:
        with in_memory.recorder.subscribe(gt=0) as subscription:
            got = reading(subscription)
            enrolled = in_memory.enrol_case(**enrolment())
            assert wait_for(lambda: got, 10, 0.01)
        assert enrolled.notification_id in [n.id for n in got]
    finally:
        in_memory.close()
