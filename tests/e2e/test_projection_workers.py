"""Projection workers as separate processes, killed without warning (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import pytest

from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services
from infrastructure.demo import load_demo
from infrastructure.settings import Settings
from tests.builders import enrolment
from tests.conftest import pg_connect

HOMEWARD = str(Path(sys.executable).with_name("homeward"))


def start(settings: Settings, *args: str, **extra: str) -> subprocess.Popen[str]:
    """``homeward projections ARGS`` in its own process; its output goes to a log file."""
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url, **extra}
    log = settings.instance_path / f"worker-{time.monotonic_ns()}.log"
    with open(log, "w") as out:
        process = subprocess.Popen([HOMEWARD, "projections", *args], env=env, text=True,
                                   stdout=out, stderr=subprocess.STDOUT)
    process.log = log  # type: ignore[attr-defined]
    return process


def wait_for(condition: object, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_catch_up_killed_mid_way_resumes_without_loss_or_double_count(
    settings: Settings, services: Services
) -> None:
    load_demo(services.cases, 500, seed=11)
    view, head = services.views["work_queue"], services.cases.recorder.max_notification_id()
    worker = start(settings, "catch-up", "work_queue")

    assert wait_for(lambda: (view.max_tracking_id("cases") or 0) > 0)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    stopped_at = view.max_tracking_id("cases") or 0
    services.views.catch_up("work_queue")
    resumed = view.checksum()
    services.views.rebuild("work_queue")

    assert 0 < stopped_at < (head or 0)
    assert view.checksum() == resumed


def test_a_standby_worker_takes_over_when_the_active_one_is_killed(
    settings: Settings, services: Services
) -> None:
    first = start(settings, "run", "case_list")
    assert wait_for(lambda: "active: case_list" in first.log.read_text())  # type: ignore[attr-defined]
    second = start(settings, "run", "case_list")
    assert wait_for(lambda: "standing by" in second.log.read_text())  # type: ignore[attr-defined]
    try:
        with recording_as("cw-1", Role.CASEWORKER):
            saved = services.cases.enrol_case(**enrolment())
        services.views.wait(saved.notification_id, timeout=20, names=("case_list",))

        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        assert wait_for(lambda: "active: case_list" in second.log.read_text())  # type: ignore[attr-defined]
        with recording_as("cw-1", Role.CASEWORKER):
            again = services.cases.enrol_case(**enrolment())

        services.views.wait(again.notification_id, timeout=30, names=("case_list",))
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
    assert second.returncode == 0, second.log.read_text()  # type: ignore[attr-defined]


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_worker_whose_sessions_are_all_cut_takes_its_view_back_and_keeps_it_live(
    settings: Settings, services: Services
) -> None:
    # Every connection of the worker carries this name, so that only its own are cut.
    name = f"homeward-test-{uuid4().hex[:12]}"
    worker = start(settings, "run", "case_list", PGAPPNAME=name)
    log = worker.log  # type: ignore[attr-defined]
    try:
        assert wait_for(lambda: "active: case_list" in log.read_text())
        # What a restart of the server or a failover does to a worker: every session ends,
        # the view's lock with them.
        with pg_connect() as conn:
            cut = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = %s", [name]).fetchone()
        with recording_as("cw-1", Role.CASEWORKER):
            saved = services.cases.enrol_case(**enrolment())

        services.views.wait(saved.notification_id, timeout=30, names=("case_list",))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(15)
    assert cut is not None and cut[0] > 0
    assert worker.returncode == 0, log.read_text()
    assert "lost the store" in log.read_text() or "store unavailable" in log.read_text()


@pytest.mark.parametrize("args", [["rebuild", "nope"], ["checksum", "all", "extra"]])
def test_a_bad_view_name_is_a_usage_error(settings: Settings, args: list[str]) -> None:
    done = start(settings, *args)

    assert done.wait(60) == 2


def test_a_rebuild_by_two_processes_gives_the_views_a_live_build_gives(
    settings: Settings, services: Services
) -> None:
    load_demo(services.cases, 120, seed=13)
    views = services.views
    for name in views.views:
        views.catch_up(name)
    live = {name: view.checksum() for name, view in views.views.items()}

    done = start(settings, "rebuild", "all", "--jobs", "2")

    assert done.wait(300) == 0, done.log.read_text()  # type: ignore[attr-defined]
    assert "rebuilt from" in done.log.read_text()  # type: ignore[attr-defined]
    assert {name: view.checksum() for name, view in views.views.items()} == live
    assert {row[0]: row[1] for row in views.status()} == dict.fromkeys(live, 2)


def test_a_rebuild_asked_of_no_process_is_a_usage_error(settings: Settings) -> None:
    done = start(settings, "rebuild", "all", "--jobs", "0")

    assert done.wait(60) == 2
    assert "--jobs" in done.log.read_text()  # type: ignore[attr-defined]
