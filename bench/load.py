"""End-to-end HTTP commands/s on PostgreSQL with two web servers, beside the bare library.

Starts two gunicorn servers (production settings, ``--web-workers`` each) and a
projection worker on a fresh PostgreSQL schema; ``--clients`` threads post
commands through the JSON API with a token (an enrolment, then follow-ups on the
case with the version the last answer gave, every tenth command a new case),
until ``--n`` commands are acknowledged.  In the same run, in alternating
slices, the same mix of commands goes to a bare ``eventsourcing`` Application
with the same cipher and store settings, one save after another
(bench/commands.py); the ratio of the two rates is printed (target >= 0.5),
with the p50 and p95 latency of a command under the load.
Usage: ``python bench/load.py [--n N] [--clients C] [--web-workers W] [--rounds R] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import platform
import pstats
import sys
import threading
import time
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

# The repository is not an installed package; tests/ holds the process helpers.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher

from bench.commands import BareCases, BareRunner, Op, inputs, scratch
from bench.projections import print_table
from infrastructure.bootstrap import ensure_schema
from infrastructure.settings import Settings
from tests.builders import an_id_number
from tests.processes import (
    call,
    free_port,
    process_env,
    quantile,
    serving,
    start_web,
    start_worker,
    stop,
    wait_for,
)
from web import create_app

NEW_CASE_EVERY = 10  # as bench/commands.py: N/10 enrolments, the rest follow-ups


PEOPLE = itertools.count(1)


def enrolment() -> dict[str, Any]:
    """A new person each time: a name, phone and ID number nobody else has."""
    n = next(PEOPLE)
    day = date.today() - timedelta(days=30)
    name = "李" + "".join("零一二三四五六七八九"[int(d)] for d in str(n))
    return {"name": name, "id_type": "RESIDENT_ID",
            "id_number": an_id_number(born=date(1965, 1, 1) + timedelta(days=n % 10_000)),
            "mobile": f"137{n:08d}", "hukou_division": "370303", "owning_district": "370303",
            "returnee_type": "MIGRANT_WORKER", "occurred_on": day.isoformat(),
            "returned_on": (day - timedelta(days=40)).isoformat(), "note": f"load {n}"}


def follow_up(version: int) -> dict[str, Any]:
    return {"expected_version": version, "occurred_on": date.today().isoformat(),
            "method": "PHONE", "reached": True,
            "summary": "回访：已返乡创业，经营正常，暂无新的需求。"}


class Load:
    """Clients posting commands until ``n`` are acknowledged; every answer counted."""

    def __init__(self, ports: list[int], token: str, n: int) -> None:
        self.ports, self.token, self.n = ports, token, n
        self.lock = threading.Lock()
        self.sent, self.answers = 0, {}  # type: ignore[var-annotated]
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def take(self) -> int | None:
        with self.lock:
            if self.sent >= self.n:
                return None
            self.sent += 1
            return self.sent

    def client(self, k: int) -> None:
        port, case_no, version = self.ports[k % len(self.ports)], None, 0
        while (i := self.take()) is not None:
            if case_no is None or i % NEW_CASE_EVERY == 0:
                answer = call(port, self.token, "POST", "/cases", enrolment())
            else:
                answer = call(port, self.token, "POST", f"/cases/{case_no}/record-follow-up",
                              follow_up(version))
            with self.lock:
                self.answers[answer.status] = self.answers.get(answer.status, 0) + 1
                if answer.status == 201:
                    self.latencies.append(answer.seconds)
            if answer.status != 201:
                with self.lock:
                    self.failures.append(f"{answer.status}: {answer.body}")
                    self.sent = self.n  # the others stop too
                return
            case_no, version = answer.body["case_no"], answer.body["version"]

    def run(self, clients: int) -> float:
        threads = [threading.Thread(target=self.client, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.failures:
            raise RuntimeError(f"commands refused under load: {self.failures[:5]}")
        return time.perf_counter() - started


def measure(args: argparse.Namespace) -> list[list[Any]]:
    with scratch("postgres") as (tmp, url):
        instance, store = tmp / "instance", url("load")
        settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(instance),
                                      "HOMEWARD_DATABASE_URL": store})
        app = create_app(settings)
        accounts = app.extensions["homeward"].accounts
        accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024)
        accounts.add(username="cw-load", password="load-password-1", role="caseworker",
                     district="370303")
        token = accounts.issue_token("cw-load")
        app.extensions["homeward"].close()
        # The bare library: the same mix, same store kind and cipher, one save after another.
        bare_settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(instance),
                                           "HOMEWARD_DATABASE_URL": url("bare")})
        ensure_schema(bare_settings.database_url)
        bare_app = BareCases(env=bare_settings.eventsourcing_env())
        n_cases = -(-args.n // NEW_CASE_EVERY)
        bare = BareRunner(bare_app, inputs(n_cases))
        ops: list[Op] = [("enrol" if i % NEW_CASE_EVERY == 0 else "follow_up",
                          i // NEW_CASE_EVERY) for i in range(args.n)]

        env = process_env(instance, store)
        ports = [free_port(), free_port()]
        processes = [start_web(env, port, tmp / f"web-{port}.log", args.web_workers)
                     for port in ports]
        processes.append(start_worker(env, tmp / "worker.log"))
        latencies: list[float] = []
        http_seconds = bare_seconds = 0.0
        try:
            for port in ports:
                if not wait_for(lambda p=port: serving(p, token), 120):
                    raise RuntimeError((tmp / f"web-{port}.log").read_text()[-3000:])
            Load(ports, token, 4 * args.clients).run(args.clients)  # pools filled, code warm
            # Alternate slices of HTTP load and bare saves, so that a change in this shared
            # machine's load falls on both alike.
            size = -(-args.n // args.rounds)
            for r, start in enumerate(range(0, args.n, size)):
                chunk = ops[start:start + size]
                load = Load(ports, token, len(chunk))
                for turn in (("bare", "http") if r % 2 else ("http", "bare")):
                    if turn == "http":
                        http_seconds += load.run(args.clients)
                    else:
                        bare_seconds += bare(chunk)
                latencies += load.latencies
        except BaseException:
            for log in sorted(tmp.glob("*.log")):  # the servers' side of a failure
                print(f"--- {log.name}\n{log.read_text()[-4000:]}", file=sys.stderr)
            raise
        finally:
            for process in processes:
                stop(process)
            bare_app.close()
    http_rate, bare_rate = args.n / http_seconds, args.n / bare_seconds
    p50, p95 = quantile(latencies, 0.5) * 1000, quantile(latencies, 0.95) * 1000
    return [["HTTP API, 2 servers", args.n, args.clients, http_rate, p50, p95,
             f"{http_rate / bare_rate:.2f} (>= 0.5)"],
            ["bare Application.save", args.n, 1, bare_rate, 1000 / bare_rate, "", ""]]


def profile_in_process(n: int) -> None:
    """Where a command's time goes: the same mix through the app in this process, profiled."""
    with scratch("postgres") as (tmp, url):
        app = create_app(Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp / "instance"),
                                            "HOMEWARD_DATABASE_URL": url("profile")}))
        accounts = app.extensions["homeward"].accounts
        accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024)
        accounts.add(username="cw-load", password="load-password-1", role="caseworker",
                     district="370303")
        headers = {"Authorization": f"Bearer {accounts.issue_token('cw-load')}"}
        client = app.test_client()

        def commands(count: int) -> None:
            case_no, version = None, 0
            for i in range(count):
                if case_no is None or i % NEW_CASE_EVERY == 0:
                    answer = client.post("/api/v1/cases", json=enrolment(), headers=headers)
                else:
                    answer = client.post(f"/api/v1/cases/{case_no}/record-follow-up",
                                         json=follow_up(version), headers=headers)
                assert answer.status_code == 201, answer.get_json()
                case_no, version = answer.json["case_no"], answer.json["version"]  # type: ignore[index]

        try:
            commands(50)  # warm
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.runcall(commands, n)
            seconds = time.perf_counter() - started
        finally:
            app.extensions["homeward"].close()
    print(f"\n{n} commands in process (Flask test client, no network, profiled): "
          f"{n / seconds:.1f}/s, {seconds / n * 1000:.1f} ms each")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(r"(web|application|infrastructure"
                                                               r"|eventsourcing|psycopg)/", 40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="commands (default 2000)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--web-workers", type=int, default=2,
                        help="gunicorn workers per server (default 2)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternating slices of HTTP load and bare saves (default 4)")
    parser.add_argument("--profile", action="store_true",
                        help="then profile the same commands in this process (cProfile)")
    args = parser.parse_args(argv)
    if args.n < 10 * NEW_CASE_EVERY or min(args.clients, args.web_workers, args.rounds) < 1:
        parser.error("--n must be >= 100; --clients, --web-workers and --rounds >= 1")
    rows = measure(args)
    print(f"\nPython {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
          f"gunicorn {version('gunicorn')}; {os.cpu_count()} CPUs; 2 servers x "
          f"{args.web_workers} sync workers and 1 projection worker on PostgreSQL, loopback; "
          f"1 command in {NEW_CASE_EVERY} an enrolment, the rest follow-ups")
    print_table("Commands per second end to end, beside the bare library's saves",
                "path commands clients per_s p50_ms p95_ms ratio", rows)
    if args.profile:
        profile_in_process(min(args.n, 500))


if __name__ == "__main__":
    main()
