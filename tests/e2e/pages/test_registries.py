"""Registry pages and API through the real app: search, add, change, revoke, pick, mentor load."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.cases import Cases
from domain.divisions import divisions
from domain.recording import Role, recording_as
from tests.builders import CLASS_NO, PROVIDER_USCC, a_uscc, enrolment
from tests.conftest import AuthActions
from tests.registries import a_class, a_mentor, a_provider, an_incubator, register

MENTOR_FORM = {"name": "李秀英", "level": "COUNTY", "district": "370303",
               "specialties": ["MARKETING", "RECRUITMENT"], "industries": "电商\n餐饮",
               "capacity": "3", "organisation": "张店区电商协会"}


def cases_of(app: Flask) -> Cases:
    return app.extensions["homeward"].cases


def position(app: Flask) -> int:
    return int(cases_of(app).recorder.max_notification_id() or 0)


def settled(app: Flask) -> None:
    """Entries registered straight through ``Cases`` reach the views the pages read."""
    views = app.extensions["homeward"].views
    for name in views.views:
        views.catch_up(name)


def page(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def post(auth: AuthActions, path: str, form: dict[str, Any], page_path: str | None = None
         ) -> Any:
    token = auth.csrf_token(page_path or path)
    return auth.client.post(path, data={**form, "csrf_token": token})


def entry_path(app: Flask, slug: str, kind: str, key: str) -> str:
    return f"/registries/{slug}/{cases_of(app).find_entry(kind, key).entry_id}"


def a_case(app: Flask) -> tuple[str, Any]:
    cases = cases_of(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(returned_on=date(2014, 1, 1),
                                             occurred_on=date(2014, 2, 1),
                                             caseworker_id="cw.zhang"))
    return saved.case_no, saved


# --------------------------------------------------------------------- lists
def test_a_caseworker_finds_mentors_by_name_and_specialty_in_chinese(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    a_mentor(cases)
    a_mentor(cases, name="赵敏", specialties=["PREMISES"])
    settled(app)
    auth = login_as("caseworker")

    by_name = page(auth.client.get("/registries/mentors?q=王建"))
    by_specialty = page(auth.client.get("/registries/mentors?tag=PREMISES"))

    assert "王建国" in by_name and "赵敏" not in by_name
    assert "共找到 1 条。" in by_name
    assert "赵敏" in by_specialty and "王建国" not in by_specialty
    assert "资源名录" in by_name


def test_a_county_lists_its_own_entries_and_those_of_its_city(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    a_mentor(cases)  # registered by the city, 370300
    a_mentor(cases, name="赵敏", district="370303")
    a_mentor(cases, name="孙丽", district="370302")
    settled(app)
    auth = login_as("caseworker")

    county = page(auth.client.get("/registries/mentors?district=370303"))
    city = page(auth.client.get("/registries/mentors?district=370300"))

    assert "王建国" in county and "赵敏" in county and "孙丽" not in county
    assert all(name in city for name in ("王建国", "赵敏", "孙丽"))


def test_the_registries_are_in_english_on_request(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    a_provider(cases_of(app))
    settled(app)
    auth = login_as("caseworker")

    answer = page(auth.client.get("/registries/providers?lang=en"))

    assert "Training providers" in answer and "1 entries found." in answer
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"淄博市[^<]*|鲁培备[^<]*|山东省[^<]*", "",
                                                     answer.split("<main>")[1].split(
                                                         "<table")[0]))


def test_a_bad_filter_is_422_beside_its_field(app: Flask, login_as: Callable[[str], Any]
                                             ) -> None:
    settled(app)
    auth = login_as("caseworker")

    answer = auth.client.get("/registries/mentors?status=SLEEPING")

    assert answer.status_code == 422
    assert 'id="status-error"' in page(answer)


def test_an_administrator_does_not_read_the_registries(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    settled(app)
    auth = login_as("admin")

    assert auth.client.get("/registries/mentors").status_code == 403


# --------------------------------------------------------------- add, change
def test_a_supervisor_adds_a_mentor_and_the_history_names_who(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    settled(app)
    auth = login_as("supervisor")

    answer = post(auth, "/registries/mentors/new", MENTOR_FORM)

    assert answer.status_code == 302, page(answer)
    shown = page(auth.client.get(answer.headers["Location"]))
    assert "李秀英" in shown and "电商、餐饮" in shown
    assert re.search(r"登记</td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>sup\.li · 科长", shown)


def test_a_bad_field_stands_beside_it_and_nothing_is_saved(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    settled(app)
    auth = login_as("supervisor")
    before = position(app)

    answer = post(auth, "/registries/mentors/new", {**MENTOR_FORM, "capacity": "0"})

    assert answer.status_code == 422
    assert re.search(r'id="capacity-error"[^>]*>不得小于 1。<', page(answer)), page(answer)
    assert position(app) == before


def test_a_county_supervisor_cannot_register_in_another_county(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    settled(app)
    auth = login_as("supervisor")
    before = position(app)

    answer = post(auth, "/registries/mentors/new", {**MENTOR_FORM, "district": "370302"})

    assert answer.status_code == 422
    assert 'id="district-error"' in page(answer)
    assert position(app) == before


def test_a_caseworker_may_not_add_or_change_entries(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    key = a_mentor(cases_of(app), district="370303")
    settled(app)
    auth = login_as("caseworker")
    before = position(app)

    assert auth.client.get("/registries/mentors/new").status_code == 403
    assert post(auth, "/registries/mentors/new", MENTOR_FORM, "/me").status_code == 403
    path = entry_path(app, "mentors", "MENTOR", key)
    assert auth.client.get(f"{path}/edit").status_code == 403
    assert position(app) == before


def test_a_change_keeps_the_key_records_the_reason_and_clears_an_emptied_field(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    key = a_mentor(cases_of(app), district="370303", organisation="淄博市创业指导中心")
    path = entry_path(app, "mentors", "MENTOR", key)
    settled(app)
    auth = login_as("supervisor")
    form = {**MENTOR_FORM, "name": "王建国", "level": "CITY", "capacity": "6",
            "organisation": "", "reason": "扩大结对", "expected_version": "1"}

    answer = post(auth, f"{path}/edit", form)

    entry = cases_of(app).find_entry("MENTOR", key)
    assert answer.status_code == 302, page(answer)
    assert (entry.values["capacity"], entry.values["organisation"]) == (6, None)
    assert "扩大结对" in page(auth.client.get(path))


def test_a_change_on_a_stale_version_is_a_conflict(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    key = a_mentor(cases_of(app), district="370303")
    path = entry_path(app, "mentors", "MENTOR", key)
    settled(app)
    auth = login_as("supervisor")
    post(auth, f"{path}/edit", {**MENTOR_FORM, "expected_version": "1"})
    before = position(app)

    answer = post(auth, f"{path}/edit", {**MENTOR_FORM, "capacity": "9",
                                         "expected_version": "1"})

    assert answer.status_code == 409
    assert "已被他人修改" in page(answer)
    assert position(app) == before


# ------------------------------------------------------------ provider filing
def test_revoking_a_filing_needs_a_reason(app: Flask, login_as: Callable[[str], Any]) -> None:
    a_provider(cases_of(app), district="370303")
    path = entry_path(app, "providers", "PROVIDER", PROVIDER_USCC)
    settled(app)
    auth = login_as("supervisor")
    before = position(app)

    answer = post(auth, f"{path}/revoke".replace("/providers/", "/providers/"),
                  {"reason": "", "expected_version": "1"}, path)

    assert answer.status_code == 422
    assert re.search(r'id="reason-error"[^>]*>此项为必填。<', page(answer)), page(answer)
    assert position(app) == before


def test_a_revoked_provider_is_refused_beside_the_field_and_nothing_is_saved(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    a_provider(cases, district="370303")
    path = entry_path(app, "providers", "PROVIDER", PROVIDER_USCC)
    case_no, _ = a_case(app)
    settled(app)
    auth = login_as("supervisor")
    revoked = post(auth, f"{path}/revoke", {"reason": "培训记录造假", "expected_version": "1"},
                   path)
    settled(app)
    auth = login_as("caseworker")
    before = position(app)
    form_path = f"/cases/{case_no}/enrol-in-training"

    offered = page(auth.client.get(form_path))
    answer = post(auth, form_path, {
        "occurred_on": "2015-03-01", "course": "SYB", "provider_uscc": PROVIDER_USCC,
        "start_on": "2015-03-05", "planned_hours": "80", "expected_version": "1"})

    assert revoked.status_code == 302
    assert f'value="{PROVIDER_USCC}"' not in offered
    assert answer.status_code == 422
    assert re.search(r'id="provider_uscc-error"[^>]*>该培训机构已于 [^<]* 被撤销备案，不能选择。<',
                     page(answer)), page(answer)
    assert position(app) == before
    assert "已撤销备案" in page(auth.client.get(path))


def test_a_training_form_picks_a_class_that_fills_in_the_rest(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    a_provider(cases)
    a_class(cases)
    case_no, _ = a_case(app)
    settled(app)
    auth = login_as("caseworker")
    form_path = f"/cases/{case_no}/enrol-in-training"

    offered = page(auth.client.get(form_path))
    answer = post(auth, form_path, {"occurred_on": "2015-03-01",
                                    "class_approval_no": CLASS_NO, "subsidised": "y",
                                    "expected_version": "1"})

    assert f'<option value="{CLASS_NO}"' in offered
    assert answer.status_code == 302, page(answer)
    training = cases.get_case(cases.find_case_id(case_no)).trainings[0]
    assert (training.provider_uscc, training.planned_hours) == (PROVIDER_USCC, 80)
    roster = page(auth.client.get(entry_path(app, "classes", "TRAINING_CLASS", CLASS_NO)))
    assert case_no in roster


def test_an_unknown_mentor_is_refused_beside_the_field(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    case_no, _ = a_case(app)
    settled(app)
    auth = login_as("caseworker")
    before = position(app)

    answer = post(auth, f"/cases/{case_no}/assign-mentor", {
        "occurred_on": "2015-03-01", "mentor_id": "M370303-NOONE", "expected_version": "1"})

    assert answer.status_code == 422
    assert re.search(r'id="mentor_id-error"[^>]*>名录中没有此项。<', page(answer))
    assert position(app) == before


def a_full_mentor(app: Flask) -> str:
    """A mentor with one place, taken by another case."""
    cases = cases_of(app)
    mentor = a_mentor(cases, capacity=1)
    _, other = a_case(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        cases.assign_mentor(other.case_id, 1, occurred_on=date(2015, 3, 1), mentor_id=mentor)
    return mentor


def test_a_mentor_without_a_place_free_is_refused_beside_the_field(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    mentor = a_full_mentor(app)
    case_no, _ = a_case(app)
    settled(app)
    auth = login_as("caseworker")
    before = position(app)
    form = {"occurred_on": "2015-03-01", "mentor_id": mentor, "expected_version": "1"}

    answer = post(auth, f"/cases/{case_no}/assign-mentor", form)
    english = post(auth, f"/cases/{case_no}/assign-mentor?lang=en", form)

    assert answer.status_code == english.status_code == 422
    assert re.search(r'id="mentor_id-error"[^>]*>该导师的结对名额已满：1 个名额均已占用。<',
                     page(answer))
    assert re.search(r'id="mentor_id-error"[^>]*>This mentor has no place free: all 1 places '
                     r'are taken.<', page(english))
    assert position(app) == before


def test_the_api_refuses_a_mentor_without_a_place_free_with_the_field_named(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]],
) -> None:
    mentor = a_full_mentor(app)
    case_no, _ = a_case(app)
    before = position(app)

    answer = client.post(f"/api/v1/cases/{case_no}/assign-mentor", headers=tokens["caseworker"],
                         json={"expected_version": 1, "occurred_on": "2015-03-01",
                               "mentor_id": mentor})

    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["mentor_id"]
    assert position(app) == before


# ---------------------------------------------------------------- mentor load
def test_mentor_load_shows_mentees_by_group_sessions_and_overdue(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    mentor = a_mentor(cases, capacity=2)
    case_no, saved = a_case(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        paired = cases.assign_mentor(saved.case_id, 1, occurred_on=date(2015, 3, 1),
                                     mentor_id=mentor, group_ref="电商一组")
    other_no, other = a_case(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        cases.assign_mentor(other.case_id, 1, occurred_on=date(2015, 3, 1), mentor_id=mentor)
    with recording_as("sup.li", Role.SUPERVISOR):  # fewer places than mentees: flagged
        cases.change_entry(cases.find_entry("MENTOR", mentor).entry_id, 1, capacity=1)
    settled(app)
    auth = login_as("supervisor")

    shown = page(auth.client.get("/registries/mentor-load"))

    assert paired.ref
    assert "已带 2 人 / 可带 1 人" in shown
    assert "电商一组" in shown and "未分组" in shown
    assert case_no in shown and other_no in shown
    assert "今年已辅导 0 次 / 目标 20 次" in shown
    assert "2 次辅导逾期" in shown


# ------------------------------------------------------------------------ API
@pytest.fixture
def tokens(app: Flask, accounts: dict[str, Any]) -> dict[str, dict[str, str]]:
    service = app.extensions["homeward"].accounts
    return {key: {"Authorization": f"Bearer {service.issue_token(account.username)}"}
            for key, account in accounts.items()}


def test_the_api_adds_searches_changes_and_revokes(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]],
) -> None:
    boss = tokens["supervisor"]

    added = client.post("/api/v1/registries/providers", headers=boss, json={
        "uscc": PROVIDER_USCC, "name": "张店区创业培训学校", "district": "370303",
        "courses": ["SYB"]})
    entry_id = added.get_json()["entry_id"]
    found = client.get("/api/v1/registries/providers?q=张店", headers=tokens["caseworker"])
    revoked = client.post(f"/api/v1/registries/providers/{entry_id}/revoke-filing",
                          headers=boss, json={"expected_version": 1, "reason": "培训记录造假"})
    shown = client.get(f"/api/v1/registries/providers/{entry_id}", headers=boss).get_json()

    assert added.status_code == 201, added.get_json()
    assert [e["key"] for e in found.get_json()["entries"]] == [PROVIDER_USCC]
    assert revoked.status_code == 200
    assert shown["status"] == "REVOKED"
    assert [h["event"] for h in shown["history"]] == ["Registered", "FilingRevoked"]
    assert shown["history"][1]["actor"] == "sup.li"


def test_the_api_refuses_a_revoked_provider_with_the_field_named(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]],
) -> None:
    cases = cases_of(app)
    a_provider(cases)
    with recording_as("sup.zibo", Role.SUPERVISOR):
        cases.revoke_filing(cases.find_entry("PROVIDER", PROVIDER_USCC).entry_id, 1,
                            reason="培训记录造假")
    case_no, _ = a_case(app)
    before = position(app)

    answer = client.post(f"/api/v1/cases/{case_no}/enrol-in-training",
                         headers=tokens["caseworker"], json={
                             "expected_version": 1, "occurred_on": "2015-03-01",
                             "course": "SYB", "provider_uscc": PROVIDER_USCC,
                             "start_on": "2015-03-05", "planned_hours": 80,
                             "subsidised": False})

    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["provider_uscc"]
    assert position(app) == before


def test_the_api_refuses_writes_by_a_caseworker_and_unknown_fields(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]],
) -> None:
    body = {"name": "赵敏", "level": "CITY", "district": "370303",
            "specialties": ["PREMISES"], "capacity": 3}

    by_caseworker = client.post("/api/v1/registries/mentors", headers=tokens["caseworker"],
                                json=body)
    unknown = client.post("/api/v1/registries/mentors", headers=tokens["supervisor"],
                          json={**body, "phone": "13800000000"})

    assert by_caseworker.status_code == 403
    assert unknown.status_code == 422 and "phone" in unknown.get_json()["errors"]


def test_the_openapi_document_lists_the_registry_operations(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "/registries/{registry}" in paths
    assert "post" in paths["/registries/providers/{entry_id}/revoke-filing"]
    assert "/mentor-load" in paths


def test_an_incubator_entry_counts_its_businesses(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    cases = cases_of(app)
    incubator = an_incubator(cases, capacity=2)
    case_no, saved = a_case(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        cases.register_business(saved.case_id, 1, occurred_on=date(2015, 6, 1),
                                uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
                                name="张三电商服务部", first_time_founder=True,
                                premises="INCUBATOR", incubator_id=incubator)
    settled(app)
    auth = login_as("caseworker")

    shown = page(auth.client.get(entry_path(app, "incubators", "INCUBATOR", incubator)))

    assert "已入驻 1 户 / 共 2 个名额。" in shown
    assert "张三电商服务部" in shown and case_no in shown


def test_a_policy_shows_its_numbers_from_the_rule_set(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    key = register(cases_of(app), "POLICY", title="创业担保贷款额度提高",
                   document_no="财金〔2023〕75号", issuer="财政部", topics=["LOAN"],
                   district="370000", effective_from=date(2023, 10, 1),
                   summary="个人最高30万元", rule_set="CN@4",
                   rule_paths=["loan.individual_cap_fen"])
    settled(app)
    auth = login_as("caseworker")

    shown = page(auth.client.get(entry_path(app, "policies", "POLICY", key)))

    assert "规则集 CN@4 中的数值" in shown
    assert re.search(r"loan\.individual_cap_fen</code></dt><dd>30000000<", shown)


# ------------------------------------------------------------ both languages
def _latin_registries(app: Flask) -> None:
    """One entry of each registry, and a case that uses them, all typed in Latin letters."""
    cases = cases_of(app)
    a_provider(cases, name="Zibo Training School", filing_no="LPB-2015-3")
    a_class(cases, venue="Zhangdian Centre")
    mentor = a_mentor(cases, name="Wang Jianguo", industries=["e-commerce"],
                      organisation="Zibo Mentors")
    incubator = an_incubator(cases, name="Zhangdian Incubator", address="1 Huaguang Road")
    register(cases, "FINANCING", name="Start-up loan", financing_kind="GUARANTEED_LOAN",
             bank="Rural Bank", guarantor="FUND", max_amount=30_000_000, district="370300",
             effective_from=date(2023, 10, 1), loan_groups=["GRADUATE"])
    register(cases, "POLICY", title="Loan caps", issuer="Ministry of Finance",
             topics=["LOAN"], district="370000", effective_from=date(2023, 10, 1),
             summary="Up to 300000 yuan", rule_set="CN@4",
             rule_paths=["loan.individual_cap_fen"])
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**enrolment(name="Li Ming", returned_on=date(2014, 1, 1),
                                             occurred_on=date(2014, 2, 1),
                                             caseworker_id="cw.zhang"))
        trained = cases.enrol_in_training(saved.case_id, 1, occurred_on=date(2015, 3, 1),
                                          class_approval_no=CLASS_NO)
        paired = cases.assign_mentor(saved.case_id, trained.version,
                                     occurred_on=date(2015, 3, 1), mentor_id=mentor,
                                     group_ref="Group A")
        cases.register_business(saved.case_id, paired.version, occurred_on=date(2015, 6, 1),
                                uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
                                name="Li Noodles", first_time_founder=True,
                                premises="INCUBATOR", incubator_id=incubator)
    settled(app)


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_every_registry_page_is_whole_in_both_languages(
    app: Flask, login_as: Callable[[str], Any], english: bool,
) -> None:
    from tests.e2e.pages.test_every_page import CJK, Page

    _latin_registries(app)
    auth = login_as("city_supervisor")
    if english:
        auth.client.set_cookie("lang", "en")
    # Division names are proper names, shown as the list has them in either language.
    places = sorted({d.name for d in [divisions().get("370000"), divisions().get("370300"),
                                      *divisions().counties_of("370000")] if d},
                    key=len, reverse=True)
    seen: dict[str, int] = {}
    queue = ["/registries"]
    while queue and len(seen) < 80:
        path = queue.pop(0)
        answer = auth.client.get(path)
        seen[path] = answer.status_code
        shown = Page()
        shown.feed(page(answer))
        if english:
            text = " ".join(shown.text)
            for place in places:
                text = text.replace(place, "")
            assert not CJK.findall(text), f"{path}: {sorted(set(CJK.findall(text)))}"
        for link in shown.links:
            if link.startswith("/registries") and link not in seen and link not in queue:
                queue.append(link)

    assert all(status == 200 for status in seen.values()), seen
    assert sum("/edit" in path for path in seen) == 5  # not the province's policy
    assert sum(path.endswith("/new") for path in seen) == 6
    assert any(path.startswith("/registries/mentor-load") for path in seen)
