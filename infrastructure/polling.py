"""A polling subscription for SQLite, which has no LISTEN/NOTIFY.

``eventsourcing.sqlite`` cannot be subscribed to; this recorder wakes its
subscription on a timer, so that the library's projection runner works on
SQLite as it does on PostgreSQL.
"""

from __future__ import annotations

import time
from threading import Thread
from typing import Any

from eventsourcing.persistence import ListenNotifySubscription
from eventsourcing.sqlite import SQLiteApplicationRecorder

POLL_SECONDS = 0.2


class PollingSubscription(ListenNotifySubscription):  # type: ignore[type-arg]
    """Wakes the base class's pull loop every :data:`POLL_SECONDS`."""

    def __init__(self, recorder: Any, gt: int | None = None, topics: Any = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._poller = Thread(target=self._poll, daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._has_been_stopped:
            self._has_been_notified.set()
            time.sleep(POLL_SECONDS)

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._poller.join()


class PollingSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder with a polling ``subscribe()``."""

    def subscribe(self, gt: int | None = None, topics: Any = ()) -> PollingSubscription:
        return PollingSubscription(recorder=self, gt=gt, topics=topics)
