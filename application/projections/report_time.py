"""The indicators decided at a report date: 跟踪服务及时率 and 12-month survival.

Every other indicator is a sum of facts dated in a period.  These two also
depend on the day the report is made, because what they count is only decided
with time: a follow-up item is in time or late once it is done or its window
has ended, and a business has survived its first year once its anniversary has
passed.  So they are asked for a report date ``on`` (the dashboard's is today)
and a period, and computed from the views at query time:

- **Follow-up timeliness** (跟踪服务及时率) = follow-up service items done in time
  ÷ items due, from the work queue: the items whose ``due_on`` falls in the
  period and whose outcome is known on the report date
  (:func:`domain.followups.timely` has every edge case).
- **12-month survival** (12个月存活率) = businesses still operating at +12 months
  ÷ businesses that reached +12 months, from the indicator facts
  ``business_survived`` and ``business_anniversary`` dated in the period and on
  or before the report date (:mod:`domain.indicators` has every edge case).

Without a period (``date_from``/``date_to`` left out) a figure covers every
item due and every business registered 12 months or more before the report
date.  Figures are by county; a city or province stands for its counties and
its figure is the sum of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from application.projections import Share
from application.projections.indicators import IndicatorsView
from application.projections.work_queue import WorkQueueView

#: The report-time rates, in the order they are shown.
RATES = ("timeliness", "survival")


def timeliness(queue: WorkQueueView, on: date, *, date_from: date = date.min,
               date_to: date = date.max, districts: tuple[str, ...] = ()) -> dict[str, Share]:
    """Follow-up items in time of items due ``date_from``–``date_to``, by county, as of ``on``."""
    return queue.timeliness(on, date_from=date_from, date_to=date_to, districts=districts)


def survival(view: IndicatorsView, on: date, *, date_from: date = date.min,
             date_to: date = date.max, districts: tuple[str, ...] = ()) -> dict[str, Share]:
    """Businesses still operating at +12 months of those that reached +12 months
    ``date_from``–``date_to``, by county, as of ``on``."""
    last = min(date_to, on)
    if last < date_from:
        return {}

    def by_district(kpi: str) -> dict[str, int]:
        rows = view.summarise(kpi, date_from=date_from, date_to=last, districts=districts,
                              by=("district",))
        return {str(row.district): row.total for row in rows}

    survived = by_district("business_survived")
    return {district: Share(survived.get(district, 0), reached)
            for district, reached in by_district("business_anniversary").items()}


def rate_of(name: str, queue: WorkQueueView, view: IndicatorsView, on: date, *,
            date_from: date = date.min, date_to: date = date.max,
            districts: tuple[str, ...] = ()) -> dict[str, Share]:
    """One of :data:`RATES` by county."""
    if name == "timeliness":
        return timeliness(queue, on, date_from=date_from, date_to=date_to, districts=districts)
    if name == "survival":
        return survival(view, on, date_from=date_from, date_to=date_to, districts=districts)
    raise ValueError(f"no report-time rate {name!r}; known: {', '.join(RATES)}")


def total(shares: Iterable[Share]) -> Share:
    """The sum of several counties' shares (a city's, a province's)."""
    return sum(shares, Share())
