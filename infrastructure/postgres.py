"""The event store on PostgreSQL, failing fast while the server is gone.

The library retries each call of its recorder ten times, and each try waits up
to the connect timeout for a connection from its pool.  With the server down
(restarting, failing over, full), a web request would hang for most of a
minute, and gunicorn kill its worker, instead of answering 503 at once.  Here a
call is tried twice: a lost connection is still replaced, and an outage is
reported within seconds (the web answers 503 with Retry-After; a projection
worker waits and tries again).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

ATTEMPTS = 2


def _tried_twice(method: Any) -> Any:
    return retry((InterfaceError, OperationalError), max_attempts=ATTEMPTS,
                 wait=0.2)(method.__wrapped__)


class PostgresRecorder(PostgresApplicationRecorder):
    """The library's application recorder, each call tried twice rather than ten times."""

    insert_events = _tried_twice(PostgresApplicationRecorder.insert_events)
    select_events = _tried_twice(PostgresApplicationRecorder.select_events)
    select_notifications = _tried_twice(PostgresApplicationRecorder.select_notifications)
    max_notification_id = _tried_twice(PostgresApplicationRecorder.max_notification_id)
