"""A district's yearly targets (年度任务分解到各县区), one stream per district and year.

The stream's id is derived from the district and the year, so two
administrators who set the first target of a year at once write the same
stream version and the store keeps one of them; every later change is a
``TargetSet`` that keeps who set which figure and when.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.divisions import DivisionLevel, divisions
from domain.errors import InvalidCodeError, InvalidValueError
from domain.indicators import TARGET_KPIS
from domain.recording import AuditedAggregate
from domain.values import count, today

#: The largest target accepted: money targets are in 分 (10亿元 is 10^11 分).
MAX_TARGET = 10**15


class Targets(AuditedAggregate):
    """The targets of one county or city for one calendar year, by indicator."""

    @staticmethod
    def create_id(district: str, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/targets/{district}/{year}")

    @classmethod
    def register(cls, district: str, year: int) -> Targets:
        """The targets of a county or city for a year, none set yet."""
        return cls(district=check_district(district), year=check_year(year),
                   occurred_on=today())

    @event("Registered")
    def __init__(self, district: str, year: int, occurred_on: date) -> None:
        self.district, self.year = district, year
        self.values: dict[str, int] = {}

    def set_target(self, kpi: str, value: int) -> None:
        """Set the year's target of one indicator (a non-negative whole number)."""
        if kpi not in TARGET_KPIS:
            raise InvalidValueError("kpi", "choice", f"must be one of {', '.join(TARGET_KPIS)}",
                                    allowed=list(TARGET_KPIS))
        self._set_target(occurred_on=today(), kpi=kpi,
                         value=count(value, "value", maximum=MAX_TARGET))

    @event("TargetSet")
    def _set_target(self, occurred_on: date, kpi: str, value: int) -> None:
        self.values = {**self.values, kpi: value}


def check_district(raw: str) -> str:
    """A county-level or city (prefecture) code of the shipped division list."""
    if not isinstance(raw, str):
        raise InvalidValueError("district", "type", "must be text")
    found = divisions().division(raw, field="district")
    if not (divisions().is_county_level(found.code)
            or found.level is DivisionLevel.PREFECTURE):
        raise InvalidCodeError("district", "not_county_or_city",
                               f"Division {found.code} ({found.name}) is not a county or city",
                               division=found.code, name=found.name)
    return found.code


def check_year(raw: int) -> int:
    """A calendar year a bureau could plan for."""
    return count(raw, "year", minimum=2000, maximum=2100)
