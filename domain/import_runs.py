"""An import of a ledger file as it runs: who started it, how far it got, how it ended.

The import page runs an import in the background and shows its progress from
this stream, so any web worker (on any host) can show it.  One stream per
kind of ledger, file (its SHA-256) and sheet: while a run is under way,
another one of the same file waits for it.  A run that stopped telling its
progress (its worker was stopped) is stale; the file is then imported again,
which adds only the rows that are not in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import StateConflictError
from domain.recording import AuditedAggregate
from domain.values import text, today

#: Rows not imported that a finished run keeps (the report names them all).
MAX_ROWS_KEPT = 2000


class ImportRun(AuditedAggregate):
    """The runs of one import of a ledger file: started, advanced, finished or failed."""

    RUNNING, FINISHED, FAILED = "RUNNING", "FINISHED", "FAILED"

    @staticmethod
    def create_id(kind: str, sha256: str, sheet: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/import-runs/{kind}/{sha256}/{sheet}")

    @classmethod
    def register(cls, kind: str, sha256: str, sheet: str) -> ImportRun:
        """The stream of a file's imports, none run yet."""
        return cls(kind=text(kind, "kind", max_len=20), sha256=text(sha256, "sha256", max_len=64),
                   sheet=sheet, occurred_on=today())

    @event("Registered")
    def __init__(self, kind: str, sha256: str, sheet: str, occurred_on: date) -> None:
        self.kind, self.sha256, self.sheet = kind, sha256, sheet
        self.status: str | None = None
        self.file_name, self.started_by = "", ""
        self.done, self.total = 0, 0
        self.counts: dict[str, int] = {}
        self.rows: tuple[dict[str, Any], ...] = ()
        self.reason = ""

    def is_running(self, now: datetime, stale_after_seconds: int) -> bool:
        """Whether a run is under way and told its progress lately."""
        return self.status == self.RUNNING and \
            (now - self.modified_on).total_seconds() < stale_after_seconds

    def start(self, *, file_name: str, total: int, started_by: str, now: datetime,
              stale_after_seconds: int) -> None:
        """Start a run; refused while another is under way."""
        if self.is_running(now, stale_after_seconds):
            raise StateConflictError("file", "import_running",
                                     "this file is being imported already")
        self._start(occurred_on=today(), file_name=text(file_name, "file", max_len=255),
                    total=max(int(total), 0), started_by=text(started_by, "user", max_len=64))

    @event("Started")
    def _start(self, occurred_on: date, file_name: str, total: int, started_by: str) -> None:
        self.status, self.file_name, self.total, self.done = self.RUNNING, file_name, total, 0
        self.started_by = started_by
        self.counts, self.rows, self.reason = {}, (), ""

    def advance(self, done: int, total: int) -> None:
        """Tell how many rows are done."""
        self._advance(occurred_on=today(), done=max(int(done), 0), total=max(int(total), 0))

    @event("Advanced")
    def _advance(self, occurred_on: date, done: int, total: int) -> None:
        self.done, self.total = done, total

    def finish(self, counts: Mapping[str, int], rows: Sequence[Mapping[str, Any]]) -> None:
        """The run ended: how many rows became what, and the rows not imported."""
        self._finish(occurred_on=today(), counts={k: int(v) for k, v in counts.items()},
                     rows=[dict(r) for r in rows[:MAX_ROWS_KEPT]])

    @event("Finished")
    def _finish(self, occurred_on: date, counts: dict[str, int],
                rows: list[dict[str, Any]]) -> None:
        self.status, self.counts, self.rows = self.FINISHED, dict(counts), tuple(rows)
        self.done = self.total

    def fail(self, reason: str) -> None:
        """The run stopped on an error."""
        self._fail(occurred_on=today(), reason=text(reason, "reason", max_len=500))

    @event("Failed")
    def _fail(self, occurred_on: date, reason: str) -> None:
        self.status, self.reason = self.FAILED, reason
