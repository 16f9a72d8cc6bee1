"""The supervisor's data-quality list: what to check or complete, case by case.

Soft-warned codes, missing phones, stale cases (no contact for the rule set's
days, asked about on a date), corrections waiting for approval and possible
duplicates (the same phone, or the same name and birth date).  Duplicates are
found by keyed hashes, so no phone number or birth date is stored here.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.projections import FoldsCases, View, case_topics
from application.projections.folding import CaseFolder
from domain.case import Case

if TYPE_CHECKING:
    from application.cases import Cases

KINDS = ("SOFT_WARNING", "MISSING_PHONE", "STALE", "CORRECTION_PENDING", "POSSIBLE_DUPLICATE")


@dataclass(frozen=True)
class QualityRow:
    """What data quality keeps of a case."""

    case_id: UUID
    case_no: str
    district: str
    caseworker_id: str
    is_open: bool
    last_contact_on: date
    warnings: str  # comma-separated codes
    missing_phone: bool
    pending_corrections: int
    phone_hash: str | None
    person_hash: str
    version: int


@dataclass(frozen=True)
class QualityIssue:
    case_id: UUID
    case_no: str
    district: str
    caseworker_id: str
    kind: str
    detail: str


class DataQualityView(View):
    """Per-case facts from which the issues are found on a date."""

    name = "data_quality"

    @abstractmethod
    def put_row(self, row: QualityRow, tracking: Tracking | None) -> None:
        """Insert or replace a case's row."""

    @abstractmethod
    def issues(self, on: date, *, stale_after_days: int,
               districts: tuple[str, ...] = ()) -> list[QualityIssue]:
        """Every issue of the (open) cases in ``districts`` on ``on``."""


class DataQualityProjection(FoldsCases, Projection[DataQualityView]):
    """Keeps each case's quality facts current."""

    name = "data_quality"
    topics = case_topics()

    def __init__(self, view: DataQualityView, cases: Cases) -> None:
        super().__init__(view)
        self.cases, self.folder = cases, CaseFolder(cases)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if not isinstance(domain_event, Case.Event):
            self.view.advance(tracking)
            return
        self.case_event(domain_event, tracking)

    def write_case(self, case: Case, tracking: Tracking | None) -> None:
        self.view.put_row(self.row(case), tracking)

    def row(self, case: Case) -> QualityRow:
        hasher = self.cases.identity_hasher
        return QualityRow(
            case_id=case.id, case_no=case.case_no, district=case.owning_district,
            caseworker_id=case.caseworker_id, is_open=case.is_open,
            last_contact_on=case.last_contact_on,
            warnings=",".join(sorted(set(case.warnings) | {
                w for b in case.businesses.values() for w in b.warnings})),
            missing_phone=not case.mobile,
            pending_corrections=sum(c.status == "PENDING" for c in case.corrections.values()),
            phone_hash=hasher(f"phone:{case.mobile}") if case.mobile else None,
            person_hash=hasher(f"name-birth:{case.name}:{case.birth_date.isoformat()}"),
            version=case.version,
        )
