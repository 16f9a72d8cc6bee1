"""Disclosures of personal data: who saw an ID number or phone in clear, and why.

Each reveal is its own small stream, apart from the case, so that reading a
case never changes the case's history, while the audit log still shows every
look at personal data beside the events.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.errors import InvalidValueError
from domain.recording import AuditedAggregate
from domain.values import text, today

REVEALABLE = ("id_number", "mobile")


class Disclosure(AuditedAggregate):
    """One reveal of one field of one case."""

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Revealed")
    def __init__(self, case_id: str, field: str, reason: str, occurred_on: date) -> None:
        self.case_id, self.field, self.reason = case_id, field, reason

    @classmethod
    def reveal(cls, case_id: UUID, field: str, reason: str) -> Disclosure:
        """Record that the current actor is shown ``field`` of the case, for ``reason``."""
        if field not in REVEALABLE:
            raise InvalidValueError("field", "not_revealable",
                                    f"only {', '.join(REVEALABLE)} can be revealed")
        return cls(case_id=str(case_id), field=field,
                   reason=text(reason, "reason", min_len=2, max_len=500), occurred_on=today())


#: What an export may reveal in clear: only these kinds hold personal data.
REVEALING_EXPORTS = ("cases", "events")


class ExportDisclosure(AuditedAggregate):
    """One export with personal data in clear: what, up to which log position, and why.

    ``Revealed`` is saved before the file is written, so an export that fails
    half-way is still on record; ``Delivered`` then names the rows and the
    file's SHA-256, which ``export … --at POSITION`` reproduces byte for byte.
    """

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Revealed")
    def __init__(self, kind: str, file_format: str, filters: str, position: int,
                 reason: str, occurred_on: date) -> None:
        self.kind, self.file_format, self.filters = kind, file_format, filters
        self.position, self.reason = position, reason
        self.rows: int | None = None
        self.sha256: str | None = None

    @classmethod
    def reveal(cls, kind: str, file_format: str, filters: str, position: int,
               reason: str) -> ExportDisclosure:
        """Record that the current actor exports ``kind`` in clear, for ``reason``."""
        if kind not in REVEALING_EXPORTS:
            raise InvalidValueError("kind", "not_revealable",
                                    f"only {', '.join(REVEALING_EXPORTS)} exports can reveal")
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidValueError("position", "bad_position", "must be a log position")
        return cls(kind=kind, file_format=text(file_format, "file_format", max_len=10),
                   filters=text(filters, "filters", max_len=500, min_len=0),
                   position=position, reason=text(reason, "reason", min_len=2, max_len=500),
                   occurred_on=today())

    def deliver(self, rows: int, sha256: str) -> None:
        """Record how many rows the file holds and its SHA-256."""
        if self.sha256 is not None:
            raise InvalidValueError("sha256", "delivered", "the export was delivered already")
        self._delivered(rows=rows, sha256=sha256, occurred_on=today())

    @event("Delivered")
    def _delivered(self, rows: int, sha256: str, occurred_on: date) -> None:
        self.rows, self.sha256 = rows, sha256
