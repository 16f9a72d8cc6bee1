"""Registry entries for tests: the provider, classes, mentor and incubator the builders name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from application.cases import Cases
from domain.recording import Role, recording_as
from tests.builders import CLASS_NO, PROVIDER_USCC

SUPERVISOR = ("sup.li", Role.SUPERVISOR)


@dataclass(frozen=True)
class Resources:
    """The keys of the entries registered for a test."""

    provider: str
    classes: tuple[str, ...]
    mentor: str
    incubator: str


def register(cases: Cases, kind: str, **fields: Any) -> str:
    """Register one entry as a supervisor of 张店区; returns its key."""
    with recording_as(*SUPERVISOR):
        return cases.register_entry(kind, **fields).key


def a_provider(cases: Cases, uscc: str = PROVIDER_USCC, **overrides: Any) -> str:
    return register(cases, "PROVIDER", **{
        "uscc": uscc, "name": "淄博市创业培训学校", "district": "370300",
        "courses": ["GYB", "SYB", "IYB", "ONLINE_BUSINESS"], "filing_no": "鲁培备〔2015〕3号",
        **overrides})


def a_class(cases: Cases, approval_no: str = CLASS_NO, **overrides: Any) -> str:
    return register(cases, "TRAINING_CLASS", **{
        "approval_no": approval_no, "course": "SYB", "provider_uscc": PROVIDER_USCC,
        "district": "370303", "start_on": date(2015, 3, 5), "end_on": date(2015, 3, 20),
        "planned_hours": 80, **overrides})


def a_mentor(cases: Cases, **overrides: Any) -> str:
    return register(cases, "MENTOR", **{
        "name": "王建国", "level": "CITY", "district": "370300",
        "specialties": ["MARKETING", "FINANCE_INFO"], "industries": ["电商"], "capacity": 5,
        **overrides})


def an_incubator(cases: Cases, **overrides: Any) -> str:
    return register(cases, "INCUBATOR", **{
        "name": "张店区创业孵化基地", "incubator_kind": "INCUBATION_BASE", "level": "CITY",
        "district": "370303", "address": "淄博市张店区华光路1号", "capacity": 40,
        "services": ["PREMISES", "OPENING_GUIDANCE"], **overrides})


def resources(cases: Cases, *classes: str) -> Resources:
    """The builders' provider and classes (``CLASS_NO`` and any others), a mentor, an incubator."""
    provider = a_provider(cases)
    numbers = tuple(a_class(cases, number) for number in (CLASS_NO, *classes))
    return Resources(provider, numbers, a_mentor(cases), an_incubator(cases))


def training_resources(cases: Cases) -> None:
    """The provider and class ``tests.builders.training()`` names, registered once per store."""
    from application.registries import EntryNotFoundError

    try:
        cases.find_entry("TRAINING_CLASS", CLASS_NO)
    except EntryNotFoundError:
        a_provider(cases)
        a_class(cases)
