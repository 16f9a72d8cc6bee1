"""Homeward's real processes on one machine: gunicorn servers, projection workers, API calls.

Shared by the multi-process tests and ``bench/load.py``.  Every server listens on
the loopback only; every process gets its own session (process group), so that a
kill takes a whole server (master and workers) down at once, as a crashed host
would.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: What a client sees when the server it calls is gone: no answer, so nothing acknowledged
#: (a body cut short included: the server died after sending the headers).
NO_ANSWER = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
             http.client.IncompleteRead)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Homeward process on this store (keys from ``instance``)."""
    return {**os.environ, "HOMEWARD_INSTANCE_PATH": str(instance),
            "HOMEWARD_DATABASE_URL": database_url, "PATH": f"{BIN}:{os.environ['PATH']}",
            **extra}


def start_web(env: dict[str, str], port: int, log: Path, workers: int = 2) -> subprocess.Popen[Any]:
    """gunicorn with the production settings (gunicorn.conf.py) on 127.0.0.1:``port``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "web.wsgi:app"],
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(env: dict[str, str], log: Path, *views: str) -> subprocess.Popen[Any]:
    """``homeward projections run [VIEWS]``: a projection worker process."""
    with open(log, "ab") as out:
        return subprocess.Popen([str(BIN / "homeward"), "projections", "run", *views], env=env,
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def homeward(env: dict[str, str], *args: str,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A ``homeward`` command run to its end, its output as text."""
    return subprocess.run([str(BIN / "homeward"), *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, check=False)


def kill(process: subprocess.Popen[Any]) -> None:
    """SIGKILL the process and everything it started: no chance to clean up."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(30)


def stop(process: subprocess.Popen[Any], seconds: float = 30) -> int:
    """SIGTERM the process (its group, should it be gone); SIGKILL after ``seconds``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(seconds)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # workers a killed master left behind
    except ProcessLookupError:
        pass
    return process.wait(30)


def wait_for(condition: Callable[[], bool], seconds: float = 30, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    retry_after: str | None
    seconds: float


def call(port: int, token: str, method: str, path: str, body: Any = None,
         timeout: float = 30) -> Answer:
    """One API call on a fresh connection; a vanished server raises one of ``NO_ANSWER``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, f"/api/v1{path}",
                           body=json.dumps(body) if body is not None else None,
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
        answer = connection.getresponse()
        data = answer.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")[:2000]  # not JSON: kept to be reported
        return Answer(answer.status, parsed, answer.headers.get("Retry-After"),
                      time.perf_counter() - started)
    finally:
        connection.close()


def serving(port: int, token: str) -> bool:
    try:
        return call(port, token, "GET", "/me", timeout=5).status == 200
    except (*NO_ANSWER, TimeoutError):
        return False


def quantile(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``samples``; 0 when there are none."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def local_cluster() -> list[str] | None:
    """``pg_ctlcluster VERSION main`` of the PostgreSQL server on this machine, if there is one."""
    root = Path("/etc/postgresql")
    if not root.is_dir() or shutil.which("pg_ctlcluster") is None:
        return None
    versions = sorted((p.name for p in root.iterdir() if (p / "main").is_dir()),
                      key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"],
                          check=False).returncode == 0


def restart_postgres(cluster: list[str], down_until: Callable[[], bool] = lambda: True,
                     longest: float = 10) -> float:
    """Stop the server (fast: open sessions are cut), keep it down until ``down_until()``
    (at most ``longest`` seconds), start it again; the seconds until it is ready."""
    started = time.monotonic()
    try:
        subprocess.run([*cluster, "stop"], check=True, capture_output=True, timeout=120)
        wait_for(down_until, longest, 0.05)
    finally:
        subprocess.run([*cluster, "start"], check=True, capture_output=True, timeout=120)
    if not wait_for(postgres_ready, 60):
        raise RuntimeError("PostgreSQL did not come back after its restart")
    return time.monotonic() - started


def ensure_postgres(cluster: list[str]) -> None:
    """Start the server if it is down (after a test that restarted it failed half-way)."""
    if not postgres_ready():
        subprocess.run([*cluster, "start"], check=False, capture_output=True, timeout=120)
        wait_for(postgres_ready, 60)
