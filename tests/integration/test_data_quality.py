"""The supervisor's data-quality list, on both stores."""

from __future__ import annotations

from datetime import date

import pytest

from domain.codes import id_check_character
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.bootstrap import Services
from tests.builders import an_id_number, days_ago, enrolment

pytestmark = pytest.mark.usefixtures("caseworker")


def issues_by_case(services: Services) -> dict[str, set[tuple[str, str]]]:
    services.views.catch_up("data_quality")
    found: dict[str, set[tuple[str, str]]] = {}
    for issue in services.views["data_quality"].issues(today(), stale_after_days=90):
        found.setdefault(issue.case_no, set()).add((issue.kind, issue.detail))
    return found


def test_each_kind_of_issue_is_listed_against_its_case(services: Services) -> None:
    cases = services.cases
    recent = dict(returned_on=days_ago(40), occurred_on=days_ago(30))
    first17 = "99030319900517001"
    warned = cases.enrol_case(**enrolment(id_number=first17 + id_check_character(first17),
                                          **recent))
    no_phone = cases.enrol_case(**enrolment(mobile=None, **recent))
    stale = cases.enrol_case(**enrolment(returned_on=days_ago(300), occurred_on=days_ago(200)))
    twins = [cases.enrol_case(**enrolment(mobile="13900001111", **recent)) for _ in range(2)]
    born = date(1988, 8, 8)
    namesakes = [cases.enrol_case(**enrolment(name="王芳", id_number=an_id_number(born=born,
                                  sex="F"), **recent)) for _ in range(2)]
    asked = cases.correct_record(no_phone.case_id, 1, occurred_on=days_ago(1),
                                 target_version=1, field="returned_on",
                                 new_value=days_ago(41), reason="核对")

    found = issues_by_case(services)

    assert found[warned.case_no] == {("SOFT_WARNING", "id_number.unknown_province")}
    assert found[no_phone.case_no] == {("MISSING_PHONE", ""), ("CORRECTION_PENDING", "1")}
    assert found[stale.case_no] == {("STALE", days_ago(200).isoformat())}
    assert all(("POSSIBLE_DUPLICATE", "phone") in found[t.case_no] for t in twins)
    assert all(("POSSIBLE_DUPLICATE", "name_and_birth_date") in found[n.case_no]
               for n in namesakes)
    assert asked.ref


def test_an_approved_correction_and_a_closed_case_leave_the_list(services: Services) -> None:
    cases = services.cases
    saved = cases.enrol_case(**enrolment(mobile=None, returned_on=days_ago(300),
                                         occurred_on=days_ago(200)))
    asked = cases.correct_record(saved.case_id, 1, occurred_on=days_ago(2), target_version=1,
                                 field="returned_on", new_value=days_ago(301), reason="核对")
    with recording_as("sup-1", Role.SUPERVISOR):
        cases.approve_correction(saved.case_id, 2, occurred_on=days_ago(1),
                                 correction_ref=asked.ref)
    assert {k for k, _ in issues_by_case(services)[saved.case_no]} == {"MISSING_PHONE", "STALE"}

    cases.close_case(saved.case_id, 3, occurred_on=days_ago(0), reason="OPTED_OUT")

    assert saved.case_no not in issues_by_case(services)
