"""The projection worker: one live runner per view, elected, watched and restarted.

Each view gets a thread that tries to take the view's lock.  Holding it, the
thread catches the view up in batches and then runs the library's projection
runner on a subscription (LISTEN/NOTIFY on PostgreSQL, polling on SQLite).
A watchdog restarts the runner when the log has events for the view but the
view's position has not moved for a while: a lost notification otherwise
stalls a subscription for ever.  A worker that cannot take a lock stands by
and takes over when the holder dies (its lock dies with it).  When the store
goes away (a restart, a failover), every thread waits and tries again: the
locks ended with their sessions, so the first worker back holds the views.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.exc as sa
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.projection import BaseProjectionRunner

from application.cases import Cases
from infrastructure.bootstrap import Services

log = logging.getLogger("homeward.worker")
#: The store's errors that mean it is gone for now (restarting, unreachable).
StoreUnavailable = (OperationalError, InterfaceError, sa.OperationalError, sa.InterfaceError)


@dataclass
class ViewWorker:
    """Keeps one view live while this process holds its lock."""

    services: Services
    name: str
    stop: threading.Event = field(default_factory=threading.Event)
    check_seconds: float = 2.0
    stall_checks: int = 3
    active: threading.Event = field(default_factory=threading.Event)
    restarts: int = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._hold_and_run()
                continue
            except StoreUnavailable as error:
                # The store went away (a restart, a failover, the network) and the
                # view's lock with its session: wait, then try to take it again.
                log.warning("view %s: store unavailable (%s); retrying", self.name,
                            type(error).__name__)
            except Exception:  # the thread must outlive any one failure
                log.exception("view %s: failed; retrying", self.name)
            self.stop.wait(self.check_seconds)

    def _hold_and_run(self) -> None:
        with self.services.views.lock(self.name, wait=False) as got:
            if not got:
                self.stop.wait(self.check_seconds)  # stand by
                return
            self.active.set()
            try:
                self._run_live()
            except StoreUnavailable as error:  # no trace: nothing is wrong with the code
                log.warning("view %s: runner lost the store (%s); restarting", self.name,
                            type(error).__name__)
                self.restarts += 1
            except Exception:  # a crash of the runner is reported and retried
                log.exception("view %s: runner failed; restarting", self.name)
                self.restarts += 1
            finally:
                self.active.clear()

    def _run_live(self) -> None:
        views, cases = self.services.views, self.services.cases
        views.catch_up(self.name)
        view = views[self.name]
        projection = views.projection(self.name, view)
        env = dict(self.services.settings.eventsourcing_env())
        # The process's own Cases created the tables; runners starting together would
        # otherwise race on CREATE … IF NOT EXISTS in PostgreSQL's catalogue.
        env["CREATE_TABLE"] = "n"
        if self.services.settings.is_postgres:
            # The runner's own application only LISTENs and reads notifications: two
            # connections, not a pool of five kept open per view (a worker holding
            # every view would otherwise take some 50 of the server's connections).
            env |= {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"}
        else:
            env["APPLICATION_RECORDER_TOPIC"] = (
                "infrastructure.polling:PollingSQLiteApplicationRecorder")
        with BaseProjectionRunner(projection=projection, application_class=Cases,
                                  tracking_recorder=view, topics=projection.topics,
                                  env=env) as runner:
            self._watch(runner, view, projection.topics, cases)

    def _watch(self, runner: Any, view: Any, topics: tuple[str, ...], cases: Cases) -> None:
        last, still = view.max_tracking_id(cases.name) or 0, 0
        while not self.stop.is_set():
            runner.run_forever(timeout=self.check_seconds)  # re-raises the runner's error
            position = view.max_tracking_id(cases.name) or 0
            pending = cases.recorder.select_notifications(
                start=position, limit=1, topics=topics, inclusive_of_start=False)
            still = still + 1 if pending and position == last else 0
            if still >= self.stall_checks:
                log.warning("view %s stalled at %s with events waiting; restarting",
                            self.name, position)
                self.restarts += 1
                return
            last = position


def run_workers(services: Services, names: list[str], stop: threading.Event) -> list[ViewWorker]:
    """Start a worker thread per view; they run until ``stop`` is set."""
    workers = [ViewWorker(services, name, stop) for name in names]
    for worker in workers:
        threading.Thread(target=worker.run, name=f"view-{worker.name}", daemon=True).start()
    return workers
