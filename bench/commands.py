"""Write throughput of Homeward's commands against the bare library and raw inserts.

Per store, the same N commands run through ``Cases``, through a bare ``Application``
with the same cipher and persistence settings, and as raw single-row INSERTs.  Cases and
the bare application take turns over slices of the workload (``--rounds``), so that both
see the same machine.
Usage: ``python bench/commands.py [--n N] [--stores sqlite,postgres]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

# tests/ is not an installed package; its builders give the valid inputs.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.cases import Cases
from domain.recording import Role, recording_as
from infrastructure.bootstrap import bootstrap, ensure_schema
from infrastructure.settings import Settings, postgres_env
from tests.builders import an_id_number, days_ago, enrolment

PG_URL = os.environ.get("HOMEWARD_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
FOLLOW_UP: dict[str, Any] = dict(method="PHONE", reached=True, business_status=None,
                                 employees_now=None, needs=[],
                                 summary="回访：已返乡创业，经营正常，暂无新的需求。")


class BareCase(Aggregate):
    """The library's own aggregate, carrying the strings of an enrolment."""

    @event("Enrolled")
    def __init__(self, case_no: str, name: str, id_type: str, id_number: str, birth_date: str,
                 sex: str, mobile: str, hukou_division: str, residence_division: str,
                 owning_district: str, returnee_type: str, loan_groups: list[str],
                 returned_on: str, caseworker_id: str, occurred_on: str) -> None:
        self.case_no, self.name, self.id_number, self.mobile = case_no, name, id_number, mobile
        self.follow_ups = 0

    @event("FollowUpRecorded")
    def record_follow_up(self, occurred_on: str, method: str, reached: bool,
                         business_status: str | None, employees_now: int | None,
                         needs: list[str], summary: str) -> None:
        self.follow_ups += 1


class BareCases(Application):
    pass


def inputs(n_cases: int) -> list[dict[str, Any]]:
    """Valid enrolments of distinct people: each is born on a different day."""
    born = date(1970, 1, 1)
    return [enrolment(case_no=f"B-{uuid4().hex[:16].upper()}",
                      id_number=an_id_number(born=born + timedelta(days=i)))
            for i in range(n_cases)]


def bare_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The enrolment as the bare aggregate takes it: every date as an ISO string."""
    id_number = fields["id_number"]
    return dict(
        case_no=fields["case_no"], name=fields["name"], id_type=fields["id_type"],
        id_number=id_number, sex="M",
        birth_date=f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
        mobile=fields["mobile"], hukou_division=fields["hukou_division"],
        residence_division=fields["residence_division"],
        owning_district=fields["owning_district"], returnee_type=fields["returnee_type"],
        loan_groups=list(fields["loan_groups"]), returned_on=fields["returned_on"].isoformat(),
        caseworker_id=fields["caseworker_id"], occurred_on=fields["occurred_on"].isoformat())


#: An operation of the workload: ("enrol", i) enrols the i-th person,
#: ("follow_up", i) records a follow-up on the i-th enrolled case.
Op = tuple[str, int]


def workload(n_cases: int, n: int) -> list[Op]:
    """The enrolments, then follow-ups round-robin over the enrolled cases."""
    return ([("enrol", i) for i in range(n_cases)]
            + [("follow_up", i % n_cases) for i in range(n - n_cases)])


class CasesRunner:
    """Runs operations through Homeward's ``Cases``, each with the version it loaded."""

    def __init__(self, cases: Cases, enrolments: list[dict[str, Any]]) -> None:
        self.cases, self.enrolments = cases, enrolments
        self.follow_up = dict(FOLLOW_UP, occurred_on=days_ago(10))
        self.ids: list[UUID] = []
        self.versions: dict[UUID, int] = {}

    def __call__(self, ops: list[Op]) -> float:
        started = time.perf_counter()
        for kind, i in ops:
            with recording_as("bench", Role.CASEWORKER):
                if kind == "enrol":
                    saved = self.cases.enrol_case(**self.enrolments[i])
                    self.ids.append(saved.case_id)
                else:
                    case_id = self.ids[i]
                    saved = self.cases.record_follow_up(case_id, self.versions[case_id],
                                                        **self.follow_up)
            self.versions[saved.case_id] = saved.version
        return time.perf_counter() - started


class BareRunner:
    """Runs the same operations through the bare library: create, or get, change and save."""

    def __init__(self, app: BareCases, enrolments: list[dict[str, Any]]) -> None:
        self.app = app
        self.created = [bare_fields(fields) for fields in enrolments]
        self.follow_up = dict(FOLLOW_UP, occurred_on=days_ago(10).isoformat())
        self.ids: list[UUID] = []

    def __call__(self, ops: list[Op]) -> float:
        started = time.perf_counter()
        for kind, i in ops:
            if kind == "enrol":
                case = BareCase(**self.created[i])
                self.app.save(case)
                self.ids.append(case.id)
            else:
                case = self.app.repository.get(self.ids[i])
                case.record_follow_up(**self.follow_up)
                self.app.save(case)
        return time.perf_counter() - started


def interleaved(runners: list[Callable[[list[Op]], float]], ops: list[Op],
                rounds: int) -> list[float]:
    """Seconds per runner for all ``ops``, run in alternating slices.

    Each round runs the next slice of the workload through every runner, the
    runners taking turns to go first, so that a change in the machine's load
    during the run (these machines are shared) falls on all of them alike
    instead of on whichever ran last.
    """
    totals = [0.0] * len(runners)
    size = -(-len(ops) // rounds)
    for r, start in enumerate(range(0, len(ops), size)):
        chunk = ops[start:start + size]
        order = list(range(len(runners)))
        if r % 2:
            order.reverse()
        for k in order:
            totals[k] += runners[k](chunk)
    return totals


def raw_rows(n: int, n_cases: int, topic: str, size: int) -> list[tuple[UUID, int, str, bytes]]:
    """N rows in the pattern of the commands: N/10 streams, versions counting up."""
    ids = [uuid4() for _ in range(n_cases)]
    return [(ids[i % n_cases], i // n_cases + 1, topic, os.urandom(size)) for i in range(n)]


def raw_sqlite(path: Path, rows: list[tuple[UUID, int, str, bytes]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # as eventsourcing.sqlite does
        conn.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
                     "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        insert = "INSERT INTO stored_events VALUES (?, ?, ?, ?)"
        values = [(str(u), v, t, s) for u, v, t, s in rows]
        started = time.perf_counter()
        for row in values:
            conn.execute("BEGIN")
            conn.execute(insert, row)
            conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def pg_connect() -> psycopg.Connection[Any]:
    env = postgres_env(PG_URL)
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5, autocommit=True)


def raw_postgres(schema: str, rows: list[tuple[UUID, int, str, bytes]]) -> float:
    table = sql.Identifier(schema, "stored_events")
    with pg_connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL(
            "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))").format(table))
        conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} (notification_id)").format(table))
        insert = sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                         "VALUES (%s, %s, %s, %s)").format(table)
        cur = conn.cursor()
        started = time.perf_counter()
        for row in rows:  # autocommit: one transaction per row
            cur.execute(insert, row, prepare=True)
        return time.perf_counter() - started


@contextmanager
def scratch(store: str) -> Iterator[tuple[Path, Callable[[str], str]]]:
    """A temporary directory and store URLs (files in it, or fresh schemas), all removed after."""
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="homeward-bench-") as tmp:
        def url(label: str) -> str:
            if store == "sqlite":
                return f"sqlite:///{Path(tmp) / label}.sqlite3"
            schemas.append(f"bench_{label}_{uuid4().hex[:12]}")
            return f"{PG_URL}?schema={schemas[-1]}"

        try:
            yield Path(tmp), url
        finally:
            if schemas:
                with pg_connect() as conn:
                    for schema in schemas:
                        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
                                     .format(sql.Identifier(schema)))


def measure(store: str, n: int, rounds: int) -> tuple[float, float, float]:
    """Commands/s for Cases and bare, rows/s for raw."""
    n_cases = n // 10
    enrolments = inputs(n_cases)
    ops = workload(n_cases, n)
    with scratch(store) as (tmp, url):
        # One instance directory, so both applications encrypt with the same generated key.
        instance = str(tmp / "instance")
        settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": instance,
                                      "HOMEWARD_DATABASE_URL": url("cases")})
        bare_settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": instance,
                                           "HOMEWARD_DATABASE_URL": url("bare")})
        services = bootstrap(settings)
        if bare_settings.is_postgres:
            ensure_schema(bare_settings.database_url)
        bare = BareCases(env=bare_settings.eventsourcing_env())
        try:
            cases = CasesRunner(services.cases, enrolments)
            cases_seconds, bare_seconds = interleaved(
                [cases, BareRunner(bare, enrolments)], ops, rounds)
            # The case streams hold one event per command, so they set the raw row size.
            stored = [e for case_id in cases.ids
                      for e in services.cases.recorder.select_events(case_id)]
        finally:
            services.close()
            bare.close()
        size = round(sum(len(e.state) for e in stored) / len(stored))
        topic = stored[-1].topic

        rows = raw_rows(n, n_cases, topic, size)
        raw_url = url("raw")
        if store == "sqlite":
            raw_seconds = raw_sqlite(Path(raw_url.removeprefix("sqlite:///")), rows)
        else:
            raw_seconds = raw_postgres(postgres_env(raw_url)["POSTGRES_SCHEMA"], rows)
    return n / cases_seconds, n / bare_seconds, n / raw_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="commands per run (default 2000)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=20,
                        help="slices of the workload, run by Cases and bare in turn (default 20)")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(stores) - {"sqlite", "postgres"}
    if unknown or args.n < 10:
        parser.error(f"unknown stores {sorted(unknown)}" if unknown else "--n must be >= 10")

    print(f"N={args.n} commands ({args.n // 10} enrolments, {args.n - args.n // 10} follow-ups); "
          f"Python {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
          "Cases and bare ev/s = commands/s (one save per command; an enrolment's save also "
          "writes its identity key's event in Cases); raw = single-row transactions/s; "
          f"Cases and bare run the workload in {args.rounds} alternating slices")
    print(f"{'store':<9} {'commands':>8} {'Cases ev/s':>11} {'bare ev/s':>10} {'raw rows/s':>11} "
          f"{'Cases/bare':>11} {'bare/raw':>9}")
    for store in stores:
        cases_rate, bare_rate, raw_rate = measure(store, args.n, max(1, args.rounds))
        print(f"{store:<9} {args.n:>8} {cases_rate:>11.1f} {bare_rate:>10.1f} {raw_rate:>11.1f} "
              f"{cases_rate / bare_rate:>11.2f} {bare_rate / raw_rate:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
