"""The projection worker: one live runner per view, elected, watched and restarted.

Each view gets a thread that tries to take the view's lock.  Holding it, the
thread catches the view up in batches and then runs the library's projection
runner on a subscription (LISTEN/NOTIFY on PostgreSQL, polling on SQLite).
A watchdog restarts the runner when the log has events for the view but the
view's position has not moved for a while: a lost notification otherwise
stalls a subscription for ever.  A worker that cannot take a lock stands by
and takes over when the holder dies (its lock dies with it).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.projection import BaseProjectionRunner

from application.cases import Cases
from infrastructure.bootstrap import Services

log = logging.getLogger("homeward.worker")


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
        views = self.services.views
        while not self.stop.is_set():
            with views.lock(self.name, wait=False) as got:
                if not got:
                    self.stop.wait(self.check_seconds)  # stand by
                    continue
                self.active.set()
                try:
                    self._run_live()
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
        if not self.services.settings.is_postgres:
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
