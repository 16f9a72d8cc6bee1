"""Registries on each store: audited changes, what the case commands may choose, and the view."""

from __future__ import annotations

from datetime import date

import pytest

from application.cases import Cases
from application.errors import ConcurrentEditError
from application.integrity import verify_stream
from application.projections.registries import EntryQuery
from application.registries import EntryNotFoundError
from domain.errors import DomainError, DuplicateError
from domain.recording import Role, recording_as
from domain.registries import RegistryEntry
from infrastructure.bootstrap import Services
from tests.builders import CLASS_NO, PROVIDER_USCC, a_uscc, days_ago, enrolment, training
from tests.registries import SUPERVISOR, a_mentor, a_provider, an_incubator, resources

pytestmark = pytest.mark.usefixtures("caseworker")


def position(cases: Cases) -> int:
    return int(cases.recorder.max_notification_id() or 0)


def test_every_change_of_an_entry_is_in_its_history_with_actor_and_reason(cases: Cases) -> None:
    mentor = cases.find_entry("MENTOR", a_mentor(cases))

    with recording_as("sup.zibo", Role.SUPERVISOR, "req-7"):
        cases.change_entry(mentor.entry_id, 1, capacity=8, reason="扩大结对规模")
        cases.set_entry_status(mentor.entry_id, 2, status="SUSPENDED", reason="外出学习")
    history = cases.entry_history(mentor.entry_id)

    assert [(h.event, h.actor, h.actor_role) for h in history] == [
        ("Registered", "sup.li", "supervisor"), ("Changed", "sup.zibo", "supervisor"),
        ("StatusChanged", "sup.zibo", "supervisor")]
    assert history[1].values == (("capacity", 8),)
    assert history[1].reason == "扩大结对规模"
    assert verify_stream(cases.stored_records(mentor.entry_id)) is None
    assert cases.get_entry(mentor.entry_id).status == "SUSPENDED"


def test_a_change_on_a_stale_version_is_refused_and_saves_nothing(cases: Cases) -> None:
    mentor = cases.find_entry("MENTOR", a_mentor(cases))
    with recording_as(*SUPERVISOR):
        cases.change_entry(mentor.entry_id, 1, capacity=8)
    before = position(cases)

    with recording_as(*SUPERVISOR), pytest.raises(ConcurrentEditError):
        cases.change_entry(mentor.entry_id, 1, capacity=9)

    assert position(cases) == before


def test_a_provider_is_registered_once_per_uscc(cases: Cases) -> None:
    a_provider(cases)
    before = position(cases)

    with pytest.raises(DuplicateError) as refused:
        a_provider(cases, name="另一个名字")

    assert refused.value.field == "uscc"
    assert position(cases) == before


def test_a_revoked_provider_is_refused_for_a_new_enrolment_with_the_field_named(
    cases: Cases,
) -> None:
    resources(cases)
    provider = cases.find_entry("PROVIDER", PROVIDER_USCC)
    with recording_as(*SUPERVISOR):
        cases.revoke_filing(provider.entry_id, 1, reason="培训记录造假，撤销备案")
    saved = cases.enrol_case(**enrolment())
    before = position(cases)

    with pytest.raises(DomainError) as refused:
        cases.enrol_in_training(saved.case_id, 1, **training(class_approval_no=None,
                                                              subsidised=False))

    assert (refused.value.field, refused.value.code) == ("provider_uscc", "filing_revoked")
    assert position(cases) == before
    assert cases.get_case(saved.case_id).trainings == ()


def test_a_class_of_a_revoked_provider_is_refused_too(cases: Cases) -> None:
    resources(cases)
    with recording_as(*SUPERVISOR):
        cases.revoke_filing(cases.find_entry("PROVIDER", PROVIDER_USCC).entry_id, 1,
                            reason="培训记录造假")
    saved = cases.enrol_case(**enrolment())

    with pytest.raises(DomainError) as refused:
        cases.enrol_in_training(saved.case_id, 1, **training())

    assert (refused.value.field, refused.value.code) == ("provider_uscc", "filing_revoked")


@pytest.mark.parametrize(("fields", "field"), [
    (dict(provider_uscc=a_uscc("52"), class_approval_no=None, subsidised=False),
     "provider_uscc"),
    (dict(class_approval_no="KB-1999-404"), "class_approval_no"),
])
def test_a_provider_or_class_not_in_the_registry_is_refused(
    cases: Cases, fields: dict[str, object], field: str,
) -> None:
    resources(cases)
    saved = cases.enrol_case(**enrolment())
    before = position(cases)

    with pytest.raises(DomainError) as refused:
        cases.enrol_in_training(saved.case_id, 1, **training(**fields))

    assert (refused.value.field, refused.value.code) == (field, "not_registered")
    assert position(cases) == before


def test_a_class_fills_in_the_provider_course_start_and_hours(cases: Cases) -> None:
    resources(cases, "KB-2015-002")
    saved = cases.enrol_case(**enrolment(returned_on=date(2014, 1, 1),
                                         occurred_on=date(2014, 2, 1)))

    done = cases.enrol_in_training(saved.case_id, 1, occurred_on=date(2015, 3, 1),
                                   class_approval_no="KB-2015-002")

    training_ = cases.get_case(saved.case_id).trainings[0]
    assert done.ref == training_.ref
    assert (training_.provider_uscc, training_.course, training_.start_on,
            training_.planned_hours) == (PROVIDER_USCC, "SYB", date(2015, 3, 5), 80)


def test_a_course_other_than_the_classs_is_refused(cases: Cases) -> None:
    resources(cases)
    saved = cases.enrol_case(**enrolment())

    with pytest.raises(DomainError) as refused:
        cases.enrol_in_training(saved.case_id, 1, **training(course="GYB"))

    assert (refused.value.field, refused.value.code) == ("course", "not_of_class")


def test_a_mentor_is_chosen_from_the_registry_with_its_level(cases: Cases) -> None:
    mentor = a_mentor(cases)
    saved = cases.enrol_case(**enrolment())

    cases.assign_mentor(saved.case_id, 1, occurred_on=days_ago(300), mentor_id=mentor)

    pairing = cases.get_case(saved.case_id).pairings[0]
    assert (pairing.mentor_id, pairing.mentor_level) == (mentor, "CITY")


@pytest.mark.parametrize(("status", "code"), [("SUSPENDED", "not_active"), (None, "")])
def test_an_inactive_or_unknown_mentor_is_refused(cases: Cases, status: str | None,
                                                  code: str) -> None:
    mentor = a_mentor(cases)
    if status:
        with recording_as(*SUPERVISOR):
            cases.set_entry_status(cases.find_entry("MENTOR", mentor).entry_id, 1,
                                   status=status, reason="暂停带教")
    saved = cases.enrol_case(**enrolment())

    with pytest.raises(DomainError) as refused:
        cases.assign_mentor(saved.case_id, 1, occurred_on=days_ago(300),
                            mentor_id=mentor if status else "M370303-NOONE")

    assert (refused.value.field, refused.value.code) == ("mentor_id", code or "not_registered")


def test_an_incubator_not_in_the_registry_is_refused(cases: Cases) -> None:
    an_incubator(cases)
    saved = cases.enrol_case(**enrolment())

    with pytest.raises(DomainError) as refused:
        cases.register_business(saved.case_id, 1, occurred_on=days_ago(10), uscc=a_uscc("92"),
                                entity_type="INDIVIDUAL_BUSINESS", name="张三小吃店",
                                first_time_founder=True, premises="INCUBATOR",
                                incubator_id="I370303-NONE1")

    assert (refused.value.field, refused.value.code) == ("incubator_id", "not_registered")


def test_an_unknown_entry_is_not_found(cases: Cases) -> None:
    with pytest.raises(EntryNotFoundError):
        cases.find_entry("MENTOR", "M370303-ABSENT")


def test_the_view_lists_entries_and_what_the_cases_make_of_them(services: Services) -> None:
    cases = services.cases
    found = resources(cases)
    saved = cases.enrol_case(**enrolment())
    trained = cases.enrol_in_training(saved.case_id, 1, **training())
    paired = cases.assign_mentor(saved.case_id, trained.version, occurred_on=days_ago(300),
                                 mentor_id=found.mentor, group_ref="电商组")
    held = cases.hold_mentoring_session(saved.case_id, paired.version,
                                        occurred_on=days_ago(200), pairing_ref=paired.ref,
                                        mode="VISIT", minutes=45)
    cases.register_business(saved.case_id, held.version, occurred_on=days_ago(100),
                            uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
                            name="张三电商服务部", first_time_founder=True,
                            premises="INCUBATOR", incubator_id=found.incubator)

    view = services.views["registries"]
    services.views.catch_up("registries")

    mentors = view.search(EntryQuery(kind="MENTOR", text="王建", serving="370303"))
    assert [row.key for row in mentors] == [found.mentor]
    assert view.search(EntryQuery(kind="PROVIDER", tag="SYB")).total == 1
    assert view.search(EntryQuery(kind="PROVIDER", tag="EYB")).total == 0
    assert [link.case_no for _, link in view.roster(CLASS_NO)] == [saved.case_no]
    pairings = view.pairings([found.mentor])
    assert [(p.group_ref, link.case_no) for p, link in pairings] == [("电商组", saved.case_no)]
    assert [s.counted for s in view.sessions([found.mentor], days_ago(200).year)] == [True]
    assert [t.business_name for t, _ in view.tenants([found.incubator])] == ["张三电商服务部"]


def test_the_view_rebuilt_equals_the_view_kept_live(services: Services) -> None:
    cases = services.cases
    found = resources(cases)
    saved = cases.enrol_case(**enrolment())
    cases.assign_mentor(saved.case_id, 1, occurred_on=days_ago(300), mentor_id=found.mentor)
    with recording_as(*SUPERVISOR):
        cases.revoke_filing(cases.find_entry("PROVIDER", found.provider).entry_id, 1,
                            reason="培训记录造假")
    services.views.catch_up("registries")

    assert services.views.verify("registries")
    live = services.views["registries"].checksum()
    services.views.rebuild("registries")
    assert services.views["registries"].checksum() == live
    row = services.views["registries"].entries("PROVIDER", [found.provider])[found.provider]
    assert row.status == "REVOKED"


def test_the_golden_registry_events_replay_to_their_known_state() -> None:
    from tests.fixtures.make_golden import golden_mapper
    from tests.integration.test_golden_events import GOLDEN, event_topics, stored_events

    path = next(p for p in GOLDEN if p.stem == "registries-v1")
    mapper, entries = golden_mapper(), {}

    for stored in stored_events(path):
        event = mapper.to_domain_event(stored)
        entries[stored.originator_id] = event.mutate(entries.get(stored.originator_id))

    by_key = {entry.key: entry for entry in entries.values()}
    assert {s.topic for s in stored_events(path)} == event_topics(RegistryEntry)
    provider = by_key[PROVIDER_USCC]
    assert (provider.status, provider.values["courses"]) == ("ACTIVE", ["GYB", "IYB", "SYB"])
    assert (by_key["M370300-GOLD1"].status, by_key["M370300-GOLD1"].values["capacity"]) == (
        "SUSPENDED", 8)
    assert by_key["P370000-GOLD1"].values["rule_set"] == "CN@4"
