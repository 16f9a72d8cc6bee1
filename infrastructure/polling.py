"""A polling subscription for SQLite, which has no LISTEN/NOTIFY.

``eventsourcing.sqlite`` cannot be subscribed to; this recorder wakes its
subscription when the database file changes, so that the library's projection
runner works on SQLite as it does on PostgreSQL.  A change is seen by reading
SQLite's ``PRAGMA data_version`` on a connection of the poller's own (it
changes whenever another connection, of any process, commits), which costs
far less than the subscription's query: so it is read every
:data:`CHANGE_SECONDS`, and the subscription pulls only on a change, or every
:data:`POLL_SECONDS` in any case (and always, for a database in memory).
"""

from __future__ import annotations

import sqlite3
import time
from threading import Thread
from typing import Any

from eventsourcing.persistence import ListenNotifySubscription
from eventsourcing.sqlite import SQLiteApplicationRecorder

POLL_SECONDS = 0.2
CHANGE_SECONDS = 0.02


class PollingSubscription(ListenNotifySubscription):  # type: ignore[type-arg]
    """Wakes the base class's pull loop when the database changes, or every :data:`POLL_SECONDS`."""

    def __init__(self, recorder: Any, gt: int | None = None, topics: Any = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._poller = Thread(target=self._poll, daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        changes, woken = self._changes(), 0.0
        try:
            while not self._has_been_stopped:
                now = time.monotonic()
                if changes is None or now - woken >= POLL_SECONDS or changes.seen_one():
                    self._has_been_notified.set()
                    woken = now
                time.sleep(POLL_SECONDS if changes is None else CHANGE_SECONDS)
        finally:
            if changes is not None:
                changes.close()

    def _changes(self) -> _DataVersion | None:
        """What tells when the database file changes (None for one in memory)."""
        pool = self._recorder.datastore.pool
        if pool.is_sqlite_memory_mode:
            return None
        try:
            return _DataVersion(sqlite3.connect(pool.db_name, uri=True, isolation_level=None))
        except sqlite3.Error:
            return None

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._poller.join()


class _DataVersion:
    """``PRAGMA data_version`` of one connection: it changes when any other connection commits."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.seen: int | None = None

    def seen_one(self) -> bool:
        """Whether another connection committed since the last look (True at the first)."""
        try:
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:  # busy, or the file went away: pull, and the pull says why
            return True
        found, self.seen = version != self.seen, version
        return found

    def close(self) -> None:
        self.conn.close()


class PollingSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder with a polling ``subscribe()``."""

    def subscribe(self, gt: int | None = None, topics: Any = ()) -> PollingSubscription:
        return PollingSubscription(recorder=self, gt=gt, topics=topics)
