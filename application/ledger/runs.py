"""An import run in a background thread, its progress kept in the store for any worker.

The import page starts the run and answers at once; the thread imports the
file (the importer's batches, row keys and request ids, as ever) and, about
once a second, records how many rows are done on the run's ``ImportRun``
stream, then how the run ended: the counts and the rows not imported, with
why.  Every web worker reads that stream, so the progress page can be served
by any of them.  A worker stopped during a run leaves the run stale (no
progress for ``STALE_AFTER`` seconds): importing the file again finishes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.ledger.importer import LedgerImport, RowError, RowResult, Status
from application.ledger.kinds import Kind
from application.ledger.sheets import LedgerFile, LedgerFileError
from domain.errors import DomainError, StateConflictError
from domain.import_runs import ImportRun
from domain.recording import recording_as

if TYPE_CHECKING:
    from application.cases import Cases

#: Seconds without progress after which a run's worker is taken to have stopped.
STALE_AFTER = 90
#: Seconds between two progress events of a run.
EVERY = 1.0
ATTEMPTS = 3

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RunState:
    """An import run as the store knows it."""

    run_id: UUID
    status: str | None
    file_name: str
    started_by: str
    done: int
    total: int
    counts: Mapping[str, int]
    rows: tuple[RowResult, ...]
    reason: str
    updated_at: datetime
    stale: bool

    @property
    def running(self) -> bool:
        return self.status == ImportRun.RUNNING and not self.stale

    def count(self, status: Status) -> int:
        return int(self.counts.get(status.value, 0))

    @property
    def rows_read(self) -> int:
        return sum(self.counts.values())


def get_run(cases: Cases, kind: Kind, sha256: str, sheet: str | None) -> RunState | None:
    """The last run of importing this file's sheet as this kind, if any."""
    run = stored(cases, ImportRun, ImportRun.create_id(kind.name, sha256, sheet or ""))
    if run is None or run.status is None:
        return None
    now = datetime.now(UTC)
    return RunState(run.id, run.status, run.file_name, run.started_by, run.done, run.total,
                    dict(run.counts), tuple(_result(r) for r in run.rows), run.reason,
                    run.modified_on, not run.is_running(now, STALE_AFTER)
                    and run.status == ImportRun.RUNNING)


def start_import(cases: Cases, importer: LedgerImport, ledger: LedgerFile,
                 sheet: str | None) -> threading.Thread | None:
    """Import ``ledger`` in a background thread; None if a run of it is under way."""
    who = importer.who
    request_id = _request_id(ledger, sheet)
    run_id = ImportRun.create_id(importer.kind.name, ledger.sha256, sheet or "")
    run = stored(cases, ImportRun, run_id) \
        or _registered(importer.kind, ledger, sheet, who.username, who.role, request_id)
    with recording_as(who.username, who.role, request_id):
        try:
            run.start(file_name=ledger.name, total=0, started_by=who.username,
                      now=datetime.now(UTC),
                      stale_after_seconds=STALE_AFTER)
        except StateConflictError:
            return None
    try:
        cases.save(run)
    except IntegrityError:  # someone started it at this very moment
        return None
    thread = threading.Thread(target=_work, args=(cases, importer, ledger, sheet, run.id),
                              name=f"import-{ledger.sha256[:12]}", daemon=True)
    thread.start()
    return thread


def _work(cases: Cases, importer: LedgerImport, ledger: LedgerFile, sheet: str | None,
          run_id: UUID) -> None:
    told = {"at": time.monotonic()}

    def advance(done: int, total: int) -> None:
        if time.monotonic() - told["at"] < EVERY and done < total:
            return
        told["at"] = time.monotonic()
        _record(cases, run_id, importer, ledger, sheet, lambda run: run.advance(done, total))

    try:
        outcome = importer.run(ledger, sheet, dry_run=False, progress=advance)
    except Exception as error:  # the thread has no caller: the run says it failed
        reason = error.code if isinstance(error, LedgerFileError) else type(error).__name__
        if not isinstance(error, LedgerFileError):
            log.exception("import of %s failed", ledger.sha256)
        _record(cases, run_id, importer, ledger, sheet, lambda run: run.fail(reason))
        return
    counts = {s.value: outcome.count(s) for s in Status}
    kept = [_kept(r) for r in outcome.rows if r.status in (Status.REFUSED, Status.DUPLICATE)]
    _record(cases, run_id, importer, ledger, sheet, lambda run: run.finish(counts, kept))


def _record(cases: Cases, run_id: UUID, importer: LedgerImport, ledger: LedgerFile,
            sheet: str | None, change: Callable[[ImportRun], None]) -> None:
    record_change(cases, ImportRun, run_id, importer, _request_id(ledger, sheet), change)


def record_change(cases: Cases, kind: type[T], stream_id: UUID, importer: LedgerImport,
                  request_id: str, change: Callable[[T], None]) -> None:
    """Apply ``change`` to the ``kind`` stream in the importer's name and save it, trying
    again from the stored stream when another worker saved it meanwhile."""
    who = importer.who
    for _ in range(ATTEMPTS):
        found = stored(cases, kind, stream_id)
        if found is None:
            return
        with recording_as(who.username, who.role, request_id):
            change(found)
        try:
            cases.save(found)
        except IntegrityError:
            continue
        return


def _registered(kind: Kind, ledger: LedgerFile, sheet: str | None, username: str, role: Any,
                request_id: str) -> ImportRun:
    with recording_as(username, role, request_id):
        return ImportRun.register(kind.name, ledger.sha256, sheet or "")



def stored(cases: Cases, kind: type[T], stream_id: UUID) -> T | None:
    """The ``kind`` stream of this id, or None."""
    try:
        found = cases.repository.get(stream_id)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, kind) else None


def _request_id(ledger: LedgerFile, sheet: str | None) -> str:
    return f"import:{ledger.sha256[:32]}:run"


def _plain(value: Any) -> Any:
    return value if value is None or type(value) in (str, int, bool) else str(value)


def _kept(result: RowResult) -> dict[str, Any]:
    """A row not imported, as the run keeps it: what its note is made of."""
    return {"row": result.row, "status": result.status.value, "same_as_row": result.same_as_row,
            "case_no": result.case_no, "errors": [
                {"field": e.field, "column": e.column, "code": e.error.code,
                 "params": {k: _plain(v) for k, v in e.error.params.items()}}
                for e in result.errors]}


def _result(kept: Mapping[str, Any]) -> RowResult:
    errors = tuple(RowError(e["field"], e["column"], DomainError(
        e["field"], e["code"], e["code"], **e["params"])) for e in kept["errors"])
    return RowResult(kept["row"], Status(kept["status"]), errors, kept["same_as_row"],
                     kept["case_no"])
