"""Exports of case data: who took which file, of what, as of which log position.

Every export is on record.  One with personal data in clear is an
``ExportDisclosure`` (``domain.reveals``), saved before its file is written.
Every other export, from the command line or a download of the supervisors'
dashboard, is an ``Export``, saved once its file is complete and before it is
handed over: it names the rows and the SHA-256 of the bytes delivered.  Like a
reveal, each is its own small stream apart from the cases, so an export never
changes what a later export of the same position holds.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.errors import InvalidValueError
from domain.recording import AuditedAggregate
from domain.values import text, today

#: Where an export is made: ``homeward export …``, or a download of the dashboard.
SOURCES = ("cli", "dashboard")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Export(AuditedAggregate):
    """One export with personal data masked or left out: what, from where, which file."""

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Delivered")
    def __init__(self, source: str, kind: str, file_format: str, filters: str, position: int,
                 rows: int, sha256: str, occurred_on: date) -> None:
        self.source, self.kind, self.file_format = source, kind, file_format
        self.filters, self.position, self.rows, self.sha256 = filters, position, rows, sha256

    @classmethod
    def deliver(cls, source: str, kind: str, file_format: str, filters: str, position: int,
                rows: int, sha256: str) -> Export:
        """Record that the current actor takes a file of ``kind`` as of ``position``."""
        if source not in SOURCES:
            raise InvalidValueError("source", "unknown", f"must be one of {', '.join(SOURCES)}")
        for name, number in (("position", position), ("rows", rows)):
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise InvalidValueError(name, "bad_number", "must be a whole number, 0 or more")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise InvalidValueError("sha256", "bad_digest", "must be a SHA-256 in hex")
        return cls(source=source, kind=text(kind, "kind", max_len=40),
                   file_format=text(file_format, "file_format", max_len=10),
                   filters=text(filters, "filters", max_len=500, min_len=0),
                   position=position, rows=rows, sha256=sha256, occurred_on=today())
