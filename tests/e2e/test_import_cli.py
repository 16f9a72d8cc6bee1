"""``homeward import cases`` on both stores: a realistic ledger checked, imported once, resumed."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest
from eventsourcing.utils import get_topic
from flask import Flask
from flask.testing import FlaskCliRunner

from application.identity import identity_value
from application.ledger.importer import ROW_KEY
from domain.case import Case
from domain.recording import Role, recording_as
from domain.uniqueness import UniqueKey
from infrastructure.settings import Settings
from tests.builders import days_ago, enrolment
from tests.conftest import assert_all_translated, build_app, make_settings
from tests.ledgers import Ledger, write_csv, write_xlsx

PASSWORD = "a long enough password"
ENROLLED = get_topic(Case.Enrolled)


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = build_app(settings)
    accounts = app.extensions["homeward"].accounts
    accounts.add(username="sup.li", password=PASSWORD, role="supervisor", district="370303")
    accounts.add(username="cw.zhang", password=PASSWORD, role="caseworker", district="370303",
                 display_name="张敏")
    accounts.add(username="inv.wu", password=PASSWORD, role="investigator", district="370000")
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()
    assert_all_translated(app)


def enrolled(app: Flask) -> int:
    recorder = app.extensions["homeward"].cases.recorder
    return len(recorder.select_notifications(start=1, limit=1_000_000, topics=[ENROLLED]))


def holder_of(app: Flask, id_number: str) -> Any:
    """The open case holding an ID number, or None."""
    cases = app.extensions["homeward"].cases
    key = cases.identity_hasher(identity_value("RESIDENT_ID", id_number))
    try:
        unique = cases.repository.get(UniqueKey.create_id("identity", key))
    except Exception:
        return None
    return cases.get_case(UUID(unique.holder)) if unique.holder else None


def notes(report: Path) -> dict[int, str]:
    """The result column of a report: sheet row → note (the header row included)."""
    sheet = openpyxl.load_workbook(report).worksheets[0]
    column = sheet.max_column
    return {row: sheet.cell(row, column).value for row in range(1, sheet.max_row + 1)
            if sheet.cell(row, column).value}


def run(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=["import", "cases", *args])


def test_a_realistic_ledger_is_checked_then_imported_once_in_the_importer_s_name(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    ledger = write_xlsx(tmp_path / "台账.xlsx", 400, caseworker="张敏")
    report = tmp_path / "台账-report.xlsx"
    # One person of the ledger has an open case already.
    held_row = ledger.good[20]
    with recording_as("cw.zhang", Role.CASEWORKER, "req-1"):
        existing = app.extensions["homeward"].cases.enrol_case(**enrolment(
            id_number=ledger.id_numbers[held_row], caseworker_id="cw.zhang",
            occurred_on=days_ago(700), returned_on=days_ago(800)))

    # A dry run names every refused row's column and every duplicate, and saves nothing.
    dry = run(runner, str(ledger.path), "--user", "sup.li", "--dry-run", "--lang", "en")

    assert dry.exit_code == 0, dry.output
    assert enrolled(app) == 1
    titles = {"id_number": "公民身份号码", "returned_on": "返乡时间（年月日）", "name": "姓名",
              "returnee_type": "人员类别", "hukou_division": "户籍所在地", "mobile": "手机号码"}
    for row, field in ledger.bad.items():
        assert f"row {row}: refused: {titles[field]}: " in dry.output
    for row, earlier in ledger.repeats.items():
        assert f"row {row}: duplicate: the same ID number as row {earlier}" in dry.output
    assert f"row {held_row}: duplicate: open case {existing.case_no} holds" in dry.output
    assert not any(number in dry.output for number in ledger.id_numbers.values())
    good = len(ledger.good) - 1
    assert (f"of 400 rows, {good} can be imported, 0 were imported before, "
            f"{len(ledger.bad)} refused, {len(ledger.repeats) + 1} duplicates") in dry.output
    checked = notes(report)
    assert checked[3] == "Import result" and checked[ledger.good[0]] == "can be imported"
    assert checked[min(ledger.bad)].startswith("refused: 公民身份号码: The check character is")

    # The import saves the good rows, leaves the others out, and says so (exit code 3).
    done = run(runner, str(ledger.path), "--user", "sup.li", "--lang", "en")

    assert done.exit_code == 3, done.output
    assert f"of 400 rows, {good} imported now, 0 were imported before" in done.output
    assert enrolled(app) == 1 + good
    for row in ledger.good:
        state = holder_of(app, ledger.id_numbers[row])
        if row == held_row:
            assert state.case_no == existing.case_no
            continue
        assert (state.name, state.returned_on, state.caseworker_id, state.hukou_division,
                state.owning_district) == (ledger.names[row], ledger.returned[row], "cw.zhang",
                                           "370303", "370303")
    assert notes(report)[ledger.good[0]].startswith("imported: case 370303-")

    # The same file again adds nothing; a dry run now finds every good row in.
    again = run(runner, str(ledger.path), "--user", "sup.li", "--lang", "en")
    after = run(runner, str(ledger.path), "--user", "sup.li", "--dry-run", "--lang", "en")

    assert again.exit_code == 3 and after.exit_code == 0
    assert f"0 imported now, {good} were imported before" in again.output
    assert f"0 can be imported, {good} were imported before" in after.output
    assert enrolled(app) == 1 + good


def test_the_audit_log_names_the_importer_and_each_event_s_file_and_row(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    _, runner = cli
    ledger = write_xlsx(tmp_path / "台账.xlsx", 60, caseworker="cw.zhang", bad=False,
                        repeats=0)
    sha = run(runner, str(ledger.path), "--user", "sup.li", "--lang", "en").output \
        .split("SHA-256 ")[1].split(";")[0]
    assert runner.invoke(args=["projections", "catch-up", "all"]).exit_code == 0

    out = tmp_path / "audit.csv"
    exported = runner.invoke(args=["export", "audit", "--out", str(out), "--lang", "en"])

    assert exported.exit_code == 0, exported.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        _, columns, *rows = list(csv.reader(handle))
    entries = [dict(zip(columns, row, strict=True)) for row in rows]
    assert {(e["event"], e["actor"], e["actor_role"]) for e in entries} == {
        ("Enrolled", "sup.li", "supervisor")}
    assert sorted(int(e["request_id"].split(":")[3]) for e in entries) == sorted(ledger.good)
    assert {e["request_id"].rsplit(":", 2)[0] for e in entries} == {f"import:{sha[:32]}"}


def test_a_gb18030_csv_is_imported_by_a_caseworker_in_chinese(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    ledger = write_csv(tmp_path / "台账.csv", 120)

    done = run(runner, str(ledger.path), "--user", "cw.zhang", "--lang", "zh")

    assert done.exit_code == 3, done.output
    assert f"新导入 {len(ledger.good)}，此前已导入 0，不予导入 {len(ledger.bad)}" in done.output
    assert "不予导入：身份证号码：校验位错误" in done.output
    assert enrolled(app) == len(ledger.good)
    report = notes(tmp_path / "台账-report.xlsx")
    assert report[1] == "导入结果" and report[ledger.good[0]].startswith("已导入：案件 ")


def test_a_file_or_an_account_that_cannot_import_is_refused_and_nothing_is_written(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    ledger = write_xlsx(tmp_path / "台账.xlsx", 20)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    no_ids = tmp_path / "no-ids.csv"
    no_ids.write_text("姓名,户籍地,返乡时间,人员类别\n王芳,370303,2024-03-05,农民工\n", "utf-8")
    cases = [
        ((str(old), "--user", "sup.li"), "is an old .xls workbook"),
        ((str(no_ids), "--user", "sup.li"), "lacks the columns id_number"),
        ((str(tmp_path / "missing.xlsx"), "--user", "sup.li"), "cannot read"),
        ((str(ledger.path), "--user", "inv.wu"), "may not import ledgers"),
        ((str(ledger.path), "--user", "nobody"), "no account nobody"),
        ((str(ledger.path),), "pass --user or set HOMEWARD_USER"),
        ((str(ledger.path), "--user", "sup.li", "--sheet", "2023"), "has no sheet 2023"),
        ((str(ledger.path), "--user", "sup.li", "--map", "身份证=passport_no"),
         "there is no field passport_no"),
        ((str(ledger.path), "--user", "sup.li", "--default", "owning_district=火星区"),
         "--default owning_district: 火星区 is not a place"),
    ]

    for args, message in cases:
        result = run(runner, *args, "--lang", "en")

        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    assert enrolled(app) == 0
    assert not list(tmp_path.glob("*report*"))


def test_a_mapping_and_defaults_supply_what_the_file_words_differently_or_lacks(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    sheet = tmp_path / "名单.csv"
    sheet.write_text("人员,证件编码,籍贯\n王芳,370303198501010027,张店区\n", "utf-8-sig")

    done = run(runner, str(sheet), "--user", "sup.li", "--map", "人员=name", "--map",
               "证件编码=id_number", "--map", "籍贯=hukou_division", "--default",
               "returnee_type=退役军人", "--default", "returned_on=2024年3月5日", "--default",
               "caseworker_id=cw.zhang", "--lang", "en")

    assert done.exit_code == 0, done.output
    state = holder_of(app, "370303198501010027")
    assert (state.name, state.returnee_type, str(state.returned_on)) == (
        "王芳", "VETERAN", "2024-03-05")


@pytest.mark.slow
def test_an_import_killed_half_way_resumes_and_imports_every_row_exactly_once(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, tmp_path: Path
) -> None:
    app, _ = cli
    ledger = write_xlsx(tmp_path / "台账.xlsx", 1200, caseworker="cw.zhang")
    recorder = app.extensions["homeward"].cases.recorder
    script = [str(Path(sys.executable).with_name("homeward")), "import", "cases",
              str(ledger.path), "--user", "sup.li", "--lang", "en"]
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url}

    # Three events a row (the case, its ID number's key, the row's key): kill after 100 rows.
    first = subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while (recorder.max_notification_id() or 0) < 300 and first.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    killed_at = enrolled(app)
    assert 100 <= killed_at < len(ledger.good), "the import was not stopped half-way"

    second = subprocess.run(script, env=env, capture_output=True, text=True, timeout=600,
                            check=False)

    assert second.returncode == 3, second.stderr
    assert (f"{len(ledger.good) - killed_at} imported now, {killed_at} were imported "
            f"before, {len(ledger.bad)} refused, {len(ledger.repeats)} duplicates") \
        in second.stdout
    assert enrolled(app) == len(ledger.good)
    holders = {holder_of(app, ledger.id_numbers[row]).case_id for row in ledger.good}
    assert len(holders) == len(ledger.good)
    rows_in = [row for row in ledger.good if _row_key_held(app, ledger, row)]
    assert rows_in == ledger.good


def _row_key_held(app: Flask, ledger: Ledger, row: int) -> bool:
    import hashlib

    cases = app.extensions["homeward"].cases
    sha = hashlib.sha256(ledger.path.read_bytes()).hexdigest()
    key = cases.repository.get(UniqueKey.create_id(ROW_KEY, f"{sha}:0:{row}"))
    return key.holder is not None


@pytest.mark.slow
def test_two_importers_of_one_file_at_once_write_each_row_once(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, tmp_path: Path
) -> None:
    app, _ = cli
    ledger = write_xlsx(tmp_path / "台账.xlsx", 600, caseworker="cw.zhang")
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url}
    script = [str(Path(sys.executable).with_name("homeward")), "import", "cases",
              str(ledger.path), "--lang", "en"]

    both = [subprocess.Popen([*script, "--user", user, "--report", str(tmp_path / f"{user}.xlsx")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for user in ("sup.li", "cw.zhang")]
    outputs = [process.communicate(timeout=600) for process in both]

    assert [p.returncode for p in both] == [3, 3], outputs
    imported = [int(out.split("rows, ")[1].split(" imported now")[0]) for out, _ in outputs]
    before = [int(out.split("imported now, ")[1].split(" were")[0]) for out, _ in outputs]
    assert sum(imported) == len(ledger.good) == imported[0] + before[0] == imported[1] + before[1]
    assert enrolled(app) == len(ledger.good)


def test_columns_mapped_with_save_map_are_read_so_by_the_district_s_later_imports(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    first, later = tmp_path / "一.csv", tmp_path / "二.csv"
    first.write_text("人员,证件编码,籍贯,返乡时间,人员类别,经办人\n"
                     "王芳,370303198501010027,张店区,2024-03-05,农民工,cw.zhang\n", "utf-8")
    later.write_text("人员,证件编码,籍贯,返乡时间,人员类别,经办人\n"
                     "李强,370303198602020013,张店区,2024-03-05,农民工,cw.zhang\n", "utf-8")

    saved = run(runner, str(first), "--user", "sup.li", "--map", "人员=name", "--map",
                "证件编码=id_number", "--map", "籍贯=hukou_division", "--save-map",
                "--lang", "en")
    reused = run(runner, str(later), "--user", "sup.li", "--lang", "en")
    elsewhere = run(runner, str(later), "--user", "cw.zhang", "--lang", "en")

    assert saved.exit_code == 0 and reused.exit_code == 0, saved.output + reused.output
    assert "1 imported now" in reused.output
    assert elsewhere.exit_code == 0  # a caseworker of the same county reads it so too
    assert enrolled(app) == 2


def test_a_terminal_shows_the_import_s_progress(tmp_path: Path) -> None:
    import pty

    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance")
    app = build_app(settings)
    app.extensions["homeward"].accounts.add(username="sup.li", password=PASSWORD,
                                            role="supervisor", district="370303")
    app.extensions["homeward"].close()
    ledger = write_xlsx(tmp_path / "台账.xlsx", 200, caseworker="cw.zhang", bad=False)
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url, "COLUMNS": "100"}
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([str(Path(sys.executable).with_name("homeward")), "import", "cases",
                               str(ledger.path), "--user", "sup.li", "--dry-run", "--lang", "en"],
                              env=env, stdout=subprocess.PIPE, stderr=follower, timeout=300,
                              check=False)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)

    assert done.returncode == 0
    assert b"checking" in shown and b"100%" in shown
    assert b"checking" not in done.stdout  # the bar is for the terminal, not the output
