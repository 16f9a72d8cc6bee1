"""Files that leave the system besides exports are in the audit log, on both stores.

A signed digest of every stream's head (``homeward digest export``) and each
download of a ledger check's result report (it holds the ledger's personal
data) leave one ``Exported`` row naming who took it, as of which log position,
and the size and SHA-256 of the bytes delivered; ``homeward export audit``
shows the same row.  A backup or digest the store refuses to record (a trigger
refuses the record) is removed.  (Backups' rows: ``tests/e2e/test_backup_restore.py``.)
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from psycopg import sql

from application.projections.audit_log import AuditQuery, AuditRow
from domain.recording import Role, recording_as
from tests.builders import enrolment
from tests.conftest import AuthActions, add_accounts, pg_connect
from tests.ledgers import write_xlsx


def services(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["homeward"]


def delivered(app: Flask, actor: str) -> list[AuditRow]:
    services(app).views.catch_up("audit_log")  # the worker's job in production
    page = services(app).views["audit_log"].list_entries(AuditQuery(actor=actor, per_page=500))
    return sorted((row for row in page.rows if row.event == "Exported"),
                  key=lambda row: row.notification_id)


def audit_export(app: Flask, out: Path) -> str:
    """The audit log as ``homeward export audit`` writes it (by the shell's user)."""
    services(app).views.catch_up("audit_log")
    result = app.test_cli_runner().invoke(
        args=["export", "audit", "--out", str(out), "--lang", "en"], env={"HOMEWARD_USER": ""})
    assert result.exit_code == 0, result.output
    return out.read_text("utf-8-sig")


def test_a_digest_export_leaves_one_audit_row_naming_its_file(
    store_app: Flask, tmp_path: Path
) -> None:
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        for name in ("赵六", "钱七"):
            services(store_app).cases.enrol_case(**enrolment(name=name))
    runner = store_app.test_cli_runner()
    key, digest = tmp_path / "digest.key", tmp_path / "digest.json"
    assert runner.invoke(args=["digest", "new-key", str(key)]).exit_code == 0

    written = runner.invoke(args=["digest", "export", str(digest), "--key-file", str(key),
                                  "--lang", "en"])
    checked = runner.invoke(args=["digest", "check", str(digest), "--key-file", str(key),
                                  "--lang", "en"])

    assert written.exit_code == 0, written.output
    document, data = json.loads(digest.read_text("utf-8")), digest.read_bytes()
    (row,) = delivered(store_app, f"shell:{getpass.getuser()}")
    assert (row.actor_role, row.case_id.int) == ("system", 0)
    assert row.detail == (
        f"digest heads json at position {document['position']}, {len(document['heads'])} "
        f"streams, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()} "
        f"[file={digest}]")
    # The record is a stream of its own after the position: the digest still holds.
    assert services(store_app).cases.recorder.max_notification_id() == document["position"] + 1
    assert checked.exit_code == 0 and "digest holds" in checked.output
    assert row.detail in audit_export(store_app, tmp_path / "audit.csv")


def test_each_download_of_a_ledger_checks_report_leaves_one_audit_row(
    store_app: Flask, tmp_path: Path
) -> None:
    auth = AuthActions(store_app.test_client(), add_accounts(store_app))
    assert auth.login("supervisor").status_code == 302
    ledger = write_xlsx(tmp_path / "台账.xlsx", 12, caseworker="cw.zhang")
    data = ledger.path.read_bytes()
    sent = auth.client.post("/imports/", data={
        "csrf_token": auth.csrf_token("/imports/"), "file": (ledger.path.open("rb"), "台账.xlsx")},
        content_type="multipart/form-data")
    page = auth.client.get(sent.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="report"', page)
    assert link, page

    first = auth.client.get(link[1].replace("&amp;", "&"))
    second = auth.client.get(link[1].replace("&amp;", "&"))

    assert first.status_code == second.status_code == 200
    rows = delivered(store_app, "sup.li")
    assert len(rows) == 2
    for row, answer in zip(rows, (first, second), strict=True):
        body = answer.get_data()
        assert row.actor_role == "supervisor"
        assert re.fullmatch(
            rf"import report cases xlsx at position \d+, 12 rows, {len(body)} bytes, "
            rf"sha256 {hashlib.sha256(body).hexdigest()} "
            rf"\[file={hashlib.sha256(data).hexdigest()}; sheet=2024年台账\]", row.detail
        ), row.detail
    listed = audit_export(store_app, tmp_path / "audit.csv")
    assert all(row.detail in listed for row in rows)
    services(store_app).views.rebuild("audit_log")
    assert [row.detail for row in delivered(store_app, "sup.li")] == [row.detail for row in rows]


def refuse_records(app: Flask, store_url: str) -> None:
    """Make the store itself refuse every record of a delivered file (a trigger)."""
    table = str(services(app).cases.recorder.events_table_name).split(".")[-1]
    topic = "domain.export_log:Export.Delivered"
    if store_url.startswith("sqlite"):
        with closing(sqlite3.connect(store_url.removeprefix("sqlite:///"))) as conn:
            conn.execute(f'CREATE TRIGGER refuse_records BEFORE INSERT ON "{table}" '
                         f"WHEN NEW.topic = '{topic}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
            conn.commit()
        return
    schema = parse_qs(urlsplit(store_url).query)["schema"][0]
    with pg_connect() as conn:
        conn.execute(sql.SQL(
            "CREATE FUNCTION {}.refuse_records() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$").format(sql.Identifier(schema)))
        conn.execute(sql.SQL(
            "CREATE TRIGGER refuse_records BEFORE INSERT ON {}.{} FOR EACH ROW "
            "WHEN (NEW.topic = {}) EXECUTE FUNCTION {}.refuse_records()").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Literal(topic),
                sql.Identifier(schema)))


def test_a_backup_or_digest_whose_record_cannot_be_saved_is_removed(
    store_app: Flask, store_url: str, tmp_path: Path
) -> None:
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        services(store_app).cases.enrol_case(**enrolment())
    runner = store_app.test_cli_runner()
    key, digest, backup = tmp_path / "digest.key", tmp_path / "digest.json", tmp_path / "hw.bak"
    assert runner.invoke(args=["digest", "new-key", str(key)]).exit_code == 0
    refuse_records(store_app, store_url)

    backed_up = runner.invoke(args=["backup", str(backup), "--lang", "en"])
    digested = runner.invoke(args=["digest", "export", str(digest), "--key-file", str(key),
                                   "--lang", "en"])

    assert backed_up.exit_code == 1, backed_up.output
    assert "backup failed, no file written: not recorded in the audit log" in backed_up.output
    assert digested.exit_code == 1, digested.output
    assert "could not be recorded in the audit log" in digested.output
    assert not backup.exists() and not digest.exists()
    assert not list(tmp_path.glob(".hw.bak.*"))
    assert delivered(store_app, f"shell:{getpass.getuser()}") == []
