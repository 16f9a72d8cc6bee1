"""Server time of the busiest pages at size, and an enrolment POST against the bare command.

Seeds N demo cases (default 100,000) on a store, builds the views, then times
My queue, a case page and the case list through the real app in-process (server
time: routing, access checks, queries, templates; no network), and enrolments
posted through the form (with CSRF, validation and the duplicate lookups, while a
projection worker keeps the views beside it) against other enrolments given to
``Cases.enrol_case`` directly, the two taking turns.
Usage: ``python bench/web.py [--cases N] [--stores postgres,sqlite] [--runs R]``
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

# The repository is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher

from bench.commands import scratch
from bench.projections import pct, print_table, seed
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.demo import a_person
from infrastructure.projections import REGISTRY
from infrastructure.settings import Settings
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
WORKER, DISTRICT, PASSWORD = "cw-370303-01", "370303", "bench-password-1"
DATES = ("returned_on", "occurred_on")


def enrolment(rng: random.Random, n: int) -> dict[str, Any]:
    day = today()
    person = a_person(rng, DISTRICT, day.replace(day=1) if day.day > 1 else day)
    return dict(name=person.name, id_type="RESIDENT_ID", id_number=person.id_number,
                mobile=person.mobile, hukou_division=DISTRICT, owning_district=DISTRICT,
                returnee_type="MIGRANT_WORKER", returned_on=person.returned_on.isoformat(),
                occurred_on=day.isoformat(), note=f"bench {n}")


def timed(run: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return times


def measure(store: str, args: argparse.Namespace, rows: list[list[Any]]) -> None:
    with scratch(store) as (tmp, url):
        env = {"HOMEWARD_INSTANCE_PATH": str(tmp / "instance"),
               "HOMEWARD_DATABASE_URL": url("web")}
        app = create_app(Settings.from_env(env), PROPAGATE_EXCEPTIONS=True)
        services = app.extensions["homeward"]
        worker = None
        try:
            print(f"{store}: seeding {args.cases:,} cases", file=sys.stderr)
            ids, events, *_ = seed(services.cases, args.cases)
            for name in REGISTRY:
                print(f"{store}: building {name}", file=sys.stderr)
                services.views.rebuild(name)
            services.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024)
            services.accounts.add(username=WORKER, password=PASSWORD, role="caseworker",
                                  district=DISTRICT)
            client = app.test_client()
            login = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', login)[1]  # type: ignore[index]
            client.post("/login", data={"username": WORKER, "password": PASSWORD,
                                        "csrf_token": token})
            rng = random.Random(7)
            mine = [i for i in ids if services.cases.get_case(i).owning_district == DISTRICT]
            numbers = [services.cases.get_case(i).case_no for i in rng.sample(mine, 20)]

            def page(path: str) -> None:
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)

            pages = {
                "My queue": lambda: page("/queue"),
                "case page": lambda: page(f"/cases/{rng.choice(numbers)}"),
                "case list": lambda: page(f"/cases?page={rng.randint(1, 20)}"),
                "case list, name search": lambda: page("/cases?q=%E7%8E%8B"),
            }
            for label, run in pages.items():
                run()  # warm: templates compiled, pools filled
                times = timed(run, args.runs)
                rows.append([store, label, args.cases, events, pct(times, 0.5),
                             pct(times, 0.95), "p95 <= 100"])
            for name in REGISTRY:  # the page views above logged looks at cases
                services.views.catch_up(name)
            worker = subprocess.Popen(
                [str(Path(sys.executable).with_name("homeward")), "projections", "run"],
                env={**env, "PATH": str(Path(sys.executable).parent)}, cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=(tmp / "worker.log").open("w"))
            form = client.get("/cases/new").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]  # type: ignore[index]
            posts = [enrolment(rng, n) for n in range(args.posts)]
            direct = [enrolment(rng, n) for n in range(args.posts)]
            post_spent = direct_spent = 0.0
            # One POST, then one direct enrolment, in turn: a change in the machine's
            # load during the run falls on both alike.
            for body, other in zip(posts, direct, strict=True):
                t0 = time.perf_counter()
                answer = client.post("/cases/new", data={**body, "csrf_token": token})
                post_spent += time.perf_counter() - t0
                assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
                with client.session_transaction() as session:  # the case page would show it
                    session.pop("_flashes", None)
                fields = {**other, **{k: date.fromisoformat(other[k]) for k in DATES}}
                t0 = time.perf_counter()
                with recording_as(WORKER, Role.CASEWORKER):
                    services.cases.enrol_case(caseworker_id=WORKER, **fields)
                direct_spent += time.perf_counter() - t0
            post_rate, direct_rate = len(posts) / post_spent, len(direct) / direct_spent
            rows.append([store, "enrol POST /cases/new per s", args.cases, events,
                         post_rate, direct_rate, f"{post_rate / direct_rate:.2f} (>= 0.5)"])
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
            services.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--stores", default="postgres")
    parser.add_argument("--runs", type=int, default=200, help="requests per page")
    parser.add_argument("--posts", type=int, default=200, help="enrolments posted")
    args = parser.parse_args(argv)
    rows: list[list[Any]] = []
    for store in [s.strip() for s in args.stores.split(",") if s.strip()]:
        measure(store, args, rows)
    print(f"\nPython {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
          f"Flask {version('flask')}; server time in-process through the Flask test client")
    print_table("Pages (ms) and the enrolment POST (per s) beside Cases.enrol_case",
                "store measure cases events p50_ms|post/s p95_ms|direct/s target", rows)


if __name__ == "__main__":
    main()
