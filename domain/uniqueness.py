"""Values that must be unique across cases, claimed race-free.

A ``UniqueKey`` stream exists per unique value (an ID number's keyed hash, a
training certificate number).  Its id is derived from the value, so two
writers that claim the same value at once both try to write the same stream
version and the store lets only one of them commit: the claim is saved in
the same ``save()`` as the case event that needs it.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import DuplicateError
from domain.recording import AuditedAggregate
from domain.values import today


class UniqueKey(AuditedAggregate):
    """One unique value, the case that holds it, if any, and every case that ever did."""

    @staticmethod
    def create_id(kind: str, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/unique/{kind}/{key}")

    @event("Registered")
    def __init__(self, kind: str, key: str, holder: str | None, occurred_on: date) -> None:
        self.kind, self.key = kind, key
        self.holder = holder
        self.holders: tuple[str, ...] = () if holder is None else (holder,)

    @classmethod
    def register(cls, kind: str, key: str, holder: UUID | None = None) -> UniqueKey:
        """A new key, held from the start when ``holder`` is given."""
        return cls(kind=kind, key=key, holder=None if holder is None else str(holder),
                   occurred_on=today())

    def claim(self, holder: UUID, *, field: str) -> None:
        """Give the value to ``holder``; refused while another holder has it."""
        if self.holder is not None and self.holder != str(holder):
            raise DuplicateError(
                field, "duplicate", "is already held by another open case",
                holder=self.holder,
            )
        if self.holder is None:
            self._claim(occurred_on=today(), holder=str(holder))

    @event("Claimed")
    def _claim(self, occurred_on: date, holder: str) -> None:
        self.holder = holder
        if holder not in self.holders:
            self.holders = (*self.holders, holder)

    def release(self, holder: UUID) -> None:
        """Let the value go, if ``holder`` has it."""
        if self.holder == str(holder):
            self._release(occurred_on=today(), holder=str(holder))

    @event("Released")
    def _release(self, occurred_on: date, holder: str) -> None:
        self.holder = None
