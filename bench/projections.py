"""Views at size: seeding, rebuild against raw inserts, live lag and query latency.

Per store: seed N demo cases (ten events each by default), rebuild every view, insert its
rows again into scratch tables (the raw baseline), run live workers under a write load (in a
process of their own, then as threads of the writing process), time the pages' queries.
Usage: ``python bench/projections.py [--cases N] [--events N] [--stores sqlite,postgres] [--jobs N]
[--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import multiprocessing
import platform
import pstats
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from uuid import UUID

# The repository is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import MetaData, event, select
from sqlalchemy.sql.dml import Insert

from application.cases import Cases
from application.errors import ConcurrentEditError
from application.projections.case_list import CaseQuery
from bench.commands import scratch
from domain.case import Case
from domain.errors import DomainError
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.demo import DISTRICTS, demo_histories
from infrastructure.projections import REGISTRY
from infrastructure.settings import Settings
from infrastructure.worker import ViewWorker, run_workers

ROOT = Path(__file__).resolve().parents[1]
SAVE_BATCH, RAW_CHUNK, QUERY_RUNS = 200, 5_000, 200
#: Cases per caseworker: a district's cases are shared among as many caseworkers as
#: this takes (at least the demo's four), as a bureau staffs its districts.
CASELOAD = 200
LIVE_VIEWS = ("case_list", "work_queue")
#: Commands of ``Cases`` whose aggregate method has another name.
METHODS = {"enrol_case": "enrol", "reassign_case": "reassign", "close_case": "close",
           "reopen_case": "reopen"}
Row = list[Any]


def pct(samples: list[float], q: float) -> float:
    """The q-quantile in milliseconds (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000 if ordered else 0


def seed(cases: Cases, n: int, per_case: float = 0.0,
         ) -> tuple[list[UUID], int, int, float, float]:
    """Cases with demo histories, built in memory and saved SAVE_BATCH at a time.

    With ``per_case``, open cases get more follow-up visits, on days between their
    enrolment and today, until the log holds about ``per_case`` events per case
    (the demo histories alone make six or seven).  The unique-key claims of ``Cases``
    are skipped: no view reads them, and each would cost a read and a stream per
    case.  Returns the ids, the events, the cases cut short by a DomainError, and
    the build and save seconds.
    """
    ids, batch = list[UUID](), list[Case]()
    events, built, cut, saving, takes_rules = 0, 0, 0, 0.0, dict[str, bool]()
    rng, end = random.Random(2261), today()
    started = time.perf_counter()
    caseworkers = max(4, -(-n // (len(DISTRICTS) * CASELOAD)))
    for i, steps in enumerate(demo_histories(random.Random(2260), n, today(),
                                             caseworkers=caseworkers)):
        case: Case | None = None
        for step, (actor, role, command, fields) in enumerate(steps):
            with recording_as(actor, role, f"seed-{i}-{step}"):
                try:
                    if case is None:  # numbered in sequence: a clash would merge two streams
                        number = f"{fields['owning_district']}-{fields['occurred_on']:%Y}-{i:06d}"
                        case = Case.enrol(case_no=number, **fields)
                        continue
                    method = getattr(case, METHODS.get(command, command))
                    if takes_rules.setdefault(
                            command, "rules" in inspect.signature(method).parameters):
                        method(rules=cases.rules, **fields)
                    else:
                        method(**fields)
                except DomainError:
                    cut += 1
                    break
        if case is not None and case.is_open:
            wanted = round((i + 1) * per_case) - built - case.version
            span = max(0, (end - case.enrolled_on).days)
            days = sorted(rng.randint(0, span) for _ in range(max(0, wanted)))
            with recording_as(case.caseworker_id, Role.CASEWORKER, f"seed-{i}-visits"):
                for day in days:
                    case.record_follow_up(occurred_on=case.enrolled_on + timedelta(days=day),
                                          method=rng.choice(["PHONE", "VISIT"]), reached=True,
                                          summary="回访：经营正常")
        if case is not None:
            built += case.version
            batch.append(case)
            ids.append(case.id)
        if len(batch) >= SAVE_BATCH or (batch and i == n - 1):
            t0 = time.perf_counter()
            events += len(cases.save(*batch))
            saving += time.perf_counter() - t0
            batch.clear()
        if (i + 1) % max(1, n // 10) == 0:
            print(f"  seeded {i + 1:,}/{n:,} cases, {events:,} events", file=sys.stderr)
    return ids, events, cut, time.perf_counter() - started - saving, saving


def rebuild(services: Services, *names: str, jobs: int = 1) -> tuple[int, int, float]:
    """Events processed, row values sent in INSERT and upsert statements, seconds.

    One view, or several in one pass over the log (``homeward projections rebuild all``);
    with ``jobs`` above one, the rows other processes send are not counted.
    """
    engine, sent = services.views.db.engine, [0]

    def count(_: Any, clause: Any, multi: Any, *rest: Any) -> None:
        if isinstance(clause, Insert) and not clause.table.name.startswith("view_"):
            sent[0] += len(multi) or 1

    def count_driver_sql(_: Any, __: Any, statement: str, parameters: Any, context: Any,
                         many: bool) -> None:
        # Statements sent as SQL text (a compiled executemany) fire no after_execute.
        if context.compiled is None and statement.lstrip()[:6].upper() == "INSERT" \
                and "view_tracking" not in statement:
            sent[0] += len(parameters) if many else 1

    for name in names:
        with services.views.lock(name, wait=False) as free:
            if not free:  # a PostgreSQL view lock is per database, not per schema
                raise RuntimeError(f"view {name}: another process holds its lock")
    event.listen(engine, "after_execute", count)
    event.listen(engine, "after_cursor_execute", count_driver_sql)
    try:
        t0 = time.perf_counter()
        events = services.views.rebuild_many(list(names), jobs=jobs)
        return events, sent[0], time.perf_counter() - t0
    finally:
        event.remove(engine, "after_execute", count)
        event.remove(engine, "after_cursor_execute", count_driver_sql)


def raw_insert(services: Services, name: str) -> tuple[int, float]:
    """The view's live rows inserted again, RAW_CHUNK per executemany and transaction,
    into scratch copies of its tables; returns the rows and the seconds inserting."""
    view, db = services.views[name], services.views.db
    with db.engine.connect() as conn:
        live = view.tables(db.generation(conn, name))
    metadata = MetaData(schema=db.metadata.schema)
    copies = view.define_tables(metadata, "_rawbench")
    metadata.create_all(db.engine)
    rows, seconds = 0, 0.0
    try:
        with db.engine.connect() as reader:
            for key, table in live.items():
                result = reader.execution_options(yield_per=RAW_CHUNK).execute(select(table))
                for part in result.mappings().partitions():
                    chunk = [dict(row) for row in part]
                    t0 = time.perf_counter()
                    with db.engine.begin() as conn:
                        conn.execute(copies[key].insert(), chunk)
                    seconds, rows = seconds + time.perf_counter() - t0, rows + len(chunk)
    finally:
        metadata.drop_all(db.engine)
    return rows, seconds


def start_workers(services: Services, halt: threading.Event) -> list[ViewWorker]:
    """The live views' workers, started as ``homeward projections run`` starts them,
    once each holds its view's lock."""
    workers = run_workers(services, list(LIVE_VIEWS), halt)
    for worker in workers:
        if not worker.active.wait(60):
            raise RuntimeError(f"view {worker.name}: the worker never took its lock")
    return workers


def stop_workers(workers: list[ViewWorker], halt: threading.Event) -> dict[str, int]:
    """Stop the workers, wait for their threads (``run_workers`` names them), and return
    each one's restarts."""
    halt.set()
    names = {f"view-{worker.name}" for worker in workers}
    for thread in threading.enumerate():
        if thread.name in names:
            thread.join(15)
    return {worker.name: worker.restarts for worker in workers}


def keep_live(settings: Settings, active: Any, stop: Any, results: Connection) -> None:
    """In a process of its own, as in production: the workers until ``stop``; sends back
    each one's restarts, or why they never started."""
    services, halt = bootstrap(settings), threading.Event()
    try:
        try:
            workers = start_workers(services, halt)
        except RuntimeError as error:
            results.send(str(error))
            return
        active.set()
        stop.wait()
        results.send(stop_workers(workers, halt))
    finally:
        halt.set()
        services.close()


class Runners:
    """The live views' workers: threads of this process, or a process of their own."""

    def __init__(self, services: Services, in_process: bool) -> None:
        self.services, self.in_process = services, in_process
        self.halt, self.workers = threading.Event(), list[ViewWorker]()
        self.restarts: dict[str, int] = {}
        if not in_process:  # spawned: a forked child would share the parent's open connections
            context = multiprocessing.get_context("spawn")
            self.active, self.stop = context.Event(), context.Event()
            self.results, sending = context.Pipe(duplex=False)
            self.process = context.Process(target=keep_live, daemon=True, args=(
                services.settings, self.active, self.stop, sending))

    def start(self) -> None:
        if self.in_process:
            self.workers = start_workers(self.services, self.halt)
            return
        self.process.start()
        while not self.active.wait(0.5):
            if not self.process.is_alive() or self.results.poll():
                raise RuntimeError(f"the workers' process: {self._result()!r}")

    def finish(self) -> None:
        if self.in_process:
            self.restarts = stop_workers(self.workers, self.halt)
            return
        self.stop.set()
        if self.process.is_alive() or self.results.poll():
            found = self._result()
            self.restarts = found if isinstance(found, dict) else {}
        self.process.join(30)

    def _result(self) -> Any:
        return self.results.recv() if self.results.poll(30) else "no answer"


def live(services: Services, ids: list[UUID], seconds: float, rate: float,
         in_process: bool = False) -> list[Row]:
    """Follow-ups at a fixed rate while a worker keeps each live view (in a process of its
    own, as in production, or as threads of this one); per view the lag (log head minus
    position, every 0.5 s) and, for every 5th write, save-to-view time."""
    cases, views = services.cases, services.views
    done = threading.Event()
    runners = Runners(services, in_process)
    lags: dict[str, list[int]] = {name: [] for name in LIVE_VIEWS}
    waits: list[tuple[str, Future[float | None]]] = []
    writes = failed = 0

    def sample() -> None:
        while not done.wait(0.5):
            head = cases.recorder.max_notification_id() or 0
            for name in LIVE_VIEWS:
                lags[name].append(head - (views[name].max_tracking_id(cases.name) or 0))

    def timed_wait(name: str, notification_id: int | None, saved_at: float) -> float | None:
        try:
            views.wait(notification_id, timeout=10, names=(name,))
        except TimeoutError:
            return None
        return time.perf_counter() - saved_at

    try:
        runners.start()
        threading.Thread(target=sample, daemon=True).start()
        rng = random.Random(7)
        with ThreadPoolExecutor(max_workers=16) as pool:  # a queued wait would overstate
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                case_id = rng.choice(ids)
                try:
                    current = cases.get_case(case_id).version
                    with recording_as("cw-bench", Role.CASEWORKER):
                        saved = cases.record_follow_up(
                            case_id, current, occurred_on=today(), method="PHONE",
                            reached=True, summary="回访：经营正常。")
                except (DomainError, ConcurrentEditError):
                    failed += 1
                else:
                    writes += 1
                    if writes % 5 == 0:
                        waits += [(name, pool.submit(timed_wait, name, saved.notification_id,
                                                     time.perf_counter())) for name in LIVE_VIEWS]
                time.sleep(max(0.0, started + (writes + failed) / rate - time.perf_counter()))
            elapsed = time.perf_counter() - started
    finally:
        done.set()
        runners.finish()
    rows = []
    for name in LIVE_VIEWS:
        found = [f.result() for n, f in waits if n == name]
        times = [t for t in found if t is not None]
        lag = lags[name] or [0]
        rows.append([name, "threads" if in_process else "process", writes, writes / elapsed,
                     int(statistics.median(lag)), max(lag), len(times), pct(times, 0.5),
                     pct(times, 0.95), len(found) - len(times), failed,
                     runners.restarts.get(name, "?")])
    return rows


def query_runs(services: Services,
               rng: random.Random) -> list[tuple[str, Callable[[], int], str]]:
    """The pages' queries, each returning the rows it shows (a search: its total), and the
    target of those the issue sets one for."""
    on, queue, cases = today(), services.views["work_queue"], services.views["case_list"]
    busiest, district = queue.overdue_by_caseworker(on)[0][0], DISTRICTS[0]
    pages = cases.list_cases(CaseQuery(districts=(district,), per_page=20)).pages
    city_pages = cases.list_cases(CaseQuery(district_prefix=district[:4], per_page=20)).pages

    def work_queue(**scope: Any) -> Callable[[], int]:
        def run() -> int:
            found = queue.queue(on, **scope)
            return len(found.overdue) + len(found.due_today) + len(found.upcoming)
        return run

    return [(f"work_queue {busiest} (most overdue)", work_queue(assignee=busiest), "p95 <= 20"),
            (f"district {district} page", lambda: len(cases.list_cases(CaseQuery(
                page=rng.randint(1, pages), per_page=20, districts=(district,))).rows),
             "p95 <= 20"),
            (f"team queue {district}", work_queue(districts=(district,)), ""),
            (f"city {district[:4]} page", lambda: len(cases.list_cases(CaseQuery(
                page=rng.randint(1, city_pages), per_page=20,
                district_prefix=district[:4])).rows), ""),
            ("name search (total)", lambda: cases.list_cases(CaseQuery(text="王")).total, ""),
            (f"name search in {district}", lambda: cases.list_cases(CaseQuery(
                text="王伟", districts=(district,))).total, "")]


def profiled(label: str, run: Callable[[], object]) -> None:
    """The top entries of a profile: in this repository's code, then in all code."""
    profile = cProfile.Profile()
    profile.runcall(run)
    for title, limit, where in (("repo code", 15, rf"{ROOT}/(?!\.venv/)"), ("all code", 20, "")):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(where, limit)
        body = out.getvalue()
        print(f"\n--- profile: {label}, {title}, cumulative\n"
              f"{body[body.find('   ncalls'):].rstrip()}")


def measure(store: str, args: argparse.Namespace, tables: dict[str, list[Row]]) -> int:
    """Every section for one store; returns the events seeded."""
    with scratch(store) as (tmp, url):
        services = bootstrap(Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp / "instance"),
                                                "HOMEWARD_DATABASE_URL": url("views")}))
        try:
            print(f"{store}: seeding {args.cases:,} cases", file=sys.stderr)
            ids, events, cut, build_s, save_s = seed(services.cases, args.cases,
                                                       args.events / args.cases)
            tables["seed"].append([store, len(ids), events, cut, build_s, save_s,
                                   events / (build_s + save_s), events / save_s])
            # Each view's rebuild and its raw baseline are timed one after the other, so
            # that a shared machine's load falls on both alike.
            processed = all_rows = 0
            total = raw_total = 0.0
            for name in REGISTRY:
                print(f"{store}: rebuilding {name}", file=sys.stderr)
                done, sent, seconds = rebuild(services, name)
                view_rows = services.views[name].row_count()
                tables["rebuild"].append([store, name, done, view_rows, sent, seconds,
                                          done / seconds, sent / seconds])
                rows, raw_s = raw_insert(services, name)
                processed, all_rows = processed + done, all_rows + rows
                total, raw_total = total + seconds, raw_total + raw_s
                if not rows:  # a view the demo histories leave empty has nothing to compare
                    tables["raw"].append([store, name, 0, raw_s, "", "", "", "", ">= 0.5"])
                    continue
                ratio = done / seconds / (rows / raw_s)
                tables["raw"].append([store, name, rows, raw_s, rows / raw_s, ratio,
                                      sent / seconds / (rows / raw_s), raw_s / seconds,
                                      ">= 0.5"])
                if args.profile and ratio < 0.5:
                    profiled(f"{store} rebuild {name}", lambda n=name: services.views.rebuild(n))
            tables["rebuild"].append([store, "each view", events, "", "", total,
                                      events / total, ""])
            print(f"{store}: rebuilding all views in one pass", file=sys.stderr)
            _, sent, seconds = rebuild(services, *REGISTRY)
            tables["rebuild"].append([store, "all, one pass", events, all_rows, sent, seconds,
                                      events / seconds, sent / seconds])
            # Every view's events over the one pass's time, against every view's raw rows.
            tables["raw"].append([store, "all, one pass", all_rows, raw_total,
                                  all_rows / raw_total,
                                  processed / seconds / (all_rows / raw_total), "",
                                  raw_total / seconds, ">= 0.5"])
            if args.jobs > 1:
                print(f"{store}: rebuilding all views, {args.jobs} jobs", file=sys.stderr)
                _, _, seconds = rebuild(services, *REGISTRY, jobs=args.jobs)
                label = f"all, {args.jobs} jobs"
                tables["rebuild"].append([store, label, events, all_rows, "", seconds,
                                          events / seconds, ""])
                tables["raw"].append([store, label, all_rows, raw_total, all_rows / raw_total,
                                      processed / seconds / (all_rows / raw_total), "",
                                      raw_total / seconds, ">= 0.5"])
            print(f"{store}: live load for {args.seconds:.0f} s, twice", file=sys.stderr)
            for in_process in (False, True):
                tables["live"] += [[store, *row] for row in
                                   live(services, ids, args.seconds, args.rate, in_process)]
            for label, run, target in query_runs(services, random.Random(11)):
                times, shown = [], 0
                for _ in range(QUERY_RUNS):
                    t0 = time.perf_counter()
                    shown = run()
                    times.append(time.perf_counter() - t0)
                tables["query"].append([store, label, shown, pct(times, 0.5), pct(times, 0.95),
                                        target])
                if args.profile and pct(times, 0.95) > 20:
                    profiled(f"{store} {label} x{QUERY_RUNS}",
                             lambda r=run: [r() for _ in range(QUERY_RUNS)])
            return events
        finally:
            services.close()


SECTIONS = {  # key: (title, columns)
    "seed": ("Seeding: demo histories built in memory, 200 cases per save()",
             "store cases events cut_short build_s save_s events/s save_ev/s"),
    "rebuild": ("Rebuild from the whole log (rows_sent: row values in INSERT/upsert statements)",
                "store view events rows rows_sent seconds events/s rows_sent/s"),
    "raw": ("Raw baseline: the rebuilt rows inserted again, one executemany per 5,000 rows "
            "(raw_s÷rebuild_s: the raw inserts' time over the rebuild's, for the same rows)",
            "store view rows raw_s raw_rows/s ev/s÷raw rows_sent/s÷raw raw_s÷rebuild_s target"),
    "live": ("Live workers under a write load (lag in events, sampled every 0.5 s; wait: save "
             "to view via Views.wait, every 5th write, 16 at most at once); runners: the "
             "workers in a process of their own, as in production, or threads of the process "
             "that writes and waits", "store view runners writes writes/s lag_p50 "
             "lag_max waits wait_p50_ms wait_p95_ms timeouts failed restarts"),
    "query": (f"Query latency, {QUERY_RUNS} runs each, a page of 20 (a caseworker carries "
              f"about {CASELOAD} cases; name search: text=王, in a district: 王伟)",
              "store query rows p50_ms p95_ms target")}


def cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_table(title: str, header: str, rows: list[Row]) -> None:
    lines = [header.split()] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    print(f"\n{title}")
    for line in lines:
        print(" ".join(c.ljust(w) if i < 2 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(line, widths, strict=True))))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases (default 100000)")
    parser.add_argument("--events", type=int, default=None,
                        help="about this many events in all, by adding follow-up visits to "
                             "open cases (default: ten per case)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=15.0, help="live load, seconds")
    parser.add_argument("--rate", type=float, default=50.0, help="live follow-ups per second")
    parser.add_argument("--jobs", type=int, default=2,
                        help="processes for a rebuild of all views by several jobs "
                             "(default 2; 1 leaves it out)")
    parser.add_argument("--profile", action="store_true",
                        help="profile each rebuild and query that misses its target")
    args = parser.parse_args(argv)
    args.events = args.events or 10 * args.cases
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if set(stores) - {"sqlite", "postgres"} or args.cases < 100:
        parser.error("stores are sqlite and postgres; --cases must be >= 100")
    tables: dict[str, list[Row]] = {key: [] for key in SECTIONS}
    events: dict[str, int] = {}
    started = time.perf_counter()
    try:
        for store in stores:
            events[store] = measure(store, args, tables)
    finally:  # what was measured before a failure is still worth seeing
        counts = ", ".join(f"{store} {count:,}" for store, count in events.items())
        print(f"\nN={args.cases:,} cases; events: {counts or 'none'}; "
              f"Python {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
              f"SQLAlchemy {version('sqlalchemy')}; wall {time.perf_counter() - started:.0f} s")
        for key, (title, header) in SECTIONS.items():
            if tables[key]:
                print_table(title, header, tables[key])


if __name__ == "__main__":
    main()
