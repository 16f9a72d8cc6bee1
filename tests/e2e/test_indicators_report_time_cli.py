"""``homeward indicators --as-known-at`` for follow-up timeliness and 12-month survival.

Both columns give these figures as of the moment's date (10 April 2024): "then"
over the events recorded up to the moment T, "now" over all of them.  The script,
every figure worked out by hand:

- 张店 370303 (needs assessments F1, due 7 days after enrolment, in time 7 days more):
  A enrolled 03-01, assessed 03-05 (in time, both columns); B enrolled 03-10,
  assessed 03-20 but recorded on 04-20 (late then, in time now); C enrolled 03-20
  but recorded on 04-15 (unknown then, late now); D enrolled 03-25, assessed on
  04-12 after T (late in both: it was overdue on 10 April).
- 淄川 370302: a business registered 2023-03-15 and deregistered on 2024-03-01,
  recorded on 05-01 (survived then, not now); one registered 2023-05-01 (its
  anniversary is after 10 April: in neither column).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from application.cases import Cases
from domain.recording import Role, recording_as
from infrastructure.settings import Settings
from tests.builders import a_uscc, enrolment
from tests.e2e.test_indicators_as_known_at import Clock, audit, columns, why
from web import create_app

ZHANGDIAN, ZICHUAN = "370303", "370302"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock)
    return clock


@pytest.fixture
def cli(settings: Settings) -> Iterator[tuple[Flask, FlaskCliRunner]]:
    app = create_app(settings, TESTING=True)
    yield app, app.test_cli_runner()
    app.extensions["homeward"].close()


def enrolled(cases: Cases, clock: Clock, district: str, on: date, recorded: str) -> Any:
    clock.set(recorded)
    return cases.enrol_case(**enrolment(
        hukou_division=district, owning_district=district,
        residence_division=f"{district}100201", returned_on=date(2022, 1, 1), occurred_on=on,
        caseworker_id=f"cw-{district}-01"))


def assessed(cases: Cases, clock: Clock, saved: Any, on: date, recorded: str) -> None:
    clock.set(recorded)
    cases.assess_needs(saved.case_id, saved.version, occurred_on=on, stage="IDEA",
                       needs=["TRAINING"])


def a_history(app: Flask, clock: Clock) -> dict[str, str]:
    cases: Cases = app.extensions["homeward"].cases
    with recording_as("cw-1", Role.CASEWORKER):
        a = enrolled(cases, clock, ZHANGDIAN, date(2024, 3, 1), "2024-03-01T09:00")
        assessed(cases, clock, a, date(2024, 3, 5), "2024-03-05T09:00")
        b = enrolled(cases, clock, ZHANGDIAN, date(2024, 3, 10), "2024-03-10T09:00")
        d = enrolled(cases, clock, ZHANGDIAN, date(2024, 3, 25), "2024-03-25T09:00")
        firm = enrolled(cases, clock, ZICHUAN, date(2023, 1, 5), "2023-01-05T09:00")
        firm = cases.register_business(
            firm.case_id, firm.version, occurred_on=date(2023, 3, 15),
            uscc=a_uscc("92", ZICHUAN), entity_type="INDIVIDUAL_BUSINESS", name="农家乐",
            first_time_founder=True, premises="RENTED")
        young = enrolled(cases, clock, ZICHUAN, date(2023, 4, 20), "2023-04-20T09:00")
        cases.register_business(
            young.case_id, young.version, occurred_on=date(2023, 5, 1),
            uscc=a_uscc("92", ZICHUAN), entity_type="INDIVIDUAL_BUSINESS", name="民宿",
            first_time_founder=True, premises="HOME")
        # After T = 10 April 12:00.
        assessed(cases, clock, d, date(2024, 4, 12), "2024-04-12T09:00")
        c = enrolled(cases, clock, ZHANGDIAN, date(2024, 3, 20), "2024-04-15T09:00")
        assessed(cases, clock, b, date(2024, 3, 20), "2024-04-20T09:00")
        clock.set("2024-05-01T09:00")
        cases.close_business(firm.case_id, firm.version, occurred_on=date(2024, 3, 1),
                             business_ref=firm.ref, kind="DEREGISTERED", reason="经营不善")
    return {"B": b.case_no, "C": c.case_no, "firm": firm.case_no}


def test_timeliness_as_reported_on_the_day_beside_the_same_day_as_known_now(
    cli: tuple[Flask, FlaskCliRunner], clock: Clock,
) -> None:
    app, runner = cli
    no = a_history(app, clock)

    zhangdian = audit(runner, "--district", ZHANGDIAN, "--period", "2024")

    assert zhangdian[""]["report_date"] == "2024-04-10"
    assert columns(zhangdian["followups_due"]) == (3, 4)  # A, B, D; then C too
    assert columns(zhangdian["followups_in_time"]) == (1, 2)  # A; then B too
    assert columns(zhangdian["timeliness_rate"]) == (1 / 3, 0.5)
    assert why(zhangdian["timeliness_rate"]) == why(zhangdian["followups_due"]) == [
        (no["C"], 1, "Enrolled", "backdated", "2024-03-20", "2024-04-15T09:00"),
        (no["B"], 2, "NeedsAssessed", "backdated", "2024-03-20", "2024-04-20T09:00"),
    ]
    assert columns(zhangdian["survival_rate"]) == (None, None)


def test_survival_as_reported_on_the_day_beside_the_same_day_as_known_now(
    cli: tuple[Flask, FlaskCliRunner], clock: Clock,
) -> None:
    app, runner = cli
    no = a_history(app, clock)

    zichuan = audit(runner, "--district", ZICHUAN, "--period", "2024")
    english = runner.invoke(args=["indicators", "--as-known-at", "2024-04-10T12:00",
                                  "--district", ZICHUAN, "--lang", "en"])

    # The young business reaches 12 months on 1 May: after the report date in both columns.
    assert columns(zichuan["business_anniversary"]) == (1, 1)
    assert columns(zichuan["business_survived"]) == (1, 0)
    assert columns(zichuan["survival_rate"]) == (1.0, 0.0)
    assert why(zichuan["survival_rate"]) == [
        (no["firm"], 3, "BusinessClosed", "backdated", "2024-03-01", "2024-05-01T09:00")]
    lines = english.output.splitlines()
    assert lines[1] == ("Follow-up timeliness and 12-month survival are as of 2024-04-10 "
                        "in both columns")
    assert any(line.split() == ["12-month", "business", "survival", "100.0%", "0.0%", "*"]
               for line in lines)
