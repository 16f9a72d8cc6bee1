"""Read-only views of one case, handed out instead of the aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.activities import Attendance
from domain.case import Case
from domain.loans import Loan
from domain.records import Business, Correction, Pairing, Training, Transfer
from domain.subsidies import Subsidy


@dataclass(frozen=True)
class CaseState:
    """A case as it stands at one version."""

    case_id: UUID
    version: int
    case_no: str
    name: str
    id_type: str
    id_number: str
    birth_date: date
    sex: str
    mobile: str | None
    hukou_division: str
    residence_division: str | None
    owning_district: str
    returnee_type: str
    loan_groups: tuple[str, ...]
    is_disabled: bool
    returned_on: date
    enrolled_on: date
    caseworker_id: str
    warnings: tuple[str, ...]
    is_open: bool
    closed_reason: str | None
    stage: str | None
    needs: tuple[str, ...]
    last_contact_on: date
    trainings: tuple[Training, ...]
    pairings: tuple[Pairing, ...]
    businesses: tuple[Business, ...]
    corrections: tuple[Correction, ...]
    loans: tuple[Loan, ...]
    subsidies: tuple[Subsidy, ...]
    transfer: Transfer | None
    recorded_at: datetime
    chain_head: str
    activities: tuple[Attendance, ...] = ()


def case_state(case: Case) -> CaseState:
    """Freeze a case into a :class:`CaseState`."""
    return CaseState(
        case_id=case.id, version=case.version, case_no=case.case_no, name=case.name,
        id_type=case.id_type, id_number=case.id_number, birth_date=case.birth_date,
        sex=case.sex, mobile=case.mobile, hukou_division=case.hukou_division,
        residence_division=case.residence_division, owning_district=case.owning_district,
        returnee_type=case.returnee_type, loan_groups=case.loan_groups,
        is_disabled=case.is_disabled, returned_on=case.returned_on,
        enrolled_on=case.enrolled_on, caseworker_id=case.caseworker_id,
        warnings=case.warnings, is_open=case.is_open, closed_reason=case.closed_reason,
        stage=case.stage, needs=case.needs, last_contact_on=case.last_contact_on,
        trainings=tuple(case.trainings.values()), pairings=tuple(case.pairings.values()),
        businesses=tuple(case.businesses.values()),
        corrections=tuple(case.corrections.values()), loans=tuple(case.loans.values()),
        subsidies=tuple(case.subsidies.values()), transfer=case.transfer,
        recorded_at=case.modified_on, chain_head=case.chain_head,
        activities=tuple(case.activities.values()),
    )
