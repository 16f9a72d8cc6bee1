"""The sub-records a case holds: trainings, mentor pairings, businesses …

They are frozen: the case replaces a record when an event changes it, so a
record handed to a reader can never change under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Training:
    ref: str
    course: str
    subsidised: bool
    provider_uscc: str
    class_approval_no: str | None
    start_on: date
    planned_hours: int
    enrolled_on: date
    rule_set: str
    result: str | None = None
    hours_attended: int | None = None
    certificate_no: str | None = None
    business_plan_grade: str | None = None
    ended_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.result is None


@dataclass(frozen=True)
class Pairing:
    ref: str
    mentor_id: str
    mentor_level: str
    group_ref: str | None
    planned_sessions_per_year: int
    counted_session_minutes: int
    assigned_on: date
    rule_set: str
    sessions: int = 0
    counted_sessions: int = 0
    last_session_on: date | None = None
    released_on: date | None = None
    release_reason: str | None = None

    @property
    def is_active(self) -> bool:
        return self.released_on is None


@dataclass(frozen=True)
class Jobs:
    as_of: date
    employees_excl_founder: int
    insured_employees: int
    priority_group_hires_12m: int
    contracts_ge_1y: int
    source: str
    verified: bool


@dataclass(frozen=True)
class Business:
    ref: str
    uscc: str
    entity_type: str
    name: str
    registered_on: date
    first_time_founder: bool
    is_online_merchant: bool
    platform_shop_url: str | None
    premises: str
    incubator_id: str | None
    partners: tuple[str, ...]
    industry_code: str | None
    jobs: Jobs | None = None
    closed_on: date | None = None
    closure_kind: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def is_operating(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class Correction:
    ref: str
    target_event_id: str
    target_version: int
    event_name: str
    field: str
    old_value: str
    new_value: str
    reason: str
    needs_approval: bool
    requested_by: str
    requested_on: date
    status: str  # PENDING, APPLIED, REJECTED
    decided_by: str | None = None


@dataclass(frozen=True)
class Transfer:
    ref: str
    from_district: str
    to_district: str
    reason: str
    requested_on: date
    requested_by: str
