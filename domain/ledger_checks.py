"""A check of a ledger file as it runs: who started it, how far it got, what it found.

The import page checks a ledger in the background (a dry run: every row by
the domain's own rules, nothing saved) and shows its progress, then its
result, from this stream, so any web worker (on any host) can show it.  One
stream per kind of ledger, file (its SHA-256), sheet and reading (the account
that checks and the columns as mapped): while a check is under way, the same
check asked again waits for it.  A check that stopped telling its progress
(its worker was stopped) is stale and is run again on request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import StateConflictError
from domain.import_runs import MAX_ROWS_KEPT
from domain.recording import AuditedAggregate
from domain.values import text, today


class LedgerCheck(AuditedAggregate):
    """The checks of one reading of a ledger file: started, advanced, then checked,
    refused (the file cannot be read as that ledger) or failed."""

    RUNNING, CHECKED, REFUSED, FAILED = "RUNNING", "CHECKED", "REFUSED", "FAILED"

    @staticmethod
    def create_id(kind: str, sha256: str, sheet: str, reading: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/ledger-checks/{kind}/{sha256}/{sheet}/{reading}")

    @classmethod
    def register(cls, kind: str, sha256: str, sheet: str, reading: str) -> LedgerCheck:
        """The stream of the checks of a file read one way, none run yet."""
        return cls(kind=text(kind, "kind", max_len=20), sha256=text(sha256, "sha256", max_len=64),
                   sheet=sheet, reading=text(reading, "reading", max_len=64),
                   occurred_on=today())

    @event("Registered")
    def __init__(self, kind: str, sha256: str, sheet: str, reading: str,
                 occurred_on: date) -> None:
        self.kind, self.sha256, self.sheet, self.reading = kind, sha256, sheet, reading
        self.status: str | None = None
        self.file_name, self.started_by = "", ""
        self.done, self.total = 0, 0
        self.counts: dict[str, int] = {}
        self.rows: tuple[dict[str, Any], ...] = ()
        self.sheet_name, self.header_row = "", 0
        self.columns: tuple[tuple[str, str | None], ...] = ()
        self.reason = ""
        self.params: dict[str, Any] = {}

    def is_running(self, now: datetime, stale_after_seconds: int) -> bool:
        """Whether a check is under way and told its progress lately."""
        return self.status == self.RUNNING and \
            (now - self.modified_on).total_seconds() < stale_after_seconds

    def start(self, *, file_name: str, started_by: str, now: datetime,
              stale_after_seconds: int) -> None:
        """Start a check; refused while another is under way."""
        if self.is_running(now, stale_after_seconds):
            raise StateConflictError("file", "check_running", "this file is being checked already")
        self._start(occurred_on=today(), file_name=text(file_name, "file", max_len=255),
                    started_by=text(started_by, "user", max_len=64))

    @event("Started")
    def _start(self, occurred_on: date, file_name: str, started_by: str) -> None:
        self.status, self.file_name, self.started_by = self.RUNNING, file_name, started_by
        self.done, self.total, self.counts, self.rows = 0, 0, {}, ()
        self.sheet_name, self.header_row, self.columns = "", 0, ()
        self.reason, self.params = "", {}

    def advance(self, done: int, total: int) -> None:
        """Tell how many rows are checked."""
        self._advance(occurred_on=today(), done=max(int(done), 0), total=max(int(total), 0))

    @event("Advanced")
    def _advance(self, occurred_on: date, done: int, total: int) -> None:
        self.done, self.total = done, total

    def check(self, *, sheet_name: str, header_row: int,
              columns: Sequence[tuple[str, str | None]], counts: Mapping[str, int],
              rows: Sequence[Mapping[str, Any]]) -> None:
        """The check ended: the sheet and columns read, how many rows would become what,
        and the rows that would not be imported."""
        self._check(occurred_on=today(), sheet_name=sheet_name, header_row=int(header_row),
                    columns=[[str(t), f] for t, f in columns],
                    counts={k: int(v) for k, v in counts.items()},
                    rows=[dict(r) for r in rows[:MAX_ROWS_KEPT]])

    @event("Checked")
    def _check(self, occurred_on: date, sheet_name: str, header_row: int,
               columns: list[list[Any]], counts: dict[str, int],
               rows: list[dict[str, Any]]) -> None:
        self.status, self.sheet_name, self.header_row = self.CHECKED, sheet_name, header_row
        self.columns = tuple((c[0], c[1]) for c in columns)
        self.counts, self.rows = dict(counts), tuple(rows)
        self.done = self.total

    def refuse(self, code: str, params: Mapping[str, Any],
               columns: Sequence[tuple[str, str | None]]) -> None:
        """The file cannot be read as this ledger (the code says why; the columns found)."""
        self._refuse(occurred_on=today(), code=text(code, "code", max_len=40),
                     params=dict(params), columns=[[str(t), f] for t, f in columns])

    @event("Refused")
    def _refuse(self, occurred_on: date, code: str, params: dict[str, Any],
                columns: list[list[Any]]) -> None:
        self.status, self.reason, self.params = self.REFUSED, code, dict(params)
        self.columns = tuple((c[0], c[1]) for c in columns)

    def fail(self, reason: str) -> None:
        """The check stopped on an error."""
        self._fail(occurred_on=today(), reason=text(reason, "reason", max_len=500))

    @event("Failed")
    def _fail(self, occurred_on: date, reason: str) -> None:
        self.status, self.reason = self.FAILED, reason
