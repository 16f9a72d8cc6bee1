"""Resource matching ranks a scripted set of entries in the expected order, with its reasons."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.rulesets import load_rule_book
from domain.case import Case
from domain.matching import Candidate, Reason, Seeker, match, rank
from domain.recording import Role, recording_as
from domain.rules import RuleSet
from tests.builders import enrolment

ON = date(2026, 6, 1)
NATIONAL = load_rule_book().in_force(ON)
#: Zibo's own version: a guaranteed loan needs a passed training first.
ZIBO = RuleSet("370300", 1, date(2026, 1, 1), "test: training first",
               {**NATIONAL.values, "loan.requires_training": True})

SEEKER = Seeker(
    district="370303", stage="PREPARING",
    needs=("FINANCE_INFO", "MARKETING", "PREMISES", "TRAINING"),
    intended_industry="农村电商", loan_groups=("RETURNING_MIGRANT_WORKER",),
    passed_training=True, courses=frozenset({"GYB"}),
    matched={"POLICY:P370303-PREM1": date(2026, 3, 2)},
)


def entry(kind: str, key: str, title: str, district: str, taken: int = 0,
          status: str = "ACTIVE", **values: Any) -> Candidate:
    return Candidate(kind, key, title, district, status, values, taken)


def mentor(key: str, title: str, district: str, specialties: list[str], capacity: int = 5,
           taken: int = 0, level: str = "COUNTY", **values: Any) -> Candidate:
    return entry("MENTOR", key, title, district, taken, specialties=specialties,
                 capacity=capacity, level=level, **values)


SCRIPT = [
    mentor("M370300-AAAAA", "王建国", "370300", ["MARKETING", "FINANCE_INFO"], 5, 2, "CITY",
           industries=["电商"]),
    mentor("M370303-FULL1", "李秀英", "370303", ["MARKETING"], 3, 3),  # no place free
    mentor("M370302-NEAR1", "赵敏", "370302", ["PREMISES"], 10),  # a neighbouring county
    mentor("M620702-FAR01", "马兰", "620702", ["MARKETING"]),  # another province
    mentor("M370303-SUSP1", "孙立", "370303", ["MARKETING"], status="SUSPENDED"),
    entry("INCUBATOR", "I370303-BASE1", "张店区创业孵化基地", "370303", 39, capacity=40,
          level="CITY", services=["PREMISES", "OPENING_GUIDANCE"]),
    entry("INCUBATOR", "I370303-FULL1", "华光路微创园", "370303", 10, capacity=10,
          level="COUNTY", services=["PREMISES"]),
    entry("FINANCING", "F370300-LOAN1", "创业担保贷款（淄博）", "370300",
          financing_kind="GUARANTEED_LOAN", max_amount=50_000_000,
          loan_groups=["RETURNING_MIGRANT_WORKER", "GRADUATE"], effective_from="2024-01-01"),
    entry("FINANCING", "F370300-VETS1", "退役军人创业贷", "370300",
          financing_kind="BANK_LOAN", loan_groups=["VETERAN"], effective_from="2024-01-01"),
    entry("FINANCING", "F370300-OLD01", "2025年创业贷", "370300", financing_kind="BANK_LOAN",
          effective_from="2025-01-01", effective_to="2025-12-31"),
    entry("POLICY", "P370303-PREM1", "返乡创业场地支持", "370303", topics=["PREMISES"],
          effective_from="2025-01-01"),
    entry("POLICY", "P370000-LOAN1", "山东省创业担保贷款办法", "370000", topics=["LOAN"],
          effective_from="2026-01-01", rule_set="370300@1"),
    entry("POLICY", "P370302-PREM1", "淄川区场地补贴", "370302", topics=["PREMISES"],
          effective_from="2025-01-01"),  # another county's policy does not apply
    entry("TRAINING_CLASS", "ZB2026-SYB-07", "ZB2026-SYB-07", "370303", 10, course="SYB",
          start_on="2026-07-01", seats=30),
    entry("TRAINING_CLASS", "ZB2026-GYB-08", "ZB2026-GYB-08", "370303", course="GYB",
          start_on="2026-07-01"),  # GYB taken already
    entry("TRAINING_CLASS", "ZB2026-SYB-05", "ZB2026-SYB-05", "370303", course="SYB",
          start_on="2026-05-01"),  # started already
    entry("PROVIDER", "91370300MA3C5X1234", "淄博市创业培训学校", "370300",
          courses=["GYB", "SYB", "IYB"]),
]


def test_matching_ranks_the_scripted_resources_in_the_expected_order_with_their_reasons(
) -> None:
    ranked = rank(SEEKER, SCRIPT, ZIBO, ON)

    assert [(m.key, m.score) for m in ranked] == [
        ("M370300-AAAAA", 80), ("ZB2026-SYB-07", 65), ("I370303-BASE1", 63),
        ("P370303-PREM1", 50), ("91370300MA3C5X1234", 50), ("M370302-NEAR1", 41),
        ("F370300-LOAN1", 40), ("P370000-LOAN1", 35),
    ]
    why = {m.key: m.reasons for m in ranked}
    assert why["M370300-AAAAA"] == (
        Reason.of("specialty", needs=["FINANCE_INFO", "MARKETING"]),
        Reason.of("industry", industry="电商"), Reason.of("serves_city", district="370300"),
        Reason.of("places_free", free=3, capacity=5), Reason.of("level", level="CITY"))
    assert why["F370300-LOAN1"] == (
        Reason.of("finance_need"), Reason.of("loan_group", groups=["RETURNING_MIGRANT_WORKER"]),
        Reason.of("training_passed", rule_set="370300@1"),
        Reason.of("loans_left", left=3, rule_set="370300@1"),
        Reason.of("up_to", amount=30_000_000, rule_set="370300@1"),  # the rule set's cap
        Reason.of("serves_city", district="370300"))
    assert why["P370303-PREM1"][-1] == Reason.of("matched_before", on="2026-03-02")
    assert why["P370000-LOAN1"] == (
        Reason.of("topics", needs=["FINANCE_INFO"], topics=["LOAN"]),
        Reason.of("numbers_in_force", rule_set="370300@1"),
        Reason.of("serves_province", district="370000"))
    assert why["ZB2026-SYB-07"] == (
        Reason.of("training_need"), Reason.of("course_fits", course="SYB", stage="PREPARING"),
        Reason.of("starts_on", on="2026-07-01"), Reason.of("same_county", district="370303"),
        Reason.of("places_free", free=20, capacity=30))
    assert why["I370303-BASE1"][:2] == (Reason.of("services", needs=["PREMISES"]),
                                        Reason.of("stage_fits", stage="PREPARING"))


def test_equal_scores_are_ordered_by_registry_then_title_then_key() -> None:
    twins = [mentor("M370303-BBBBB", "乙", "370303", ["MARKETING"]),
             mentor("M370303-AAAAA", "乙", "370303", ["MARKETING"]),
             mentor("M370303-CCCCC", "丙", "370303", ["MARKETING"])]

    ranked = rank(SEEKER, twins, ZIBO, ON)

    assert [m.key for m in ranked] == ["M370303-CCCCC", "M370303-AAAAA", "M370303-BBBBB"]
    assert rank(SEEKER, list(reversed(twins)), ZIBO, ON) == ranked


@pytest.mark.parametrize("change", [
    {"passed_training": False},  # the rule set in force asks for a passed training
    {"loan_running": True}, {"ever_overdue": True}, {"loans_granted": 3},
    {"loan_groups": ()},  # guaranteed loans are for the groups of 财金〔2018〕107号
    {"needs": ("PREMISES",)},  # financing answers the need of financing information
])
def test_a_guaranteed_loan_is_matched_only_to_an_eligible_seeker(change: dict[str, Any]
                                                                   ) -> None:
    loan = SCRIPT[7]

    assert match(SEEKER, loan, ZIBO, ON) is not None
    assert match(replace(SEEKER, **change), loan, ZIBO, ON) is None


def test_without_a_training_rule_a_guaranteed_loan_needs_no_training() -> None:
    untrained = replace(SEEKER, passed_training=False)

    found = match(untrained, SCRIPT[7], NATIONAL, ON)

    assert found is not None and "training_passed" not in found.codes
    assert Reason.of("up_to", amount=30_000_000, rule_set=NATIONAL.ref) in found.reasons


def test_a_mentor_already_paired_and_an_incubator_already_housing_the_business_are_left_out(
) -> None:
    seeker = replace(SEEKER, mentors=frozenset({"M370300-AAAAA"}),
                     incubators=frozenset({"I370303-BASE1"}))

    keys = [m.key for m in rank(seeker, SCRIPT, ZIBO, ON)]

    assert "M370300-AAAAA" not in keys and "I370303-BASE1" not in keys


def test_a_case_is_read_as_a_seeker_with_its_matches() -> None:
    with recording_as("cw-1", Role.CASEWORKER):
        case = Case.enrol(**enrolment(intended_industry="电商", returned_on=date(2024, 1, 2),
                                      occurred_on=date(2024, 1, 5)))
        case.assess_needs(occurred_on=date(2024, 1, 6), stage="IDEA",
                          needs=["MENTOR", "MARKETING"])
        case.deliver_service(occurred_on=date(2024, 1, 7), service="RESOURCE_MATCHING",
                             provider="王建国", outcome="已对接", resource_kind="MENTOR",
                             resource_ref="M370300-AAAAA")

    seeker = Seeker.of(case)

    assert (seeker.district, seeker.stage, seeker.needs) == ("370303", "IDEA",
                                                             ("MARKETING", "MENTOR"))
    assert seeker.intended_industry == "电商"
    assert seeker.matched == {"MENTOR:M370300-AAAAA": date(2024, 1, 7)}
    found = match(seeker, SCRIPT[0], NATIONAL, ON)
    assert found is not None and found.codes[:3] == ["specialty", "mentor_wanted", "industry"]



def first_case(name: str) -> Any:
    """The first case stream of a golden fixture, replayed."""
    from tests.fixtures.make_golden import HERE, golden_mapper

    mapper, case = golden_mapper(), None
    rows = [json.loads(line) for line in (HERE / f"{name}.jsonl").read_text("utf-8").splitlines()]
    for row in rows:
        if row["originator_id"] == rows[0]["originator_id"]:
            case = mapper.to_domain_event(StoredEvent(
                UUID(row["originator_id"]), row["originator_version"], row["topic"],
                row["state"].encode("utf-8"))).mutate(case)
    return case


def test_stored_matches_replay_and_earlier_services_without_a_registry_still_load() -> None:
    matched, earlier = first_case("matches-v1"), first_case("events-v1")

    assert Seeker.of(matched).matched == {
        "MENTOR:M370300-7K3Q9": date(2025, 3, 12), "INCUBATOR:I370303-2M4PX": date(2025, 3, 12)}
    assert Seeker.of(earlier).matched == {}
