"""``homeward indicators --as-known-at`` on both stores: a figure reported, then changed.

The history is scripted with recorded times under the test's control: three
trainings are completed and recorded before the moment T (2024-04-10 12:00),
then a back-dated completion, an approved correction of a completion date,
a later service and a changed target are recorded after it.  Every expected
figure below is worked out by hand from that script.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from application.cases import Cases
from domain.recording import Role, recording_as
from domain.values import BUREAU_TZ
from infrastructure.settings import Settings
from tests.builders import enrolment, training
from tests.registries import training_resources
from web import create_app

T = "2024-04-10T12:00"
ZHANGDIAN, ZICHUAN = "370303", "370302"


class Clock:
    """The recorded time of the next event (Asia/Shanghai); each reading moves it a second on."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=BUREAU_TZ)

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=BUREAU_TZ)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    # Events stamp their recorded time through the library's clock.
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock)
    return clock


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = create_app(settings, TESTING=True)
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def a_trainee(cases: Cases, district: str, enrolled: date, ended: date,
              result: str = "PASSED") -> tuple[Any, int, str]:
    """A case enrolled and trained in ``district``; returns (id, version, case number)."""
    training_resources(cases)
    saved = cases.enrol_case(**enrolment(
        hukou_division=district, owning_district=district,
        residence_division=f"{district}100201", returned_on=date(2023, 12, 1),
        occurred_on=enrolled))
    saved = cases.enrol_in_training(saved.case_id, saved.version, **training(
        occurred_on=enrolled + timedelta(days=2), start_on=enrolled + timedelta(days=3),
        enrolment_ref="syb"))
    passed = result == "PASSED"
    done = cases.complete_training(
        saved.case_id, saved.version, occurred_on=ended, enrolment_ref="syb", result=result,
        hours_attended=76 if passed else 20,
        certificate_no=f"SYB-{saved.case_id.hex[:12]}" if passed else None,
        business_plan_grade="PASS" if passed else "FAIL")
    return saved.case_id, done.version, saved.case_no


def a_history(app: Flask, clock: Clock) -> dict[str, str]:
    """The script; returns the case numbers A–D."""
    cases: Cases = app.extensions["homeward"].cases
    clock.set("2024-01-02T10:00")
    with recording_as("admin-1", Role.ADMIN):
        cases.set_target(ZHANGDIAN, 2024, "training_completions", 4)
    with recording_as("cw-1", Role.CASEWORKER):
        # Known at T: A passed in February, B failed in March (张店), C passed in April (淄川).
        clock.set("2024-02-20T17:00")
        a_id, a_version, a_no = a_trainee(cases, ZHANGDIAN, date(2024, 1, 5), date(2024, 2, 20))
        clock.set("2024-03-01T17:00")
        _, _, b_no = a_trainee(cases, ZHANGDIAN, date(2024, 1, 6), date(2024, 3, 1), "FAILED")
        clock.set("2024-04-02T17:00")
        c_id, c_version, c_no = a_trainee(cases, ZICHUAN, date(2024, 1, 7), date(2024, 4, 2))
        # After T: D's March pass is entered late (back-dated) …
        clock.set("2024-04-20T09:00")
        _, _, d_no = a_trainee(cases, ZHANGDIAN, date(2024, 1, 9), date(2024, 3, 28))
        # … C's end date is corrected into March …
        clock.set("2024-05-06T10:00")
        asked = cases.correct_record(c_id, c_version, occurred_on=date(2024, 5, 6),
                                     target_version=c_version, field="occurred_on",
                                     new_value="2024-03-29", reason="核对签到表")
        # … and A gets a resource matching in June (it happened after T).
        clock.set("2024-06-15T15:00")
        cases.deliver_service(a_id, a_version, occurred_on=date(2024, 6, 15),
                              service="RESOURCE_MATCHING", provider="区人才市场",
                              outcome="对接供货商")
    with recording_as("sup-1", Role.SUPERVISOR):
        clock.set("2024-05-07T10:00")
        cases.approve_correction(c_id, asked.version, occurred_on=date(2024, 5, 7),
                                 correction_ref=asked.ref)
    with recording_as("admin-2", Role.ADMIN):
        clock.set("2024-06-01T10:00")
        cases.set_target(ZHANGDIAN, 2024, "training_completions", 5)
    return {"A": a_no, "B": b_no, "C": c_no, "D": d_no}


def audit(runner: FlaskCliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(args=["indicators", "--as-known-at", T, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    return {f["name"]: f for f in body["figures"]} | {"": body}


def columns(figure: dict[str, Any]) -> tuple[Any, Any]:
    return figure["then"], figure["now"]


def why(figure: dict[str, Any]) -> list[tuple[str, int, str, str, str, str]]:
    return [(e["case_no"], e["version"], e["event"], e["kind"], e["occurred_on"],
             e["recorded_at"][:16]) for e in figure["explained_by"]]


def test_a_quarter_as_reported_then_beside_now_with_the_events_that_changed_it(
    cli: tuple[Flask, FlaskCliRunner], clock: Clock,
) -> None:
    app, runner = cli
    no = a_history(app, clock)

    q1 = audit(runner, "--period", "2024Q1")

    assert (q1[""]["as_known_at"], q1[""]["period"], q1[""]["district"]) == (
        "2024-04-10T12:00:00+08:00", "2024Q1", None)
    # Then: A passed, B failed. Now: A, B, C (moved into March), D (back-dated).
    assert columns(q1["training_completions"]) == (2, 4)
    assert columns(q1["training_passed"]) == (1, 3)
    assert columns(q1["training_failed"]) == (1, 1)
    assert columns(q1["pass_rate"]) == (0.5, 0.75)
    assert columns(q1["resource_matching"]) == (0, 0)
    assert why(q1["training_completions"]) == why(q1["pass_rate"]) == [
        (no["D"], 3, "TrainingCompleted", "backdated", "2024-03-28", "2024-04-20T09:00"),
        (no["C"], 5, "CorrectionApproved", "correction", "2024-05-07", "2024-05-07T10:00"),
    ]
    correction = q1["training_passed"]["explained_by"][1]
    assert correction["actor"] == "sup-1" and correction["actor_role"] == "supervisor"
    assert correction["detail"] == "TrainingCompleted v3 occurred_on: 2024-04-02 → 2024-03-29 " \
                                   "(核对签到表)"
    assert q1["training_failed"]["explained_by"] == [] and not q1["training_failed"]["differs"]
    assert "target.training_completions" not in q1  # no district: no target


def test_district_and_period_narrow_the_figures_and_a_year_adds_the_task_completion(
    cli: tuple[Flask, FlaskCliRunner], clock: Clock,
) -> None:
    app, runner = cli
    no = a_history(app, clock)

    zichuan = audit(runner, "--district", ZICHUAN, "--period", "2024Q1")
    march = audit(runner, "--period", "2024-03")
    zhangdian = audit(runner, "--district", ZHANGDIAN, "--period", "2024")

    assert columns(zichuan["training_completions"]) == (0, 1)
    assert columns(zichuan["pass_rate"]) == (None, 1.0)
    assert [e[:3] for e in why(zichuan["training_completions"])] == [
        (no["C"], 5, "CorrectionApproved")]
    # March: B's fail then; B, D and the corrected C now.
    assert columns(march["training_completions"]) == (1, 3)
    assert columns(march["pass_rate"]) == (0.0, 2 / 3)
    # 张店 in 2024: A and B then, A, B and D now; A's June matching happened after T.
    assert columns(zhangdian["training_completions"]) == (2, 3)
    assert columns(zhangdian["resource_matching"]) == (0, 1)
    assert why(zhangdian["resource_matching"]) == [
        (no["A"], 4, "ServiceDelivered", "later", "2024-06-15", "2024-06-15T15:00")]
    assert columns(zhangdian["target.training_completions"]) == (4, 5)
    assert columns(zhangdian["completion.training_completions"]) == (0.5, 0.6)
    assert [(e["case_no"], e["event"], e["kind"], e["actor"])
            for e in zhangdian["completion.training_completions"]["explained_by"]] == [
        (no["D"], "TrainingCompleted", "backdated", "cw-1"),
        (f"targets/{ZHANGDIAN}/2024", "TargetSet", "target", "admin-2"),
    ]


def test_the_text_table_shows_both_columns_and_the_reasons(
    cli: tuple[Flask, FlaskCliRunner], clock: Clock,
) -> None:
    app, runner = cli
    no = a_history(app, clock)

    english = runner.invoke(args=["indicators", "--as-known-at", "2024-04-10", "--district",
                                  ZHANGDIAN, "--lang", "en"])
    chinese = runner.invoke(args=["indicators", "--as-known-at", T, "--period", "2024Q1"],
                            env={"LANG": None, "HOMEWARD_LANG": None})

    assert english.exit_code == 0 and chinese.exit_code == 0, english.output + chinese.output
    lines = english.output.splitlines()
    # A date alone is the end of that day; without --period, the year of the moment.
    assert lines[0] == ("Indicators as reported at 2024-04-10T23:59:59+08:00 and as known now; "
                        "period 2024; district 370303")
    assert any(line.split() == ["training", "completions", "2", "3", "*"] for line in lines)
    assert any(line.split() == ["task", "completion:", "training", "completions", "50.0%",
                                "60.0%", "*"] for line in lines)
    assert f"  {no['D']} v3 TrainingCompleted [back-dated] effective 2024-03-28 recorded " \
           f"2024-04-20 09:00" in english.output
    assert any(line.split()[:4] == ["培训合格率", "50.0%", "75.0%", "*"]
               for line in chinese.output.splitlines())
    assert f"{no['C']} v5 CorrectionApproved [更正]" in chinese.output


@pytest.mark.parametrize(("args", "lang", "message", "code"), [
    (["--as-known-at", "last tuesday"], None, "无法识别的时间 last tuesday", 2),
    (["--as-known-at", "last tuesday"], "en", "cannot read the moment last tuesday", 2),
    (["--as-known-at", "2024-13-01T09:00"], "en", "cannot read the moment", 2),
    (["--as-known-at", T, "--period", "2024Q5"], None, "无法识别的期间 2024Q5", 2),
    (["--as-known-at", T, "--district", "999999"], "en", "cannot read the district", 2),
    (["--as-known-at", "v3"], "en", "a version (v3) names a moment of one case", 1),
])
def test_a_bad_request_is_one_line_in_the_users_language(
    cli: tuple[Flask, FlaskCliRunner], args: list[str], lang: str | None, message: str,
    code: int,
) -> None:
    _, runner = cli

    result = runner.invoke(args=["indicators", *args, *(["--lang", lang] if lang else [])],
                           env={"LANG": None, "HOMEWARD_LANG": None})

    assert result.exit_code == code
    assert len([line for line in result.output.splitlines() if message in line]) == 1
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_help_explains_the_command_with_an_example(cli: tuple[Flask, FlaskCliRunner]) -> None:
    _, runner = cli

    result = runner.invoke(args=["indicators", "--help"])

    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "homeward indicators --as-known-at 2024-04-10T12:00 --district 370303 " \
           "--period 2024Q1" in result.output
    assert "--period" in result.output and "2024Q1" in result.output
