"""Several gunicorn workers writing one SQLite store, with many clients at once.

Clients enrol cases and record follow-ups through the JSON API, several of them on
the same case.  Every answer must be a 201, a 409 (a lost race on one case) or a
503 with Retry-After (the store's lock was busy): never a 500.  Afterwards every
acknowledged command is in the store exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.builders import an_id_number
from tests.conftest import add_accounts, build_app, make_settings

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
CLIENTS, ROUNDS = 8, 12

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, f"/api/v1{path}", body=json.dumps(body) if body else None,
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
        answer = connection.getresponse()
        data = answer.read()
        if answer.status == 503:
            assert int(answer.headers["Retry-After"]) > 0
        return answer.status, json.loads(data) if data else None
    finally:
        connection.close()


def up(port: int, token: str) -> bool:
    try:
        return call(port, token, "GET", "/me")[0] == 200
    except ConnectionError:
        return False


def enrolment(n: int) -> dict[str, Any]:
    day = date.today() - timedelta(days=30)
    returned = day - timedelta(days=40)
    return {"name": "王芳", "id_type": "RESIDENT_ID", "id_number": an_id_number(),
            "mobile": f"139{n:08d}", "hukou_division": "370303", "owning_district": "370303",
            "returnee_type": "MIGRANT_WORKER", "returned_on": returned.isoformat(),
            "occurred_on": day.isoformat(), "note": f"client-enrolment-{n}"}


def follow_up(version: int, marker: str) -> dict[str, Any]:
    return {"expected_version": version, "occurred_on": date.today().isoformat(),
            "method": "PHONE", "reached": True, "summary": marker}


def test_many_clients_on_three_workers_lose_nothing_and_never_see_a_500(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance",
                             HOMEWARD_STORE_TIMEOUT="2")
    setup = build_app(settings)
    add_accounts(setup)
    token = setup.extensions["homeward"].accounts.issue_token("cw.zhang")
    setup.extensions["homeward"].close()
    port = free_port()
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url, "HOMEWARD_STORE_TIMEOUT": "2"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([GUNICORN, "--workers", "3", "--bind", f"127.0.0.1:{port}",
                               "--timeout", "120", "web.wsgi:app"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2])
    statuses: Counter[int] = Counter()
    acknowledged: list[tuple[str, str]] = []  # (case_no, marker of what was acknowledged)
    lock = threading.Lock()
    try:
        deadline = time.monotonic() + 60
        while not up(port, token):
            assert time.monotonic() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.2)
        status, shared = call(port, token, "POST", "/cases", enrolment(10**6))
        assert status == 201, shared

        def client(k: int) -> None:
            mine: str | None = None
            for r in range(ROUNDS):
                if mine is None:
                    status, body = call(port, token, "POST", "/cases", enrolment(k * 100 + r))
                    with lock:
                        statuses[status] += 1
                    if status == 201:
                        mine = body["case_no"]
                        with lock:
                            acknowledged.append((mine, f"client-enrolment-{k * 100 + r}"))
                    continue
                # Half the follow-ups go to one case everyone works on: races on purpose.
                case_no = shared["case_no"] if r % 2 else mine
                version = call(port, token, "GET", f"/cases/{case_no}")[1]["version"]
                marker = f"follow-up {k}-{r}"
                status, body = call(port, token, "POST", f"/cases/{case_no}/record-follow-up",
                                    follow_up(version, marker))
                with lock:
                    statuses[status] += 1
                    if status == 201:
                        acknowledged.append((case_no, marker))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    print(f"answers: {dict(statuses)}; acknowledged: {len(acknowledged)}")
    assert set(statuses) <= {201, 409, 503}, (statuses, (tmp_path / "gunicorn.log").read_text())
    assert statuses[201] >= CLIENTS  # most work got through
    check = build_app(settings)
    try:
        cases = check.extensions["homeward"].cases
        for case_no, marker in acknowledged:
            events = list(cases.events.get(cases.find_case_id(case_no)))
            found = [e for e in events
                     if getattr(e, "summary", None) == marker or getattr(e, "note", "") == marker]
            assert len(found) == 1, (case_no, marker, [type(e).__name__ for e in events])
            versions = [e.originator_version for e in events]
            assert versions == list(range(1, len(events) + 1))
    finally:
        check.extensions["homeward"].close()
