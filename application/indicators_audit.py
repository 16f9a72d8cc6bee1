"""The indicators as the system reported them at a past moment, beside the same figures now.

An internal audit of a reported figure (a completion rate, a pass rate) asks
two things: what did the system say then, and why does it say something else
now?  Both columns are the same computation, :func:`domain.indicators.indicator_facts`
summed as the indicators view sums them, once over each case's events recorded
up to the moment and once over all of them.  A case's stream only grows, so
the facts of a case that recorded nothing since the moment are the same in
both columns; for the others, every event recorded after the moment is applied
in turn and the ones that changed a counted fact of the period and district
are the explanation: back-dated entries (recorded after the moment for a day
on or before it), corrections that took effect, and what happened later.

The figures decided at a report date (:mod:`application.projections.report_time`:
follow-up timeliness and 12-month survival) are computed for the moment's date
in both columns, as the dashboard showed them that day: follow-up timeliness
from each case's work items (:func:`domain.followups.due_items`) over the
events known then and over all of them, survival from the facts dated up to
that date.  So their difference is only what was recorded since about the
time up to the moment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from application.integrity import stream_ids
from application.investigation import InvestigationError, Moment
from application.projections.indicators import IndicatorRow, areas, rate
from domain.case import Case
from domain.followups import due_items
from domain.indicators import KPIS, REPORT_TIME, Fact, indicator_facts
from domain.targets import Targets
from domain.values import BUREAU_TZ

if TYPE_CHECKING:
    from application.cases import Cases

#: Indicators summed in 分.
MONEY = frozenset({"loan_granted", "loan_settled", "loan_due", "loan_repaid_on_time",
                   "loan_compensated"})
#: Derived figures: name → (numerator, denominator, denominator measure, kind).
RATES: dict[str, tuple[str, str, str, str]] = {
    "pass_rate": ("training_passed", "training_completions", "total", "rate"),  # 培训合格率
    "start_rate": ("trained_then_started", "training_passed", "total", "rate"),  # 培训后创业率
    "jobs_per_start": ("jobs", "supported_start", "people", "ratio"),  # 创业带动就业比
    "repayment_rate": ("loan_repaid_on_time", "loan_due", "total", "rate"),  # 到期还款率
    "compensation_rate": ("loan_compensated", "loan_due", "total", "rate"),  # 代偿率
    "survival_rate": ("business_survived", "business_anniversary", "total", "rate"),  # 存活率
}
#: Follow-up timeliness (跟踪服务及时率): items due, items in time, and their rate.
FOLLOW_UPS = ("followups_due", "followups_in_time", "timeliness_rate")
CORRECTIONS = frozenset({"RecordCorrected", "CorrectionApproved"})
#: Personal data that a correction's explanation never shows.
_MASKED_FIELDS = frozenset({"id_number", "mobile"})
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-?[Qq]([1-4]))?$")
Value = int | float | None


@dataclass(frozen=True)
class Period:
    """The effective dates a figure covers: a month, a quarter or a year."""

    name: str
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2024-03``, ``2024Q1`` (or ``2024-Q1``) or ``2024``; ValueError otherwise."""
        match = _PERIOD.match(text.strip())
        if match is None or not 2000 <= int(match[1]) <= 2100:
            raise ValueError(f"not a month, quarter or year: {text!r}")
        year = int(match[1])
        if match[2]:
            month = int(match[2])
            if not 1 <= month <= 12:
                raise ValueError(f"no month {month}")
            return cls(f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month))
        if match[3]:
            quarter = int(match[3])
            return cls(f"{year}Q{quarter}", date(year, 3 * quarter - 2, 1),
                       _month_end(year, 3 * quarter))
        return cls.year_of(year)

    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(str(year), date(year, 1, 1), date(year, 12, 31))

    @property
    def year(self) -> int | None:
        """The year, when the period is a whole calendar year (targets are yearly)."""
        whole = self.first == date(self.first.year, 1, 1) and self.last == date(
            self.first.year, 12, 31)
        return self.first.year if whole else None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@dataclass(frozen=True)
class Explanation:
    """An event recorded after the moment that changed a counted fact."""

    case_no: str  # or ``targets/<district>/<year>`` for a target
    version: int
    event: str
    kind: str  # backdated | correction | later | target
    occurred_on: date
    recorded_at: datetime
    actor: str
    actor_role: str
    detail: str = ""


@dataclass(frozen=True)
class Figure:
    """One figure as known at the moment and as known now."""

    name: str  # a KPI, a rate of RATES, ``target.<kpi>`` or ``completion.<kpi>``
    kind: str  # count | people | money (分) | rate (a fraction) | ratio (jobs per start)
    then: Value
    now: Value
    explained_by: tuple[Explanation, ...] = ()

    @property
    def differs(self) -> bool:
        return self.then != self.now


@dataclass(frozen=True)
class IndicatorsAudit:
    """Every figure of a period and district, then and now, for one moment."""

    moment: Moment
    period: Period
    district: str | None
    figures: tuple[Figure, ...]
    report_date: date | None = None


def audit_indicators(cases: Cases, moment: Moment, period: Period,
                     district: str | None = None) -> IndicatorsAudit:
    """Every indicator of a period and district as known at ``moment`` and as known now."""
    if moment.at is None:
        raise InvestigationError("moment_needs_time",
                                 "a version names a moment of one case; give a date-time",
                                 moment=str(moment))
    scope = _Scope(moment, period, areas(district) if district else None, cases.rules)
    for case_id in stream_ids(cases.recorder, topics=[get_topic(Case.Enrolled)]):
        scope.add_case(list(cases.events.get(case_id)))
    figures = [scope.kpi_figure(kpi) for kpi in KPIS]
    figures += [scope.rate_figure(name) for name in RATES]
    figures += scope.follow_up_figures()
    if district and period.year:
        targets = list(cases.events.get(Targets.create_id(district, period.year)))
        figures += scope.target_figures(targets, f"targets/{district}/{period.year}")
    return IndicatorsAudit(moment, period, district, tuple(figures), scope.day)


class _Scope:
    """The facts of a period and district, then and now, and the events that changed them."""

    def __init__(self, moment: Moment, period: Period,
                 districts: tuple[str, ...] | None, rules: Any) -> None:
        self.moment, self.period, self.districts, self.rules = moment, period, districts, rules
        assert moment.at is not None
        self.day = moment.at.astimezone(BUREAU_TZ).date()  # the report date of both columns
        self.then: list[Fact] = []
        self.now: list[Fact] = []
        self.why: dict[str, list[Explanation]] = {kpi: [] for kpi in (*KPIS, "followups")}
        self.items_then: list[bool] = []
        self.items_now: list[bool] = []

    def counted(self, facts: Iterable[Fact]) -> list[Fact]:
        return [f for f in facts if f.on in self.period
                and (self.districts is None or f.district in self.districts)
                and (f.kpi not in REPORT_TIME or f.on <= self.day)]

    def follow_ups(self, events: Sequence[Any]) -> Counter[tuple[str, bool]]:
        """The case's follow-up items that count on the report date: (key, in time)."""
        found: Counter[tuple[str, bool]] = Counter()
        for item in due_items(events, self.rules):
            if item.due_on in self.period and (self.districts is None
                                               or item.district in self.districts):
                timely = item.timely_on(self.day)
                if timely is not None:
                    found[(item.key, timely)] += 1
        return found

    def add_case(self, events: Sequence[Any]) -> None:
        known = sum(1 for e in events if self.moment.includes(e))
        now = self.counted(indicator_facts(events))
        then = now if known == len(events) else self.counted(indicator_facts(events[:known]))
        self.then += then
        self.now += now
        changed = [kpi for kpi in KPIS if _signature(then, kpi) != _signature(now, kpi)]
        if changed:
            self.explain(events, known, changed)
        items_now = self.follow_ups(events)
        items_then = items_now if known == len(events) else self.follow_ups(events[:known])
        self.items_then += [timely for (_, timely) in items_then.elements()]
        self.items_now += [timely for (_, timely) in items_now.elements()]
        if items_then != items_now:
            before = items_then
            for index in range(known, len(events)):
                after = self.follow_ups(events[:index + 1])
                if after != before:
                    self.why["followups"].append(self.explanation(events, events[index]))
                before = after

    def explain(self, events: Sequence[Any], known: int, kpis: list[str]) -> None:
        """Apply each later event in turn; keep those that changed a fact of ``kpis``."""
        before = self.counted(indicator_facts(events[:known]))
        for index in range(known, len(events)):
            after = self.counted(indicator_facts(events[:index + 1]))
            moved = [k for k in kpis if _signature(before, k) != _signature(after, k)]
            for kpi in moved:
                self.why[kpi].append(self.explanation(events, events[index]))
            before = after

    def explanation(self, events: Sequence[Any], event: Any) -> Explanation:
        name, detail = type(event).__name__, ""
        if name in CORRECTIONS:
            kind, detail = "correction", _correction_detail(events, event.correction_ref)
        else:
            kind = "backdated" if event.occurred_on <= self.day else "later"
        return Explanation(
            case_no=events[0].case_no, version=event.originator_version, event=name, kind=kind,
            occurred_on=event.occurred_on, recorded_at=event.timestamp, actor=event.actor,
            actor_role=event.actor_role, detail=detail)

    def row(self, facts: Iterable[Fact], kpi: str) -> IndicatorRow:
        """The one ungrouped row of ``kpi``, summed as the indicators view sums it."""
        mine = [f for f in facts if f.kpi == kpi]
        return IndicatorRow(count=len(mine), people=len({f.person for f in mine}),
                            total=sum(f.value for f in mine))

    def kpi_figure(self, kpi: str) -> Figure:
        measure = KPIS[kpi]
        then = self.row(self.then, kpi).measure(measure)
        now = self.row(self.now, kpi).measure(measure)
        kind = "money" if kpi in MONEY else "people" if measure == "people" else "count"
        return Figure(kpi, kind, then, now, _merged(self.why[kpi]) if then != now else ())

    def ratio(self, facts: list[Fact], numerator: str, denominator: str,
              measure: str) -> float | None:
        (value,) = rate([self.row(facts, numerator)], [self.row(facts, denominator)],
                        denominator=measure).values()
        return value

    def rate_figure(self, name: str) -> Figure:
        numerator, denominator, measure, kind = RATES[name]
        then = self.ratio(self.then, numerator, denominator, measure)
        now = self.ratio(self.now, numerator, denominator, measure)
        why = _merged(self.why[numerator], self.why[denominator]) if then != now else ()
        return Figure(name, kind, then, now, why)

    def follow_up_figures(self) -> list[Figure]:
        """Follow-up items due, in time, and their rate (跟踪服务及时率) on the report date."""
        why = _merged(self.why["followups"])
        due = (len(self.items_then), len(self.items_now))
        in_time = (sum(self.items_then), sum(self.items_now))
        rates = tuple(_share(part, whole) for part, whole in zip(in_time, due, strict=True))
        return [Figure(name, kind, then, now, why if then != now else ())
                for name, kind, (then, now) in zip(
                    FOLLOW_UPS, ("count", "count", "rate"), (due, in_time, rates), strict=True)]

    def target_figures(self, events: Sequence[Any], label: str) -> list[Figure]:
        """Each target set for the district and year, and the completion (任务完成率)."""
        sets = [e for e in events if type(e).__name__ == "TargetSet"]
        figures = []
        for kpi in dict.fromkeys(e.kpi for e in sets):
            mine = [e for e in sets if e.kpi == kpi]
            then = next((e.value for e in reversed(mine) if self.moment.includes(e)), None)
            now = mine[-1].value
            later = tuple(Explanation(
                case_no=label, version=e.originator_version, event="TargetSet", kind="target",
                occurred_on=e.occurred_on, recorded_at=e.timestamp, actor=e.actor,
                actor_role=e.actor_role, detail=f"{kpi} = {e.value}")
                for e in mine if not self.moment.includes(e))
            done = self.kpi_figure(kpi)
            figures.append(Figure(f"target.{kpi}", done.kind, then, now,
                                  later if then != now else ()))
            completion_then = _share(done.then, then)
            completion_now = _share(done.now, now)
            why = (_merged(self.why[kpi] if done.differs else [], later)
                   if completion_then != completion_now else ())
            figures.append(Figure(f"completion.{kpi}", "rate", completion_then,
                                  completion_now, why))
        return figures


def _signature(facts: Iterable[Fact], kpi: str) -> Counter[tuple[int, str]]:
    """What of a case's facts a figure of ``kpi`` reads: values and persons."""
    return Counter((f.value, f.person) for f in facts if f.kpi == kpi)


def _merged(*groups: Iterable[Explanation]) -> tuple[Explanation, ...]:
    """The explanations of several figures, each once, in the order they were recorded."""
    unique = {(e.case_no, e.version): e for group in groups for e in group}
    return tuple(sorted(unique.values(), key=lambda e: (e.recorded_at, e.case_no, e.version)))


def _share(actual: Value, target: Value) -> float | None:
    return actual / target if actual is not None and target else None


def _correction_detail(events: Sequence[Any], ref: str) -> str:
    """``TrainingCompleted v5 occurred_on: 2024-04-02 → 2024-03-29 (reason)``, masked."""
    request = next((e for e in events if type(e).__name__ == "RecordCorrected"
                    and e.correction_ref == ref), None)
    if request is None:
        return ref
    change = "" if request.field in _MASKED_FIELDS else \
        f": {request.old_value} → {request.new_value}"
    return (f"{request.event_name} v{request.target_version} {request.field}{change} "
            f"({request.reason})")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
