"""Exports of case data: who took which file, of what, as of which log position.

Every export is on record.  One with personal data in clear is an
``ExportDisclosure`` (``domain.reveals``), saved before its file is written.
Every other export, from the command line or a download of the supervisors'
dashboard, is an ``Export``, saved once its file is complete and before it is
handed over: it names the rows and the SHA-256 of the bytes delivered.  Like a
reveal, each is its own small stream apart from the cases, so an export never
changes what a later export of the same position holds.

Other files that leave the system are recorded the same way: a backup of the
whole store (``backup``: kind ``sqlite`` or ``postgresql``, the log position
it copied, its events, bytes and SHA-256), a signed digest of every stream's
head (``digest``) and the result report of a ledger check downloaded from the
import page (``import-report``: it holds the ledger's personal data).  Since
version 2 a record also names the file's size in bytes when it is known.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.errors import InvalidValueError
from domain.recording import AuditedAggregate
from domain.values import text, today

#: Where a file is made: ``homeward export …``, a download of the dashboard,
#: ``homeward backup``, ``homeward digest export``, a ledger check's report.
SOURCES = ("cli", "dashboard", "backup", "digest", "import-report")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Export(AuditedAggregate):
    """One export with personal data masked or left out: what, from where, which file."""

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    class Delivered(AuditedAggregate.Created):
        """A file delivered; version 2 adds its ``size`` in bytes (None: not recorded)."""

        class_version = 2
        source: str
        kind: str
        file_format: str
        filters: str
        position: int
        rows: int
        sha256: str
        size: int | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["size"] = None

    @event(Delivered)
    def __init__(self, source: str, kind: str, file_format: str, filters: str, position: int,
                 rows: int, sha256: str, size: int | None, occurred_on: date) -> None:
        self.source, self.kind, self.file_format = source, kind, file_format
        self.filters, self.position, self.rows, self.sha256 = filters, position, rows, sha256
        self.size = size

    @classmethod
    def deliver(cls, source: str, kind: str, file_format: str, filters: str, position: int,
                rows: int, sha256: str, size: int | None = None) -> Export:
        """Record that the current actor takes a file of ``kind`` as of ``position``
        (``rows``: its rows, or a backup's events, or a digest's streams)."""
        if source not in SOURCES:
            raise InvalidValueError("source", "unknown", f"must be one of {', '.join(SOURCES)}")
        for name, number in (("position", position), ("rows", rows), ("size", size)):
            if name == "size" and number is None:
                continue
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise InvalidValueError(name, "bad_number", "must be a whole number, 0 or more")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise InvalidValueError("sha256", "bad_digest", "must be a SHA-256 in hex")
        return cls(source=source, kind=text(kind, "kind", max_len=40),
                   file_format=text(file_format, "file_format", max_len=10),
                   filters=text(filters, "filters", max_len=500, min_len=0),
                   position=position, rows=rows, sha256=sha256, size=size,
                   occurred_on=today())
