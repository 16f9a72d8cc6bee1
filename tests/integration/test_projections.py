"""Views on both stores: live equals rebuilt equals a fresh replay, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from application.identity import identity_value
from application.projections.case_list import CaseListProjection, CaseQuery
from application.projections.work_queue import QueueItem
from domain.followups import due_items
from infrastructure import projections
from infrastructure.bootstrap import Services
from infrastructure.demo import load_demo
from infrastructure.projections import REGISTRY, catch_up
from infrastructure.worker import ViewWorker
from tests.builders import days_ago, enrolment

VIEWS = tuple(REGISTRY)


@pytest.fixture
def history(services: Services) -> Services:
    """Several hundred demo cases with a few years of history each."""
    load_demo(services.cases, 250, seed=5)
    return services


def test_views_built_event_by_event_equal_views_rebuilt_in_batches(
        history: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each view rebuilt alone, then all in one pass by three jobs (``rebuild all --jobs
    3``): the views that fold cases share one fold of each case, and batches of 97 events
    cut cases' streams, so a case is folded on across batches and recomputed in several;
    two child processes each replay the log into their own views."""
    views = history.views
    for name in VIEWS:
        view = views[name]
        catch_up(history.cases, views.projection(name, view), view, batch=1)
    live = {name: views[name].checksum() for name in VIEWS}

    for name in VIEWS:
        views.rebuild(name)

    assert {name: views[name].checksum() for name in VIEWS} == live
    assert all(generation == 2 for _, generation, *_ in
               [row for row in views.status() if row[0] in VIEWS])

    monkeypatch.setattr(projections, "REBUILD_BATCH", 97)
    seen: list[tuple[int, int]] = []
    views.rebuild_many(list(VIEWS), lambda done, head: seen.append((done, head)), jobs=3)

    assert {name: views[name].checksum() for name in VIEWS} == live
    head = history.cases.recorder.max_notification_id()
    assert seen[-1] == (head, head)
    assert all(done <= total == head for done, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_rebuild_by_several_jobs_shares_the_views_out_and_keeps_the_folding_ones_together(
) -> None:
    names = list(VIEWS)

    assert projections.job_groups(names, 1) == [names]
    assert projections.job_groups(names, 2) == [
        ["case_list", "indicators", "data_quality", "registries"],
        ["audit_log", "work_queue", "activities"]]
    assert projections.job_groups(names, 3) == [
        ["case_list", "indicators", "data_quality", "registries"],
        ["audit_log", "activities"], ["work_queue"]]
    assert projections.job_groups(["work_queue", "audit_log"], 4) == [
        ["work_queue"], ["audit_log"]]
    assert projections.job_groups(["case_list"], 4) == [["case_list"]]


def test_views_equal_what_the_pure_functions_make_of_a_fresh_replay(history: Services) -> None:
    cases, views = history.cases, history.views
    for name in ("case_list", "work_queue"):
        views.catch_up(name)
    rows = views["case_list"].list_cases(CaseQuery(per_page=200, sort="case_no",
                                                   descending=False))
    projection = CaseListProjection(views["case_list"], cases)

    for row in rows:
        case = cases.repository.get(row.case_id)
        assert row == projection.row(case)
        expected = [QueueItem.of(i) for i in due_items(list(cases.events.get(row.case_id)),
                                                        cases.rules)]
        assert sorted(views["work_queue"].items_of(row.case_id), key=lambda i: i.key) == \
            sorted(expected, key=lambda i: i.key)
    assert rows.total == 250


def test_audit_and_data_quality_equal_a_fresh_replay(history: Services) -> None:
    from application.projections.audit_log import AuditQuery
    from application.projections.data_quality import DataQualityProjection

    cases, views = history.cases, history.views
    for name in ("audit_log", "data_quality", "case_list"):
        views.catch_up(name)
    quality = DataQualityProjection(views["data_quality"], cases)
    rows = views["case_list"].list_cases(CaseQuery(per_page=200))

    for row in rows.rows[:40]:
        events = list(cases.events.get(row.case_id))
        entries = views["audit_log"].list_entries(AuditQuery(case_id=row.case_id, per_page=500))
        assert [(e.version, e.event, e.actor) for e in reversed(entries.rows)] == [
            (e.originator_version, type(e).__name__, e.actor) for e in events]
        stored = views["data_quality"]
        with stored.reading() as (conn, tables):
            table = tables["cases"]
            found = conn.execute(table.select().where(table.c.case_id == row.case_id)).one()
        assert found.warnings == quality.row(cases.repository.get(row.case_id)).warnings
        assert found.version == len(events)


def test_replaying_a_batch_changes_nothing(history: Services) -> None:
    cases, views = history.cases, history.views
    view = views["audit_log"]
    views.catch_up("audit_log")
    before = view.checksum()
    projection = views.projection("audit_log", view)
    first = cases.recorder.select_notifications(start=1, limit=20, topics=projection.topics)

    with pytest.raises(IntegrityError), view.batch():
        for notification in first:
            projection.process_event(cases.mapper.to_domain_event(notification),
                                     Tracking(cases.name, notification.id))

    assert view.checksum() == before


def test_a_catch_up_that_dies_mid_batch_resumes_without_loss_or_double_count(
    history: Services,
) -> None:
    cases, views = history.cases, history.views
    view = views["work_queue"]
    projection = views.projection("work_queue", view)
    original, seen = projection.process_event, [0]

    def dying(event: Any, tracking: Tracking) -> None:
        seen[0] += 1
        if seen[0] == 700:
            raise RuntimeError("killed")
        original(event, tracking)

    projection.process_event = dying
    with pytest.raises(RuntimeError):
        catch_up(cases, projection, view, batch=300)
    views.catch_up("work_queue")
    resumed = view.checksum()

    views.rebuild("work_queue")

    assert view.checksum() == resumed


def test_the_case_list_finds_cases_by_what_a_caseworker_knows(services: Services) -> None:
    cases, views = services.cases, services.views
    from domain.recording import Role, recording_as

    with recording_as("cw-1", Role.CASEWORKER):
        person = enrolment(name="欧阳娜娜", owning_district="370302",
                           residence_division="370302100201")
        saved = cases.enrol_case(**person)
        for _ in range(3):
            cases.enrol_case(**enrolment())
    views.catch_up("case_list")
    view = views["case_list"]
    hashed = cases.identity_hasher(identity_value("RESIDENT_ID", person["id_number"]))

    found = [view.list_cases(q) for q in (
        CaseQuery(text="欧阳"), CaseQuery(text=saved.case_no.lower()),
        CaseQuery(id_hash=hashed), CaseQuery(districts=("370302",)),
    )]

    assert [[r.case_no for r in page] for page in found] == [[saved.case_no]] * 4
    assert found[0].rows[0].id_masked.startswith("3703") and "*" in found[0].rows[0].id_masked
    page = view.list_cases(CaseQuery(per_page=3, sort="case_no", descending=False))
    assert (page.total, len(page.rows), page.pages) == (4, 3, 2)
    # The count comes with a page's rows; the last page and one past it count too.
    last, past = (view.list_cases(CaseQuery(per_page=3, sort="case_no", descending=False,
                                            page=n)) for n in (2, 3))
    assert (last.total, len(last.rows), past.total, len(past.rows)) == (4, 1, 4, 0)
    nothing = view.list_cases(CaseQuery(text="nobody-by-this-name"))
    assert (nothing.total, nothing.rows, nothing.pages) == (0, (), 1)


def test_the_queue_on_a_date_sorts_items_into_overdue_due_and_upcoming(
    services: Services,
) -> None:
    from domain.recording import Role, recording_as

    with recording_as("cw-1", Role.CASEWORKER):
        enrolled = services.cases.enrol_case(**enrolment(occurred_on=days_ago(10),
                                                         returned_on=days_ago(20)))
    services.views.catch_up("work_queue")
    view = services.views["work_queue"]
    due_on = days_ago(10) + timedelta(days=7)  # F1: assessment within 7 days
    past_grace = due_on + timedelta(days=8)  # 7 days of grace

    before = view.queue(due_on - timedelta(days=1), assignee="cw-1", within_days=3)
    on_due_day = view.queue(due_on, assignee="cw-1", within_days=0)
    later = view.queue(past_grace, assignee="cw-1", within_days=0)

    assert [i.rule_id for i in before.upcoming] == ["F1"]
    assert [i.rule_id for i in on_due_day.due_today] == ["F1"]
    assert [i.rule_id for i in later.overdue] == ["F1"]
    assert view.overdue_by_caseworker(past_grace) == [("cw-1", 1)]
    assert view.overdue_by_caseworker(due_on) == []
    assert view.items_of(enrolled.case_id)[0].trigger_event == "Enrolled"


def test_a_queue_keeps_the_most_urgent_items_of_each_bucket_and_counts_them_all(
        history: Services) -> None:
    """Against every case's own items: the buckets, their order, their limits and totals."""
    views = history.views
    for name in ("case_list", "work_queue"):
        views.catch_up(name)
    view = views["work_queue"]
    on = days_ago(0)
    busiest = view.overdue_by_caseworker(on)[0][0]
    first = views["case_list"].list_cases(CaseQuery(per_page=100))
    rows = [row for page in range(1, first.pages + 1)
            for row in views["case_list"].list_cases(CaseQuery(page=page, per_page=100)).rows]
    assert len(rows) == 250
    mine = [i for row in rows for i in view.items_of(row.case_id)
            if i.assignee == busiest and i.status == "PENDING"
            and (i.expires_on is None or i.expires_on >= on)]
    order = sorted(mine, key=lambda i: (i.due_on, i.rule_id, i.case_id.hex, i.key))
    expected = {
        "overdue": [i for i in order if i.overdue_from <= on],
        "due_today": [i for i in order if i.due_on <= on < i.overdue_from],
        "upcoming": [i for i in order if on < i.due_on <= on + timedelta(days=30)],
    }
    assert len(expected["overdue"]) > 3 and expected["upcoming"]

    whole = view.queue(on, assignee=busiest, within_days=30, limit=10_000)
    cut = view.queue(on, assignee=busiest, within_days=30, limit=3)

    for bucket, items in expected.items():
        assert list(getattr(whole, bucket)) == items
        assert list(getattr(cut, bucket)) == items[:3]
        assert getattr(whole, f"{bucket}_total") == getattr(cut, f"{bucket}_total") == len(items)


def test_a_live_worker_keeps_views_current_and_a_standby_takes_over(
    services: Services,
) -> None:
    from domain.recording import Role, recording_as

    stop_first, stop_second = threading.Event(), threading.Event()
    first = ViewWorker(services, "case_list", stop_first, check_seconds=0.2)
    second = ViewWorker(services, "case_list", stop_second, check_seconds=0.2)
    threads = [threading.Thread(target=w.run, daemon=True) for w in (first, second)]
    threads[0].start()
    assert first.active.wait(10)
    threads[1].start()

    with recording_as("cw-1", Role.CASEWORKER):
        saved = services.cases.enrol_case(**enrolment())
    services.views.wait(saved.notification_id, timeout=10, names=("case_list",))
    assert not second.active.is_set()
    stop_first.set()
    threads[0].join(10)
    assert second.active.wait(10)
    with recording_as("cw-1", Role.CASEWORKER):
        again = services.cases.enrol_case(**enrolment())
    services.views.wait(again.notification_id, timeout=10, names=("case_list",))

    stop_second.set()
    threads[1].join(10)
    assert services.views["case_list"].list_cases(CaseQuery()).total == 2


def test_workers_keeping_every_view_live_reuse_their_connections(services: Services) -> None:
    """A worker holds each view's lock on a connection for as long as it runs; its
    writes and every wait must not open a new connection (a new server session on
    PostgreSQL) per event."""
    from sqlalchemy import event

    from domain.recording import Role, recording_as

    engine, opened, enrolled = services.views.db.engine, list[object](), 25

    def count(*_: Any) -> None:
        opened.append(1)

    stop = threading.Event()
    workers = [ViewWorker(services, name, stop, check_seconds=0.2) for name in REGISTRY]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for worker in workers:
            assert worker.active.wait(30), worker.name
        event.listen(engine, "connect", count)  # the locks are held, the runners running
        for _ in range(enrolled):
            with recording_as("cw-1", Role.CASEWORKER):
                saved = services.cases.enrol_case(**enrolment())
            services.views.wait(saved.notification_id, timeout=30)
    finally:
        if event.contains(engine, "connect", count):
            event.remove(engine, "connect", count)
        stop.set()
        for thread in threads:
            thread.join(15)
    assert services.views["case_list"].list_cases(CaseQuery()).total == enrolled
    # Several views write each event: a connection per write would be well over a
    # hundred.  Kept connections are opened once each, at most two per view.
    assert len(opened) <= 2 * len(REGISTRY) + 2, len(opened)


def test_the_wait_for_views_returns_once_each_view_has_the_event(services: Services) -> None:
    from domain.recording import Role, recording_as

    with recording_as("cw-1", Role.CASEWORKER):
        saved = services.cases.enrol_case(**enrolment())
    names = tuple(services.views.views)
    catch_up_later = threading.Timer(0.2, lambda: [services.views.catch_up(n) for n in names])
    catch_up_later.start()
    try:
        services.views.wait(saved.notification_id, timeout=30)
    finally:
        catch_up_later.join()

    enrolled = saved_topic(services, saved.notification_id)
    for name in names:
        view = services.views[name]
        if enrolled not in services.views.projection(name, view).topics:
            continue  # a view that ignores enrolments is not waited for
        position = view.max_tracking_id(services.cases.name)
        assert position is not None and position >= saved.notification_id, name
    assert services.views["case_list"].list_cases(CaseQuery()).total == 1
    services.views.wait(None, timeout=0)  # nothing to wait for


def saved_topic(services: Services, notification_id: int) -> str:
    return str(services.cases.recorder.select_notifications(start=notification_id,
                                                            limit=1)[0].topic)


def test_the_wait_for_views_is_bounded_for_all_views_together(services: Services) -> None:
    import time

    from domain.recording import Role, recording_as

    with recording_as("cw-1", Role.CASEWORKER):
        saved = services.cases.enrol_case(**enrolment())
    enrolled = saved_topic(services, saved.notification_id)
    waited = [name for name, view in services.views.views.items()
              if enrolled in services.views.projection(name, view).topics]
    assert len(waited) >= 4

    started = time.monotonic()
    with pytest.raises(TimeoutError, match=f"notification {saved.notification_id}"):
        services.views.wait(saved.notification_id, timeout=0.4)
    # A budget per view would have taken 0.4 s for each of them.
    assert time.monotonic() - started < 0.4 * (len(waited) - 1)
    assert services.views["case_list"].list_cases(CaseQuery()).total == 0


def test_a_reveal_of_personal_data_is_logged_beside_the_events(services: Services) -> None:
    from application.projections.audit_log import AuditQuery
    from domain.recording import Role, recording_as

    with recording_as("cw-1", Role.CASEWORKER):
        person = enrolment()
        saved = services.cases.enrol_case(**person)
    with recording_as("sup-1", Role.SUPERVISOR, "req-77"):
        shown = services.cases.reveal_personal_data(saved.case_id, field="id_number",
                                                    reason="核对身份")
    services.views.catch_up("audit_log")

    entries = services.views["audit_log"].list_entries(AuditQuery(case_id=saved.case_id))

    assert shown == person["id_number"]
    assert [(e.event, e.actor, e.detail) for e in entries] == [
        ("Revealed", "sup-1", "id_number: 核对身份"), ("Enrolled", "cw-1", "")]
    assert entries.rows[0].request_id == "req-77"
    assert services.cases.get_case(saved.case_id).version == 1
