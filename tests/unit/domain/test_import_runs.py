"""An import run's stream: started once at a time, advanced, finished or failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import StateConflictError
from domain.import_runs import ImportRun
from domain.recording import Role, recording_as

SHA = "ab" * 32


def started(now: datetime) -> ImportRun:
    run = ImportRun.register("loans", SHA, "")
    run.start(file_name="贷款台账.xlsx", total=0, started_by="sup.li", now=now,
              stale_after_seconds=90)
    return run


def test_a_run_under_way_refuses_a_second_start_until_it_is_stale() -> None:
    with recording_as("sup.li", Role.SUPERVISOR, "req-1"):
        run = started(datetime.now(UTC))
        run.advance(50, 200)

        with pytest.raises(StateConflictError) as refused:
            run.start(file_name="贷款台账.xlsx", total=0, started_by="sup.wang",
                      now=datetime.now(UTC), stale_after_seconds=90)
        later = datetime.now(UTC) + timedelta(seconds=91)
        run.start(file_name="贷款台账.xlsx", total=0, started_by="sup.wang", now=later,
                  stale_after_seconds=90)

    assert refused.value.code == "import_running"
    assert (run.status, run.started_by, run.done) == ("RUNNING", "sup.wang", 0)
    assert not run.is_running(later + timedelta(seconds=91), 90)


def test_a_finished_run_keeps_its_counts_and_the_rows_left_out_and_replays() -> None:
    with recording_as("sup.li", Role.SUPERVISOR, "req-1"):
        run = started(datetime.now(UTC))
        run.finish({"imported": 9, "refused": 1}, [{"row": 4, "status": "refused",
                                                    "same_as_row": None, "case_no": None,
                                                    "errors": []}])
        run.start(file_name="贷款台账.xlsx", total=0, started_by="sup.li",
                  now=datetime.now(UTC), stale_after_seconds=90)
        run.fail("unreadable")
    events = run.collect_events()

    copy = None
    for event in events:
        copy = event.mutate(copy)

    assert [type(e).__name__ for e in events] == [
        "Registered", "Started", "Finished", "Started", "Failed"]
    assert isinstance(copy, ImportRun)
    assert (copy.status, copy.reason, copy.counts, copy.rows) == ("FAILED", "unreadable", {}, ())
