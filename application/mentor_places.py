"""A mentor's places, taken and freed in the same save as the case's pairing events.

``Cases.assign_mentor`` takes a place on the mentor's ``MentorPlaces`` stream
(refused beyond the registry's capacity, the N of "1+N"); ``release_mentor``
and ``close_case`` free the places of the pairings they end.  Both are claims
saved with the case's events, so two pairings that race for the last place
cannot both commit (``domain.mentor_places``).

A mentor who has no places stream yet (paired before places were kept) gets
one at its first pairing, counted from ``Cases.current_mentees``: the cases
the registries view shows paired with the mentor now, which bootstrap wires
in.  Without it (a bare ``Cases``, as in unit tests), a mentor starts with
every place free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.projections.registries import RegistriesView
from application.staging import current_staging
from domain.case import Case
from domain.mentor_places import MentorPlaces
from domain.registry_fields import RegistryKind

if TYPE_CHECKING:
    from application.cases import Cases

#: The cases paired with a mentor now, by the mentor's key (see the module's docstring).
CurrentMentees = Callable[[str], list[UUID]]


class MentorPlaceCommands:
    """The place-keeping part of ``Cases``."""

    current_mentees: CurrentMentees | None = None

    def take_mentor_place(self: Cases, case: Case, pairing_ref: str) -> MentorPlaces:
        """The mentor's places with one taken by the case's new pairing (capacity as the
        registry says now); refused when every place is taken."""
        pairing = case.pairings[pairing_ref]
        mentor = self._chosen(RegistryKind.MENTOR, pairing.mentor_id, "mentor_id")
        places = self._mentor_places(pairing.mentor_id)
        places.take(case.id, capacity=int(mentor.values.get("capacity") or 0),
                    pairing_ref=pairing_ref, occurred_on=pairing.assigned_on)
        return places

    def free_mentor_places(self: Cases, case: Case, active_before: set[str]
                           ) -> list[MentorPlaces]:
        """The places freed by the pairings that were active before and are not now."""
        freed = []
        for ref in sorted(active_before):
            pairing = case.pairings[ref]
            if pairing.released_on is None:
                continue
            places = self._mentor_places(pairing.mentor_id)
            places.release(case.id, pairing_ref=ref, occurred_on=pairing.released_on)
            if places.pending_events:
                freed.append(places)
        return freed

    def mentor_places_taken(self: Cases, mentor_id: str) -> tuple[str, ...]:
        """The cases holding a place with the mentor now (as the places stream says)."""
        return self._mentor_places(mentor_id).holders

    # ------------------------------------------------------------------ internals
    def _mentor_places(self: Cases, mentor_id: str) -> MentorPlaces:
        held = current_staging()
        if held is not None:
            places: MentorPlaces = held.held(MentorPlaces.create_id(mentor_id),
                                             lambda: self._stored_places(mentor_id))
            return places
        return self._stored_places(mentor_id)

    def _stored_places(self: Cases, mentor_id: str) -> MentorPlaces:
        try:
            found = self.repository.get(MentorPlaces.create_id(mentor_id))
        except AggregateNotFoundError:
            counted = self.current_mentees(mentor_id) if self.current_mentees else []
            return MentorPlaces.count(mentor_id, counted)
        assert isinstance(found, MentorPlaces)
        return found


def mentees_in(registries: RegistriesView) -> CurrentMentees:
    """The cases the registries view shows paired with a mentor now."""
    return lambda mentor_id: [pairing.case_id for pairing, _ in registries.pairings([mentor_id])]


def active_pairings(case: Case) -> set[str]:
    """The refs of the case's pairings that are active now."""
    return {ref for ref, pairing in case.pairings.items() if pairing.is_active}
