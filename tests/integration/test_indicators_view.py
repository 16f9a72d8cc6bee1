"""The indicators view on both stores: figures equal fresh replays, targets, sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from application.projections.indicators import rate
from domain.case import Case
from domain.errors import InvalidCodeError
from domain.indicators import KPIS, Fact, indicator_facts
from domain.recording import recording_as
from domain.values import today
from infrastructure.bootstrap import Services
from infrastructure.demo import load_demo
from infrastructure.projections import catch_up
from tests.builders import a_uscc, enrolment, training
from tests.registries import training_resources

EVER = {"date_from": date(2000, 1, 1), "date_to": date(2100, 12, 31)}
ZIBO, ZHANGDIAN, ZICHUAN = "370300", "370303", "370302"


@pytest.fixture
def history(services: Services) -> Services:
    """150 demo cases, one of them with an approved correction of a training's end date."""
    load_demo(services.cases, 150, seed=11)
    case_id, version, ended_on = next(
        (case_id, e.originator_version, e.occurred_on) for case_id in case_ids(services)
        for e in services.cases.events.get(case_id) if type(e).__name__ == "TrainingCompleted")
    cases = services.cases
    with recording_as("cw-1", "caseworker"):
        saved = cases.correct_record(case_id, cases.get_case(case_id).version,
                                     occurred_on=today(),
                                     target_version=version, field="occurred_on",
                                     new_value=ended_on - timedelta(days=1), reason="核对证书")
    with recording_as("sup-1", "supervisor"):
        cases.approve_correction(case_id, saved.version, occurred_on=today(),
                                 correction_ref=saved.ref)
    return services


def case_ids(services: Services) -> list[UUID]:
    enrolled = services.cases.recorder.select_notifications(
        start=1, limit=1_000_000, topics=[get_topic(Case.Enrolled)])
    return [n.originator_id for n in enrolled]


def replayed_facts(services: Services) -> list[Fact]:
    """The facts of every case, from a fresh read of its whole stream."""
    return [fact for case_id in case_ids(services)
            for fact in indicator_facts(list(services.cases.events.get(case_id)))]


def grouped(facts: Iterable[Fact], by: str) -> dict[Any, tuple[int, int, int]]:
    """Facts by one breakdown: (count, distinct people, Σ value)."""
    groups: dict[Any, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[getattr(fact, by)].append(fact)
    return {key: (len(group), len({f.person for f in group}), sum(f.value for f in group))
            for key, group in groups.items()}


def test_figures_by_district_and_by_month_equal_the_facts_of_fresh_replays(
    history: Services,
) -> None:
    history.views.catch_up("indicators")
    view, facts = history.views["indicators"], replayed_facts(history)

    for kpi in KPIS:
        mine = [f for f in facts if f.kpi == kpi]
        for by in ("district", "month"):
            rows = view.summarise(kpi, **EVER, by=(by,))
            assert {getattr(r, by): (r.count, r.people, r.total) for r in rows} == \
                grouped(mine, by), (kpi, by)
        in_zibo = view.summarise(kpi, **EVER, districts=(ZIBO,), by=("district",))
        assert {r.district for r in in_zibo} <= {ZHANGDIAN, ZICHUAN}
        assert {r.district: r.total for r in in_zibo} == {
            d: total for d, (_, _, total) in grouped(mine, "district").items()
            if d in (ZHANGDIAN, ZICHUAN)}
    assert {f.kpi for f in facts} >= {"training_completions", "supported_start", "jobs",
                                      "loan_granted", "loan_due"}


def test_the_view_built_event_by_event_equals_the_view_rebuilt(history: Services) -> None:
    with recording_as("admin-1", "admin"):
        history.cases.set_target(ZHANGDIAN, 2024, "training_completions", 40)
        history.cases.set_target(ZHANGDIAN, 2024, "training_completions", 45)
    views, view = history.views, history.views["indicators"]
    catch_up(history.cases, views.projection("indicators", view), view, batch=1)
    live = view.checksum()

    views.rebuild("indicators")

    assert view.checksum() == live
    assert view.target(ZHANGDIAN, 2024, "training_completions") == 45


def a_trained_founder(services: Services, year: int) -> tuple[UUID, int, int]:
    """A case that passes SYB in March and registers a business in May of ``year``."""
    cases = services.cases
    training_resources(cases)
    with recording_as("cw-1", "caseworker"):
        saved = cases.enrol_case(**enrolment(returned_on=date(year, 1, 10),
                                             occurred_on=date(year, 1, 20)))
        case_id = saved.case_id
        saved = cases.enrol_in_training(case_id, saved.version, **training(
            occurred_on=date(year, 2, 1), start_on=date(year, 2, 1), enrolment_ref="syb"))
        passed = cases.complete_training(
            case_id, saved.version, occurred_on=date(year, 3, 1), enrolment_ref="syb",
            result="PASSED", hours_attended=76, certificate_no=f"SYB-{case_id.hex[:12]}",
            business_plan_grade="PASS")
        registered = cases.register_business(
            case_id, passed.version, occurred_on=date(year, 5, 1), uscc=a_uscc("92"),
            entity_type="INDIVIDUAL_BUSINESS", name="小吃店", first_time_founder=True,
            premises="RENTED")
    return case_id, passed.version, registered.version


def test_completion_divides_the_years_figure_by_the_target_of_the_county_or_city(
    services: Services,
) -> None:
    first, _, _ = a_trained_founder(services, 2023)
    a_trained_founder(services, 2023)
    with recording_as("admin-1", "admin"):
        services.cases.set_target(ZHANGDIAN, 2023, "training_completions", 8)
        services.cases.set_target(ZIBO, 2023, "supported_start", 4)
    services.views.catch_up("indicators")
    view = services.views["indicators"]

    assert view.completion("training_completions", ZHANGDIAN, 2023) == (2, 8, 0.25)
    assert view.completion("supported_start", ZIBO, 2023) == (2, 4, 0.5)
    assert view.completion("supported_start", ZHANGDIAN, 2024) == (0, None, None)
    assert view.completion("training_passed", ZICHUAN, 2023) == (0, None, None)
    assert first in {case_id for case_id, _ in view.sources("supported_start", ZIBO,
                                                            date(2023, 1, 1),
                                                            date(2023, 12, 31))}


def test_a_target_for_a_province_or_an_unknown_code_is_refused_and_nothing_is_saved(
    services: Services,
) -> None:
    head = services.cases.recorder.max_notification_id()

    with recording_as("admin-1", "admin"):
        for district in ("370000", "379999"):
            with pytest.raises(InvalidCodeError):
                services.cases.set_target(district, 2024, "jobs", 100)

    assert services.cases.recorder.max_notification_id() == head


def test_sources_name_the_events_behind_a_figure(services: Services) -> None:
    case_id, passed, registered = a_trained_founder(services, 2022)
    services.views.catch_up("indicators")
    view, year = services.views["indicators"], (date(2022, 1, 1), date(2022, 12, 31))

    assert view.sources("training_passed", ZHANGDIAN, *year) == [(case_id, passed)]
    assert view.sources("trained_then_started", ZHANGDIAN, *year) == [(case_id, registered)]
    assert view.sources("supported_start", ZIBO, *year) == [(case_id, registered)]
    assert view.sources("supported_start", ZICHUAN, *year) == []
    assert view.sources("training_passed", ZHANGDIAN, date(2023, 1, 1),
                        date(2023, 12, 31)) == []


def test_every_source_of_a_demo_figure_is_an_event_of_its_kind(history: Services) -> None:
    history.views.catch_up("indicators")
    view = history.views["indicators"]
    kinds = {"training_completions": "TrainingCompleted", "supported_start": "BusinessRegistered",
             "jobs": "JobsReported", "loan_granted": "LoanGranted"}

    for kpi, name in kinds.items():
        figure = view.summarise(kpi, **EVER)
        found = [s for district in {r.district for r in view.summarise(kpi, **EVER,
                                                                        by=("district",))}
                 for s in view.sources(kpi, district, **EVER)]
        assert len(found) == figure[0].count, kpi
        for case_id, version in found:
            (event,) = history.cases.events.get(case_id, gt=version - 1, lte=version)
            assert type(event).__name__ == name


def test_a_ratio_of_two_figures_is_computed_group_by_group(history: Services) -> None:
    history.views.catch_up("indicators")
    view = history.views["indicators"]
    passed = view.summarise("training_passed", **EVER, by=("district",))
    completed = view.summarise("training_completions", **EVER, by=("district",))
    jobs = view.summarise("jobs", **EVER)
    starts = view.summarise("supported_start", **EVER)

    pass_rate = rate(passed, completed)
    multiplier = rate(jobs, starts, denominator="people")

    assert set(pass_rate) == {r.key for r in completed}
    assert all(0 < value <= 1 for value in pass_rate.values() if value is not None)
    assert multiplier == {(None,) * 6: jobs[0].total / starts[0].people}
