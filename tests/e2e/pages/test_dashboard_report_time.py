"""The dashboard's follow-up timeliness and 12-month survival, in Chinese and English.

The script is a part of the one in ``tests/integration/test_report_time_indicators.py``,
the figures worked out by hand as of the report date 30 June 2024:

- 张店 370303, needs assessments (F1) due 7 days after enrolment, in time for 7 more:
  A due 03-08 done 03-05 (in time), B due 03-17 done 03-30 (late), C due 04-08 never
  done (late), D cancelled in its window by the case's closing (not counted), H due
  01-17 cancelled after its window (late).  March: 1 of 2; 2024 and to date: 1 of 4.
- 淄川 370302, businesses: S1 registered 2023-03-15 operating, S2 2023-02-10
  deregistered 2023-11-20, S3 2023-06-30 operating (12 months on the report date).
  March 2024: 1 of 1 (S1); 2024 and to date: 2 of 3.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask

from domain.recording import Role, recording_as
from tests.builders import a_uscc, enrolment
from tests.e2e.pages.test_queue import catch_up

ZHANGDIAN, ZICHUAN = "370303", "370302"
ASKED = "/dashboard?month=2024-03&on=2024-06-30"


def a_case(cases: Any, district: str, enrolled: date) -> Any:
    return cases.enrol_case(**enrolment(
        hukou_division=district, owning_district=district,
        residence_division=f"{district}100201", returned_on=date(2022, 1, 1),
        occurred_on=enrolled, caseworker_id=f"cw-{district}-01"))


@pytest.fixture
def history(app: Flask, accounts: dict) -> None:
    cases = app.extensions["homeward"].cases
    with recording_as("cw.zhang", Role.CASEWORKER, "req-test"):
        for enrolled, assessed in [(date(2024, 3, 1), date(2024, 3, 5)),  # A
                                   (date(2024, 3, 10), date(2024, 3, 30)),  # B
                                   (date(2024, 4, 1), None)]:  # C
            saved = a_case(cases, ZHANGDIAN, enrolled)
            if assessed is not None:
                cases.assess_needs(saved.case_id, saved.version, occurred_on=assessed,
                                   stage="IDEA", needs=["TRAINING"])
        for enrolled, closed in [(date(2024, 4, 5), date(2024, 4, 8)),  # D
                                 (date(2024, 1, 10), date(2024, 2, 1))]:  # H
            saved = a_case(cases, ZHANGDIAN, enrolled)
            cases.close_case(saved.case_id, saved.version, occurred_on=closed,
                             reason="OPTED_OUT")
        for registered, closed in [(date(2023, 3, 15), None), (date(2023, 2, 10),
                                   date(2023, 11, 20)), (date(2023, 6, 30), None)]:
            saved = a_case(cases, ZICHUAN, date(2023, 1, 5))
            saved = cases.register_business(
                saved.case_id, saved.version, occurred_on=registered,
                uscc=a_uscc("92", ZICHUAN), entity_type="INDIVIDUAL_BUSINESS", name="农家乐",
                first_time_founder=True, premises="RENTED")
            if closed is not None:
                cases.close_business(saved.case_id, saved.version, occurred_on=closed,
                                     business_ref=saved.ref, kind="DEREGISTERED",
                                     reason="经营不善")
    catch_up(app)


def cells(page: str, table: str, key: str, value: str) -> dict[str, str]:
    """The cells of one row of a table, by class, with their text squeezed."""
    body = re.search(rf'<table[^>]*id="{table}">(.*?)</table>', page, re.S)
    assert body, table
    row = re.search(rf'<tr data-{key}="{value}">(.*?)</tr>', body[1], re.S)
    assert row, (table, value)
    found = re.findall(r'<td[^>]*class="num ([\w-]+)">(.*?)</td>', row[1], re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for name, text in found}


def test_a_county_supervisor_sees_timeliness_and_survival_in_chinese_by_default(
    login_as: Any, history: None,
) -> None:
    page = login_as("supervisor").client.get(ASKED).get_data(as_text=True)

    assert cells(page, "report-rates", "rate", "timeliness") == {
        "month": "50.0% 1 / 2", "year": "25.0% 1 / 4", "to-date": "25.0% 1 / 4"}
    assert cells(page, "report-rates", "rate", "survival") == {
        "month": "— 0 / 0", "year": "— 0 / 0", "to-date": "— 0 / 0"}  # none in 张店
    assert "跟踪服务及时率与企业存活率" in page and "截至 2024-06-30" in page
    assert re.search(r"<dt>跟踪服务及时率</dt><dd>25.0%</dd>", page)
    assert 'data-kpi="business_anniversary"' not in page  # a rate, not a yearly figure


def test_a_city_supervisor_sees_each_county_and_the_sum_in_english(
    login_as: Any, history: None,
) -> None:
    page = login_as("city_supervisor").client.get(f"{ASKED}&lang=en").get_data(as_text=True)

    assert cells(page, "report-rates", "rate", "survival") == {
        "month": "100.0% 1 / 1", "year": "66.7% 2 / 3", "to-date": "66.7% 2 / 3"}
    assert cells(page, "report-by-district", "district", ZICHUAN)["survival"] == "66.7% 2 / 3"
    assert cells(page, "report-by-district", "district", ZHANGDIAN) == {
        "timeliness": "25.0% 1 / 4", "survival": "— 0 / 0"}
    assert "Follow-up timeliness and business survival" in page and "as of 2024-06-30" in page
    assert "<dt>12-month business survival</dt><dd>66.7%</dd>" in page
    assert "跟踪服务" not in page


def test_the_report_date_defaults_to_today_and_a_bad_one_is_refused(
    login_as: Any, history: None,
) -> None:
    client = login_as("supervisor").client

    today = client.get("/dashboard?month=2024-03").get_data(as_text=True)

    # By today every item of the script is decided: the same items as on 30 June.
    assert cells(today, "report-rates", "rate", "timeliness")["year"] == "25.0% 1 / 4"
    assert client.get("/dashboard?on=2024-02-30").status_code == 400


def test_the_indicators_download_holds_both_rates_with_their_parts(
    login_as: Any, history: None,
) -> None:
    client = login_as("city_supervisor").client

    page = client.get(ASKED).get_data(as_text=True)
    answer = client.get("/dashboard/download/indicators.csv?month=2024-03&on=2024-06-30")

    assert "/dashboard/download/indicators.csv?month=2024-03&amp;on=2024-06-30" in page
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["所属区划", "指标", "本月", "本年累计", "年度目标", "任务完成率",
                       "截至 2024-06-30 累计"]
    mine = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert mine[("全部", "企业12个月存活率")] == ["1.0", "0.6667", "", "", "0.6667"]
    assert mine[("全部", "满12个月的企业")] == ["1", "3", "", "", "3"]
    assert mine[(ZHANGDIAN, "跟踪服务及时率")] == ["0.5", "0.25", "", "", "0.25"]
    assert mine[(ZHANGDIAN, "应完成的跟踪服务事项")] == ["2", "4", "", "", "4"]
    assert mine[(ZHANGDIAN, "按时完成的跟踪服务事项")] == ["1", "1", "", "", "1"]
