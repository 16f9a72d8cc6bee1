"""Recording a group activity's attendance: one action for all attendees against one per case.

Per store, N enrolled cases attend activities recorded three ways, over the same cases in
alternating slices (``--rounds``) so that every way sees the same machine:

- *at once*: ``record_attendance`` with the slice's cases (one transaction for the
  activity and every attendee's case);
- *one by one*: ``record_attendance`` called once per case on another activity (a
  transaction per case, each also appending to the activity);
- *follow-ups*: a ``record_follow_up`` per case (the case command a caseworker would
  otherwise give, one transaction each);

then the *at once* recordings are sent again (every case already on record: nothing is
written to the cases).  Times are the attendance's per case in milliseconds.
Usage: ``python bench/activities.py [--n N] [--rounds R] [--stores sqlite,postgres]``
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.cases import Cases
from domain.recording import Role, recording_as
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from commands import scratch

SALON: dict[str, Any] = dict(kind="SALON", title="返乡创业沙龙", held_on=days_ago(3),
                             place="张店区创业孵化基地", organiser="张店区就业服务中心",
                             district="370303")


def measure(cases: Cases, n: int, rounds: int) -> dict[str, float]:
    """Seconds each way took over all N cases."""
    numbers = [cases.enrol_case(**enrolment()).case_no for _ in range(n)]
    ids = {number: cases.find_case_id(number) for number in numbers}
    spent = dict.fromkeys(("at_once", "one_by_one", "follow_ups", "again"), 0.0)
    together: list[tuple[Any, list[str]]] = []
    size = -(-n // rounds)
    for start in range(0, n, size):
        part = numbers[start:start + size]
        at_once = cases.plan_activity(**SALON).activity_id
        one_by_one = cases.plan_activity(**SALON).activity_id
        clock = time.perf_counter()
        cases.record_attendance(at_once, part)
        spent["at_once"] += time.perf_counter() - clock
        clock = time.perf_counter()
        for number in part:
            cases.record_attendance(one_by_one, [number])
        spent["one_by_one"] += time.perf_counter() - clock
        clock = time.perf_counter()
        for number in part:
            cases.record_follow_up(ids[number], cases.get_case(ids[number]).version,
                                   occurred_on=days_ago(1), method="PHONE", reached=True,
                                   summary="活动后电话回访")
        spent["follow_ups"] += time.perf_counter() - clock
        together.append((at_once, part))
    for activity, part in together:
        clock = time.perf_counter()
        cases.record_attendance(activity, part)
        spent["again"] += time.perf_counter() - clock
    return spent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="attendees per way (default 400)")
    parser.add_argument("--rounds", type=int, default=8, help="slices (default 8)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if set(stores) - {"sqlite", "postgres"} or args.n < args.rounds:
        parser.error("stores are sqlite and postgres; --n must be at least --rounds")
    print(f"N={args.n} attendees in {args.rounds} slices; Python {platform.python_version()}; "
          f"eventsourcing {version('eventsourcing')}; ms per attendee")
    print(f"{'store':<9} {'at once':>8} {'one by one':>11} {'follow-ups':>11} {'again':>7} "
          f"{'one/at once':>12} {'follow-up/at once':>18}")
    for store in stores:
        with scratch(store) as (tmp, url):
            settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp / "instance"),
                                          "HOMEWARD_DATABASE_URL": url("activities")})
            services = bootstrap(settings)
            try:
                with recording_as("cw-bench", Role.CASEWORKER):
                    spent = measure(services.cases, args.n, args.rounds)
            finally:
                services.close()
        ms = {k: 1000 * v / args.n for k, v in spent.items()}
        print(f"{store:<9} {ms['at_once']:>8.2f} {ms['one_by_one']:>11.2f} "
              f"{ms['follow_ups']:>11.2f} {ms['again']:>7.2f} "
              f"{ms['one_by_one'] / ms['at_once']:>12.2f} "
              f"{ms['follow_ups'] / ms['at_once']:>18.2f}", flush=True)


if __name__ == "__main__":
    main()
