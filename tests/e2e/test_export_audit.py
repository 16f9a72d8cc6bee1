"""Every export is in the audit log: who took it, of what, as of which position, which file.

On both stores: a masked ``homeward export`` (in an account's name, and by a
shell user without one) and a download of the supervisors' dashboard each
leave one audit row whose rows and SHA-256 are those of the file delivered; a
revealing export keeps one row that names its file once delivered; and the
record of an export never changes what an export of that position holds.
"""

from __future__ import annotations

import getpass
import hashlib
import re
from pathlib import Path

from flask import Flask

from application.exports import Exporter, ExportFilter
from application.projections.audit_log import AuditQuery, AuditRow
from domain.recording import Role, recording_as
from tests.builders import enrolment
from tests.conftest import AuthActions, add_accounts

PASSWORD = "a long enough password"


def services(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["homeward"]


def enrol_three(app: Flask) -> None:
    cases = services(app).cases
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        for name in ("赵六", "钱七", "孙八"):
            cases.enrol_case(**enrolment(name=name))


def exports_in_log(app: Flask, actor: str) -> list[AuditRow]:
    services(app).views.catch_up("audit_log")  # the worker's job in production
    page = services(app).views["audit_log"].list_entries(AuditQuery(actor=actor, per_page=500))
    return [row for row in page.rows if row.event in ("Exported", "ExportRevealed")]


def export(app: Flask, kind: str, out: Path, *args: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["export", kind, "--out", str(out), *args, "--lang", "en"],
        env={"HOMEWARD_USER": ""})
    assert result.exit_code == 0, result.output
    return result.output


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_masked_cli_export_leaves_one_audit_row_naming_its_file(
    store_app: Flask, tmp_path: Path
) -> None:
    enrol_three(store_app)
    services(store_app).accounts.add(username="inv-1", password=PASSWORD,
                                     role="investigator", district="370300")
    services(store_app).views.catch_up("case_list")
    named, anonymous = tmp_path / "cases.csv", tmp_path / "events.jsonl"

    export(store_app, "cases", named, "--user", "inv-1", "--district", "370303")
    export(store_app, "events", anonymous)

    (row,) = exports_in_log(store_app, "inv-1")
    assert (row.event, row.actor_role) == ("Exported", "investigator")
    assert row.detail.startswith("export cases csv at position ")
    assert f", 3 rows, sha256 {sha256(named)} [district=370303]" in row.detail
    (shell,) = exports_in_log(store_app, f"shell:{getpass.getuser()}")
    assert (shell.actor_role, shell.case_id.int) == ("system", 0)
    assert re.fullmatch(rf"export events jsonl at position \d+, 3 rows, sha256 {sha256(anonymous)}",
                        shell.detail), shell.detail


def test_a_dashboard_download_leaves_one_audit_row_naming_its_file(store_app: Flask) -> None:
    enrol_three(store_app)
    add_accounts(store_app)
    services(store_app).views.catch_up("indicators")
    auth = AuthActions(store_app.test_client(), {})
    auth.accounts = {"supervisor": services(store_app).accounts.find("sup.li")}
    assert auth.login("supervisor").status_code == 302

    answer = auth.client.get("/dashboard/download/indicators.csv?month=2025-01")

    assert answer.status_code == 200
    lines = answer.get_data().decode("utf-8-sig").strip().splitlines()
    (row,) = exports_in_log(store_app, "sup.li")
    assert (row.event, row.actor_role) == ("Exported", "supervisor")
    digest = hashlib.sha256(answer.get_data()).hexdigest()
    assert re.fullmatch(
        rf"dashboard indicators csv at position \d+, {len(lines) - 1} rows, sha256 {digest} "
        r"\[district=370303; month=2025-01\]", row.detail), row.detail


def test_a_revealing_export_keeps_one_row_that_names_its_file(
    store_app: Flask, tmp_path: Path
) -> None:
    enrol_three(store_app)
    services(store_app).accounts.add(username="inv-1", password=PASSWORD,
                                     role="investigator", district="370300")
    services(store_app).views.catch_up("case_list")
    out = tmp_path / "clear.xlsx"

    export(store_app, "cases", out, "--reveal", "--reason", "补贴核查: 名单", "--user", "inv-1")

    (row,) = exports_in_log(store_app, "inv-1")
    assert row.event == "ExportRevealed"
    assert re.fullmatch(rf"export cases xlsx at position \d+, 3 rows, sha256 {sha256(out)}"
                        r": 补贴核查: 名单", row.detail), row.detail


def test_the_audit_export_of_a_position_is_the_same_after_exports_are_recorded(
    store_app: Flask, tmp_path: Path
) -> None:
    enrol_three(store_app)
    services(store_app).views.catch_up("audit_log")
    first, second = tmp_path / "audit-1.csv", tmp_path / "audit-2.csv"

    output = export(store_app, "audit", first)
    position = re.search(r"at log position (\d+)", output)[1]  # type: ignore[index]
    export(store_app, "cases", tmp_path / "cases.csv")
    services(store_app).views.catch_up("audit_log")
    export(store_app, "audit", second, "--at", position)

    assert second.read_bytes() == first.read_bytes()
    assert len(exports_in_log(store_app, f"shell:{getpass.getuser()}")) == 3


def test_a_delivery_names_its_file_in_the_live_view_as_in_a_rebuilt_one(
    store_app: Flask,
) -> None:
    views = services(store_app).views
    exporter = Exporter(services(store_app).cases, views.exports())
    plan = exporter.plan("cases", ExportFilter(("370303",)), reveal=True)
    with recording_as("inv-1", Role.INVESTIGATOR, "req-9"):
        disclosure = exporter.disclose(plan, "csv", "核查")
        views.catch_up("audit_log")  # the row of the reveal is written before the delivery
        exporter.delivered(disclosure, 7, "e" * 64)

    live = exports_in_log(store_app, "inv-1")
    views.rebuild("audit_log")
    rebuilt = exports_in_log(store_app, "inv-1")

    assert [row.detail for row in live] == [row.detail for row in rebuilt] == [
        f"export cases csv at position {plan.position}, 7 rows, sha256 {'e' * 64} "
        "[district=370303]: 核查"]
