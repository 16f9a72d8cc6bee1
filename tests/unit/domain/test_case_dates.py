"""Effective dates that must follow one another, and warnings kept with the record."""

from __future__ import annotations

import pytest

from domain.case import Case
from domain.codes import uscc_check_character
from domain.errors import InvalidValueError
from tests.builders import days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


@pytest.fixture
def case() -> Case:
    case = Case.enrol(**enrolment())
    case.collect_events()
    return case


def test_a_case_cannot_close_before_a_mentor_it_releases_was_assigned(case: Case) -> None:
    from application.rulesets import load_rule_book

    case.assign_mentor(rules=load_rule_book(), occurred_on=days_ago(10), mentor_id="m-1",
                       mentor_level="CITY")
    case.collect_events()

    with pytest.raises(InvalidValueError) as refused:
        case.close(occurred_on=days_ago(20), reason="OPTED_OUT")

    assert (refused.value.field, refused.value.code) == ("occurred_on", "too_early")
    assert case.collect_events() == []


def test_a_case_cannot_reopen_before_it_closed(case: Case) -> None:
    case.close(occurred_on=days_ago(10), reason="OPTED_OUT")
    case.collect_events()

    with pytest.raises(InvalidValueError) as refused:
        case.reopen(occurred_on=days_ago(11), reason="回来了")

    assert refused.value.code == "too_early"
    assert case.collect_events() == []


def test_a_transfer_ref_is_checked_like_every_ref(case: Case) -> None:
    with pytest.raises(InvalidValueError) as refused:
        case.request_transfer(occurred_on=days_ago(1), to_district="370302", reason="x",
                              transfer_ref="no spaces allowed")

    assert refused.value.field == "transfer_ref"


def test_a_business_keeps_the_soft_warnings_of_its_codes(case: Case) -> None:
    first17 = "92370303" + "000000010"  # organisation code whose own check fails
    uscc = first17 + uscc_check_character(first17)

    ref = case.register_business(occurred_on=days_ago(5), uscc=uscc,
                                 entity_type="INDIVIDUAL_BUSINESS", name="小吃店",
                                 first_time_founder=True, premises="HOME")

    event = case.collect_events()[0]
    assert event.warnings == ["uscc.organisation_code"]
    assert case.businesses[ref].warnings == ("uscc.organisation_code",)
