"""``homeward import trainings|loans`` on both stores: rows added to the cases they name, once."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic
from flask import Flask
from flask.testing import FlaskCliRunner

from application.ledger.importer import ROW_KEY
from domain.case import Case
from domain.uniqueness import UniqueKey
from infrastructure.settings import Settings
from tests.case_ledgers import CaseLedger, loan_ledger, training_ledger
from tests.conftest import assert_all_translated, build_app

PASSWORD = "a long enough password"
TOPICS = {name: get_topic(getattr(Case, name)) for name in (
    "TrainingEnrolled", "TrainingCompleted", "BusinessRegistered", "LoanApplied",
    "LoanEligibilityCertified", "LoanGranted", "LoanRepaid")}


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = build_app(settings)
    accounts = app.extensions["homeward"].accounts
    accounts.add(username="sup.li", password=PASSWORD, role="supervisor", district="370303")
    accounts.add(username="cw.zhang", password=PASSWORD, role="caseworker", district="370303",
                 display_name="张敏")
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()
    assert_all_translated(app)


def count(app: Flask, name: str) -> int:
    recorder = app.extensions["homeward"].cases.recorder
    return len(recorder.select_notifications(start=1, limit=1_000_000, topics=[TOPICS[name]]))


def counts(app: Flask) -> dict[str, int]:
    return {name: count(app, name) for name in TOPICS}


def notes(report: Path) -> dict[int, str]:
    sheet = openpyxl.load_workbook(report).worksheets[0]
    column = sheet.max_column
    return {row: sheet.cell(row, column).value for row in range(1, sheet.max_row + 1)
            if sheet.cell(row, column).value}


def run(runner: FlaskCliRunner, kind: str, *args: str) -> Any:
    return runner.invoke(args=["import", kind, *args])


def rows_line(ledger: CaseLedger, *, ready: int, already: int = 0) -> str:
    return (f"{ready} can be imported, {already} were imported before, {len(ledger.bad)} "
            f"refused, {len(ledger.repeats) + len(ledger.on_case)} duplicates")


def test_a_training_ledger_is_checked_then_recorded_in_each_person_s_case_once(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    cases = app.extensions["homeward"].cases
    ledger = training_ledger(cases, tmp_path / "培训台账.xlsx", 40)
    before = counts(app)
    report = tmp_path / "培训台账-report.xlsx"

    # A dry run runs every row's commands and saves nothing.
    dry = run(runner, "trainings", str(ledger.path), "--user", "sup.li", "--dry-run",
              "--lang", "en")

    assert dry.exit_code == 0, dry.output
    assert counts(app) == before
    assert rows_line(ledger, ready=len(ledger.good)) in dry.output
    titles = {"id_number": "身份证号码", "name": "姓名", "provider_uscc": "provider_uscc",
              "hours_attended": "实际课时", "ended_on": "结业时间", "certificate_no": "证书编号"}
    for row, field in ledger.bad.items():
        assert f"row {row}: refused: {titles[field]}: " in dry.output, (row, dry.output)
    for row, earlier in ledger.repeats.items():
        assert f"row {row}: duplicate: the same training as row {earlier}" in dry.output
    for row, case_no in ledger.on_case.items():
        assert f"row {row}: duplicate: case {case_no} has this training already" in dry.output
    assert "No case has this ID number" in dry.output
    assert "The provider's filing was revoked" in dry.output
    assert not any(p.id_number in dry.output for p in ledger.people.values())
    assert notes(report)[ledger.good[0]] == "can be imported"

    # The import records them in the importer's name; the same file again adds nothing.
    done = run(runner, "trainings", str(ledger.path), "--user", "sup.li", "--lang", "en")
    after = counts(app)
    imported = notes(report)
    again = run(runner, "trainings", str(ledger.path), "--user", "sup.li", "--lang", "en")
    checked = run(runner, "trainings", str(ledger.path), "--user", "sup.li", "--dry-run",
                  "--lang", "en")

    assert done.exit_code == 3, done.output
    assert f"{len(ledger.good)} imported now, 0 were imported before" in done.output
    good = [ledger.people[row] for row in ledger.good]
    enrolled = sum(1 for row in ledger.good if row != ledger.good[-1])  # the last one ends one
    assert after["TrainingEnrolled"] - before["TrainingEnrolled"] == enrolled
    ends = sum(1 for n in range(40) if n % 4 != 1) + 1
    assert after["TrainingCompleted"] - before["TrainingCompleted"] == ends
    state = cases.get_case(good[0].case_id)
    assert [(t.course, t.result, t.certificate_no) for t in state.trainings] == [
        ("SYB", "PASSED", "SYB202600000")]
    assert imported[ledger.good[0]] == f"imported: case {good[0].case_no}"
    assert again.exit_code == 3 and checked.exit_code == 0, again.output + checked.output
    assert f"0 imported now, {len(ledger.good)} were imported before" in again.output
    assert rows_line(ledger, ready=0, already=len(ledger.good)) in checked.output
    assert counts(app) == after
    history = list(cases.events.get(good[0].case_id))
    assert {(e.actor, e.actor_role) for e in history[1:]} == {("sup.li", "supervisor")}
    assert history[-1].request_id.startswith("import:") and \
        history[-1].request_id.endswith(f":0:{ledger.good[0]}")


def test_a_loan_ledger_records_business_application_certification_and_grant_at_once(
    cli: tuple[Flask, FlaskCliRunner], tmp_path: Path
) -> None:
    app, runner = cli
    cases = app.extensions["homeward"].cases
    ledger = loan_ledger(cases, tmp_path / "贷款台账.xlsx", 30)
    before = counts(app)

    refused = run(runner, "loans", str(ledger.path), "--user", "cw.zhang", "--lang", "en")
    dry = run(runner, "loans", str(ledger.path), "--user", "sup.li", "--dry-run", "--lang", "zh")

    assert refused.exit_code == 1 and "certified and granted by supervisors" in refused.output
    assert dry.exit_code == 0, dry.output
    assert counts(app) == before
    assert (f"可导入 {len(ledger.good)}，此前已导入 0，不予导入 {len(ledger.bad)}，"
            f"重复 {len(ledger.repeats)}") in dry.output
    titles = {"id_number": "身份证号码", "uscc": "统一社会信用代码",
              "principal": "贷款金额（万元）", "eligibility": "贷款资格",
              "annual_rate_bp": "年利率（%）",
              "term_months": "贷款期限（月）", "guarantor": "担保方式"}
    for row, field in ledger.bad.items():
        assert f"第 {row} 行：不予导入：{titles[field]}：" in dry.output, (row, dry.output)
    assert "该案件尚无登记的经营主体" in dry.output

    done = run(runner, "loans", str(ledger.path), "--user", "sup.li", "--lang", "en")
    after = counts(app)
    again = run(runner, "loans", str(ledger.path), "--user", "sup.li", "--lang", "en")

    assert done.exit_code == 3, done.output
    assert f"{len(ledger.good)} imported now" in done.output
    grants = {name: after[name] - before[name] for name in after}
    assert grants == {"TrainingEnrolled": 0, "TrainingCompleted": 0,
                      "BusinessRegistered": 20, "LoanApplied": 30,
                      "LoanEligibilityCertified": 30, "LoanGranted": 30, "LoanRepaid": 10}
    repaid = cases.get_case(ledger.people[ledger.good[2]].case_id)
    (loan,) = repaid.loans
    assert (loan.status, loan.principal, loan.term_months, loan.annual_rate_bp, loan.bank,
            loan.guarantor) == ("REPAID", 15_500_000, 24, 345, "中国农业银行淄博张店支行", "FUND")
    assert [b.name for b in repaid.businesses] == ["张店区农家小吃店"]
    # A row is all its events or none: the business of a loan refused at its grant is not in.
    (above_cap,) = [row for row, field in ledger.bad.items() if field == "principal"]
    refused_case = cases.get_case(ledger.people[above_cap].case_id)
    assert (refused_case.businesses, refused_case.loans) == ((), ())
    assert again.exit_code == 3 and f"0 imported now, {len(ledger.good)} were imported before" \
        in again.output
    assert counts(app) == after


@pytest.mark.slow
def test_a_training_import_killed_half_way_resumes_and_records_each_row_once(
    cli: tuple[Flask, FlaskCliRunner], settings: Settings, tmp_path: Path
) -> None:
    app, _ = cli
    cases = app.extensions["homeward"].cases
    ledger = training_ledger(cases, tmp_path / "培训台账.xlsx", 400)
    before = counts(app)
    start = cases.recorder.max_notification_id() or 0
    script = [str(Path(sys.executable).with_name("homeward")), "import", "trainings",
              str(ledger.path), "--user", "sup.li", "--lang", "en"]
    env = {**os.environ, "HOMEWARD_INSTANCE_PATH": str(settings.instance_path),
           "HOMEWARD_DATABASE_URL": settings.database_url}

    # A batch of 50 rows is some 150 events: kill the import once one is in.
    first = subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while (cases.recorder.max_notification_id() or 0) < start + 100 and first.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    killed_at = [row for row in ledger.good if _row_in(app, ledger, row)]
    assert 0 < len(killed_at) < len(ledger.good), "the import was not stopped half-way"

    second = subprocess.run(script, env=env, capture_output=True, text=True, timeout=600,
                            check=False)

    assert second.returncode == 3, second.stderr
    assert (f"{len(ledger.good) - len(killed_at)} imported now, {len(killed_at)} were "
            f"imported before, {len(ledger.bad)} refused") in second.stdout
    after = counts(app)
    assert after["TrainingEnrolled"] - before["TrainingEnrolled"] == len(ledger.good) - 1
    assert after["TrainingCompleted"] - before["TrainingCompleted"] == 301
    assert all(_row_in(app, ledger, row) for row in ledger.good)


def _row_in(app: Flask, ledger: CaseLedger, row: int) -> bool:
    cases = app.extensions["homeward"].cases
    sha = hashlib.sha256(ledger.path.read_bytes()).hexdigest()
    try:
        key = cases.repository.get(UniqueKey.create_id(ROW_KEY, f"{sha}:0:{row}"))
    except AggregateNotFoundError:
        return False
    return key.holder is not None
