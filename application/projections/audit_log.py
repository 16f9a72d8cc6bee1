"""The audit log: one row per recorded event, who recorded it, when, and for when.

Besides the case events, it shows every look at personal data (a reveal, a
look at someone else's case) and every export, one row each: an export with
personal data in clear gets its row when it is revealed, and that row names
the rows and SHA-256 of the file once it is delivered.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from application.projections import Page, View, case_topics
from domain.access_log import CaseLookup
from domain.case import Case
from domain.export_log import Export
from domain.reveals import Disclosure, ExportDisclosure
from domain.values import event_id_for


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


@dataclass(frozen=True)
class AuditQuery:
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
    """Copies every case event's metadata into the audit log."""

    name = "audit_log"
    topics = (*case_topics(), get_topic(Disclosure.Revealed),
              get_topic(ExportDisclosure.Revealed), get_topic(ExportDisclosure.Delivered),
              get_topic(Export.Delivered), get_topic(CaseLookup.Viewed))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
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
        """An export with personal data masked or left out: it concerns no one case."""
        filters = f" [{delivered.filters}]" if delivered.filters else ""
        detail = (f"{'export' if delivered.source == 'cli' else delivered.source} "
                  f"{delivered.kind} {delivered.file_format} at position {delivered.position}, "
                  f"{delivered.rows} rows, sha256 {delivered.sha256}{filters}")
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


def delivered_detail(detail: str, rows: int, sha256: str) -> str:
    """A revealing export's detail (``export cases csv at position 12 [filters]: reason``)
    with the rows and digest of its file after the position: its opening words hold
    neither `` [`` nor ``: ``, so the first of them ends the position."""
    ends = [i for i in (detail.find(" ["), detail.find(": ")) if i >= 0]
    cut = min(ends) if ends else len(detail)
    return f"{detail[:cut]}, {rows} rows, sha256 {sha256}{detail[cut:]}"[:600]
