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
