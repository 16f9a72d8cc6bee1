"""The supervisors' indicators: facts of every case, summed by period and breakdown, and targets.

The facts of a case are a pure function of its stream (``domain.indicators``):
on each event of a case they are computed again and replace the old ones, so
a correction or a transfer changes the figures exactly as a fresh replay
would.  A figure is a sum over facts asked for by indicator, period and
districts, grouped by any of the breakdowns; a rate divides two figures
(:func:`rate`), and the completion of a target (任务完成率) divides the year's
figure by the target the district's ``Targets`` stream holds.

A district in a query is a county, or a city meaning all its counties.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from application.projections import RecomputesCases, View, case_topics
from domain.case import Case
from domain.divisions import divisions
from domain.indicators import KPIS, Fact, indicator_facts
from domain.targets import Targets

if TYPE_CHECKING:
    pass

#: The breakdowns a figure can be grouped by, in the order rows are keyed.
BREAKDOWNS = ("district", "month", "returnee_type", "sex", "loan_group", "course")
TARGET_TOPICS = (get_topic(Targets.Registered), get_topic(Targets.TargetSet))


@dataclass(frozen=True)
class IndicatorRow:
    """One group of a figure: its breakdown values (None where not grouped) and the sums."""

    district: str | None = None
    month: str | None = None
    returnee_type: str | None = None
    sex: str | None = None
    loan_group: str | None = None
    course: str | None = None
    count: int = 0
    people: int = 0
    total: int = 0

    @property
    def key(self) -> tuple[str | None, ...]:
        """The row's breakdown values, in the order of :data:`BREAKDOWNS`."""
        return tuple(getattr(self, name) for name in BREAKDOWNS)

    def measure(self, name: str) -> int:
        """``count`` (facts), ``people`` (distinct persons) or ``total`` (Σ value)."""
        if name not in ("count", "people", "total"):
            raise ValueError(f"no measure {name!r}")
        return int(getattr(self, name))


def rate(numerator_rows: Iterable[IndicatorRow], denominator_rows: Iterable[IndicatorRow], *,
         numerator: str = "total", denominator: str = "total",
         ) -> dict[tuple[str | None, ...], float | None]:
    """Numerator ÷ denominator per group (a fraction), None where the denominator is 0.

    培训合格率 is ``rate(passed, completions)``, the jobs multiplier
    ``rate(jobs, supported_start, denominator="people")``.
    """
    above = {row.key: row.measure(numerator) for row in numerator_rows}
    below = {row.key: row.measure(denominator) for row in denominator_rows}
    return {key: (above.get(key, 0) / below[key] if below.get(key) else None)
            for key in sorted(above.keys() | below.keys(), key=_sortable)}


def areas(district: str) -> tuple[str, ...]:
    """The county codes a district stands for: a city's counties, or the county itself."""
    return tuple(d.code for d in divisions().counties_of(district)) or (district,)


def check_query(kpi: str, by: tuple[str, ...] = ()) -> None:
    """Refuse an unknown indicator or breakdown (a programming error, not user input)."""
    if kpi not in KPIS:
        raise ValueError(f"no indicator {kpi!r}; known: {', '.join(KPIS)}")
    unknown = [name for name in by if name not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"no breakdown {unknown}; known: {', '.join(BREAKDOWNS)}")


class IndicatorsView(View):
    """Indicator facts by case, and targets by district, year and indicator."""

    name = "indicators"

    @abstractmethod
    def replace_facts(self, case_id: UUID, facts: list[Fact],
                      tracking: Tracking | None) -> None:
        """Replace a case's facts with ``facts``."""

    @abstractmethod
    def put_target(self, district: str, year: int, kpi: str, value: int,
                   tracking: Tracking) -> None:
        """Record a district's target of one indicator for a year."""

    @abstractmethod
    def summarise(self, kpi: str, *, date_from: date, date_to: date,
                  districts: tuple[str, ...] = (), by: tuple[str, ...] = (),
                  ) -> list[IndicatorRow]:
        """The facts of ``kpi`` dated ``date_from``–``date_to`` (inclusive), grouped ``by``."""

    @abstractmethod
    def sources(self, kpi: str, district: str, date_from: date,
                date_to: date) -> list[tuple[UUID, int]]:
        """The (case, version) of every event behind a district's figure of a period."""

    @abstractmethod
    def target(self, district: str, year: int, kpi: str) -> int | None:
        """The target set for a district, year and indicator, if any."""

    def completion(self, kpi: str, district: str,
                   year: int) -> tuple[int, int | None, float | None]:
        """The year's figure, its target and their ratio (任务完成率, a fraction)."""
        rows = self.summarise(kpi, date_from=date(year, 1, 1), date_to=date(year, 12, 31),
                              districts=(district,))
        actual = sum(row.measure(KPIS[kpi]) for row in rows)
        target = self.target(district, year, kpi)
        return actual, target, (actual / target if target else None)


class IndicatorsProjection(RecomputesCases, Projection[IndicatorsView]):
    """Recomputes a case's facts whenever its stream grows; records targets as they are set."""

    name = "indicators"
    topics = (*case_topics(), *TARGET_TOPICS)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, Case.Event):
            self.case_event(domain_event, tracking)
        elif isinstance(domain_event, Targets.TargetSet):
            # The event names the figure; its stream (district and year) names whose it is.
            targets = self.cases.repository.get(domain_event.originator_id,
                                                version=domain_event.originator_version)
            self.view.put_target(targets.district, targets.year, domain_event.kpi,
                                 domain_event.value, tracking)
        else:
            self.view.advance(tracking)

    def write(self, case_id: UUID, events: list[Any], tracking: Tracking | None) -> None:
        self.view.replace_facts(case_id, indicator_facts(events, final=self.folded(events)),
                                tracking)


def _sortable(key: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(value or "" for value in key)
