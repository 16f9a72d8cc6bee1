"""What each registry's entries hold, and how every field is checked.

An entry's fields are plain values (text, whole numbers, lists of codes, ISO
dates) kept in one mapping, so that one event shape (``Registered``,
``Changed``) serves every registry and a stored entry never depends on a
Python class.  Each field has a checker that returns the canonical value or
raises an error naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from domain.codes import Uscc
from domain.divisions import divisions
from domain.errors import InvalidValueError
from domain.rules import SCHEMA
from domain.values import (
    BorrowerKind,
    Course,
    Guarantor,
    LoanGroup,
    MentorLevel,
    Need,
    a_date,
    choice,
    choices,
    count,
    optional_text,
    person_name,
    text,
)


class RegistryKind(StrEnum):
    """The registries of the resource lists (四清单两名录)."""

    MENTOR = "MENTOR"
    PROVIDER = "PROVIDER"
    TRAINING_CLASS = "TRAINING_CLASS"
    INCUBATOR = "INCUBATOR"
    FINANCING = "FINANCING"
    POLICY = "POLICY"


class IncubatorKind(StrEnum):
    INCUBATION_BASE = "INCUBATION_BASE"  # 创业孵化基地
    MICRO_PARK = "MICRO_PARK"  # 微创园
    STARTUP_STREET = "STARTUP_STREET"  # 创业一条街


class FinancingKind(StrEnum):
    GUARANTEED_LOAN = "GUARANTEED_LOAN"  # 创业担保贷款
    BANK_LOAN = "BANK_LOAN"
    MICROCREDIT = "MICROCREDIT"
    EQUITY = "EQUITY"
    OTHER = "OTHER"


class PolicyTopic(StrEnum):
    LOAN = "LOAN"
    SUBSIDY = "SUBSIDY"
    TRAINING = "TRAINING"
    PREMISES = "PREMISES"
    TAX = "TAX"
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE"
    OTHER = "OTHER"


Checker = Callable[[Any, str], Any]
_RULE_SET_REF = re.compile(r"^[A-Z0-9]{2,6}@[1-9][0-9]{0,3}$")


@dataclass(frozen=True)
class FieldSpec:
    """One field of an entry: its checker, whether it must be given, whether it may change."""

    check: Checker
    required: bool = False
    fixed: bool = False


def _text(max_len: int) -> Checker:
    return lambda raw, field: text(raw, field, max_len=max_len)


def _optional(max_len: int) -> Checker:
    return lambda raw, field: optional_text(raw, field, max_len=max_len)


def _one(enum: type[StrEnum]) -> Checker:
    return lambda raw, field: choice(enum, raw, field).value


def _many(enum: type[StrEnum], minimum: int = 0) -> Checker:
    def check(raw: Any, field: str) -> list[str]:
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
            raise InvalidValueError(field, "type", "must be a list")
        chosen = choices(enum, raw, field)
        if len(chosen) < minimum:
            raise InvalidValueError(field, "required", "choose at least one")
        return chosen

    return check


def _number(minimum: int, maximum: int) -> Checker:
    return lambda raw, field: count(raw, field, minimum=minimum, maximum=maximum)


def _day(raw: Any, field: str) -> str:
    return a_date(raw, field).isoformat()


def _district(raw: Any, field: str) -> str:
    if not isinstance(raw, str):
        raise InvalidValueError(field, "type", "must be text")
    return divisions().division(raw, field=field).code


def _uscc(raw: Any, field: str) -> str:
    if not isinstance(raw, str):
        raise InvalidValueError(field, "type", "must be text")
    return Uscc.parse(raw, field=field).value.value


def _lines(max_items: int, max_len: int) -> Checker:
    def check(raw: Any, field: str) -> list[str]:
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
            raise InvalidValueError(field, "type", "must be a list")
        items = [text(item, field, max_len=max_len) for item in raw]
        if len(items) > max_items:
            raise InvalidValueError(field, "too_many", f"at most {max_items} items",
                                    max=max_items)
        return list(dict.fromkeys(items))

    return check


def _rule_set(raw: Any, field: str) -> str | None:
    ref = optional_text(raw, field, max_len=12)
    if ref is not None and not _RULE_SET_REF.fullmatch(ref):
        raise InvalidValueError(field, "format", "must name a rule set version, as CN@4")
    return ref


def _rule_paths(raw: Any, field: str) -> list[str]:
    paths = _lines(20, 80)(raw, field)
    unknown = [p for p in paths if p not in SCHEMA]
    if unknown:
        raise InvalidValueError(field, "unknown_rule", f"{unknown[0]} is not a rule number",
                                path=unknown[0])
    return sorted(paths)


_NOTE = FieldSpec(_optional(500))
_DISTRICT = FieldSpec(_district, required=True)

SPECS: dict[str, dict[str, FieldSpec]] = {
    RegistryKind.MENTOR: {
        "name": FieldSpec(person_name, required=True),
        "level": FieldSpec(_one(MentorLevel), required=True),
        "district": _DISTRICT,
        "specialties": FieldSpec(_many(Need, minimum=1), required=True),
        "industries": FieldSpec(_lines(10, 40)),
        "organisation": FieldSpec(_optional(100)),
        # The N of "1+N": how many mentees the mentor takes on at once.
        "capacity": FieldSpec(_number(1, 50), required=True),
        "note": _NOTE,
    },
    RegistryKind.PROVIDER: {
        "uscc": FieldSpec(_uscc, required=True, fixed=True),
        "name": FieldSpec(_text(100), required=True),
        "district": _DISTRICT,
        "courses": FieldSpec(_many(Course, minimum=1), required=True),
        "filing_no": FieldSpec(_optional(40)),
        "address": FieldSpec(_optional(200)),
        "note": _NOTE,
    },
    RegistryKind.TRAINING_CLASS: {
        "approval_no": FieldSpec(_text(40), required=True, fixed=True),
        "course": FieldSpec(_one(Course), required=True),
        "provider_uscc": FieldSpec(_uscc, required=True),
        "district": _DISTRICT,
        "start_on": FieldSpec(_day, required=True),
        "end_on": FieldSpec(_day, required=True),
        "planned_hours": FieldSpec(_number(1, 2000), required=True),
        "seats": FieldSpec(_number(1, 1000)),
        "venue": FieldSpec(_optional(200)),
        "note": _NOTE,
    },
    RegistryKind.INCUBATOR: {
        "name": FieldSpec(_text(100), required=True),
        "incubator_kind": FieldSpec(_one(IncubatorKind), required=True),
        "level": FieldSpec(_one(MentorLevel), required=True),
        "district": _DISTRICT,
        "address": FieldSpec(_text(200), required=True),
        "capacity": FieldSpec(_number(0, 100_000), required=True),
        "services": FieldSpec(_many(Need)),
        "note": _NOTE,
    },
    RegistryKind.FINANCING: {
        "name": FieldSpec(_text(100), required=True),
        "financing_kind": FieldSpec(_one(FinancingKind), required=True),
        "bank": FieldSpec(_text(100), required=True),
        "guarantor": FieldSpec(lambda raw, field: None if raw in (None, "") else
                               choice(Guarantor, raw, field).value),
        "max_amount": FieldSpec(_number(1, 10**11)),  # fen
        "max_term_months": FieldSpec(_number(1, 360)),
        "borrower_kinds": FieldSpec(_many(BorrowerKind)),
        "loan_groups": FieldSpec(_many(LoanGroup)),
        "district": _DISTRICT,
        "effective_from": FieldSpec(_day, required=True),
        "effective_to": FieldSpec(lambda raw, field: None if raw in (None, "") else
                                  _day(raw, field)),
        "note": _NOTE,
    },
    RegistryKind.POLICY: {
        "title": FieldSpec(_text(200), required=True),
        "document_no": FieldSpec(_optional(60)),
        "issuer": FieldSpec(_text(100), required=True),
        "topics": FieldSpec(_many(PolicyTopic, minimum=1), required=True),
        "district": _DISTRICT,
        "effective_from": FieldSpec(_day, required=True),
        "effective_to": FieldSpec(lambda raw, field: None if raw in (None, "") else
                                  _day(raw, field)),
        "summary": FieldSpec(_text(2000), required=True),
        "rule_set": FieldSpec(_rule_set),
        "rule_paths": FieldSpec(_rule_paths),
    },
}

#: The field that names an entry for good (its key), where the entry has one of its own.
KEY_FIELDS = {RegistryKind.PROVIDER: "uscc", RegistryKind.TRAINING_CLASS: "approval_no"}
#: The letter that starts the codes given to entries without a key of their own.
CODE_PREFIXES = {RegistryKind.MENTOR: "M", RegistryKind.INCUBATOR: "I",
                 RegistryKind.FINANCING: "F", RegistryKind.POLICY: "P"}


def check_values(kind: str, raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The canonical values of ``raw``; all required fields unless ``partial``."""
    specs = SPECS[kind]
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        raise InvalidValueError(unknown[0], "unknown_field", "is not a field of this registry")
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in raw:
            if spec.required and not partial:
                raise InvalidValueError(name, "required", "is required")
            continue
        given = raw[name]
        if given is None or (isinstance(given, str) and not given.strip()):
            if spec.required:
                raise InvalidValueError(name, "required", "is required")
            values[name] = [] if name in _LIST_FIELDS else None
            continue
        values[name] = spec.check(given, name)
    return values


_LIST_FIELDS = frozenset({"specialties", "industries", "courses", "services", "borrower_kinds",
                          "loan_groups", "topics", "rule_paths"})


def check_together(kind: str, values: Mapping[str, Any]) -> None:
    """Rules between the fields of one entry (its dates, its guarantor, its rule set)."""
    for start, end in (("start_on", "end_on"), ("effective_from", "effective_to")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            raise InvalidValueError(end, "before_start", "must not be before the start date")
    if (kind == RegistryKind.FINANCING and values.get("financing_kind") ==
            FinancingKind.GUARANTEED_LOAN and not values.get("guarantor")):
        raise InvalidValueError("guarantor", "required", "a guaranteed loan names its guarantor")
    if kind == RegistryKind.POLICY and values.get("rule_paths") and not values.get("rule_set"):
        raise InvalidValueError("rule_set", "required", "name the rule set of these numbers")


def in_force(values: Mapping[str, Any], on: date) -> bool:
    """Whether a financing product or policy is in force on ``on`` (others always are)."""
    start, end = values.get("effective_from"), values.get("effective_to")
    return (start is None or start <= on.isoformat()) and (end is None or on.isoformat() <= end)
