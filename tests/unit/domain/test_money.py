"""Interest, subsidies, quarters and months: exact arithmetic, one rounding."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValueError
from domain.money import (
    add_months,
    interest_fen,
    lpr_bp,
    months_between,
    quarter,
    round_half_up,
    subsidised_rate_bp,
    subsidy_fen,
)


def test_the_worked_example_of_the_current_subsidy() -> None:
    # 300,000元 at 3.45% for 92 days: interest 2,608.77元, half of it 1,304.38元.
    interest = interest_fen(30_000_000, 345, 92)

    subsidy = subsidy_fen(30_000_000, subsidised_rate_bp("HALF_ACTUAL_RATE_2023", 345, 345),
                          92, interest_paid_fen=round_half_up(interest))

    assert round_half_up(interest) == 260_877
    assert subsidy == 130_438


def test_the_subsidy_is_rounded_from_the_exact_amount_not_from_rounded_interest() -> None:
    exact_half = interest_fen(30_000_000, 345, 92) / 2

    assert round_half_up(exact_half) == 130_438
    assert round_half_up(Fraction(round_half_up(interest_fen(30_000_000, 345, 92)), 2)) == 130_439


@pytest.mark.parametrize(("value", "rounded"), [
    (Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(49, 100), 0), (Fraction(251, 2), 126),
])
def test_halves_round_up(value: Fraction, rounded: int) -> None:
    assert round_half_up(value) == rounded


def test_before_october_2023_the_borrower_pays_up_to_lpr_minus_150_bp() -> None:
    # LPR 3.45%: the borrower pays up to 1.95%; of a 4.00% loan, 2.05% is subsidised.
    assert subsidised_rate_bp("LPR_MINUS_150BP", 400, 345) == 205
    assert subsidised_rate_bp("LPR_MINUS_150BP", 180, 345) == 0


@given(
    principal=st.integers(min_value=1, max_value=400_000_000),
    rate=st.integers(min_value=1, max_value=1_000),
    lpr=st.integers(min_value=150, max_value=600),
    days=st.integers(min_value=0, max_value=92),
    rule=st.sampled_from(["LPR_MINUS_150BP", "HALF_ACTUAL_RATE_2023"]),
    paid_share=st.fractions(min_value=0, max_value=2),
)
def test_the_subsidy_never_exceeds_the_interest_paid(
    principal: int, rate: int, lpr: int, days: int, rule: str, paid_share: Fraction
) -> None:
    paid = round_half_up(interest_fen(principal, rate, days) * paid_share)

    subsidy = subsidy_fen(principal, subsidised_rate_bp(rule, rate, lpr), days, paid)

    assert 0 <= subsidy <= paid
    assert subsidy <= round_half_up(interest_fen(principal, rate, days))


@given(principal=st.integers(min_value=1, max_value=400_000_000),
       rate=st.integers(min_value=1, max_value=1_000),
       paid=st.integers(min_value=0, max_value=10**9))
def test_overdue_days_earn_no_subsidy(principal: int, rate: int, paid: int) -> None:
    # Days from overdue_since on are left out: a quarter spent overdue counts 0 days.
    assert subsidy_fen(principal, subsidised_rate_bp("HALF_ACTUAL_RATE_2023", rate, 345),
                       0, paid) == 0


@pytest.mark.parametrize(("raw", "first", "last"), [
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2024-q3", date(2024, 7, 1), date(2024, 9, 30)),
    ("2023-Q4", date(2023, 10, 1), date(2023, 12, 31)),
])
def test_a_quarter_spans_its_three_months(raw: str, first: date, last: date) -> None:
    assert quarter(raw)[1:] == (first, last)


@pytest.mark.parametrize("raw", ["2024-Q5", "2024Q1", "", "Q1-2024"])
def test_a_malformed_quarter_names_the_period(raw: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        quarter(raw)

    assert (refused.value.field, refused.value.code) == ("period", "quarter")


def test_months_are_calendar_months_and_month_ends_stay_month_ends() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 20), 36) == date(2027, 8, 20)
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_between(date(2024, 5, 6), date(2024, 8, 5)) == 2
    assert months_between(date(2024, 5, 6), date(2024, 8, 6)) == 3


@pytest.mark.parametrize(("on", "bp"), [
    (date(2016, 6, 1), 435), (date(2019, 8, 20), 425), (date(2023, 8, 21), 345),
    (date(2024, 10, 20), 335), (date(2024, 10, 21), 310), (date(2026, 1, 1), 300),
])
def test_the_reference_rate_is_the_one_announced_by_the_date(on: date, bp: int) -> None:
    assert lpr_bp(on) == bp
