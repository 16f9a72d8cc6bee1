"""The status page and the command line, through the real app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner


def test_the_status_page_reads_the_store(login_as: Any, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo", "load", "--cases", "3"])
    client = login_as("admin").client

    page = client.get("/status")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<dd id="store">SQLite</dd>' in html
    assert '<dd id="events">0</dd>' not in html
    assert "CN@4" in html  # 财金〔2023〕75号, in force since 2023-10-01


def test_the_status_page_is_for_administrators(login_as: Any) -> None:
    assert login_as("caseworker").client.get("/status").status_code == 403


def test_the_health_check_reports_the_log_position(client: FlaskClient) -> None:
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "position": 0}


def test_demo_load_enrols_cases_once_when_asked_if_empty(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["demo", "load", "--cases", "5", "--if-empty"])
    second = runner.invoke(args=["demo", "load", "--cases", "5", "--if-empty"])

    assert first.exit_code == 0 and "Loaded 5 demo cases" in first.output
    assert second.exit_code == 0 and "no demo data loaded" in second.output
    position = app.extensions["homeward"].cases.recorder.max_notification_id()
    assert position is not None and position >= 5 * 3


def run_homeward(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("homeward")), *args]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_keys_generate_works_without_any_configuration(tmp_path: Path) -> None:
    done = run_homeward("keys", "generate", env={"HOMEWARD_ENV": "production",
                                                 "HOMEWARD_INSTANCE_PATH": str(tmp_path)})

    assert done.returncode == 0
    assert [line.split("=")[0] for line in done.stdout.splitlines()] == [
        "HOMEWARD_CIPHER_KEY", "HOMEWARD_IDENTITY_KEY", "HOMEWARD_SECRET_KEY"]


def test_production_without_keys_exits_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    done = run_homeward("demo", "load", env={
        "HOMEWARD_ENV": "production", "HOMEWARD_INSTANCE_PATH": str(tmp_path),
        "HOMEWARD_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"})

    assert done.returncode != 0
    assert "HOMEWARD_CIPHER_KEY" in done.stderr
    assert "Traceback" not in done.stderr
