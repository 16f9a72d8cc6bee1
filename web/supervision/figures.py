"""The dashboard's figures: each indicator by month and district, against its targets."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from application.projections.indicators import IndicatorsView, areas
from domain.indicators import KPIS
from web.i18n import _l

LABELS = {
    "training_completions": _l("Training completions"),
    "training_passed": _l("Trainings passed"),
    "training_failed": _l("Trainings failed"),
    "trained_then_started": _l("Passed, then started a business"),
    "supported_start": _l("Supported business starts (people)"),
    "jobs": _l("Jobs created"),
    "loan_granted": _l("Loans granted"),
    "loan_settled": _l("Loans settled"),
    "loan_due": _l("Loan principal falling due"),
    "loan_repaid_on_time": _l("Repaid on time"),
    "loan_compensated": _l("Compensated by the guarantee fund"),
    "resource_matching": _l("Resource matchings"),
    "activities_held": _l("Activities held"),
    "activity_attendances": _l("Attendances at activities"),
}
#: Indicators counted in 分: shown as money, charted in yuan.
MONEY = frozenset({"loan_granted", "loan_settled", "loan_due", "loan_repaid_on_time",
                   "loan_compensated"})
#: The indicators each district and month is compared on (tables and charts).
MAIN = ("training_completions", "training_passed", "supported_start", "jobs", "loan_granted",
        "activities_held", "activity_attendances")
#: name → (numerator, denominator, denominator measure): the year's rates.
RATES = {
    "pass_rate": (_l("Training pass rate"), "training_passed", "training_completions"),
    "start_rate": (_l("Start rate after training"), "trained_then_started", "training_passed"),
    "jobs_per_start": (_l("Jobs per supported start"), "jobs", "supported_start"),
    "repayment_rate": (_l("Repayment rate"), "loan_repaid_on_time", "loan_due"),
    "compensation_rate": (_l("Compensation rate"), "loan_compensated", "loan_due"),
}


@dataclass(frozen=True)
class Line:
    """One indicator: the month's and the year's figure, the year's target and completion."""

    kpi: str
    label: str
    month: int
    year: int
    target: int | None
    completion: float | None
    money: bool


@dataclass
class Figures:
    """Everything the dashboard shows, for one scope and month."""

    month: str
    year: int
    lines: list[Line]
    rates: list[tuple[str, float | None, bool]]
    months: list[str]
    by_month: dict[str, list[int]]
    districts: list[str]
    by_district: dict[str, dict[str, Line]] = field(default_factory=dict)

    def chart_data(self, district_name: Any) -> dict[str, Any]:
        """What dashboard.js draws: labels translated here, money in yuan."""
        def shown(kpi: str, value: int | None) -> float | None:
            return None if value is None else (value / 100 if kpi in MONEY else value)

        return {
            "months": self.months,
            "byMonth": [{"name": str(LABELS[k]), "data": [shown(k, v) for v in self.by_month[k]]}
                        for k in MAIN if k not in MONEY],
            "districts": [district_name(d) for d in self.districts],
            "completion": [{"name": str(LABELS[k]), "data": [
                None if self.by_district[d][k].completion is None
                else round(self.by_district[d][k].completion * 100, 1)
                for d in self.districts]} for k in MAIN],
        }


def month_bounds(month: date) -> tuple[date, date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def figure(view: IndicatorsView, kpi: str, start: date, end: date,
           districts: tuple[str, ...]) -> int:
    """One indicator summed over a period and the districts (() = all)."""
    rows = view.summarise(kpi, date_from=start, date_to=end, districts=districts)
    return sum(row.measure(KPIS[kpi]) for row in rows)


def target(view: IndicatorsView, scope: str | None, year: int, kpi: str) -> int | None:
    """The scope's own target, else the sum of its counties' targets (None if none is set)."""
    if scope is None:
        return None
    own = view.target(scope, year, kpi)
    if own is not None:
        return own
    parts = [view.target(c, year, kpi) for c in areas(scope) if c != scope]
    found = [value for value in parts if value is not None]
    return sum(found) if found else None


def line(view: IndicatorsView, kpi: str, month: date, districts: tuple[str, ...],
         scope: str | None) -> Line:
    year_from, year_to = date(month.year, 1, 1), date(month.year, 12, 31)
    actual = figure(view, kpi, year_from, year_to, districts)
    goal = target(view, scope, month.year, kpi)
    return Line(kpi, str(LABELS[kpi]), figure(view, kpi, *month_bounds(month), districts),
                actual, goal, actual / goal if goal else None, kpi in MONEY)


def figures(view: IndicatorsView, month: date, districts: tuple[str, ...],
            scope: str | None) -> Figures:
    """The figures of ``month`` and its year in ``districts`` (() = all); ``scope``'s targets."""
    lines = [line(view, kpi, month, districts, scope) for kpi in KPIS]
    year = {x.kpi: x.year for x in lines}
    rates = []
    for name, (text, above, below) in RATES.items():
        denominator = year[below]
        rates.append((str(text), year[above] / denominator if denominator else None,
                      name == "jobs_per_start"))
    months = [f"{month.year}-{m:02d}" for m in range(1, 13)]
    by_month = {}
    for kpi in MAIN:
        rows = view.summarise(kpi, date_from=date(month.year, 1, 1),
                              date_to=date(month.year, 12, 31), districts=districts, by=("month",))
        found = {row.month: row.measure(KPIS[kpi]) for row in rows}
        by_month[kpi] = [found.get(m, 0) for m in months]
    counties = list(districts) or _districts_with_facts(view, month.year)
    result = Figures(f"{month:%Y-%m}", month.year, lines, rates, months, by_month, counties)
    result.by_district = {c: {k: line(view, k, month, (c,), c) for k in MAIN} for c in counties}
    return result


def _districts_with_facts(view: IndicatorsView, year: int) -> list[str]:
    rows = view.summarise("training_completions", date_from=date(year, 1, 1),
                          date_to=date(year, 12, 31), by=("district",))
    found = {row.district for row in rows if row.district}
    for kpi in ("supported_start", "loan_granted", "activity_attendances"):
        found |= {row.district for row in view.summarise(
            kpi, date_from=date(year, 1, 1), date_to=date(year, 12, 31), by=("district",))
            if row.district}
    return sorted(found)
