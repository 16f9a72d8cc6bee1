"""Mentor load (导师服务情况): each mentor's mentees, sessions against the year's target, overdue.

A mentor's mentees are the cases whose active pairing names the mentor.  A
session counts towards the target when it lasted the rule set's counted
minutes (stored on the pairing when it was made); the year's target is the
sum of the planned sessions a year of the active pairings (the rule set's
``mentoring.planned_sessions_per_year`` unless the pairing set its own).
Overdue sessions are the pairings' F5 items of the work queue that are
overdue on the date asked for.  The 1+N groups are the pairings that share a
``group_ref``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.projections.registries import CaseLink, EntryRow, RegistriesView
from application.projections.work_queue import WorkQueueView

#: The work-queue rule of a mentor pairing's next session (domain.followup_rules).
SESSION_RULE = "F5"


@dataclass(frozen=True)
class MenteeLoad:
    """One active pairing of a mentor: the case and how its sessions stand."""

    link: CaseLink
    pairing_ref: str
    group_ref: str | None
    assigned_on: date
    planned_per_year: int
    held_this_year: int
    sessions: int
    last_session_on: date | None
    overdue: int
    next_due_on: date | None


@dataclass(frozen=True)
class MentorLoad:
    """A mentor, their mentees and the year's sessions."""

    mentor: EntryRow
    mentees: tuple[MenteeLoad, ...]
    held_this_year: int  # counted sessions of the year, released pairings included

    @property
    def capacity(self) -> int:
        return int(self.mentor.values.get("capacity") or 0)

    @property
    def target(self) -> int:
        return sum(m.planned_per_year for m in self.mentees)

    @property
    def overdue(self) -> int:
        return sum(m.overdue for m in self.mentees)

    @property
    def over_capacity(self) -> bool:
        return len(self.mentees) > self.capacity

    @property
    def groups(self) -> list[tuple[str | None, tuple[MenteeLoad, ...]]]:
        """The 1+N groups: mentees by the group their pairing names (ungrouped last)."""
        found: dict[str | None, list[MenteeLoad]] = defaultdict(list)
        for mentee in self.mentees:
            found[mentee.group_ref].append(mentee)
        return sorted(((k, tuple(v)) for k, v in found.items()),
                      key=lambda group: (group[0] is None, group[0] or ""))


def mentor_loads(registries: RegistriesView, queue: WorkQueueView, mentors: list[EntryRow],
                 on: date) -> list[MentorLoad]:
    """The load of each mentor on ``on`` (sessions counted in ``on``'s calendar year)."""
    keys = [m.key for m in mentors]
    pairings = registries.pairings(keys)
    held: dict[tuple[UUID, str], int] = defaultdict(int)
    by_mentor: dict[str, int] = defaultdict(int)
    for session in registries.sessions(keys, on.year):
        if session.counted and session.occurred_on <= on:
            held[(session.case_id, session.pairing_ref)] += 1
            by_mentor[session.mentor_id] += 1
    items: dict[UUID, list[Any]] = {}
    mentees: dict[str, list[MenteeLoad]] = defaultdict(list)
    for pairing, link in pairings:
        if link.case_id not in items:
            items[link.case_id] = [i for i in queue.items_of(link.case_id)
                                   if i.rule_id == SESSION_RULE and i.status == "PENDING"
                                   and (i.expires_on is None or i.expires_on >= on)]
        pending = [i for i in items[link.case_id] if i.subject_ref == pairing.pairing_ref]
        mentees[pairing.mentor_id].append(MenteeLoad(
            link=link, pairing_ref=pairing.pairing_ref, group_ref=pairing.group_ref,
            assigned_on=pairing.assigned_on,
            planned_per_year=pairing.planned_sessions_per_year,
            held_this_year=held[(link.case_id, pairing.pairing_ref)],
            sessions=pairing.sessions, last_session_on=pairing.last_session_on,
            overdue=sum(1 for i in pending if i.overdue_from <= on),
            next_due_on=min((i.due_on for i in pending), default=None)))
    return [MentorLoad(m, tuple(mentees[m.key]), by_mentor[m.key]) for m in mentors]
