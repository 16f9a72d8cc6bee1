"""A ledger's check (the dry run) in a background thread, kept in the store for any worker.

The import page starts the check and answers within seconds; the thread runs
the importer's dry run (every row by the domain's own rules, nothing saved)
and, about once a second, records how many rows are checked on the check's
``LedgerCheck`` stream, then what it found: the sheet, the columns as read,
the counts and the rows that would not be imported, with why (or why the file
cannot be read as that ledger).  Every web worker reads that stream, so the
progress page can be served by any of them.  A worker stopped during a check
leaves it stale (no progress for ``STALE_AFTER`` seconds): it is run again on
request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.ledger.columns import Header
from application.ledger.importer import LedgerImport, Outcome, RowResult, Status
from application.ledger.runs import (
    EVERY,
    STALE_AFTER,
    _kept,
    _plain,
    _result,
    record_change,
    stored,
)
from application.ledger.sheets import LedgerFile, LedgerFileError
from domain.errors import StateConflictError
from domain.ledger_checks import LedgerCheck
from domain.recording import recording_as

if TYPE_CHECKING:
    from application.cases import Cases

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckState:
    """A ledger's check as the store knows it."""

    check_id: UUID
    status: str | None
    file_name: str
    started_by: str
    done: int
    total: int
    counts: Mapping[str, int]
    rows: tuple[RowResult, ...]
    sheet: str
    header_row: int
    #: Each header of the file with the field it is read as (None: not imported).
    columns: tuple[tuple[str, str | None], ...]
    #: Why the check failed, or (refused) the code of why the file cannot be read.
    reason: str
    params: Mapping[str, Any]
    updated_at: datetime
    stale: bool

    @property
    def running(self) -> bool:
        return self.status == LedgerCheck.RUNNING and not self.stale

    @property
    def checked(self) -> bool:
        return self.status == LedgerCheck.CHECKED

    @property
    def refused(self) -> bool:
        return self.status == LedgerCheck.REFUSED

    @property
    def stopped(self) -> bool:
        """Its worker stopped, or it stopped on an error: it is to be run again."""
        return self.stale or self.status == LedgerCheck.FAILED

    def count(self, status: Status) -> int:
        return int(self.counts.get(status.value, 0))

    @property
    def rows_read(self) -> int:
        return sum(self.counts.values())

    @property
    def left_out(self) -> int:
        return self.count(Status.REFUSED) + self.count(Status.DUPLICATE)


def reading(importer: LedgerImport) -> str:
    """What besides the file decides a check: the account checking and the columns mapped."""
    given = json.dumps({"user": importer.who.username,
                        "mapping": sorted((k, v or "") for k, v in importer.mapping.items())},
                       ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(given.encode("utf-8")).hexdigest()[:32]


def get_check(cases: Cases, importer: LedgerImport, sha256: str,
              sheet: str | None) -> CheckState | None:
    """The last check of this file's sheet, read as ``importer`` reads it, if any."""
    found = stored(cases, LedgerCheck, check_id_of(importer, sha256, sheet))
    if found is None or found.status is None:
        return None
    now = datetime.now(UTC)
    return CheckState(
        found.id, found.status, found.file_name, found.started_by, found.done, found.total,
        dict(found.counts), tuple(_result(r) for r in found.rows), found.sheet_name,
        found.header_row, tuple(found.columns), found.reason, dict(found.params),
        found.modified_on, found.status == LedgerCheck.RUNNING
        and not found.is_running(now, STALE_AFTER))


def start_check(cases: Cases, importer: LedgerImport, ledger: LedgerFile,
                sheet: str | None, keep: Callable[[UUID, Outcome], None] | None = None,
                ) -> threading.Thread | None:
    """Check ``ledger`` in a background thread; None if the same check is under way.

    ``keep`` is given the check's id and every row's result before the check is
    recorded as done (the page keeps them for the report's copy of the file).
    """
    who = importer.who
    check_id = check_id_of(importer, ledger.sha256, sheet)
    with recording_as(who.username, who.role, _request_id(ledger)):
        check = stored(cases, LedgerCheck, check_id) or LedgerCheck.register(
            importer.kind.name, ledger.sha256, sheet or "", reading(importer))
        try:
            check.start(file_name=ledger.name, started_by=who.username, now=datetime.now(UTC),
                        stale_after_seconds=STALE_AFTER)
        except StateConflictError:
            return None
    try:
        cases.save(check)
    except IntegrityError:  # the same check was started at this very moment
        return None
    thread = threading.Thread(target=_work, args=(cases, importer, ledger, sheet, check.id, keep),
                              name=f"check-{ledger.sha256[:12]}", daemon=True)
    thread.start()
    return thread


def _work(cases: Cases, importer: LedgerImport, ledger: LedgerFile, sheet: str | None,
          check_id: UUID, keep: Callable[[UUID, Outcome], None] | None = None) -> None:
    told = {"at": time.monotonic()}

    def advance(done: int, total: int) -> None:
        if time.monotonic() - told["at"] < EVERY and done < total:
            return
        told["at"] = time.monotonic()
        _record(cases, check_id, importer, ledger, lambda check: check.advance(done, total))

    try:
        outcome = importer.run(ledger, sheet, dry_run=True, progress=advance)
        if keep is not None:
            keep(check_id, outcome)
    except LedgerFileError as refused:
        code, header = refused.code, refused.params.get("header")
        params = {k: [_plain(v) for v in value] if isinstance(value, list | tuple)
                  else _plain(value) for k, value in refused.params.items() if k != "header"}
        _record(cases, check_id, importer, ledger, lambda check: check.refuse(
            code, params, header_columns(header)))
        return
    except Exception as error:  # the thread has no caller: the check says it failed
        reason = type(error).__name__
        log.exception("check of %s failed", ledger.sha256)
        _record(cases, check_id, importer, ledger, lambda check: check.fail(reason))
        return
    counts = {s.value: outcome.count(s) for s in Status}
    kept = [_kept(r) for r in outcome.rows if r.status in (Status.REFUSED, Status.DUPLICATE)]
    _record(cases, check_id, importer, ledger, lambda check: check.check(
        sheet_name=outcome.sheet, header_row=outcome.header.last_row,
        columns=header_columns(outcome.header), counts=counts, rows=kept))


def header_columns(header: Header | None) -> list[tuple[str, str | None]]:
    """Each header of the file with the field it is read as (None: not imported)."""
    if not isinstance(header, Header):
        return []
    found: list[tuple[str, str | None]] = [
        (header.titles[c], header.fields[c]) for c in sorted(header.fields)]
    return found + [(title, None) for title in header.ignored]


def _record(cases: Cases, check_id: UUID, importer: LedgerImport, ledger: LedgerFile,
            change: Callable[[LedgerCheck], None]) -> None:
    record_change(cases, LedgerCheck, check_id, importer, _request_id(ledger), change)


def check_id_of(importer: LedgerImport, sha256: str, sheet: str | None) -> UUID:
    """The id of the check of this file's sheet, read as ``importer`` reads it."""
    return LedgerCheck.create_id(importer.kind.name, sha256, sheet or "", reading(importer))



def _request_id(ledger: LedgerFile) -> str:
    return f"import:{ledger.sha256[:32]}:check"
