"""The dashboard's figures: each indicator by month and district, against its targets."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from application.projections import Share
from application.projections.indicators import IndicatorsView, areas
from application.projections.report_time import RATES as REPORT_RATES
from application.projections.report_time import rate_of, total
from application.projections.work_queue import WorkQueueView
from domain.indicators import KPIS, REPORT_TIME
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
    "business_anniversary": _l("Businesses reaching 12 months"),
    "business_survived": _l("Still operating at 12 months"),
}
#: The report-time rates: their name and the names of their part and whole.
REPORT_LABELS = {
    "timeliness": (_l("Follow-up timeliness"), _l("Follow-up items done in time"),
                   _l("Follow-up items due")),
    "survival": (_l("12-month business survival"), LABELS["business_survived"],
                 LABELS["business_anniversary"]),
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


@dataclass(frozen=True)
class ReportLine:
    """A report-time rate as of the report date: this month, this year, and all to date."""

    name: str
    label: str
    part_label: str
    whole_label: str
    month: Share
    year: Share
    to_date: Share


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
    report_on: date | None = None
    report: list[ReportLine] = field(default_factory=list)
    report_by_district: dict[str, dict[str, ReportLine]] = field(default_factory=dict)

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


def report_lines(view: IndicatorsView, queue: WorkQueueView, month: date, on: date,
                 districts: tuple[str, ...],
                 ) -> tuple[list[ReportLine], dict[str, dict[str, ReportLine]]]:
    """Each report-time rate as of ``on`` for ``month``, its year and all to date: in all of
    ``districts`` (() = all), and by county."""
    periods = {"month": month_bounds(month),
               "year": (date(month.year, 1, 1), date(month.year, 12, 31)),
               "to_date": (date.min, date.max)}
    lines, by_county = [], {}
    for name in REPORT_RATES:
        found = {period: rate_of(name, queue, view, on, date_from=first, date_to=last,
                                 districts=districts)
                 for period, (first, last) in periods.items()}
        labels = [str(text) for text in REPORT_LABELS[name]]
        lines.append(ReportLine(name, *labels, **{p: total(f.values()) for p, f in found.items()}))
        for county in sorted({c for f in found.values() for c in f}):
            by_county.setdefault(county, {})[name] = ReportLine(
                name, *labels, **{p: f.get(county, Share()) for p, f in found.items()})
    return lines, by_county


def figures(view: IndicatorsView, month: date, districts: tuple[str, ...],
            scope: str | None, queue: WorkQueueView | None = None,
            on: date | None = None) -> Figures:
    """The figures of ``month`` and its year in ``districts`` (() = all); ``scope``'s targets;
    with the work queue, the report-time rates as of ``on``."""
    lines = [line(view, kpi, month, districts, scope) for kpi in KPIS if kpi not in REPORT_TIME]
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
    if queue is not None and on is not None:
        result.report_on = on
        result.report, by_county = report_lines(view, queue, month, on, districts)
        empty = {r.name: ReportLine(r.name, r.label, r.part_label, r.whole_label, Share(),
                                    Share(), Share()) for r in result.report}
        result.report_by_district = {c: {**empty, **by_county.get(c, {})}
                                     for c in sorted({*counties, *by_county})}
        result.rates += [(line.label, line.year.rate, False) for line in result.report]
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
