"""Resource matching for one case: the registries' entries ranked for it, and a match recorded.

Candidates come from the registries view (the active entries of the case's
city and its counties, and those of its province), with what is taken of
each (a mentor's mentees, an incubator's tenants, a class's roster); the case
is read from its own stream and the rule set is the one in force for its
county on the day.  The ranking itself is :func:`domain.matching.rank`.

Recording a match reads the entry from its own stream, checks that it still
matches the case on that day, and writes ``ServiceDelivered`` with the
service ``RESOURCE_MATCHING`` naming the entry's registry and key, at the
version of the case the caller loaded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.errors import CaseNotFoundError, ConcurrentEditError
from application.projections.registries import EntryQuery, EntryRow, RegistriesView
from application.registries import EntryNotFoundError, EntryState
from domain.case import Case
from domain.errors import InvalidValueError, RuleSetError, RuleViolationError
from domain.matching import KIND_ORDER, Candidate, Match, Seeker, match, rank
from domain.registries import EntryStatus
from domain.registry_fields import RegistryKind
from domain.rules import RuleSet
from domain.values import Service, choice, text, today

if TYPE_CHECKING:
    from application.cases import Cases, Saved

#: How many matches of each registry a case is shown.
PER_REGISTRY = 10


@dataclass(frozen=True)
class CaseMatches:
    """The resources that match a case on a day, best first."""

    case_id: UUID
    version: int
    on: date
    rule_set: str
    seeker: Seeker
    matches: tuple[Match, ...]

    def by_kind(self) -> list[tuple[str, list[Match]]]:
        """The matches of each registry (in the registries' order), each list best first."""
        return [(kind.value, [m for m in self.matches if m.kind == kind]) for kind in KIND_ORDER]


class Matching:
    """Ranks the registries' entries for a case and records the match chosen."""

    def __init__(self, cases: Cases, registries: RegistriesView) -> None:
        self.cases, self.registries = cases, registries

    def match_case(self, case_id: UUID, *, on: date | None = None,
                   per_registry: int = PER_REGISTRY) -> CaseMatches:
        """The resources that match the case on ``on`` (today), at most ``per_registry`` each."""
        case, day = self._case(case_id), on or today()
        rule_set = self._rule_set(day, case.owning_district, "on")
        seeker = Seeker.of(case)
        ranked = rank(seeker, self.candidates(case.owning_district, day), rule_set, day)
        shown: Counter[str] = Counter()
        kept = []
        for found in ranked:
            shown[found.kind] += 1
            if shown[found.kind] <= per_registry:
                kept.append(found)
        return CaseMatches(case.id, case.version, day, rule_set.ref, seeker, tuple(kept))

    def record_match(self, case_id: UUID, expected_version: int, *, kind: str, key: str,
                     outcome: str, occurred_on: date | None = None) -> Saved:
        """Record that the case was matched with a registry entry (资源对接)."""
        kind = choice(RegistryKind, kind, "kind").value
        key = text(key, "key", max_len=64)
        case, day = self._case(case_id), occurred_on or today()
        if case.version != expected_version:
            raise ConcurrentEditError(case_id, expected_version, case.version)
        entry = self._entry(kind, key)
        rule_set = self._rule_set(day, case.owning_district, "occurred_on")
        found = match(Seeker.of(case), self._candidate(entry, day), rule_set, day)
        if found is None:
            raise RuleViolationError("key", "not_matching", "the entry does not match the case",
                                     key=key)
        return self.cases.deliver_service(
            case_id, expected_version, occurred_on=day, service=Service.RESOURCE_MATCHING.value,
            provider=entry.title[:200], outcome=outcome, resource_ref=entry.key,
            resource_kind=entry.kind)

    # ------------------------------------------------------------------ candidates
    def candidates(self, district: str, on: date) -> list[Candidate]:
        """The active entries of the county's city and its counties, and of its province,
        with what is taken of each on ``on``."""
        rows: dict[tuple[str, str], EntryRow] = {}
        for kind in KIND_ORDER:
            for query in (EntryQuery(kind, district_prefix=district[:4] + "00"),
                          EntryQuery(kind, serving=district)):
                for row in self._every(query):
                    rows[(row.kind, row.key)] = row
        taken = self._taken(list(rows.values()), on)
        return [Candidate(row.kind, row.key, row.title, row.district, row.status, row.values,
                          taken.get((row.kind, row.key), 0)) for row in rows.values()]

    def _every(self, query: EntryQuery) -> Iterator[EntryRow]:
        page = 1
        while True:
            found = self.registries.search(EntryQuery(
                query.kind, district_prefix=query.district_prefix, serving=query.serving,
                status=EntryStatus.ACTIVE.value, page=page, per_page=500))
            yield from found.rows
            if page >= found.pages:
                return
            page += 1

    def _taken(self, rows: list[EntryRow], on: date) -> dict[tuple[str, str], int]:
        """How much of each entry is taken: mentees, tenants, the roster of a class with
        seats that has not started by ``on`` (only those can be matched)."""
        keys = {kind: [r.key for r in rows if r.kind == kind] for kind in RegistryKind}
        taken: Counter[tuple[str, str]] = Counter()
        for pairing, _link in self.registries.pairings(keys[RegistryKind.MENTOR]):
            taken[(RegistryKind.MENTOR.value, pairing.mentor_id)] += 1
        for tenant, _link in self.registries.tenants(keys[RegistryKind.INCUBATOR]):
            taken[(RegistryKind.INCUBATOR.value, tenant.incubator_id)] += 1
        for row in rows:
            if row.kind == RegistryKind.TRAINING_CLASS and row.values.get("seats") and \
                    str(row.values.get("start_on", "")) >= on.isoformat():
                taken[(row.kind, row.key)] = len(self.registries.roster(row.key))
        return dict(taken)

    def _candidate(self, entry: EntryState, on: date) -> Candidate:
        taken = self._taken([EntryRow(entry.entry_id, entry.kind, entry.key, entry.title,
                                      entry.district, entry.status, "", "",
                                      dict(entry.values), entry.version, entry.status_since)],
                            on)
        return Candidate(entry.kind, entry.key, entry.title, entry.district, entry.status,
                         entry.values, taken.get((entry.kind, entry.key), 0))

    # ------------------------------------------------------------------ internals
    def _rule_set(self, day: date, district: str, field: str) -> RuleSet:
        try:
            return self.cases.rules.in_force(day, district)
        except RuleSetError:
            raise InvalidValueError(field, "no_rule_set", "no rule set is in force on this day",
                                    day=day.isoformat()) from None

    def _case(self, case_id: UUID) -> Case:
        try:
            case = self.cases.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        if not isinstance(case, Case):
            raise CaseNotFoundError(case_id)
        return case

    def _entry(self, kind: str, key: str) -> EntryState:
        try:
            entry = self.cases.find_entry(kind, key)
        except EntryNotFoundError:
            raise InvalidValueError("key", "not_registered", "is not in the registry",
                                    key=key) from None
        if entry.status != EntryStatus.ACTIVE:
            raise RuleViolationError("key", "not_active", "this entry is not active",
                                     status=entry.status)
        return entry
