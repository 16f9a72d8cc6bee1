"""The supervisors' dashboard: figures equal the views', scope by district, charts, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from application.projections.indicators import areas
from domain.indicators import KPIS
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.demo import load_demo
from tests.builders import enrolment
from tests.conftest import AuthActions
from tests.e2e.pages.test_queue import catch_up

YEAR = today().year


@pytest.fixture
def demo(app: Flask, accounts: dict) -> None:
    """Demo cases of every seed city, this year's targets of 张店区, and a formula-like worker."""
    cases = app.extensions["homeward"].cases
    load_demo(cases, 40, seed=7)
    with recording_as("admin.zhao", Role.ADMIN, "req-test"):
        cases.set_target("370303", YEAR, "training_completions", 4)
        cases.set_target("370303", YEAR, "jobs", 30)
    with recording_as("cw.zhang", Role.CASEWORKER, "req-test"):
        cases.enrol_case(**enrolment(caseworker_id="=HYPERLINK(\"x\")", mobile=None,
                                     occurred_on=today() - timedelta(days=60)))
    catch_up(app)


def year_figure(app: Flask, kpi: str, district: str) -> int:
    rows = app.extensions["homeward"].views["indicators"].summarise(
        kpi, date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), districts=areas(district))
    return sum(row.measure(KPIS[kpi]) for row in rows)


def cell(page: str, kpi: str, column: str) -> str:
    row = re.search(rf'<tr data-kpi="{kpi}">(.*?)</tr>', page, re.S)
    assert row, kpi
    found = re.search(rf'class="num {column}">([^<]*)<', row[1])
    assert found, column
    return found[1].strip()


def sign_in_as_new(app: Flask, client: Any, username: str, role: str, district: str) -> None:
    found = app.extensions["homeward"].accounts.add(
        username=username, password="correct-horse-1", role=role, district=district)
    AuthActions(client, {"x": found}).login("x", password="correct-horse-1")


def test_the_dashboard_shows_the_views_figures_and_the_targets(
    app: Flask, login_as: Any, demo: None,
) -> None:
    page = login_as("supervisor").client.get("/dashboard").get_data(as_text=True)

    for kpi in ("training_completions", "supported_start", "jobs"):
        assert cell(page, kpi, "year") == f"{year_figure(app, kpi, '370303'):,}"
    assert cell(page, "training_completions", "target") == "4"
    done = year_figure(app, "training_completions", "370303") / 4
    assert cell(page, "training_completions", "completion") == f"{done * 100:.1f}%"
    assert "任务完成率" in page and "创业培训人次" in page


def test_the_charts_read_a_json_block_and_echarts_is_served_by_the_app(
    app: Flask, login_as: Any, demo: None,
) -> None:
    client = login_as("city_supervisor").client

    page = client.get(f"/dashboard?month={YEAR}-01").get_data(as_text=True)
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S)[1])
    scripts = re.findall(r"<script([^>]*)>", page)

    assert all("src=" in s or 'type="application/json"' in s for s in scripts)  # CSP: no inline
    for asset in ("vendor/echarts/echarts.min.js", "js/dashboard.js"):
        with client.get(f"/static/{asset}") as served:
            assert served.status_code == 200
    assert data["months"][0] == f"{YEAR}-01" and len(data["districts"]) == len(areas("370300"))
    assert sum(data["byMonth"][0]["data"]) == year_figure(app, "training_completions", "370300")


def test_a_city_supervisor_narrows_to_one_county(app: Flask, login_as: Any, demo: None) -> None:
    page = login_as("city_supervisor").client.get("/dashboard?district=370302").get_data(
        as_text=True)

    assert cell(page, "jobs", "year") == f"{year_figure(app, 'jobs', '370302'):,}"


def test_a_county_supervisor_may_not_look_at_a_neighbouring_county(login_as: Any) -> None:
    assert login_as("supervisor").client.get("/dashboard?district=370302").status_code == 403


def test_a_supervisor_of_another_city_sees_none_of_this_citys_figures(
    app: Flask, client: Any, accounts: dict, demo: None,
) -> None:
    sign_in_as_new(app, client, "sup.zhangye", "supervisor", "620700")

    page = client.get("/dashboard").get_data(as_text=True)

    assert "370303" not in page and "张店区" not in page
    assert cell(page, "jobs", "year") == f"{year_figure(app, 'jobs', '620700'):,}"
    assert client.get("/dashboard?district=370303").status_code == 403
    assert client.get("/dashboard/download/indicators.csv?district=370300").status_code == 403


@pytest.mark.parametrize("key", ["caseworker", "admin"])
def test_caseworkers_and_admins_have_no_dashboard(login_as: Any, key: str) -> None:
    client = login_as(key).client

    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/data-quality").status_code == 403
    assert client.get("/dashboard/download/overdue.csv").status_code == 403


def test_an_investigator_reads_every_district(app: Flask, login_as: Any, demo: None) -> None:
    page = login_as("investigator").client.get("/dashboard").get_data(as_text=True)

    every = app.extensions["homeward"].views["indicators"].summarise(
        "jobs", date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))
    assert cell(page, "jobs", "year") == f"{sum(r.total for r in every):,}"
    assert "<form method=\"post\"" not in page.split("<main>")[1]


def test_overdue_work_by_caseworker_is_listed(login_as: Any, demo: None) -> None:
    page = login_as("supervisor").client.get("/dashboard").get_data(as_text=True)

    assert 'id="overdue"' in page and "=HYPERLINK" in page


def test_the_data_quality_list_names_a_case_without_a_phone(login_as: Any, demo: None) -> None:
    page = login_as("supervisor").client.get("/dashboard/data-quality").get_data(as_text=True)

    assert 'data-kind="MISSING_PHONE"' in page and "缺少手机号码" in page


def test_the_indicators_download_as_csv_parses_back_to_the_page_figures(
    app: Flask, login_as: Any, demo: None,
) -> None:
    answer = login_as("supervisor").client.get("/dashboard/download/indicators.csv")

    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert rows[0][:3] == ["所属区划", "指标", "本月"]
    jobs = next(r for r in rows if r[0] == "全部" and r[1] == "带动就业人数")
    assert float(jobs[3]) == year_figure(app, "jobs", "370303")


def test_a_formula_in_a_download_is_neutralised_in_csv_and_xlsx(login_as: Any,
                                                                demo: None) -> None:
    client = login_as("supervisor").client

    text = client.get("/dashboard/download/overdue.csv").get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get("/dashboard/download/overdue.xlsx").data))
    values = [c.value for row in book.active.iter_rows() for c in row]

    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    assert "'=HYPERLINK(\"x\")" in values
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def test_the_data_quality_download_holds_no_phone_or_id_number(login_as: Any,
                                                              demo: None) -> None:
    answer = login_as("supervisor").client.get("/dashboard/download/data-quality.xlsx")

    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["案件", "所属区划", "经办人", "问题", "详情"]
    assert any(r[3] == "缺少手机号码" for r in rows[1:])
    # A whole ID number or phone number, not digits inside a longer number (a case
    # number such as T-146740086910 holds 14674008691).
    personal = re.compile(r"(?<!\d)(\d{17}[\dX]|1[3-9]\d{9})(?!\d)")
    assert not any(personal.search(str(v)) for r in rows for v in r)


def test_an_unknown_download_is_not_found(login_as: Any) -> None:
    assert login_as("supervisor").client.get("/dashboard/download/cases.csv").status_code == 404


def test_a_month_that_is_no_month_is_refused(login_as: Any) -> None:
    assert login_as("supervisor").client.get("/dashboard?month=March").status_code == 400
