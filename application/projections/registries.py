"""The registries' view: entries to list and search, and what the cases make of them.

Entries are copied from their streams as they stand after each event.  From
the case streams the view keeps, per case, what names a registry entry: the
class rosters (``TrainingEnrolled`` with its approval number), mentor
pairings and their sessions, and the businesses housed by an incubator.  A
case's rows are recomputed from its whole stream, so corrections (of a class
approval number, say) are applied as the case itself applies them.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from application.projections import Page, RecomputesCases, View, case_topics
from domain.case import Case
from domain.registries import RegistryEntry
from domain.registry_fields import in_force

ENTRY_TOPICS = tuple(get_topic(getattr(RegistryEntry, name)) for name in (
    "Registered", "Changed", "StatusChanged", "FilingRevoked", "FilingRestored"))
#: The case events that change what the view keeps of a case.
CASE_EVENTS = frozenset({
    "Enrolled", "TrainingEnrolled", "TrainingCompleted", "MentorAssigned",
    "MentoringSessionHeld", "MentorReleased", "BusinessRegistered", "BusinessClosed",
    "RecordCorrected", "CorrectionApproved", "CaseTransferred", "CaseReassigned", "CaseClosed",
    "CaseReopened",
})
#: Fields whose text a search looks in (besides the key and the title).
SEARCHED = ("organisation", "address", "industries", "bank", "issuer", "document_no",
            "provider_uscc", "venue", "filing_no")
#: Fields of codes a list can be filtered by (a mentor's specialties, a provider's courses …).
TAGGED = ("specialties", "courses", "course", "services", "topics", "loan_groups",
          "borrower_kinds", "level", "incubator_kind", "financing_kind")


@dataclass(frozen=True)
class EntryRow:
    """An entry as lists show it."""

    entry_id: UUID
    kind: str
    key: str
    title: str
    district: str
    status: str
    tags: str  # " CODE CODE … " of the entry's coded fields
    search: str  # lower-case text a search looks in
    values: dict[str, Any]
    version: int
    updated_on: date

    def in_force(self, on: date) -> bool:
        return in_force(self.values, on)


@dataclass(frozen=True)
class EntryQuery:
    kind: str
    text: str | None = None
    district_prefix: str | None = None  # entries registered inside an area
    serving: str | None = None  # entries that serve a county (its own, its city's …)
    status: str | None = None
    tag: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class CaseLink:
    """What the view keeps of a case: its number, district and caseworker."""

    case_id: UUID
    case_no: str
    district: str
    caseworker_id: str
    is_open: bool


@dataclass(frozen=True)
class RosterRow:
    case_id: UUID
    enrolment_ref: str
    approval_no: str
    course: str
    provider_uscc: str
    start_on: date
    enrolled_on: date
    result: str | None
    ended_on: date | None


@dataclass(frozen=True)
class PairingRow:
    case_id: UUID
    pairing_ref: str
    mentor_id: str
    group_ref: str | None
    planned_sessions_per_year: int
    assigned_on: date
    released_on: date | None
    sessions: int
    counted_sessions: int
    last_session_on: date | None


@dataclass(frozen=True)
class SessionRow:
    case_id: UUID
    version: int
    pairing_ref: str
    mentor_id: str
    occurred_on: date
    minutes: int
    counted: bool


@dataclass(frozen=True)
class TenantRow:
    case_id: UUID
    business_ref: str
    incubator_id: str
    business_name: str
    registered_on: date
    closed_on: date | None


@dataclass(frozen=True)
class CaseResources:
    """Every row the view keeps of one case."""

    link: CaseLink
    roster: list[RosterRow] = field(default_factory=list)
    pairings: list[PairingRow] = field(default_factory=list)
    sessions: list[SessionRow] = field(default_factory=list)
    tenants: list[TenantRow] = field(default_factory=list)


class RegistriesView(View):
    """Entries by registry, and the cases' rosters, pairings, sessions and tenants."""

    name = "registries"

    @abstractmethod
    def put_entry(self, row: EntryRow, tracking: Tracking) -> None:
        """Insert or replace an entry's row."""

    @abstractmethod
    def put_case(self, resources: CaseResources, tracking: Tracking | None) -> None:
        """Replace every row of one case."""

    @abstractmethod
    def search(self, query: EntryQuery) -> Page[EntryRow]:
        """A page of entries, by title."""

    @abstractmethod
    def entries(self, kind: str, keys: list[str]) -> dict[str, EntryRow]:
        """The entries of a registry with these keys."""

    @abstractmethod
    def roster(self, approval_no: str) -> list[tuple[RosterRow, CaseLink]]:
        """The cases enrolled in a class, in the order they enrolled."""

    @abstractmethod
    def pairings(self, mentor_ids: list[str], *, active_only: bool = True
                 ) -> list[tuple[PairingRow, CaseLink]]:
        """The pairings of these mentors, with their cases."""

    @abstractmethod
    def sessions(self, mentor_ids: list[str], year: int) -> list[SessionRow]:
        """The mentoring sessions these mentors held in a calendar year."""

    @abstractmethod
    def tenants(self, incubator_ids: list[str], *, operating_only: bool = True
                ) -> list[tuple[TenantRow, CaseLink]]:
        """The businesses housed by these incubators, with their cases."""


class RegistriesProjection(RecomputesCases, Projection[RegistriesView]):
    """Copies entries as they stand; recomputes a case's rows when one of its records changes."""

    name = "registries"
    topics = (*ENTRY_TOPICS, *case_topics())

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, RegistryEntry.Event):
            entry = self.cases.repository.get(domain_event.originator_id,
                                              version=domain_event.originator_version)
            self.view.put_entry(entry_row(entry), tracking)
        elif isinstance(domain_event, Case.Event) and type(domain_event).__name__ in CASE_EVENTS:
            self.case_event(domain_event, tracking)
        else:
            if self._batching and isinstance(domain_event, Case.Event):
                self.stream_until(domain_event)
            self.view.advance(tracking)

    def write(self, case_id: UUID, events: list[Any], tracking: Tracking | None) -> None:
        self.view.put_case(case_resources(events, self.folded(events)), tracking)


def entry_row(entry: RegistryEntry) -> EntryRow:
    values = dict(entry.values)
    words = [entry.key, entry.title] + [
        " ".join(v) if isinstance(v, list) else str(v)
        for name in SEARCHED if (v := values.get(name))]
    tags = {str(t) for name in TAGGED for t in (
        values.get(name) if isinstance(values.get(name), list) else [values.get(name)]) if t}
    return EntryRow(
        entry_id=entry.id, kind=entry.kind, key=entry.key, title=entry.title[:200],
        district=entry.district, status=entry.status,
        tags=" " + " ".join(sorted(tags)) + " ", search=" ".join(words).lower()[:1000],
        values=values, version=entry.version, updated_on=entry.updated_on,
    )


def case_resources(events: list[Any], final: Any = None) -> CaseResources:
    """What the view keeps of a case whose stream is ``events``.

    ``final`` is the case as the whole stream leaves it, when already folded.  A
    pairing's mentor and counted minutes are fixed when it is made (its sessions
    and release change, nothing corrects them), so a session's row can read them
    from the final case as well as from the case as of the session.
    """
    case: Any = final
    if case is None:
        for event in events:
            case = event.mutate(case)
    sessions = []
    for event in events:
        if type(event).__name__ == "MentoringSessionHeld":
            pairing = case.pairings[event.pairing_ref]
            sessions.append(SessionRow(
                case.id, event.originator_version, event.pairing_ref, pairing.mentor_id,
                event.occurred_on, event.minutes,
                event.minutes >= pairing.counted_session_minutes))
    return CaseResources(
        link=CaseLink(case.id, case.case_no, case.owning_district, case.caseworker_id,
                      case.is_open),
        roster=[RosterRow(case.id, t.ref, t.class_approval_no, t.course, t.provider_uscc,
                          t.start_on, t.enrolled_on, t.result, t.ended_on)
                for t in case.trainings.values() if t.class_approval_no],
        pairings=[PairingRow(case.id, p.ref, p.mentor_id, p.group_ref,
                             p.planned_sessions_per_year, p.assigned_on, p.released_on,
                             p.sessions, p.counted_sessions, p.last_session_on)
                  for p in case.pairings.values()],
        sessions=sessions,
        tenants=[TenantRow(case.id, b.ref, b.incubator_id, b.name, b.registered_on,
                           b.closed_on)
                 for b in case.businesses.values() if b.incubator_id],
    )
