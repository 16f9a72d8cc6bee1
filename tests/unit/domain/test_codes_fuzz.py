"""Hostile text against the code validators: only the domain's own errors, and every value
built by its check-digit algorithm parses and round-trips."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.codes import (
    EntityType,
    IdNumber,
    Mobile,
    Uscc,
    id_check_character,
    uscc_check_character,
)
from domain.divisions import StatisticalCode, divisions
from domain.errors import DomainError

TODAY = date(2025, 6, 1)
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_PAIRS = ("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41",
              "49", "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89",
              "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

#: Text a person, a paste or a script might send: digits of every script, full-width
#: forms, controls, combining marks, and the near-misses of real codes.
digits_like = st.sampled_from("0123456789Xx０１２３４５６７８９Ｘ٠١٢٣٤٥٦٧٨٩०१२३¹²³⁰①⑴")
hostile_text = st.one_of(
    st.text(),  # any unicode without surrogates (hypothesis' default alphabet)
    st.text(alphabet=st.characters(codec="utf-8", categories=("Nd", "No", "Cc", "Cf", "Zs",
                                                              "Mn", "Lu"))),
    st.text(alphabet=digits_like, min_size=10, max_size=20),
    st.text(alphabet=st.sampled_from("0123456789 -+()\t\n\u3000\u200b"), max_size=30),
    st.text(min_size=1000, max_size=5000),
    st.builds(lambda d, n: d * n, digits_like, st.integers(min_value=1, max_value=20_000)),
)


def _refuses_only_as_domain_errors(parse: Callable[[str], Any], raw: str) -> None:
    try:
        parse(raw)
    except DomainError:
        pass  # a refusal the web layer turns into a 422 naming the field


PARSERS: dict[str, Callable[[str], Any]] = {
    "id_number": lambda raw: IdNumber.parse(raw, today=TODAY),
    "uscc": Uscc.parse,
    "uscc_enterprise": lambda raw: Uscc.parse(raw, entity_type=EntityType.ENTERPRISE),
    "mobile": Mobile.parse,
    "division": lambda raw: divisions().division(raw, field="hukou_division"),
    "county": lambda raw: divisions().county(raw, field="owning_district"),
    "statistical_code": lambda raw: StatisticalCode.parse(raw, county="370303"),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(raw=hostile_text)
def test_a_validator_refuses_any_text_only_with_a_domain_error(name: str, raw: str) -> None:
    _refuses_only_as_domain_errors(PARSERS[name], raw)


@FUZZ
@given(born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
       county=st.sampled_from(["370303", "370302", "110105", "440524", "620702", "650102"]),
       sequence=st.integers(min_value=0, max_value=999), full_width=st.booleans(),
       padding=st.sampled_from(["", " ", "\u3000", "\t"]))
def test_an_id_number_built_by_its_check_character_parses_and_round_trips(
    born: date, county: str, sequence: int, full_width: bool, padding: str,
) -> None:
    first17 = f"{county}{born:%Y%m%d}{sequence:03d}"
    number = first17 + id_check_character(first17)
    typed = number.translate(FULL_WIDTH) if full_width else number

    parsed = IdNumber.parse(f"{padding}{typed}{padding}", today=TODAY).value

    assert str(parsed) == number and parsed.birth_date == born and parsed.division == county
    assert IdNumber.parse(str(parsed), today=TODAY).value == parsed
    assert parsed.sex.value == ("M" if sequence % 2 else "F")


@FUZZ
@given(pair=st.sampled_from(USCC_PAIRS),
       division=st.from_regex(r"[0-9]{6}", fullmatch=True),
       body=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
       lower=st.booleans())
def test_a_uscc_built_by_its_check_character_parses_and_round_trips(
    pair: str, division: str, body: str, lower: bool,
) -> None:
    first17 = pair + division + body
    code = first17 + uscc_check_character(first17)

    parsed = Uscc.parse(code.lower() if lower else code).value

    assert str(parsed) == code and parsed.division == division
    assert Uscc.parse(str(parsed)).value == parsed


WRITINGS = (
    lambda n: n, lambda n: f"+86{n}", lambda n: f"0086{n}", lambda n: f"86{n}",
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}", lambda n: f"({n[:3]})-{n[3:7]}-{n[7:]}",
    lambda n: f"+86 {n[:3]}-{n[3:]}", lambda n: n.translate(FULL_WIDTH),
)


@FUZZ
@given(second=st.sampled_from("3456789"), rest=st.from_regex(r"[0-9]{9}", fullmatch=True),
       writing=st.sampled_from(WRITINGS))
def test_a_mobile_number_in_any_usual_writing_parses_and_round_trips(
    second: str, rest: str, writing: Callable[[str], str],
) -> None:
    number = f"1{second}{rest}"

    parsed = Mobile.parse(writing(number)).value

    assert str(parsed) == number
    assert Mobile.parse(str(parsed)).value == parsed


@FUZZ
@given(code=st.sampled_from(sorted({d.code for province in ("110000", "370000", "440000", "650000")
                                    for d in divisions().counties_of(province)})),
       full_width=st.booleans())
def test_every_listed_county_parses_as_itself(code: str, full_width: bool) -> None:
    typed = code.translate(FULL_WIDTH) if full_width else code

    assert divisions().county(typed, field="owning_district").code == code
