"""The case list: one row per case, searchable by the things caseworkers know."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.identity import identity_value
from application.projections import FoldsCases, Page, View, case_topics
from application.projections.folding import CaseFolder
from domain.case import Case
from domain.codes import IdNumber
from domain.values import IdType

if TYPE_CHECKING:
    from application.cases import Cases

SORTS = ("enrolled_on", "case_no", "name", "updated_at", "last_contact_on")


@dataclass(frozen=True)
class CaseRow:
    """What the case list shows of a case: nothing personal in clear but the name."""

    case_id: UUID
    case_no: str
    name: str
    id_hash: str
    id_masked: str
    mobile_masked: str | None
    district: str
    caseworker_id: str
    status: str
    stage: str | None
    returnee_type: str
    sex: str
    enrolled_on: date
    last_contact_on: date
    updated_at: datetime
    version: int
    #: Keyed hashes of the phone and of name + birth date: possible duplicates, never in clear.
    mobile_hash: str | None = None
    name_birth_hash: str = ""


@dataclass(frozen=True)
class CaseQuery:
    """A search of the case list; ``id_hash`` is the keyed hash, never the number."""

    text: str | None = None
    id_hash: str | None = None
    districts: tuple[str, ...] = ()
    #: Cases whose district code starts so (``3703``: every county of 淄博市).
    district_prefix: str | None = None
    caseworker_id: str | None = None
    status: str | None = None
    stage: str | None = None
    returnee_type: str | None = None
    sort: str = "enrolled_on"
    descending: bool = True
    page: int = 1
    per_page: int = 20


class CaseListView(View):
    """The case list's rows."""

    name = "case_list"

    @abstractmethod
    def put_case(self, row: CaseRow, tracking: Tracking | None) -> None:
        """Insert or replace a case's row."""

    @abstractmethod
    def advance(self, tracking: Tracking) -> None:
        """Record that an event changed nothing here."""

    @abstractmethod
    def list_cases(self, query: CaseQuery) -> Page[CaseRow]:
        """A page of cases matching the query."""

    @abstractmethod
    def possible_duplicates(self, *, mobile_hash: str | None, name_birth_hash: str | None,
                            limit: int = 20) -> list[CaseRow]:
        """Cases with the same phone, or the same name and birth date (by keyed hash)."""


def masked_id(id_type: str, number: str) -> str:
    if id_type == IdType.RESIDENT_ID and len(number) == 18:
        return IdNumber(number).masked()
    return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]


def masked_mobile(mobile: str | None) -> str | None:
    return None if not mobile else f"{mobile[:3]}****{mobile[-4:]}"


def phone_value(mobile: str) -> str:
    """What is hashed for a phone (as the data-quality view hashes it)."""
    return f"phone:{mobile}"


def name_birth_value(name: str, birth_date: date) -> str:
    """What is hashed for a person's name and birth date (as data quality does)."""
    return f"name-birth:{name}:{birth_date.isoformat()}"


class CaseListProjection(FoldsCases, Projection[CaseListView]):
    """Keeps each case's row up to date with its latest event."""

    name = "case_list"
    topics = case_topics()

    def __init__(self, view: CaseListView, cases: Cases) -> None:
        super().__init__(view)
        self.cases, self.folder = cases, CaseFolder(cases)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if not isinstance(domain_event, Case.Event):
            self.view.advance(tracking)
            return
        self.case_event(domain_event, tracking)

    def write_case(self, case: Case, tracking: Tracking | None) -> None:
        self.view.put_case(self.row(case), tracking)

    def row(self, case: Case) -> CaseRow:
        hasher = self.cases.identity_hasher
        return CaseRow(
            case_id=case.id, case_no=case.case_no, name=case.name,
            id_hash=self.cases.identity_hasher(identity_value(case.id_type, case.id_number)),
            id_masked=masked_id(case.id_type, case.id_number),
            mobile_masked=masked_mobile(case.mobile), district=case.owning_district,
            caseworker_id=case.caseworker_id, status="OPEN" if case.is_open else "CLOSED",
            stage=case.stage, returnee_type=case.returnee_type, sex=case.sex,
            enrolled_on=case.enrolled_on, last_contact_on=case.last_contact_on,
            updated_at=case.modified_on, version=case.version,
            mobile_hash=hasher(phone_value(case.mobile)) if case.mobile else None,
            name_birth_hash=hasher(name_birth_value(case.name, case.birth_date)),
        )
