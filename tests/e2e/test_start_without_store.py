"""A web app started while PostgreSQL cannot be reached answers 503 until it can, then serves.

The store "comes back" as a port on loopback that first refuses connections
and later forwards them to the test server: the real server is never stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from psycopg import sql

from infrastructure.bootstrap import StoreUnreachableError
from tests.conftest import PG_URL, assert_all_translated, build_app, make_settings, pg_connect
from web import create_app

pytestmark = pytest.mark.postgres


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Forwarder:
    """Forwards connections on a loopback port to the PostgreSQL server, once started."""

    def __init__(self, port: int) -> None:
        target = urlsplit(PG_URL)
        self.port, self.target = port, (target.hostname or "127.0.0.1", target.port or 5432)
        self.listener: socket.socket | None = None
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self._run(self._accept, self.listener)

    def _run(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self.threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            self._run(self._pump, client, upstream)
            self._run(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self.threads:
            thread.join(timeout=5)
        for end in self.sockets:
            end.close()


@pytest.fixture
def store_later(tmp_path: Path) -> Iterator[tuple[str, Forwarder]]:
    """A store URL whose port refuses connections until the forwarder is started."""
    port, schema = free_port(), f"test_{uuid4().hex[:16]}"
    url = PG_URL.replace(f":{urlsplit(PG_URL).port or 5432}/", f":{port}/") + f"?schema={schema}"
    forwarder = Forwarder(port)
    yield url, forwarder
    forwarder.stop()
    with pg_connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_the_command_line_still_fails_at_once_without_the_store(
    store_later: tuple[str, Forwarder], tmp_path: Path
) -> None:
    url, _ = store_later

    with pytest.raises(StoreUnreachableError):
        build_app(make_settings(url, tmp_path / "instance"))


def test_the_app_answers_503_until_the_store_is_back_then_serves(
    store_later: tuple[str, Forwarder], tmp_path: Path
) -> None:
    url, forwarder = store_later
    app: Flask = create_app(make_settings(url, tmp_path / "instance"), TESTING=True,
                            HOMEWARD_I18N_STRICT=True, HOMEWARD_START_WITHOUT_STORE=True,
                            HOMEWARD_STORE_RETRY_SECONDS=0)
    client = app.test_client()

    page = client.get("/login")
    api = client.get("/api/v1/cases", headers={"Authorization": "Bearer hw_x"})
    assert [page.status_code, api.status_code] == [503, 503]
    assert page.headers["Retry-After"] == api.headers["Retry-After"] == "5"
    assert "服务暂时不可用" in page.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers
    assert api.get_json()["errors"]["_request"]

    forwarder.start()
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/cases").status_code == 401
    app.extensions["homeward"].close()
    assert_all_translated(app)


def test_gunicorn_keeps_serving_503_until_the_store_is_back(
    store_later: tuple[str, Forwarder], tmp_path: Path
) -> None:
    url, forwarder = store_later
    port = free_port()
    env = {**os.environ, "HOMEWARD_DATABASE_URL": url,
           "HOMEWARD_INSTANCE_PATH": str(tmp_path / "instance"),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py",
             "web.wsgi:app"], cwd=Path(__file__).parents[2], env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert status(port, deadline=30) == 503, log.read_text()  # started, and answering
        time.sleep(1)
        assert server.poll() is None and status(port) == 503  # still up, still 503
        forwarder.start()
        assert status(port, wanted=200, deadline=30) == 200, log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def status(port: int, wanted: int | None = None, deadline: float = 5) -> int | None:
    """The status of GET /login, once the server answers (and answers ``wanted``)."""
    found, until = None, time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
                found = answer.status
        except urllib.error.HTTPError as error:
            found = error.code
        except OSError:
            found = None
        if found is not None and (wanted is None or found == wanted):
            return found
        time.sleep(0.2)
    return found
