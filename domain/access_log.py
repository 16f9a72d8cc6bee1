"""Looks at a case by anyone but its caseworker: who opened it, and when.

Like a reveal (``domain.reveals``), each look is its own small stream apart
from the case, so reading a case never changes the case's history, while the
audit log shows every look beside the events.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.recording import AuditedAggregate
from domain.values import today


class CaseLookup(AuditedAggregate):
    """One view of one case by someone other than its caseworker."""

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Viewed")
    def __init__(self, case_id: str, occurred_on: date) -> None:
        self.case_id = case_id

    @classmethod
    def view(cls, case_id: UUID) -> CaseLookup:
        """Record that the current actor opened the case."""
        return cls(case_id=str(case_id), occurred_on=today())
