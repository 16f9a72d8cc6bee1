"""No ID number or phone in clear in the logs, the views or the event store.

A gunicorn server and a projection worker run on each store while a script
enrols people with known ID numbers and phones, writes them into free-text
notes, searches for them (API and page, the value in the query string), is
refused for a duplicate and a wrong check character, and has a supervisor
reveal one.  Then every byte the processes logged, every row of every table
(PostgreSQL) or every byte of every database file (SQLite, with its WAL) is
searched for those values: none may be found.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from infrastructure.bootstrap import bootstrap
from infrastructure.settings import postgres_env
from tests.builders import an_id_number
from tests.conftest import PASSWORD, add_accounts, build_app, make_settings, pg_connect
from tests.processes import (
    call,
    free_port,
    process_env,
    serving,
    start_web,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow


def person(n: int, id_number: str) -> dict[str, Any]:
    day = date.today() - timedelta(days=30)
    return {"name": ["周杰", "吴敏", "郑强"][n], "id_type": "RESIDENT_ID", "id_number": id_number,
            "mobile": f"1590531{n:04d}", "hukou_division": "370303", "owning_district": "370303",
            "returnee_type": "MIGRANT_WORKER", "occurred_on": day.isoformat(),
            "returned_on": (day - timedelta(days=40)).isoformat(),
            "note": f"身份证 {id_number}，电话 1590531{n:04d}"}


def wrong_check_character(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


def search_page(port: int, username: str, query: str) -> int:
    """Sign in through the login form and search the case list page."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    form = browser.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]  # type: ignore[index]
    browser.open(f"{base}/login", urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token}).encode(), timeout=30)
    answer = browser.open(f"{base}/cases?{urllib.parse.urlencode({'q': query})}", timeout=30)
    return int(answer.status)


def run_script(port: int, tokens: dict[str, str]) -> list[str]:
    """What a bureau does with personal data; returns every value that must stay masked."""
    ids = [an_id_number(born=date(1980 + n, 3, 7)) for n in range(3)]
    people = [person(n, ids[n]) for n in range(2)]
    worker, supervisor = tokens["caseworker"], tokens["supervisor"]
    case_nos = []
    for body in people:
        answer = call(port, worker, "POST", "/cases", body)
        assert answer.status == 201, answer
        case_nos.append(answer.body["case_no"])
    answer = call(port, worker, "POST", f"/cases/{case_nos[0]}/record-follow-up", {
        "expected_version": 1, "occurred_on": date.today().isoformat(), "method": "PHONE",
        "reached": True, "summary": f"打 {people[0]['mobile']} 联系上，核对身份证 {ids[0]}"})
    assert answer.status == 201, answer
    statuses = [call(port, worker, "POST", "/cases", body).status for body in (
        {**person(2, ids[0]), "mobile": "15905319999"},  # an ID held by an open case
        person(2, wrong_check_character(ids[2])))]
    assert statuses == [409, 422]
    for query in (ids[0], people[1]["mobile"], ids[2]):
        assert call(port, worker, "GET", f"/cases?q={query}").status == 200
    assert search_page(port, "cw.zhang", ids[1]) == 200
    revealed = call(port, supervisor, "POST", f"/cases/{case_nos[0]}/reveal",
                    {"field": "id_number", "reason": "核对补贴申请"})
    assert (revealed.status, revealed.body["value"]) == (200, ids[0])
    assert call(port, supervisor, "GET", f"/cases/{case_nos[1]}/history").status == 200
    return [*ids, wrong_check_character(ids[2]), "15905319999",
            *(p["mobile"] for p in people)]


def stored_values(store_url: str, tmp_path: Path) -> list[tuple[str, bytes]]:
    """Every value of every table (PostgreSQL schema) or every database file's bytes."""
    if store_url.startswith("sqlite"):
        return [(path.name, path.read_bytes()) for path in tmp_path.rglob("*.sqlite3*")]
    schema = postgres_env(store_url)["POSTGRES_SCHEMA"]
    found = []
    with pg_connect() as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])]
        assert any(t.endswith("_events") for t in tables) and len(tables) > 5, tables
        for table in tables:
            for row in conn.execute(sql.SQL("SELECT * FROM {}").format(
                    sql.Identifier(schema, table))):
                found += [(table, value if isinstance(value, bytes) else str(value).encode())
                          for value in row if value is not None]
    return found


def test_no_id_number_or_phone_is_in_clear_in_logs_views_or_the_event_store(
        store_url: str, tmp_path: Path) -> None:
    settings = make_settings(store_url, tmp_path / "instance")
    setup = build_app(settings)
    add_accounts(setup)
    tokens = {key: setup.extensions["homeward"].accounts.issue_token(name)
              for key, name in (("caseworker", "cw.zhang"), ("supervisor", "sup.li"))}
    setup.extensions["homeward"].close()
    env = process_env(settings.instance_path, store_url)
    port, logs = free_port(), [tmp_path / "web.log", tmp_path / "worker.log"]
    processes = [start_web(env, port, logs[0]), start_worker(env, logs[1])]
    try:
        assert wait_for(lambda: serving(port, tokens["caseworker"]), 60), logs[0].read_text()
        secrets = run_script(port, tokens)
        services = bootstrap(settings)
        try:  # the worker brings every view up to the log's head
            built = wait_for(lambda: all(row[4] == 0 for row in services.views.status()), 60)
        finally:
            services.close()
    finally:
        codes = [stop(process) for process in processes]
    where = [("log " + log.name, log.read_bytes()) for log in logs] + stored_values(
        store_url, tmp_path)

    assert codes == [0, 0] and built
    leaks = [(place, value) for place, data in where for value in secrets
             if value.encode() in data]
    assert leaks == []
    # The searches were logged (by path, without their query strings).
    assert b"GET /api/v1/cases HTTP" in where[0][1] and b"GET /cases HTTP" in where[0][1]
