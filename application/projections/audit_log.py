"""The audit log: one row per recorded event, who recorded it, when, and for when.

Besides the case events, it shows every event of a registry entry and of a
group activity (named by its subject, ``MENTOR:M370303-7K3Q9`` or
``ACTIVITY:<id>``, with the entry's or activity's district), every look at
personal data (a reveal, a look at someone else's case) and every export, one
row each: an export with personal data in clear gets its row when it is
revealed, and that row names the rows and SHA-256 of the file once it is
delivered.  Backups, digests and the reports of ledger checks are ``Exported``
rows too (``backup postgresql tar at position 1234, 5000 events, 2048000 bytes,
sha256 …``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from application.projections import Page, View, case_topics
from domain.access_log import CaseLookup
from domain.activities import Activity
from domain.case import Case
from domain.export_log import Export
from domain.registries import RegistryEntry
from domain.reveals import Disclosure, ExportDisclosure
from domain.values import event_id_for

if TYPE_CHECKING:
    from application.cases import Cases

#: The registry entries' and the activities' events: rows named by their subject.
ENTRY_EVENTS = ("Registered", "Changed", "StatusChanged", "FilingRevoked", "FilingRestored")
ACTIVITY_EVENTS = ("Planned", "AttendanceRecorded", "AttendanceWithdrawn", "Cancelled")
SUBJECT_TOPICS = (*(get_topic(getattr(RegistryEntry, n)) for n in ENTRY_EVENTS),
                  *(get_topic(getattr(Activity, n)) for n in ACTIVITY_EVENTS))


@dataclass(frozen=True)
class AuditRow:
    event_id: UUID
    case_id: UUID
    version: int
    topic: str
    event: str
    actor: str
    actor_role: str
    recorded_at: datetime
    occurred_on: date
    request_id: str
    notification_id: int
    detail: str = ""
    #: A registry entry's ``KIND:key`` or ``ACTIVITY:<id>`` (empty for a case's rows).
    subject: str = ""
    #: The entry's or activity's district when the event was recorded (empty for a case's
    #: rows: they go with the case's district).
    district: str = ""


@dataclass(frozen=True)
class AuditQuery:
    #: A case's rows, or a registry entry's or activity's (its stream id).
    case_id: UUID | None = None
    actor: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    page: int = 1
    per_page: int = 50


class AuditLogView(View):
    """Who recorded what, and when."""

    name = "audit_log"

    @abstractmethod
    def add_entries(self, rows: list[AuditRow], tracking: Tracking) -> None:
        """Append rows."""

    @abstractmethod
    def amend_entry(self, event_id: UUID, amend: Callable[[str], str],
                    tracking: Tracking) -> None:
        """Replace an entry's detail by ``amend(detail)`` (nothing if there is no entry)."""

    @abstractmethod
    def list_entries(self, query: AuditQuery) -> Page[AuditRow]:
        """A page of entries, newest first."""


class AuditLogProjection(Projection[AuditLogView]):
    """Copies the metadata of every case, registry and activity event into the audit log."""

    name = "audit_log"
    topics = (*case_topics(), *SUBJECT_TOPICS, get_topic(Disclosure.Revealed),
              get_topic(ExportDisclosure.Revealed), get_topic(ExportDisclosure.Delivered),
              get_topic(Export.Delivered), get_topic(CaseLookup.Viewed))

    def __init__(self, view: AuditLogView, cases: Cases) -> None:
        super().__init__(view)
        self.cases = cases

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, (RegistryEntry.Event, Activity.Event)):
            self.view.add_entries([self.subject_row(domain_event, tracking)], tracking)
            return
        if isinstance(domain_event, Disclosure.Revealed):
            self.view.add_entries([self.reveal_row(domain_event, tracking)], tracking)
            return
        if isinstance(domain_event, ExportDisclosure.Revealed):
            self.view.add_entries([self.export_row(domain_event, tracking)], tracking)
            return
        if isinstance(domain_event, ExportDisclosure.Delivered):
            rows, sha256 = domain_event.rows, domain_event.sha256
            self.view.amend_entry(domain_event.originator_id,
                                  lambda detail: delivered_detail(detail, rows, sha256),
                                  tracking)
            return
        if isinstance(domain_event, Export.Delivered):
            self.view.add_entries([self.delivered_row(domain_event, tracking)], tracking)
            return
        if isinstance(domain_event, CaseLookup.Viewed):
            self.view.add_entries([self.view_row(domain_event, tracking)], tracking)
            return
        if not isinstance(domain_event, Case.Event):
            self.view.advance(tracking)
            return
        self.view.add_entries([AuditRow(
            event_id=event_id_for(domain_event.originator_id, domain_event.originator_version),
            case_id=domain_event.originator_id, version=domain_event.originator_version,
            topic=get_topic(type(domain_event)), event=type(domain_event).__name__,
            actor=domain_event.actor, actor_role=domain_event.actor_role,
            recorded_at=domain_event.timestamp, occurred_on=domain_event.occurred_on,
            request_id=domain_event.request_id, notification_id=tracking.notification_id,
        )], tracking)

    def subject_row(self, event: Any, tracking: Tracking) -> AuditRow:
        """An event of a registry entry or an activity, with the subject as it then stood."""
        found = self.cases.repository.get(event.originator_id,
                                          version=event.originator_version)
        if isinstance(found, RegistryEntry):
            subject, district = f"{found.kind}:{found.key}", found.district
        else:
            subject, district = f"ACTIVITY:{found.id}", found.district
        return AuditRow(
            event_id=event_id_for(event.originator_id, event.originator_version),
            case_id=event.originator_id, version=event.originator_version,
            topic=get_topic(type(event)), event=type(event).__name__, actor=event.actor,
            actor_role=event.actor_role, recorded_at=event.timestamp,
            occurred_on=event.occurred_on, request_id=event.request_id,
            notification_id=tracking.notification_id, detail=subject_detail(event, found),
            subject=subject[:80], district=district,
        )

    @staticmethod
    def reveal_row(revealed: Any, tracking: Tracking) -> AuditRow:
        """A reveal of personal data, logged against its case."""
        return AuditRow(
            event_id=revealed.originator_id, case_id=UUID(revealed.case_id), version=0,
            topic=get_topic(type(revealed)), event="Revealed", actor=revealed.actor,
            actor_role=revealed.actor_role, recorded_at=revealed.timestamp,
            occurred_on=revealed.occurred_on, request_id=revealed.request_id,
            notification_id=tracking.notification_id,
            detail=f"{revealed.field}: {revealed.reason}",
        )

    @staticmethod
    def view_row(viewed: Any, tracking: Tracking) -> AuditRow:
        """A look at a case by someone other than its caseworker."""
        return AuditRow(
            event_id=viewed.originator_id, case_id=UUID(viewed.case_id), version=0,
            topic=get_topic(type(viewed)), event="Viewed", actor=viewed.actor,
            actor_role=viewed.actor_role, recorded_at=viewed.timestamp,
            occurred_on=viewed.occurred_on, request_id=viewed.request_id,
            notification_id=tracking.notification_id,
        )

    @staticmethod
    def delivered_row(delivered: Any, tracking: Tracking) -> AuditRow:
        """A file that left the system without a reveal (an export with personal data
        masked or left out, a backup, a digest, a ledger check's report): it concerns no
        one case."""
        filters = f" [{delivered.filters}]" if delivered.filters else ""
        size = f", {delivered.size} bytes" if getattr(delivered, "size", None) is not None \
            else ""
        detail = (f"{DELIVERY_WORDS.get(delivered.source, delivered.source)} "
                  f"{delivered.kind} {delivered.file_format} at position {delivered.position}, "
                  f"{delivered.rows} {DELIVERY_UNITS.get(delivered.source, 'rows')}{size}, "
                  f"sha256 {delivered.sha256}{filters}")
        return AuditRow(
            event_id=delivered.originator_id, case_id=UUID(int=0), version=0,
            topic=get_topic(type(delivered)), event="Exported", actor=delivered.actor,
            actor_role=delivered.actor_role, recorded_at=delivered.timestamp,
            occurred_on=delivered.occurred_on, request_id=delivered.request_id,
            notification_id=tracking.notification_id, detail=detail[:600],
        )

    @staticmethod
    def export_row(revealed: Any, tracking: Tracking) -> AuditRow:
        """An export with personal data in clear: it concerns no one case (the nil id)."""
        filters = f" [{revealed.filters}]" if revealed.filters else ""
        detail = (f"export {revealed.kind} {revealed.file_format} at position "
                  f"{revealed.position}{filters}: {revealed.reason}")
        return AuditRow(
            event_id=revealed.originator_id, case_id=UUID(int=0), version=0,
            topic=get_topic(type(revealed)), event="ExportRevealed", actor=revealed.actor,
            actor_role=revealed.actor_role, recorded_at=revealed.timestamp,
            occurred_on=revealed.occurred_on, request_id=revealed.request_id,
            notification_id=tracking.notification_id, detail=detail[:600],
        )


def subject_detail(event: Any, subject: Any) -> str:
    """What an entry's or activity's event recorded, in short: its title, then what
    changed (the fields, the status, each attendee's outcome) and the reason given."""
    parts = [str(subject.title)]
    name = type(event).__name__
    if name == "Changed":
        parts.append("changed " + ", ".join(sorted(event.changes)))
    elif name == "StatusChanged":
        parts.append(f"status {event.status}")
    elif name == "AttendanceWithdrawn":
        parts.append(f"{event.case_no} withdrawn")
    elif name == "AttendanceRecorded":
        parts.append(", ".join(f"{o['case_no']} {o['status']}" + (f" ({o['code']})"
                                                                    if o.get("code") else "")
                               for o in event.outcomes))
    reason = getattr(event, "reason", "")
    detail = "; ".join(p for p in parts if p) + (f": {reason}" if reason else "")
    return detail[:600]


#: How an ``Exported`` row names where its file came from, and what its count counts.
DELIVERY_WORDS = {"cli": "export", "import-report": "import report"}
DELIVERY_UNITS = {"backup": "events", "digest": "streams"}


def delivered_detail(detail: str, rows: int, sha256: str) -> str:
    """A revealing export's detail (``export cases csv at position 12 [filters]: reason``)
    with the rows and digest of its file after the position: its opening words hold
    neither `` [`` nor ``: ``, so the first of them ends the position."""
    ends = [i for i in (detail.find(" ["), detail.find(": ")) if i >= 0]
    cut = min(ends) if ends else len(detail)
    return f"{detail[:cut]}, {rows} rows, sha256 {sha256}{detail[cut:]}"[:600]
