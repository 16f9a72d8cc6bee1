"""Investigators' tools at size: ``case show --as-of``, exports beside a raw SELECT, ``verify``.

Per store: seed N events (demo histories, cloned with fresh case numbers and re-chained,
plus one case of 500 events); time ``case show --as-of`` on the long case in-process (no
process start-up); export the events in each format in a child process (its own time and
peak RSS) beside a raw SELECT of the same rows; run ``verify`` over the whole log.
Usage: ``python bench/investigation.py [--events N] [--stores sqlite,postgres]
[--formats csv,jsonl,xlsx] [--jobs N]`` (1,000,000 events on SQLite: some 10 minutes, 20 with
xlsx); each CSV and JSON Lines export runs with --jobs 1 and with --jobs N.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

# The repository is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg import sql

from application.decoding import Decoder
from application.projections import case_topics
from bench.commands import pg_connect, scratch
from bench.projections import pct, print_table, seed
from domain.case import Case
from domain.recording import GENESIS, Role, chain_hash, recording_as
from domain.values import BUREAU_TZ, event_id_for
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings, postgres_env
from tests.builders import days_ago, enrolment
from web import create_app
from web.cli.export_parts import default_jobs

TEMPLATES, LONG_CASE, SHOW_RUNS, INSERT_BATCH = 600, 500, 200, 5_000
LONG_CASE_NO = "370303-2025-LONG500"
Row = list[Any]


def settings_for(url: str, instance: Path) -> Settings:
    return Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(instance),
                              "HOMEWARD_DATABASE_URL": url})


def long_case(services: Services) -> int:
    """One case with LONG_CASE events (enrolment, follow-ups and services), in one save."""
    with recording_as("cw-370303-01", Role.CASEWORKER, "bench-long"):
        case = Case.enrol(**enrolment(case_no=LONG_CASE_NO, name="周长案",
                                      caseworker_id="cw-370303-01"))
        for i in range(LONG_CASE - 1):
            if i % 5 == 4:
                case.deliver_service(occurred_on=days_ago(300 - i % 300), service="POLICY_BRIEFING",
                                     provider="张店区人社局", outcome="已讲解创业担保贷款政策",
                                     resource_ref=None)
            else:
                case.record_follow_up(occurred_on=days_ago(300 - i % 300), method="PHONE",
                                      reached=True, summary=f"第{i + 1}次回访：经营正常")
    return len(services.cases.save(case))


def clone(services: Services, events: list[Any], k: int) -> list[StoredEvent]:
    """A template case's events under a new case number and id, chained afresh."""
    case_no = f"{events[0].owning_district}-2025-C{k:07d}"
    case_id, previous, stored = Case.create_id(case_no), GENESIS, []
    for event in events:
        changes: dict[str, Any] = {"originator_id": case_id}
        if event.originator_version == 1:
            changes["case_no"] = case_no
        if getattr(event, "target_event_id", None):
            changes["target_event_id"] = str(event_id_for(case_id, event.target_version))
        chain = chain_hash(previous, get_topic(type(event)), event.originator_version,
                           {**vars(event), **changes})
        stored.append(services.cases.mapper.to_stored_event(
            dataclasses.replace(event, chain=chain, **changes)))
        previous = chain
    return stored


def seed_events(services: Services, n: int) -> tuple[int, float]:
    """About n events: demo histories, the long case, then clones of the histories."""
    started = time.perf_counter()
    ids, events = seed(services.cases, TEMPLATES)[:2]
    events += long_case(services)
    templates = [list(services.cases.events.get(case_id)) for case_id in ids]
    batch: list[StoredEvent] = []
    k = 0
    while events + len(batch) < n:
        batch += clone(services, templates[k % len(templates)], k)
        k += 1
        if len(batch) >= INSERT_BATCH:
            services.cases.recorder.insert_events(batch)
            events, batch = events + len(batch), []
            if events // INSERT_BATCH % 40 == 0:
                print(f"  seeded {events:,} events", file=sys.stderr)
    if batch:
        services.cases.recorder.insert_events(batch)
        events += len(batch)
    return events, time.perf_counter() - started


def show_times(settings: Settings) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``case show --as-of`` through the CLI in this process: by version and by time, each
    run's wall-clock seconds and this process's CPU seconds (the CPU time does not grow
    when other processes take the machine's cores; on SQLite it is nearly all the work)."""
    app = create_app(settings, TESTING=True)
    runner, rng = app.test_cli_runner(), random.Random(5)
    try:
        cases = app.extensions["homeward"].cases
        stamps = [e.timestamp for e in cases.events.get(cases.find_case_id(LONG_CASE_NO))]
        timings: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        for run in range(SHOW_RUNS + 10):
            by_time = run % 2
            moment = (stamps[rng.randrange(LONG_CASE)].astimezone(BUREAU_TZ).isoformat()
                      if by_time else f"v{rng.randint(1, LONG_CASE)}")
            t0, c0 = time.perf_counter(), time.process_time()
            result = runner.invoke(args=["case", "show", LONG_CASE_NO, "--as-of", moment])
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert result.exit_code == 0, result.output
            if run >= 10:  # the first runs warm caches up
                timings[by_time].append((elapsed, cpu))
        return timings
    finally:
        app.extensions["homeward"].close()


def raw_select(settings: Settings, position: int, decode: Decoder | None = None) -> float:
    """Rows/s of a plain SELECT of the events the export reads (optionally decrypted and parsed)."""
    topics, count = list(case_topics()), 0
    started = time.perf_counter()
    if settings.is_postgres:
        schema = postgres_env(settings.database_url)["POSTGRES_SCHEMA"]
        with pg_connect() as conn, conn.transaction(), conn.cursor(name="raw") as cursor:
            cursor.execute(sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} WHERE notification_id <= %s AND topic = ANY(%s) "
                "ORDER BY notification_id").format(sql.Identifier(schema, "cases_events")),
                (position, topics))
            while rows := cursor.fetchmany(2_000):
                count += _consume(rows, decode)
    else:
        conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
        try:
            cursor = conn.execute(
                "SELECT rowid, originator_id, originator_version, topic, state FROM "
                f"stored_events WHERE rowid <= ? AND topic IN ({','.join('?' * len(topics))}) "
                "ORDER BY rowid", (position, *topics))
            while rows := cursor.fetchmany(2_000):
                count += _consume(rows, decode)
        finally:
            conn.close()
    return count / (time.perf_counter() - started)


def _consume(rows: list[Any], decode: Decoder | None) -> int:
    if decode is not None:
        for row in rows:
            json.loads(decode.plaintext(bytes(row[4])))
    return len(rows)


def child_export(url: str, instance: str, file_format: str, out: str, jobs: int) -> None:
    """In a fresh process: export the events and report rows, seconds and peak RSS
    (its own, and the largest of the processes that made parts of the file)."""
    app = create_app(settings_for(url, Path(instance)), TESTING=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["export", "events", "--format", file_format,
                                                "--out", out, "--lang", "en",
                                                "--jobs", str(jobs)])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    print(json.dumps({"rows": int(result.output.split("exported ")[1].split()[0]),
                      "position": int(result.output.split("position ")[1].split()[0]),
                      "sha256": result.output.split("SHA-256 ")[1].strip(),
                      "seconds": seconds, "rss_before_mb": before / 1024,
                      "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_parts_mb":
                          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
    app.extensions["homeward"].close()


def export_in_child(settings: Settings, file_format: str, out: Path, jobs: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child-export", file_format, "--url", settings.database_url,
         "--instance", str(settings.instance_path), "--out", str(out), "--jobs", str(jobs)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"export {file_format} failed: {done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def verify_rate(settings: Settings) -> tuple[int, float]:
    app = create_app(settings, TESTING=True)
    try:
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["verify", "--lang", "en"])
        seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        events = int(result.output.split(" streams and ")[1].split()[0])
        return events, events / seconds
    finally:
        app.extensions["homeward"].close()


def measure(store: str, args: argparse.Namespace, tables: dict[str, list[Row]]) -> None:
    with scratch(store) as (tmp, url):
        settings = settings_for(url("investigation"), tmp / "instance")
        services = bootstrap(settings)
        try:
            print(f"{store}: seeding about {args.events:,} events", file=sys.stderr)
            events, seconds = seed_events(services, args.events)
            tables["seed"].append([store, events, seconds, events / seconds])
            position = services.cases.recorder.max_notification_id() or 0
            decoder = Decoder(services.cases.mapper)
        finally:
            services.close()
        print(f"{store}: case show --as-of x{SHOW_RUNS}", file=sys.stderr)
        by_version, by_time = show_times(settings)
        for label, times in (("--as-of vN", by_version), ("--as-of time", by_time)):
            walls, cpus = [w for w, _ in times], [c for _, c in times]
            tables["show"].append([store, label, len(times), pct(walls, 0.5), pct(walls, 0.95),
                                   pct(cpus, 0.5), pct(cpus, 0.95), "p95 <= 20"])
        raw, floor = raw_select(settings, position), raw_select(settings, position, decoder)
        for file_format in args.formats:
            digests = set()
            for jobs in sorted({1, args.jobs if file_format != "xlsx" else 1}):
                print(f"{store}: export events --format {file_format} --jobs {jobs}",
                      file=sys.stderr)
                out = tmp / f"events-{jobs}.{file_format}"
                found = export_in_child(settings, file_format, out, jobs)
                assert found["position"] == position
                digests.add(found["sha256"])
                rate = found["rows"] / found["seconds"]
                tables["export"].append([
                    store, file_format, jobs, found["rows"], found["seconds"], rate, raw,
                    rate / raw, floor, rate / floor, found["rss_before_mb"], found["rss_peak_mb"],
                    found["rss_parts_mb"], out.stat().st_size / 2**20])
                out.unlink()
            assert len(digests) == 1, f"{file_format}: the parts made another file"
        print(f"{store}: verify", file=sys.stderr)
        checked, rate = verify_rate(settings)
        tables["verify"].append([store, checked, checked / rate, rate])


SECTIONS = {  # key: (title, columns)
    "seed": ("Seeding: 600 demo histories, one 500-event case, then clones of the histories",
             "store events seconds events/s"),
    "show": (f"case show --as-of on the {LONG_CASE}-event case, in-process through the CLI "
             f"(no process start-up), {SHOW_RUNS} runs in all",
             "store moment runs p50_ms p95_ms cpu_p50_ms cpu_p95_ms target"),
    "export": ("export events in a child process (seconds: the command, without start-up) "
               "beside a raw SELECT of the same rows, and beside SELECT+decrypt+json.loads in "
               "one process; with --jobs N the log is read by N processes at once (the same "
               "bytes: checked); parts_MB is the largest of those processes",
               "store format jobs rows seconds events/s raw_rows/s ratio(>=0.3) decoded_rows/s "
               "ratio_decoded rss_start_MB rss_peak_MB(<=200) parts_MB file_MB"),
    "verify": ("homeward verify: every stream's chain, versions and decoding",
               "store events seconds events/s"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events (default 1e6)")
    parser.add_argument("--stores", default="sqlite", help="sqlite,postgres (default sqlite)")
    parser.add_argument("--formats", default="csv,jsonl",
                        help="csv,jsonl,xlsx (default csv,jsonl: xlsx writes ~2,000 rows/s)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="processes for the parallel export runs (default: one per CPU, "
                             "at most 4); every format is also exported with --jobs 1")
    parser.add_argument("--child-export", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_export:
        child_export(args.url, args.instance, args.child_export, args.out, args.jobs)
        return
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if set(stores) - {"sqlite", "postgres"} or set(args.formats) - {"csv", "jsonl", "xlsx"}:
        parser.error("stores are sqlite and postgres; formats csv, jsonl and xlsx")
    if args.events < 10_000:
        parser.error("--events must be >= 10000")
    tables: dict[str, list[Row]] = {key: [] for key in SECTIONS}
    started = time.perf_counter()
    try:
        for store in stores:
            measure(store, args, tables)
    finally:  # what was measured before a failure is still worth seeing
        print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()} on "
              f"{os.cpu_count()} CPUs (other work on the machine slows every figure)")
        print(f"N={args.events:,} events; Python {platform.python_version()}; eventsourcing "
              f"{version('eventsourcing')}; openpyxl {version('openpyxl')}; "
              f"SQLAlchemy {version('sqlalchemy')}; wall {time.perf_counter() - started:.0f} s")
        for key, (title, header) in SECTIONS.items():
            if tables[key]:
                print_table(title, header, tables[key])


if __name__ == "__main__":
    main()
