"""``homeward backup`` and ``restore`` on both stores: the restored record proves itself."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from psycopg import sql

from application.projections.audit_log import AuditQuery, AuditRow
from application.projections.case_list import CaseQuery
from domain.recording import Role, recording_as
from tests.builders import enrolment
from tests.conftest import PG_URL, make_settings, pg_connect
from web import create_app


@pytest.fixture
def fresh_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty store of the same kind: another SQLite file, or another schema."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    schema = f"test_{uuid4().hex[:16]}"
    yield f"{PG_URL}?schema={schema}"
    with pg_connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def an_app(url: str, instance: Path) -> Flask:
    # One instance folder, so both stores use the same development keys.
    return create_app(make_settings(url, instance), TESTING=True)


@pytest.fixture
def source(store_url: str, tmp_path: Path) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = an_app(store_url, tmp_path / "instance")
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


@pytest.fixture
def target(fresh_url: str, tmp_path: Path) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = an_app(fresh_url, tmp_path / "instance")
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def record_cases(app: Flask, count: int = 3) -> set[str]:
    services = app.extensions["homeward"]
    numbers = set()
    with recording_as("cw-1", Role.CASEWORKER, "req-backup"):
        for _ in range(count):
            saved = services.cases.enrol_case(**enrolment())
            services.cases.assess_needs(saved.case_id, 1, occurred_on=enrolment()["occurred_on"],
                                        stage="IDEA", needs=["TRAINING"])
            numbers.add(saved.case_no)
    services.accounts.add(username="cw.backup", password="correct-horse-battery",
                          role="caseworker", district="370303")
    return numbers


def listed(app: Flask) -> set[str]:
    rows = app.extensions["homeward"].views["case_list"].list_cases(CaseQuery(per_page=100))
    return {row.case_no for row in rows.rows}


def ok(runner: FlaskCliRunner, *args: str) -> str:
    english = [] if args[0] == "projections" else ["--lang", "en"]
    result = runner.invoke(args=[*args, *english])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_restored_backup_rebuilds_its_views_and_passes_verify_and_the_digest(
        source: tuple[Flask, FlaskCliRunner], target: tuple[Flask, FlaskCliRunner],
        tmp_path: Path) -> None:
    app, runner = source
    numbers = record_cases(app)
    key, digest, backup = tmp_path / "digest.key", tmp_path / "digest.json", tmp_path / "hw.bak"
    assert runner.invoke(args=["digest", "new-key", str(key)]).exit_code == 0
    ok(runner, "digest", "export", str(digest), "--key-file", str(key))
    # The backup's own record in the audit log comes after the position it copies.
    events = app.extensions["homeward"].cases.recorder.max_notification_id()

    said = ok(runner, "backup", str(backup))
    restored, target_runner = target
    told = ok(target_runner, "restore", str(backup))
    ok(target_runner, "projections", "rebuild", "all")

    assert "backed up" in said and backup.is_file()
    assert not list(tmp_path.glob(".hw.bak.*"))  # no partial file left behind
    assert f"{events} events" in told and "projections rebuild all" in told
    assert "verified" in ok(target_runner, "verify", "--views")
    assert "digest holds" in ok(target_runner, "digest", "check", str(digest), "--key-file",
                                str(key))
    assert listed(restored) == numbers
    assert restored.extensions["homeward"].accounts.find("cw.backup") is not None


def exported(app: Flask) -> list[AuditRow]:
    """The shell user's ``Exported`` rows of the audit log."""
    services = app.extensions["homeward"]
    services.views.catch_up("audit_log")
    page = services.views["audit_log"].list_entries(
        AuditQuery(actor=f"shell:{getpass.getuser()}", per_page=100))
    return [row for row in page.rows if row.event == "Exported"]


def test_a_backup_is_in_the_audit_log_after_the_position_it_copied(
        source: tuple[Flask, FlaskCliRunner], target: tuple[Flask, FlaskCliRunner],
        store_url: str, tmp_path: Path) -> None:
    app, runner = source
    record_cases(app, count=2)
    recorder = app.extensions["homeward"].cases.recorder
    copied = recorder.max_notification_id()
    backup, audit = tmp_path / "hw.bak", tmp_path / "audit.csv"

    ok(runner, "backup", str(backup))
    (row,) = exported(app)
    ok(runner, "export", "audit", "--out", str(audit))

    kind = "sqlite sqlite3" if store_url.startswith("sqlite") else "postgresql tar"
    data = backup.read_bytes()
    assert (row.actor_role, row.case_id.int) == ("system", 0)
    assert row.detail == (
        f"backup {kind} at position {copied}, {copied} events, {len(data)} bytes, "
        f"sha256 {hashlib.sha256(data).hexdigest()} [file={backup}]")
    assert row.notification_id == copied + 1
    assert row.detail in audit.read_text("utf-8-sig")
    # The restored store is the store as copied: without the backup's own record.
    restored, target_runner = target
    ok(target_runner, "restore", str(backup))
    ok(target_runner, "projections", "rebuild", "all")
    assert restored.extensions["homeward"].cases.recorder.max_notification_id() == copied
    assert exported(restored) == []
    assert "verified" in ok(target_runner, "verify", "--views")


def test_a_restore_over_a_store_that_holds_data_is_refused(
        source: tuple[Flask, FlaskCliRunner], target: tuple[Flask, FlaskCliRunner],
        tmp_path: Path) -> None:
    app, runner = source
    record_cases(app, count=1)
    backup = tmp_path / "hw.bak"
    ok(runner, "backup", str(backup))
    restored, target_runner = target
    record_cases(restored, count=2)

    refused = target_runner.invoke(args=["restore", str(backup), "--lang", "en"])
    forced = target_runner.invoke(args=["restore", str(backup), "--force", "--lang", "en"])

    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert forced.exit_code == 0, forced.output
    ok(target_runner, "projections", "rebuild", "all")
    assert len(listed(restored)) == 1
    assert "verified" in ok(target_runner, "verify", "--views")


def test_a_file_that_is_no_backup_is_refused_in_one_line(
        target: tuple[Flask, FlaskCliRunner], tmp_path: Path) -> None:
    _, runner = target
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")

    result = runner.invoke(args=["restore", str(junk), "--lang", "zh"])

    assert result.exit_code == 1
    assert "不是 Homeward 备份文件" in result.output
