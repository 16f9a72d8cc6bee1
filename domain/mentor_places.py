"""A mentor's places (the N of "1+N"), taken and freed race-free.

One ``MentorPlaces`` stream per mentor of the registry, its id derived from the
mentor's key.  Pairing a case with the mentor takes a place on it in the same
``save()`` as the case's ``MentorAssigned``; ending the pairing (or closing the
case) frees the place in the same ``save()`` as ``MentorReleased``.  Two
caseworkers who pair two cases with the last place at once both write the same
version of this stream, and the store lets only one of them commit.

A mentor paired before places were kept has no stream yet: the first pairing
starts it with the cases the registries view shows as the mentor's mentees
(``Counted``), then takes its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import RuleViolationError
from domain.recording import AuditedAggregate
from domain.values import today


class MentorPlaces(AuditedAggregate):
    """The cases that hold a place with one mentor now."""

    @staticmethod
    def create_id(mentor_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/mentor-places/{mentor_id}")

    @classmethod
    def count(cls, mentor_id: str, holders: Iterable[UUID | str]) -> MentorPlaces:
        """Start keeping a mentor's places with the cases paired with them now."""
        return cls(mentor_id=mentor_id, holders=sorted({str(h) for h in holders}),
                   occurred_on=today())

    @event("Counted")
    def __init__(self, mentor_id: str, holders: list[str], occurred_on: date) -> None:
        self.mentor_id = mentor_id
        self.holders: tuple[str, ...] = tuple(holders)

    def take(self, case_id: UUID, *, capacity: int, pairing_ref: str,
             occurred_on: date) -> None:
        """Give a place to the case; refused when all ``capacity`` places are taken."""
        if str(case_id) in self.holders:
            return
        if len(self.holders) >= capacity:
            raise RuleViolationError("mentor_id", "mentor_full",
                                     "the mentor has no place free", capacity=capacity,
                                     taken=len(self.holders))
        self._take(occurred_on=occurred_on, case_id=str(case_id), pairing_ref=pairing_ref)

    @event("PlaceTaken")
    def _take(self, occurred_on: date, case_id: str, pairing_ref: str) -> None:
        self.holders = (*self.holders, case_id)

    def release(self, case_id: UUID, *, pairing_ref: str, occurred_on: date) -> None:
        """Free the case's place, if it holds one."""
        if str(case_id) in self.holders:
            self._release(occurred_on=occurred_on, case_id=str(case_id),
                          pairing_ref=pairing_ref)

    @event("PlaceReleased")
    def _release(self, occurred_on: date, case_id: str, pairing_ref: str) -> None:
        self.holders = tuple(h for h in self.holders if h != case_id)
