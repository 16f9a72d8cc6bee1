"""Resource matching through the real app: the page in both languages, recording a match, the
indicator that counts it, every refusal, and the API."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.cases import Cases
from domain.recording import Role, recording_as
from domain.values import today
from tests.builders import enrolment
from tests.conftest import AuthActions, add_accounts
from tests.registries import a_mentor, an_incubator, register


def cases_of(app: Flask) -> Cases:
    return app.extensions["homeward"].cases


def settled(app: Flask) -> None:
    views = app.extensions["homeward"].views
    for name in views.views:
        views.catch_up(name)


def position(app: Flask) -> int:
    return int(cases_of(app).recorder.max_notification_id() or 0)


def a_story(app: Flask) -> dict[str, Any]:
    """A case of 张店区 preparing a business with four needs, and resources for it."""
    cases = cases_of(app)
    mentor = a_mentor(cases)  # 王建国, the city's, MARKETING and FINANCE_INFO, 电商
    far = a_mentor(cases, name="马兰", district="620702")  # another province: never matched
    incubator = an_incubator(cases)
    loan = register(cases, "FINANCING", name="创业担保贷款", financing_kind="GUARANTEED_LOAN",
                    bank="淄博农商银行", guarantor="FUND", district="370300",
                    loan_groups=["RETURNING_MIGRANT_WORKER"], effective_from=date(2024, 1, 1))
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(
            returned_on=date(2024, 1, 1), occurred_on=date(2024, 2, 1),
            caseworker_id="cw.zhang", intended_industry="农村电商"))
        saved = cases.assess_needs(saved.case_id, saved.version, occurred_on=date(2024, 2, 2),
                                   stage="PREPARING",
                                   needs=["MARKETING", "PREMISES", "FINANCE_INFO"])
    settled(app)
    return {"case_no": saved.case_no, "case_id": saved.case_id, "version": saved.version,
            "mentor": mentor, "far": far, "incubator": incubator, "loan": loan}


def page(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def form_of(html: str, key: str) -> dict[str, str]:
    """The hidden inputs and the outcome of the record form of the row of ``key``."""
    row = html[html.index(f'data-key="{key}"'):]
    row = row[:row.index("</form>")]
    found = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', row))
    found["outcome"] = re.search(r"<textarea[^>]*>([^<]*)</textarea>", row)[1]  # type: ignore[index]
    return found


def matchings(app: Flask, district: str = "370303") -> int:
    rows = app.extensions["homeward"].views["indicators"].summarise(
        "resource_matching", date_from=date(2000, 1, 1), date_to=today(),
        districts=(district,))
    return sum(row.measure("count") for row in rows)


# ------------------------------------------------------------------- both stores
def test_a_caseworker_records_a_match_and_the_indicator_counts_it_on_each_store(
    store_app: Flask,
) -> None:
    story = a_story(store_app)
    auth = AuthActions(store_app.test_client(), add_accounts(store_app))
    assert auth.login("caseworker").status_code == 302
    path = f"/cases/{story['case_no']}/matches"
    listing = page(auth.client.get(path))
    form = form_of(listing, story["mentor"])

    answer = auth.client.post(path, data=form)

    assert answer.status_code == 302 and answer.headers["Location"].endswith(path)
    events = list(cases_of(store_app).events.get(story["case_id"]))
    delivered = events[-1]
    assert (type(delivered).__name__, delivered.service, delivered.resource_kind,
            delivered.resource_ref, delivered.provider) == (
        "ServiceDelivered", "RESOURCE_MATCHING", "MENTOR", story["mentor"], "王建国")
    assert delivered.outcome == form["outcome"] and "专长对口需求" in delivered.outcome
    assert matchings(store_app) == 1
    again = page(auth.client.get(path))
    assert "资源对接已记录。" in again and "曾于" in again  # matched before, on that day
    entry = cases_of(store_app).find_entry("MENTOR", story["mentor"])
    timeline = page(auth.client.get(f"/cases/{story['case_no']}"))
    assert f'href="/registries/mentors/{entry.entry_id}"' in timeline


# ------------------------------------------------------------------------- pages
def test_the_page_ranks_each_registry_with_reasons_in_chinese(
    app: Flask, login_as: Any,
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")

    html = page(auth.client.get(f"/cases/{story['case_no']}/matches"))

    assert "匹配资源" in html and "匹配依据" in html and "现行政策规则" in html
    assert html.index('data-kind="MENTOR"') < html.index('data-kind="INCUBATOR"')
    assert story["mentor"] in html and story["far"] not in html
    assert "专长对口需求：" in html
    assert "熟悉意向行业（电商）" in html
    assert "服务对口需求：" in html and story["incubator"] in html
    assert "面向本人所属群体：" in html and "规则 CN@" in html and story["loan"] in html
    assert "本名录中暂无与本案件匹配的资源。" in html  # no policies, classes or providers
    assert "记录对接" in html


def test_the_page_speaks_english_on_request(app: Flask, login_as: Any) -> None:
    story = a_story(app)
    auth = login_as("caseworker")

    html = page(auth.client.get(f"/cases/{story['case_no']}/matches?lang=en"))

    assert "Match resources" in html and "Why it matches" in html
    assert "Knows the intended industry (电商)" in html
    assert "Specialties that answer the needs: Financing information, Marketing" in html \
        or "Specialties that answer the needs: " in html
    assert "Record this match" in html and "匹配资源" not in html


def test_the_case_page_links_the_matching_page(app: Flask, login_as: Any) -> None:
    story = a_story(app)
    auth = login_as("caseworker")

    html = page(auth.client.get(f"/cases/{story['case_no']}"))

    assert f'href="/cases/{story["case_no"]}/matches"' in html and "匹配资源" in html


def test_a_case_without_assessed_needs_is_told_to_assess_them(app: Flask,
                                                              login_as: Any) -> None:
    a_mentor(cases_of(app))
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases_of(app).enrol_case(**enrolment(caseworker_id="cw.zhang"))
    settled(app)
    auth = login_as("caseworker")

    html = page(auth.client.get(f"/cases/{saved.case_no}/matches"))

    assert "尚未进行需求评估" in html and "记录对接" not in html


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize(("change", "status", "field_text"), [
    ({"outcome": ""}, 422, "此项为必填。"),  # beside the row's outcome
    ({"kind": "SHOP"}, 422, "名录：请从列出的选项中选择。"),
    ({"key": "M370300-NOONE"}, 422, "资源名录条目：名录中没有此项。"),
    ({"occurred_on": "2999-01-01"}, 422, "发生日期：日期不能晚于今天。"),
])
def test_a_bad_match_names_its_field_and_saves_nothing(
    app: Flask, login_as: Any, change: dict[str, str], status: int, field_text: str,
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(auth.client.get(path)), story["mentor"])
    before = position(app)

    answer = auth.client.post(path, data={**form, **change})

    assert answer.status_code == status
    assert position(app) == before
    assert field_text in page(answer)


def test_an_entry_that_no_longer_matches_is_refused_beside_the_key(
    app: Flask, login_as: Any,
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(auth.client.get(path)), story["mentor"])
    before = position(app)

    answer = auth.client.post(path, data={**form, "key": story["far"]})

    assert answer.status_code == 422 and position(app) == before
    assert "该资源与本案件不（再）匹配。" in page(answer)


def test_a_stale_page_gets_a_conflict_and_the_current_list_to_record_again(
    app: Flask, login_as: Any,
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(auth.client.get(path)), story["mentor"])
    with recording_as("cw.wang", Role.CASEWORKER):
        cases_of(app).record_follow_up(story["case_id"], story["version"],
                                       occurred_on=date(2024, 3, 1), method="PHONE",
                                       reached=True, summary="电话回访")
    before = position(app)

    answer = auth.client.post(path, data=form)

    assert answer.status_code == 409 and position(app) == before
    html = page(answer)
    assert "资源对接未保存" in html and "cw.wang" in html
    assert form_of(html, story["mentor"])["expected_version"] == str(story["version"] + 1)
    assert form_of(html, story["mentor"])["outcome"] == form["outcome"]


def test_a_closed_case_offers_no_recording_and_refuses_one_with_409(
    app: Flask, login_as: Any,
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(auth.client.get(path)), story["mentor"])
    with recording_as("cw.zhang", Role.CASEWORKER):
        closed = cases_of(app).close_case(story["case_id"], story["version"],
                                          occurred_on=date(2024, 3, 1), reason="OPTED_OUT")
    before = position(app)

    answer = auth.client.post(path, data={**form, "expected_version": str(closed.version)})

    assert answer.status_code == 409 and position(app) == before
    assert "案件已结案，请先恢复跟踪。" in page(answer) and "记录对接" not in page(answer)


def test_only_writers_in_reach_record_and_readers_in_reach_see(
    app: Flask, login_as: Any,
) -> None:
    story = a_story(app)
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(login_as("caseworker").client.get(path)), story["mentor"])

    outsider = login_as("neighbour")  # 淄川区: the case is not in reach
    assert outsider.client.get(path).status_code == 404
    token = outsider.csrf_token("/cases")
    assert outsider.client.post(path, data={**form, "csrf_token": token}).status_code == 404
    investigator = login_as("investigator")
    seen = investigator.client.get(path)
    assert seen.status_code == 200 and "记录对接" not in page(seen)
    token = investigator.csrf_token("/cases")
    assert investigator.client.post(path, data={**form, "csrf_token": token}
                                    ).status_code == 403
    assert login_as("admin").client.get(path).status_code in (403, 404)


def test_a_post_without_a_csrf_token_is_refused(app: Flask, login_as: Any) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    path = f"/cases/{story['case_no']}/matches"
    form = form_of(page(auth.client.get(path)), story["mentor"])
    before = position(app)

    answer = auth.client.post(path, data={k: v for k, v in form.items() if k != "csrf_token"})

    assert answer.status_code == 400 and position(app) == before


# --------------------------------------------------------------------------- API
@pytest.fixture
def api(app: Flask) -> Any:
    accounts = add_accounts(app)
    client: FlaskClient = app.test_client()

    def as_(key: str) -> dict[str, str]:
        token = app.extensions["homeward"].accounts.issue_token(accounts[key].username)
        return {"Authorization": f"Bearer {token}"}

    return client, as_


def test_the_api_lists_matches_with_reasons_and_records_one(app: Flask, api: Any) -> None:
    story = a_story(app)
    client, as_ = api
    path = f"/api/v1/cases/{story['case_no']}/matches"

    listed = client.get(path, headers=as_("caseworker")).get_json()
    saved = client.post(path, headers=as_("caseworker"), json={
        "expected_version": listed["version"], "kind": "INCUBATOR", "key": story["incubator"],
        "outcome": "推荐入驻孵化基地", "occurred_on": today().isoformat()})

    assert [m["kind"] for m in listed["matches"]][:1] == ["MENTOR"]
    mentor = next(m for m in listed["matches"] if m["key"] == story["mentor"])
    assert mentor["reasons"][0]["code"] == "specialty"
    assert mentor["reasons"][0]["values"]["needs"] == ["FINANCE_INFO", "MARKETING"]
    assert saved.status_code == 201 and saved.get_json()["version"] == listed["version"] + 1
    assert cases_of(app).get_case(story["case_id"]).version == listed["version"] + 1


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "MENTOR", "outcome": "x"}, "key"),
    ({"kind": "MENTOR", "key": "M370300-NOONE", "outcome": "x"}, "key"),
    ({"kind": "MENTORS", "key": "x", "outcome": "x"}, "kind"),
    ({"kind": "MENTOR", "key": "x", "outcome": "x", "colour": "red"}, "colour"),
    ({"kind": "MENTOR", "key": "x", "outcome": "x", "expected_version": "2"},
     "expected_version"),
])
def test_the_api_names_the_bad_field_and_saves_nothing(app: Flask, api: Any,
                                                       body: dict[str, Any],
                                                       field: str) -> None:
    story = a_story(app)
    client, as_ = api
    before = position(app)

    answer = client.post(f"/api/v1/cases/{story['case_no']}/matches",
                         headers=as_("caseworker"),
                         json={"expected_version": story["version"],
                               "occurred_on": today().isoformat(), **body})

    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert position(app) == before


def test_the_api_answers_a_stale_version_with_409_and_strangers_with_404(
    app: Flask, api: Any,
) -> None:
    story = a_story(app)
    client, as_ = api
    path = f"/api/v1/cases/{story['case_no']}/matches"
    body = {"expected_version": story["version"] - 1, "kind": "MENTOR",
            "key": story["mentor"], "outcome": "x", "occurred_on": today().isoformat()}
    before = position(app)

    assert client.post(path, headers=as_("caseworker"), json=body).status_code == 409
    assert client.get(path, headers=as_("outsider")).status_code == 404
    assert client.post(path, headers=as_("outsider"), json=body).status_code == 404
    assert client.post(path, headers=as_("investigator"), json=body).status_code == 403
    assert position(app) == before


def test_the_openapi_document_describes_matching(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()

    operations = document["paths"]["/cases/{case_no}/matches"]
    assert set(operations) == {"get", "post"}
    assert "RecordMatchBody" in document["components"]["schemas"]


@pytest.mark.parametrize("on", ["2000-01-01", "someday"])
def test_the_api_names_a_bad_day_to_match_on(app: Flask, api: Any, on: str) -> None:
    story = a_story(app)
    client, as_ = api

    answer = client.get(f"/api/v1/cases/{story['case_no']}/matches", query_string={"on": on},
                        headers=as_("caseworker"))

    assert answer.status_code == 422 and "on" in answer.get_json()["errors"]


# ---------------------------------------------------------------------- demo data
def test_the_demo_data_holds_resource_matches_that_the_indicator_counts(app: Flask) -> None:
    answer = app.test_cli_runner().invoke(args=["demo", "load", "--cases", "40"])

    assert answer.exit_code == 0, answer.output
    found = re.search(r"Recorded (\d+) resource matches", answer.output)
    assert found and int(found[1]) > 0, answer.output
    settled(app)
    districts = ("370303", "370302", "320830", "320826", "370502", "620702")
    assert sum(matchings(app, d) for d in districts) == int(found[1])
