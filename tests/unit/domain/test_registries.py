"""Registry entries: registering, changing, statuses and a provider's filing, without a store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from application.rulesets import load_rule_book
from domain.errors import DomainError, InvalidValueError, RuleViolationError, StateConflictError
from domain.recording import Role, recording_as
from domain.registries import EntryStatus, RegistryEntry, entry_id_for
from tests.builders import days_ago

RULES = load_rule_book()
PROVIDER_USCC = "52370303MJE000001X"


@pytest.fixture(autouse=True)
def supervisor() -> Iterator[None]:
    with recording_as("sup-1", Role.SUPERVISOR, "req-registry"):
        yield


def a_mentor(**overrides: Any) -> RegistryEntry:
    fields: dict[str, Any] = dict(name="王建国", level="CITY", district="370303",
                                  specialties=["MARKETING", "FINANCE_INFO"], capacity=5)
    return RegistryEntry.register("MENTOR", occurred_on=days_ago(10), **{**fields, **overrides})


def a_provider(**overrides: Any) -> RegistryEntry:
    fields: dict[str, Any] = dict(uscc=PROVIDER_USCC, name="淄博市创业培训学校",
                                  district="370303", courses=["SYB", "GYB"])
    return RegistryEntry.register("PROVIDER", occurred_on=days_ago(10), **{**fields, **overrides})


def a_class(provider: RegistryEntry, **overrides: Any) -> RegistryEntry:
    fields: dict[str, Any] = dict(approval_no="淄人社培〔2024〕12号", course="SYB",
                                  provider_uscc=PROVIDER_USCC, district="370303",
                                  start_on=date(2024, 3, 1), end_on=date(2024, 3, 12),
                                  planned_hours=80)
    return RegistryEntry.register("TRAINING_CLASS", occurred_on=days_ago(10),
                                  provider=provider, **{**fields, **overrides})


def names(entry: RegistryEntry) -> list[str]:
    return [type(e).__name__ for e in entry.collect_events()]


def test_a_mentor_is_registered_with_a_fresh_code_and_attributed() -> None:
    mentor = a_mentor()

    event = mentor.collect_events()[0]
    assert mentor.key.startswith("M370303-") and len(mentor.key) == 13
    assert mentor.id == entry_id_for("MENTOR", mentor.key)
    assert (mentor.status, mentor.values["capacity"]) == ("ACTIVE", 5)
    assert (event.actor, event.actor_role, event.request_id) == ("sup-1", "supervisor",
                                                                 "req-registry")


def test_a_provider_is_keyed_by_its_uscc() -> None:
    provider = a_provider()

    assert provider.key == PROVIDER_USCC
    assert provider.id == entry_id_for("PROVIDER", PROVIDER_USCC)


@pytest.mark.parametrize(("kind", "fields", "field", "code"), [
    ("MENTOR", dict(name="王建国", level="GALACTIC", district="370303",
                    specialties=["MARKETING"], capacity=5), "level", "choice"),
    ("MENTOR", dict(name="王建国", level="CITY", district="370303", specialties=[],
                    capacity=5), "specialties", "required"),
    ("MENTOR", dict(name="王建国", level="CITY", district="999999",
                    specialties=["MARKETING"], capacity=5), "district", "unknown_division"),
    ("MENTOR", dict(name="王建国", level="CITY", district="370303",
                    specialties=["MARKETING"], capacity=0), "capacity", "too_small"),
    ("MENTOR", dict(name="王建国", level="CITY", district="370303",
                    specialties=["MARKETING"]), "capacity", "required"),
    ("PROVIDER", dict(uscc="52370303MJE000001R", name="某学校", district="370303",
                      courses=["SYB"]), "uscc", "checksum"),
    ("INCUBATOR", dict(name="张店区创业孵化基地", incubator_kind="ZOO", level="CITY",
                       district="370303", address="华光路1号", capacity=40), "incubator_kind",
     "choice"),
    ("FINANCING", dict(name="创业担保贷款", financing_kind="GUARANTEED_LOAN", bank="农商银行",
                       district="370303", effective_from=date(2024, 1, 1)), "guarantor",
     "required"),
    ("POLICY", dict(title="创业担保贷款政策", issuer="财政部", topics=["LOAN"], district="370000",
                    effective_from=date(2023, 10, 1), effective_to=date(2023, 1, 1),
                    summary="个人最高30万元"), "effective_to", "before_start"),
    ("POLICY", dict(title="创业担保贷款政策", issuer="财政部", topics=["LOAN"], district="370000",
                    effective_from=date(2023, 10, 1), summary="个人最高30万元",
                    rule_set="CN@99", rule_paths=["loan.individual_cap_fen"]), "rule_set",
     "unknown_rule_set"),
    ("POLICY", dict(title="创业担保贷款政策", issuer="财政部", topics=["LOAN"], district="370000",
                    effective_from=date(2023, 10, 1), summary="个人最高30万元",
                    rule_set="CN@4", rule_paths=["loan.no_such_number"]), "rule_paths",
     "unknown_rule"),
    ("MENTOR", dict(name="王建国", level="CITY", district="370303", specialties=["MARKETING"],
                    capacity=5, phone="13800000000"), "phone", "unknown_field"),
])
def test_a_bad_field_is_refused_by_name(kind: str, fields: dict[str, Any], field: str,
                                        code: str) -> None:
    with pytest.raises(DomainError) as refused:
        RegistryEntry.register(kind, occurred_on=days_ago(1), rules=RULES, **fields)

    assert (refused.value.field, refused.value.code) == (field, code)


def test_a_policy_names_the_rule_set_version_that_holds_its_numbers() -> None:
    policy = RegistryEntry.register(
        "POLICY", occurred_on=days_ago(1), rules=RULES, title="创业担保贷款额度提高",
        document_no="财金〔2023〕75号", issuer="财政部 人力资源社会保障部 中国人民银行",
        topics=["LOAN"], district="370000", effective_from=date(2023, 10, 1),
        summary="个人创业担保贷款最高30万元", rule_set="CN@4",
        rule_paths=["loan.small_micro_cap_fen", "loan.individual_cap_fen"])

    assert policy.values["rule_set"] == "CN@4"
    assert policy.values["rule_paths"] == ["loan.individual_cap_fen", "loan.small_micro_cap_fen"]


def test_a_change_records_only_what_changed_and_why() -> None:
    mentor = a_mentor()

    changed = mentor.change(occurred_on=days_ago(1), reason="扩大结对", capacity=8,
                            name="王建国")

    assert changed == {"capacity": 8}
    assert mentor.values["capacity"] == 8
    assert names(mentor) == ["Registered", "Changed"]


def test_a_change_that_changes_nothing_is_refused() -> None:
    mentor = a_mentor()

    with pytest.raises(InvalidValueError) as refused:
        mentor.change(occurred_on=days_ago(1), capacity=5)

    assert (refused.value.field, refused.value.code) == ("capacity", "unchanged")


def test_a_key_cannot_be_changed() -> None:
    provider = a_provider()

    with pytest.raises(InvalidValueError) as refused:
        provider.change(occurred_on=days_ago(1), uscc="52370303MJE0000021")

    assert (refused.value.field, refused.value.code) == ("uscc", "fixed")


def test_revoking_a_filing_needs_a_reason_and_makes_the_provider_unchoosable() -> None:
    provider = a_provider()

    with pytest.raises(InvalidValueError) as refused:
        provider.revoke_filing(occurred_on=days_ago(1), reason=" ")
    provider.revoke_filing(occurred_on=days_ago(1), reason="培训记录造假")

    assert refused.value.field == "reason"
    assert (provider.status, provider.status_reason) == ("REVOKED", "培训记录造假")
    with pytest.raises(RuleViolationError) as chosen:
        provider.check_choosable("provider_uscc")
    assert (chosen.value.field, chosen.value.code) == ("provider_uscc", "filing_revoked")


def test_a_revoked_filing_is_restored_only_by_its_own_command() -> None:
    provider = a_provider()
    provider.revoke_filing(occurred_on=days_ago(2), reason="培训记录造假")

    with pytest.raises(StateConflictError):
        provider.set_status(occurred_on=days_ago(1), status="ACTIVE", reason="整改完成")
    provider.restore_filing(occurred_on=days_ago(1), reason="整改完成，重新备案")

    assert provider.status == EntryStatus.ACTIVE
    assert names(provider) == ["Registered", "FilingRevoked", "FilingRestored"]


def test_only_a_provider_has_a_filing() -> None:
    mentor = a_mentor()

    with pytest.raises(StateConflictError) as refused:
        mentor.revoke_filing(occurred_on=days_ago(1), reason="不适用")

    assert refused.value.code == "not_provider"


def test_a_suspended_mentor_cannot_be_chosen() -> None:
    mentor = a_mentor()
    mentor.set_status(occurred_on=days_ago(1), status="SUSPENDED", reason="外出学习半年")

    with pytest.raises(RuleViolationError) as refused:
        mentor.check_choosable("mentor_id")

    assert (refused.value.field, refused.value.code) == ("mentor_id", "not_active")


def test_a_class_needs_a_filed_provider_that_offers_its_course() -> None:
    provider = a_provider()

    with pytest.raises(RuleViolationError) as not_offered:
        a_class(provider, course="IYB")
    with pytest.raises(InvalidValueError) as unknown:
        a_class(None)  # type: ignore[arg-type]
    provider.revoke_filing(occurred_on=days_ago(1), reason="培训记录造假")
    with pytest.raises(RuleViolationError) as revoked:
        a_class(provider)

    assert (not_offered.value.field, not_offered.value.code) == ("course", "not_offered")
    assert (unknown.value.field, unknown.value.code) == ("provider_uscc", "not_registered")
    assert (revoked.value.field, revoked.value.code) == ("provider_uscc", "filing_revoked")


def test_a_class_ends_on_or_after_its_start() -> None:
    with pytest.raises(InvalidValueError) as refused:
        a_class(a_provider(), end_on=date(2024, 2, 1))

    assert (refused.value.field, refused.value.code) == ("end_on", "before_start")


def test_a_future_effective_date_is_refused() -> None:
    with pytest.raises(InvalidValueError) as refused:
        a_mentor().set_status(occurred_on=days_ago(-2), status="ENDED", reason="退出导师团")

    assert (refused.value.field, refused.value.code) == ("occurred_on", "future")


def test_replaying_an_entry_rebuilds_the_same_state() -> None:
    provider = a_provider()
    provider.change(occurred_on=days_ago(3), courses=["SYB", "GYB", "IYB"], reason="新增课程")
    provider.revoke_filing(occurred_on=days_ago(2), reason="培训记录造假")
    events = provider.collect_events()

    copy = None
    for stored in events:
        copy = stored.mutate(copy)

    assert copy is not None
    assert (copy.values, copy.status, copy.version) == (provider.values, "REVOKED", 3)
    assert copy.chain_head == provider.chain_head
