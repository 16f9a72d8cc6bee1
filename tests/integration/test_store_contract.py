"""The contract every store must keep, run once on a SQLite file and once on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from application.cases import Cases
from application.errors import CaseNotFoundError, ConcurrentEditError
from domain.case import Case
from domain.errors import DuplicateError
from domain.recording import Role, recording_as
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings, postgres_env
from tests.builders import a_uscc, days_ago, enrolment, training
from tests.conftest import pg_connect
from tests.registries import training_resources

pytestmark = pytest.mark.usefixtures("caseworker")


def a_long_history(cases: Cases) -> UUID:
    training_resources(cases)
    saved = cases.enrol_case(**enrolment())
    case_id, v = saved.case_id, saved.version
    v = cases.assess_needs(case_id, v, occurred_on=days_ago(375), stage="IDEA",
                           needs=["TRAINING"]).version
    s = cases.enrol_in_training(case_id, v, **training())
    v = cases.complete_training(case_id, s.version, occurred_on=days_ago(340),
                                enrolment_ref=s.ref, result="PASSED", hours_attended=76,
                                certificate_no=f"SYB-{case_id.hex[:10]}",
                                business_plan_grade="PASS").version
    s = cases.register_business(case_id, v, occurred_on=days_ago(300), uscc=a_uscc("92"),
                                entity_type="INDIVIDUAL_BUSINESS", name="张三农家乐",
                                first_time_founder=True, premises="RENTED")
    v = cases.record_follow_up(case_id, s.version, occurred_on=days_ago(200), method="VISIT",
                               reached=True, summary="经营正常").version
    cases.correct_record(case_id, v, occurred_on=days_ago(1), target_version=1,
                         field="name", new_value="张叁", reason="录入错误")
    return case_id


def stored_rows(settings: Settings) -> list[tuple[str, int, bytes]]:
    """Every stored event's stream id, version and state, read with plain SQL."""
    if settings.is_postgres:
        env = postgres_env(settings.database_url)
        with pg_connect() as conn:
            query = sql.SQL(
                "SELECT originator_id::text, originator_version, state FROM {}.cases_events"
            ).format(sql.Identifier(env["POSTGRES_SCHEMA"]))
            return [(r[0], r[1], bytes(r[2])) for r in conn.execute(query)]
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT originator_id, originator_version, state FROM stored_events")
        return [(str(r[0]), r[1], bytes(r[2])) for r in rows]


def overwrite_state(settings: Settings, stream: UUID, version: int, state: bytes) -> None:
    """What an intruder with database access does: UPDATE a stored event in place."""
    if settings.is_postgres:
        env = postgres_env(settings.database_url)
        with pg_connect() as conn:
            conn.execute(sql.SQL(
                "UPDATE {}.cases_events SET state = %s "
                "WHERE originator_id = %s AND originator_version = %s"
            ).format(sql.Identifier(env["POSTGRES_SCHEMA"])), (state, stream, version))
        return
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        ids = [r[0] for r in conn.execute("SELECT DISTINCT originator_id FROM stored_events")]
        key = next(i for i in ids if str(i).replace("-", "") == stream.hex)
        conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? "
                      "AND originator_version = ?", (state, key, version))


def race(workers: int, task: Callable[[int], Any]) -> list[Any]:
    """Run ``task(i)`` in ``workers`` threads released at once; results or exceptions."""
    barrier, results = threading.Barrier(workers), [None] * workers

    def run(i: int) -> None:
        with recording_as(f"cw-{i}", Role.CASEWORKER):
            barrier.wait()
            try:
                results[i] = task(i)
            except Exception as error:
                results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_replaying_stored_events_rebuilds_an_equal_case(cases: Cases) -> None:
    case = Case.enrol(**enrolment())
    case.assess_needs(occurred_on=days_ago(370), stage="PREPARING", needs=["MENTOR"])
    ref = case.enrol_in_training(rules=cases.rules, **training())
    case.complete_training(rules=cases.rules, occurred_on=days_ago(340), enrolment_ref=ref,
                           result="FAILED", hours_attended=20)

    cases.save(case)

    assert cases.repository.get(case.id) == case
    assert cases.get_case(case.id).version == 4


def test_a_long_history_reads_back_with_its_corrections(cases: Cases) -> None:
    case_id = a_long_history(cases)

    state = cases.get_case(case_id)

    assert state.name == "张叁"
    assert state.version == 7
    assert [t.result for t in state.trainings] == ["PASSED"]
    assert cases.verify_case(case_id) is None


def test_of_two_writers_of_one_version_exactly_one_wins(settings: Settings, cases: Cases) -> None:
    saved = cases.enrol_case(**enrolment())
    others = [bootstrap(settings) for _ in range(4)]

    results = race(4, lambda i: others[i].cases.record_follow_up(
        saved.case_id, saved.version, occurred_on=days_ago(10), method="PHONE",
        reached=True, summary=f"writer {i}"))

    for other in others:
        other.close()
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(e, ConcurrentEditError) for e in losers), losers
    assert all(e.expected_version == 1 and e.actual_version == 2 for e in losers)
    assert cases.get_case(saved.case_id).version == 2


def test_the_store_refuses_a_second_save_of_the_same_version(cases: Cases) -> None:
    saved = cases.enrol_case(**enrolment())
    first, second = (cases.repository.get(saved.case_id) for _ in range(2))
    first.record_follow_up(occurred_on=days_ago(5), method="PHONE", reached=True, summary="a")
    second.record_follow_up(occurred_on=days_ago(5), method="PHONE", reached=True, summary="b")
    cases.save(first)

    with pytest.raises(IntegrityError):
        cases.save(second)

    assert [e.summary for e in cases.events.get(saved.case_id, gt=1)] == ["a"]


def test_a_stale_expected_version_is_a_conflict_and_saves_nothing(cases: Cases) -> None:
    saved = cases.enrol_case(**enrolment())
    cases.record_follow_up(saved.case_id, 1, occurred_on=days_ago(3), method="PHONE",
                           reached=False, summary="无人接听")

    with pytest.raises(ConcurrentEditError) as conflict:
        cases.record_follow_up(saved.case_id, 1, occurred_on=days_ago(2), method="VISIT",
                               reached=True, summary="上门")

    assert (conflict.value.expected_version, conflict.value.actual_version) == (1, 2)
    assert cases.get_case(saved.case_id).version == 2


def test_concurrent_enrolments_of_one_id_number_open_one_case(
    settings: Settings, cases: Cases
) -> None:
    person = enrolment()
    others = [bootstrap(settings) for _ in range(4)]

    results = race(4, lambda i: others[i].cases.enrol_case(
        **{**person, "case_no": f"{person['case_no']}-{i}"}))

    for other in others:
        other.close()
    opened = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(opened) == 1
    assert all(isinstance(e, DuplicateError) and e.field == "id_number" for e in refused), refused
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            with pytest.raises(CaseNotFoundError):
                cases.find_case_id(f"{person['case_no']}-{i}")


def test_a_closed_case_frees_its_id_number_and_cannot_reopen_over_a_new_case(
    cases: Cases,
) -> None:
    person = enrolment()
    old = cases.enrol_case(**person)
    cases.close_case(old.case_id, 1, occurred_on=days_ago(1), reason="MOVED_AWAY")

    new = cases.enrol_case(**{**person, "case_no": person["case_no"] + "-2"})

    with pytest.raises(DuplicateError) as refused:
        cases.reopen_case(old.case_id, 2, occurred_on=days_ago(0), reason="回乡")
    assert refused.value.field == "id_number"
    assert cases.get_case(old.case_id).is_open is False
    assert cases.get_case(new.case_id).is_open is True


def test_a_certificate_number_is_used_once_across_cases(cases: Cases) -> None:
    training_resources(cases)
    first, second = (cases.enrol_case(**enrolment()) for _ in range(2))
    refs = [cases.enrol_in_training(c.case_id, 1, **training()).ref for c in (first, second)]
    passed = dict(occurred_on=days_ago(300), result="PASSED", hours_attended=75,
                  certificate_no="SYB-0001", business_plan_grade="PASS")
    cases.complete_training(first.case_id, 2, enrolment_ref=refs[0], **passed)

    with pytest.raises(DuplicateError) as refused:
        cases.complete_training(second.case_id, 2, enrolment_ref=refs[1], **passed)

    assert refused.value.field == "certificate_no"
    assert cases.get_case(second.case_id).version == 2


def test_a_tampered_event_breaks_the_chain_at_its_version(
    settings: Settings, cases: Cases
) -> None:
    case_id = a_long_history(cases)
    state = next(r[2] for r in stored_rows(settings)
                 if r[0].replace("-", "") == case_id.hex and r[1] == 5)

    overwrite_state(settings, case_id, 5, state[:-1] + bytes([state[-1] ^ 1]))

    broken = cases.verify_case(case_id)
    assert broken is not None and broken.version == 5
    assert "decoded" in broken.problem


def test_an_insider_with_the_key_who_rewrites_an_event_is_caught(
    settings: Settings, cases: Cases
) -> None:
    case_id = a_long_history(cases)
    record = next(r for r in cases.stored_records(case_id) if r.version == 6)
    forged = dict(record.fields or {}, summary="从未回访")
    mapper = cases.mapper

    overwrite_state(settings, case_id, 6,
                    mapper.cipher.encrypt(mapper.transcoder.encode(forged)))

    broken = cases.verify_case(case_id)
    assert broken is not None and broken.version == 6
    assert broken.problem == "content does not match its recorded hash"


def test_the_stored_rows_hold_no_id_number_or_phone_in_clear(
    settings: Settings, cases: Cases
) -> None:
    person = enrolment(mobile="13912345678")
    cases.enrol_case(**person)

    rows = stored_rows(settings)

    assert len(rows) == 2  # the case's Enrolled and its identity key's Registered
    for _, _, state in rows:
        assert person["id_number"].encode() not in state
        assert b"13912345678" not in state
        assert "张三".encode() not in state
