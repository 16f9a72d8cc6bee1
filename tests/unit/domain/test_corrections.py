"""How corrected values are read and which corrections wait for a supervisor."""

from __future__ import annotations

from datetime import date

import pytest

from domain.case import Case
from domain.corrections import canonical_text, typed
from domain.errors import InvalidValueError
from tests.builders import days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


@pytest.mark.parametrize(("kind", "raw", "text"), [
    ("date", "2024-05-01", "2024-05-01"),
    ("date", date(2024, 5, 1), "2024-05-01"),
    ("int", " 72 ", "72"),
    ("bool", "TRUE", "true"),
    ("mobile", "+86 139-1234-5678", "13912345678"),
    ("id_number", "110105491231002", "11010519491231002X"),
    ("county", "370303", "370303"),
])
def test_a_new_value_is_stored_as_canonical_text(kind: str, raw: object, text: str) -> None:
    assert canonical_text(kind, raw) == text


@pytest.mark.parametrize(("kind", "raw", "code"), [
    ("date", "2024-02-30", "date"),
    ("int", "-1", "type"),
    ("bool", "maybe", "type"),
    ("county", "370000", "not_county"),
])
def test_a_bad_new_value_names_new_value(kind: str, raw: object, code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        canonical_text(kind, raw)

    assert (refused.value.field, refused.value.code) == ("new_value", code)


def test_typed_values_come_back_from_canonical_text() -> None:
    assert typed("date", "2024-05-01") == date(2024, 5, 1)
    assert typed("int", "7") == 7
    assert typed("bool", "false") is False
    assert typed("text", None) is None


def test_a_passport_number_is_corrected_without_a_check_character() -> None:
    case = Case.enrol(**enrolment(id_type="PASSPORT", id_number="E12345678",
                                  birth_date=date(1990, 1, 1), sex="F"))

    ref = case.correct_record(occurred_on=days_ago(1), target_version=1, field="id_number",
                              new_value="e 1234 5679", reason="护照换发")

    assert case.corrections[ref].new_value == "E12345679"
    assert case.corrections[ref].status == "PENDING"
