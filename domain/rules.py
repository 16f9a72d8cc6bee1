"""Effective-dated policy numbers ("rule sets") and how a rule finds its number.

A rule set belongs to a jurisdiction (``CN`` for the national defaults, or a
GB/T 2260 code of a province, prefecture or county) and has numbered
versions, each in force from a date.  Versions are immutable: a policy change
is a new version.  A rule looks its number up by the date of the fact it
checks, in the most specific jurisdiction that has a version in force then,
and the event that depended on it stores ``rule_set`` (``"CN@2"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from domain.errors import RuleSetError
from domain.values import Course

NATIONAL = "CN"


def _non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _positive_int(value: Any) -> bool:
    return _non_negative_int(value) and value > 0


def _month_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(_positive_int(v) for v in value)
        and value == sorted(set(value))
    )


def _per_course(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {c.value for c in Course}
        and all(_non_negative_int(v) for v in value.values())
    )


def _courses(value: Any) -> bool:
    return isinstance(value, list) and all(v in {c.value for c in Course} for v in value)


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _percent(value: Any) -> bool:
    return _positive_int(value) and value <= 1000


def _subsidy_rule(value: Any) -> bool:
    return value in ("LPR_MINUS_150BP", "HALF_ACTUAL_RATE_2023")


#: Every number a rule set must hold, with its check.  Later features add
#: their numbers here; a data file missing one fails when it is loaded.
SCHEMA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "training.min_hours": (_per_course, "a whole number of hours for every course"),
    "training.subsidised_per_person_per_year": (_positive_int, "a positive whole number"),
    "training.subsidised_once_per_course": (_flag, "true or false"),
    "training.business_plan_courses": (_courses, "a list of course codes"),
    "mentoring.planned_sessions_per_year": (_positive_int, "a positive whole number"),
    "mentoring.counted_session_minutes": (_positive_int, "a positive whole number"),
    "case.stale_after_days": (_positive_int, "a positive whole number"),
    "followup.grace_days": (_non_negative_int, "a whole number of days"),
    "followup.needs_assessment_days": (_positive_int, "a positive number of days"),
    "followup.post_training_service_months": (_month_list, "ascending months"),
    "followup.business_started_check_months": (_positive_int, "a positive number of months"),
    "followup.trained_quarterly_until_months": (_positive_int, "a positive number of months"),
    "followup.trained_half_yearly_until_months": (_positive_int, "a positive number of months"),
    "followup.trained_quarterly_interval_months": (_positive_int, "a positive number of months"),
    "followup.trained_half_yearly_interval_months": (_positive_int,
                                                     "a positive number of months"),
    "followup.mentoring_interval_days": (_positive_int, "a positive number of days"),
    "followup.survival_visit_months": (_month_list, "ascending months"),
    "followup.one_time_subsidy_prompt_months": (_positive_int, "a positive number of months"),
    "followup.one_time_subsidy_window_months": (_positive_int, "a positive number of months"),
    "followup.post_loan_visit_months": (_positive_int, "a positive number of months"),
    "followup.jobs_report_months": (_positive_int, "a positive number of months"),
    "followup.maturity_reminder_days": (_positive_int, "a positive number of days"),
    "followup.overdue_task_days": (_positive_int, "a positive number of days"),
    "followup.compensation_claim_days": (_positive_int, "a positive number of days"),
    "followup.subsidy_reverification_months": (_positive_int, "a positive number of months"),
    "followup.closure_service_days": (_positive_int, "a positive number of days"),
    "followup.stale_contact_days": (_positive_int, "a positive number of days"),
    "followup.close_suggestion_months": (_positive_int, "a positive number of months"),
    "loan.individual_cap_fen": (_positive_int, "an amount in fen"),
    "loan.small_micro_cap_fen": (_positive_int, "an amount in fen"),
    "loan.partnership_cap_pct": (_percent, "a percentage"),
    "loan.individual_max_term_months": (_positive_int, "a positive number of months"),
    "loan.small_micro_max_term_months": (_positive_int, "a positive number of months"),
    "loan.rate_cap_over_lpr_bp": (_non_negative_int, "basis points"),
    "loan.subsidy_rule": (_subsidy_rule, "LPR_MINUS_150BP or HALF_ACTUAL_RATE_2023"),
    "loan.max_loans_per_borrower": (_positive_int, "a positive whole number"),
    "loan.max_extensions": (_non_negative_int, "a whole number"),
    "loan.extension_max_months": (_positive_int, "a positive number of months"),
    "loan.compensation_after_days": (_positive_int, "a positive number of days"),
    "loan.fund_share_pct": (_percent, "a percentage"),
    "loan.requires_training": (_flag, "true or false"),
    "loan.min_business_age_months": (_non_negative_int, "a number of months"),
    "loan.online_merchant_min_months": (_non_negative_int, "a number of months"),
    "loan.small_micro_hire_pct": (_percent, "a percentage"),
    "loan.small_micro_hire_pct_over_threshold": (_percent, "a percentage"),
    "loan.small_micro_staff_threshold": (_positive_int, "a head count"),
    "loan.jobs_report_max_age_months": (_positive_int, "a positive number of months"),
    "subsidy.one_time_startup_months": (_positive_int, "a positive number of months"),
    "subsidy.rent_max_months": (_positive_int, "a positive number of months"),
    "subsidy.jobs_report_max_age_months": (_positive_int, "a positive number of months"),
}


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; dicts whose keys are codes stay whole."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and path not in SCHEMA:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


@dataclass(frozen=True)
class RuleSet:
    """One version of a jurisdiction's policy numbers."""

    jurisdiction: str
    version: int
    effective_from: date
    source: str
    values: Mapping[str, Any] = field(repr=False)

    def __post_init__(self) -> None:
        problems = [
            f"{path}: missing" for path in SCHEMA if path not in self.values
        ] + [
            f"{path}: must be {SCHEMA[path][1]}, got {self.values[path]!r}"
            for path in SCHEMA
            if path in self.values and not SCHEMA[path][0](self.values[path])
        ] + [f"{path}: not a known rule number" for path in self.values if path not in SCHEMA]
        if problems:
            raise RuleSetError(f"rule set {self.ref}: " + "; ".join(problems))
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def ref(self) -> str:
        """The id stored on events that depended on this version: ``CN@2``."""
        return f"{self.jurisdiction}@{self.version}"

    def number(self, path: str) -> Any:
        """The value at ``path`` (``"training.min_hours"``)."""
        return self.values[path]


class RuleBook:
    """All rule sets the bureau knows, resolved by jurisdiction and date."""

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        by_jurisdiction: dict[str, list[RuleSet]] = {}
        for rule_set in rule_sets:
            by_jurisdiction.setdefault(rule_set.jurisdiction, []).append(rule_set)
        for jurisdiction, versions in by_jurisdiction.items():
            versions.sort(key=lambda r: r.version)
            numbers = [r.version for r in versions]
            if numbers != list(range(1, len(numbers) + 1)):
                raise RuleSetError(f"{jurisdiction}: versions must be 1, 2, 3 … without gaps")
            starts = [r.effective_from for r in versions]
            if starts != sorted(set(starts)):
                raise RuleSetError(
                    f"{jurisdiction}: each version must take effect after the one before"
                )
        if NATIONAL not in by_jurisdiction:
            raise RuleSetError("the national rule set (CN) is required")
        self._versions = by_jurisdiction
        self._in_force: dict[tuple[date, str | None], RuleSet] = {}

    def in_force(self, on: date, district: str | None = None) -> RuleSet:
        """The rule set in force on ``on`` for ``district`` (most specific first)."""
        key = (on, district)
        if key not in self._in_force:  # the book never changes, so answers can be kept
            self._in_force[key] = self._find(on, district)
        return self._in_force[key]

    def _find(self, on: date, district: str | None) -> RuleSet:
        for jurisdiction in _jurisdictions(district):
            versions = self._versions.get(jurisdiction, [])
            current = [r for r in versions if r.effective_from <= on]
            if current:
                return current[-1]
        raise RuleSetError(f"no rule set is in force on {on.isoformat()}")

    def get(self, ref: str) -> RuleSet:
        """The version named by an event's ``rule_set`` field."""
        jurisdiction, _, number = ref.partition("@")
        for rule_set in self._versions.get(jurisdiction, []):
            if str(rule_set.version) == number:
                return rule_set
        raise RuleSetError(f"unknown rule set {ref}")

    def __iter__(self):  # type: ignore[no-untyped-def]
        for versions in self._versions.values():
            yield from versions


def _jurisdictions(district: str | None) -> list[str]:
    if not district:
        return [NATIONAL]
    chain = [district, district[:4] + "00", district[:2] + "0000", NATIONAL]
    return list(dict.fromkeys(chain))
