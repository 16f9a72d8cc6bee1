"""Money arithmetic: integer 分 (fen), basis points, quarters, months, and the LPR.

Interest and subsidies are computed exactly (``Fraction``) and rounded once,
half-up to the 分, so that a subsidy computed from the unrounded interest
never drifts from the bank's figure by more than half a 分.
"""

from __future__ import annotations

import calendar
import json
import re
from bisect import bisect_right
from datetime import date, timedelta
from fractions import Fraction
from functools import cache
from importlib.resources import files

from domain.errors import InvalidValueError

DAYS_PER_YEAR = 365  # the actual/365 convention of Chinese bank loans
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def round_half_up(value: Fraction) -> int:
    """Round a non-negative amount of 分 to the nearest 分, halves up."""
    if value < 0:
        raise ValueError("amounts are never negative")
    return int(value + Fraction(1, 2))


def interest_fen(principal_fen: int, rate_bp: int, days: int) -> Fraction:
    """Exact interest on ``principal_fen`` at ``rate_bp`` a year over ``days`` actual days."""
    if principal_fen < 0 or rate_bp < 0 or days < 0:
        raise ValueError("principal, rate and days are never negative")
    return Fraction(principal_fen * rate_bp * days, 10_000 * DAYS_PER_YEAR)


def subsidised_rate_bp(rule: str, actual_rate_bp: int, lpr_bp: int) -> Fraction:
    """The part of the annual rate the treasury pays under a subsidy rule.

    ``LPR_MINUS_150BP``: the borrower pays up to LPR − 150 BP, the rest is
    subsidised.  ``HALF_ACTUAL_RATE_2023``: half the actual rate (财金〔2023〕75号).
    """
    if rule == "LPR_MINUS_150BP":
        return Fraction(max(0, actual_rate_bp - max(0, lpr_bp - 150)))
    if rule == "HALF_ACTUAL_RATE_2023":
        return Fraction(actual_rate_bp, 2)
    raise ValueError(f"unknown subsidy rule {rule}")


def subsidy_fen(principal_fen: int, subsidised_bp: Fraction, days: int,
                interest_paid_fen: int) -> int:
    """The subsidy for ``days`` eligible days, never more than the interest paid."""
    exact = Fraction(principal_fen) * subsidised_bp * days / (10_000 * DAYS_PER_YEAR)
    return min(round_half_up(exact), interest_paid_fen)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months; the 31st becomes the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` comes first)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def quarter(raw: object, field: str = "period") -> tuple[str, date, date]:
    """``"2024-Q3"`` → the label, its first and its last day."""
    match = _QUARTER.match(str(raw).strip().upper()) if isinstance(raw, str) else None
    if match is None:
        raise InvalidValueError(field, "quarter", "must be a quarter such as 2024-Q3")
    year, number = int(match[1]), int(match[2])
    first = date(year, 3 * number - 2, 1)
    last = add_months(first, 3) - timedelta(days=1)
    return f"{year}-Q{number}", first, last


def days_inclusive(first: date, last: date) -> int:
    """Days from ``first`` to ``last``, both counted (0 if ``last`` is earlier)."""
    return max((last - first).days + 1, 0)


def money(raw: object, field: str, *, maximum: int = 10**12) -> int:
    """An amount in 分: a positive whole number."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidValueError(field, "type", "must be a whole number of 分")
    if raw <= 0:
        raise InvalidValueError(field, "too_small", "must be more than zero")
    if raw > maximum:
        raise InvalidValueError(field, "too_large", "is larger than any allowed amount")
    return raw


@cache
def _lpr_table() -> tuple[list[date], list[int]]:
    data = json.loads(files("domain").joinpath("data/lpr.json").read_text("utf-8"))
    items = sorted((date.fromisoformat(d), int(bp)) for d, bp in data["rates"].items())
    return [d for d, _ in items], [bp for _, bp in items]


def lpr_bp(on: date) -> int:
    """The 1-year LPR (or, before the 2019 reform, the benchmark rate) in force on ``on``."""
    dates, rates = _lpr_table()
    index = bisect_right(dates, on) - 1
    if index < 0:
        raise ValueError(f"no reference rate is known for {on.isoformat()}")
    return rates[index]
