"""The cases area through the Flask client: list, enrolment, case page, reveal, history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from application.cases import Saved
from application.projections.audit_log import AuditQuery
from domain.recording import Role, recording_as
from domain.values import BUREAU_TZ
from tests.builders import an_id_number, days_ago, enrolment
from tests.conftest import AuthActions, add_accounts

# 张店区 (370303) is the caseworker's county; 淄川区 (370302) its neighbour in 淄博市.
ZHANGDIAN, ZICHUAN = "370303", "370302"


def services(app: Flask) -> Any:
    return app.extensions["homeward"]


def catch_up(app: Flask) -> None:
    views = services(app).views
    for name in views.views:
        views.catch_up(name)


def enrol(app: Flask, caseworker: str = "cw.zhang", district: str = ZHANGDIAN,
          **overrides: Any) -> Saved:
    """A case enrolled directly on the application, with the views caught up."""
    fields = enrolment(**{"caseworker_id": caseworker, "owning_district": district,
                          "hukou_division": district, "residence_division": f"{district}100201",
                          "id_number": an_id_number(district), **overrides})
    with recording_as(caseworker, Role.CASEWORKER):
        saved = services(app).cases.enrol_case(**fields)
    catch_up(app)
    return saved


def form_of(**overrides: Any) -> dict[str, Any]:
    """What a caseworker types into the enrolment form."""
    fields = {k: v for k, v in enrolment().items() if k not in ("case_no", "caseworker_id")}
    fields.update(overrides)
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()}


def post_enrolment(auth: AuthActions, **overrides: Any) -> Any:
    data = {**form_of(**overrides), "csrf_token": auth.csrf_token("/cases/new")}
    return auth.client.post("/cases/new", data=data)


def audit_rows(app: Flask, case_id: Any) -> list[Any]:
    services(app).views.catch_up("audit_log")
    return list(services(app).views["audit_log"].list_entries(AuditQuery(case_id=case_id)))


def head(app: Flask) -> int:
    return services(app).cases.recorder.max_notification_id() or 0


def text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def form_url(app: Flask, case_no: str, command: str) -> str:
    with app.test_request_context():
        return str(url_for("commands.form", case_no=case_no, command=command))


@pytest.fixture
def commands_form(app: Flask) -> Iterator[None]:
    """A stand-in for the command forms when they are not served (yet)."""
    if "commands.form" not in app.view_functions:
        app.add_url_rule("/cases/<case_no>/commands/<command>", "commands.form",
                         lambda case_no, command: "")
    yield


# ------------------------------------------------------------------------- case list
def test_a_caseworker_lists_the_cases_of_their_county_only(
        app: Flask, login_as: Any) -> None:
    mine, theirs = enrol(app, name="李小明"), enrol(app, "cw.zichuan", ZICHUAN, name="王大力")
    auth = login_as("caseworker")

    page = text(auth.client.get("/cases"))

    assert mine.case_no in page and theirs.case_no not in page
    assert f'href="/cases/{mine.case_no}"' in page
    assert "共 1 个案例" in page or "1" in page


def test_a_city_supervisor_lists_every_county_of_the_city_and_nothing_beyond(
        app: Flask, login_as: Any) -> None:
    a, b = enrol(app), enrol(app, "cw.zichuan", ZICHUAN)
    far = enrol(app, "cw.ganzhou", "620702")

    page = text(login_as("city_supervisor").client.get("/cases"))

    assert a.case_no in page and b.case_no in page and far.case_no not in page


def test_an_investigator_lists_every_case(app: Flask, login_as: Any) -> None:
    a, far = enrol(app), enrol(app, "cw.ganzhou", "620702")

    page = text(login_as("investigator").client.get("/cases"))

    assert a.case_no in page and far.case_no in page


def test_the_list_searches_by_name_case_number_and_id_number_and_masks_personal_data(
        app: Flask, login_as: Any) -> None:
    number = an_id_number(ZHANGDIAN)
    wanted = enrol(app, name="欧阳娜娜", id_number=number, mobile="13812345678")
    other = enrol(app, name="张伟")
    auth = login_as("caseworker")
    client = auth.client

    by_name = text(client.get("/cases", query_string={"q": "欧阳"}))
    by_number = text(client.get("/cases", query_string={"q": wanted.case_no.lower()}))
    found = client.post("/cases", data={"id_number": number.lower(),
                                        "csrf_token": auth.csrf_token("/cases")})
    assert found.status_code == 302 and number not in found.headers["Location"]
    by_id = text(client.get(found.headers["Location"]))

    for page in (by_name, by_number, by_id):
        assert wanted.case_no in page and other.case_no not in page
    assert number not in by_id and "13812345678" not in by_id
    assert "138****5678" in by_id


def test_the_list_filters_sorts_and_pages(app: Flask, login_as: Any) -> None:
    saved = [enrol(app) for _ in range(22)]
    client = login_as("caseworker").client

    first = text(client.get("/cases", query_string={"sort": "case_no", "order": "asc"}))
    second = text(client.get("/cases", query_string={"sort": "case_no", "order": "asc",
                                                     "page": 2}))
    closed = text(client.get("/cases", query_string={"status": "CLOSED"}))

    numbers = sorted(s.case_no for s in saved)
    assert numbers[0] in first and numbers[-1] not in first
    assert numbers[-1] in second and numbers[0] not in second
    assert "rel=\"next\"" in first
    assert not any(n in closed for n in numbers)


def test_a_bad_filter_is_refused_beside_its_field_in_chinese(app: Flask, login_as: Any) -> None:
    answer = login_as("caseworker").client.get("/cases", query_string={"status": "LOST"})

    assert answer.status_code == 422
    assert re.search(r'id="status-error"[^>]*>请从列出的选项中选择', text(answer))


def test_the_list_is_for_readers_only(app: Flask, login_as: Any, client: FlaskClient,
                                      accounts: dict) -> None:
    assert client.get("/cases").status_code == 302  # to sign in
    assert login_as("admin").client.get("/cases").status_code == 403


# ------------------------------------------------------------------------- enrolment
def test_a_caseworker_enrols_a_case_that_is_theirs_and_in_the_list(
        app: Flask, login_as: Any) -> None:
    auth = login_as("caseworker")
    assert auth.client.get("/cases/new").status_code == 200

    answer = post_enrolment(auth, name="赵小红")

    assert answer.status_code == 302
    case_no = answer.headers["Location"].rsplit("/", 1)[-1]
    state = services(app).cases.get_case(services(app).cases.find_case_id(case_no))
    assert (state.caseworker_id, state.owning_district, state.name) == (
        "cw.zhang", ZHANGDIAN, "赵小红")
    assert case_no in text(auth.client.get("/cases"))


def test_a_bad_id_check_character_is_shown_beside_the_field_in_chinese_and_nothing_is_saved(
        app: Flask, login_as: Any) -> None:
    auth = login_as("caseworker")
    good = an_id_number(ZHANGDIAN)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = head(app)

    answer = post_enrolment(auth, name="钱多多", id_number=bad)

    page = text(answer)
    assert answer.status_code == 422
    assert re.search(r'id="id_number-error"[^>]*>校验位错误', page)
    assert 'value="钱多多"' in page and f'value="{bad}"' in page  # what was typed is kept
    assert head(app) == before


def test_a_missing_field_is_refused_in_chinese_and_nothing_is_saved(
        app: Flask, login_as: Any) -> None:
    auth = login_as("caseworker")
    before = head(app)

    answer = post_enrolment(auth, returned_on="")

    assert answer.status_code == 422
    assert re.search(r'id="returned_on-error"[^>]*>此项为必填', text(answer))
    assert head(app) == before


def test_an_id_number_held_by_an_open_case_is_refused_with_a_link_to_it(
        app: Flask, login_as: Any) -> None:
    number = an_id_number(ZHANGDIAN)
    existing = enrol(app, id_number=number)
    auth = login_as("caseworker")
    before = head(app)

    answer = post_enrolment(auth, id_number=number, mobile="13900000001")

    page = text(answer)
    assert answer.status_code == 409
    assert re.search(r'id="id_number-error"[^>]*>该值已被其他记录使用', page)
    assert f'href="/cases/{existing.case_no}"' in page
    assert head(app) == before


def test_a_shared_phone_needs_a_reason_that_is_recorded_with_the_case(
        app: Flask, login_as: Any) -> None:
    existing = enrol(app, mobile="13712345678")
    auth = login_as("caseworker")
    before = head(app)

    asked = post_enrolment(auth, name="孙小美", mobile="137-1234-5678")

    assert asked.status_code == 409
    assert f'href="/cases/{existing.case_no}"' in text(asked) and head(app) == before
    form = form_of(name="孙小美", mobile="13712345678")
    bare = auth.client.post("/cases/new", data={
        **form, "confirm_duplicates": "1", "csrf_token": auth.csrf_token("/cases/new")})
    assert bare.status_code == 409
    assert re.search(r'id="duplicate_reason-error"', text(bare)) and head(app) == before

    answer = auth.client.post("/cases/new", data={
        **form, "duplicate_reason": "家人共用手机", "csrf_token": auth.csrf_token("/cases/new")})

    assert answer.status_code == 302
    case_id = services(app).cases.find_case_id(answer.headers["Location"].rsplit("/", 1)[-1])
    enrolled = next(iter(services(app).cases.events.get(case_id)))
    assert enrolled.note.startswith(f"[POSSIBLE DUPLICATE OF {existing.case_no}] 家人共用手机")


def test_the_same_name_and_birth_date_is_a_possible_duplicate(
        app: Flask, login_as: Any) -> None:
    born = date(1988, 6, 1)
    existing = enrol(app, name="周杰", id_number=an_id_number(ZHANGDIAN, born=born))
    auth = login_as("caseworker")

    answer = post_enrolment(auth, name="周杰", id_number=an_id_number("370302", born=born),
                            mobile="13600000002")

    assert answer.status_code == 409
    assert existing.case_no in text(answer)


def test_a_supervisor_enrols_for_a_caseworker_of_their_district_only(
        app: Flask, login_as: Any) -> None:
    auth = login_as("supervisor")

    refused = post_enrolment(auth, caseworker_id="cw.zichuan")
    answer = post_enrolment(auth, caseworker_id="cw.wang")

    assert refused.status_code == 422
    assert re.search(r'id="caseworker_id-error"[^>]*>请从列出的选项中选择', text(refused))
    case_no = answer.headers["Location"].rsplit("/", 1)[-1]
    cases = services(app).cases
    assert cases.get_case(cases.find_case_id(case_no)).caseworker_id == "cw.wang"


def test_a_caseworker_cannot_enrol_into_another_county(app: Flask, login_as: Any) -> None:
    auth = login_as("caseworker")
    before = head(app)

    answer = post_enrolment(auth, owning_district=ZICHUAN, hukou_division=ZICHUAN,
                            residence_division="370302100201")

    assert answer.status_code == 422
    assert re.search(r'id="owning_district-error"', text(answer)) and head(app) == before


@pytest.mark.parametrize("key", ["investigator", "admin"])
def test_read_only_roles_may_not_enrol(app: Flask, login_as: Any, key: str) -> None:
    auth = login_as(key)

    assert auth.client.get("/cases/new").status_code == 403
    assert auth.client.post("/cases/new", data={
        **form_of(), "csrf_token": auth.csrf_token("/me")}).status_code == 403


# ------------------------------------------------------------------------- case page
def test_the_case_page_shows_the_summary_masked_pending_work_and_the_timeline(
        app: Flask, login_as: Any, commands_form: None) -> None:
    saved = enrol(app, mobile="13512345678")
    number = services(app).cases.get_case(saved.case_id).id_number

    page = text(login_as("caseworker").client.get(f"/cases/{saved.case_no}"))

    assert number not in page and "13512345678" not in page
    assert number[:4] in page and "135****5678" in page
    assert 'data-rule="F1"' in page  # the needs assessment is pending
    assert 'data-event="Enrolled"' in page and "cw.zhang" in page
    assert form_url(app, saved.case_no, "assess-needs") in page
    assert form_url(app, saved.case_no, "reassign-case") not in page  # a supervisor's action
    assert audit_rows(app, saved.case_id)[0].event == "Enrolled"  # own view: not logged


def test_a_supervisors_view_is_logged_and_the_caseworkers_own_is_not(
        app: Flask, login_as: Any) -> None:
    saved = enrol(app)
    login_as("caseworker").client.get(f"/cases/{saved.case_no}")
    assert [r.event for r in audit_rows(app, saved.case_id)] == ["Enrolled"]

    answer = login_as("supervisor").client.get(f"/cases/{saved.case_no}")

    assert answer.status_code == 200
    rows = audit_rows(app, saved.case_id)
    assert [(r.event, r.actor, r.actor_role) for r in rows] == [
        ("Viewed", "sup.li", "supervisor"), ("Enrolled", "cw.zhang", "caseworker")]
    assert services(app).cases.get_case(saved.case_id).version == 1


@pytest.mark.parametrize("key", ["neighbour", "outsider", "admin"])
def test_a_case_outside_the_accounts_reach_is_not_found(
        app: Flask, login_as: Any, key: str) -> None:
    saved = enrol(app)
    client = login_as(key).client

    for path in ("", "/history"):
        assert client.get(f"/cases/{saved.case_no}{path}").status_code == 404
    assert client.get("/cases/NO-SUCH-CASE").status_code == 404
    assert [r.event for r in audit_rows(app, saved.case_id)] == ["Enrolled"]


def test_an_investigator_reads_the_case_without_write_links(
        app: Flask, login_as: Any, commands_form: None) -> None:
    saved = enrol(app)

    answer = login_as("investigator").client.get(f"/cases/{saved.case_no}")

    assert answer.status_code == 200
    assert form_url(app, saved.case_no, "record-follow-up") not in text(answer)
    assert form_url(app, saved.case_no, "assess-needs") not in text(answer)


def test_a_supervisor_sees_the_supervisors_actions(
        app: Flask, login_as: Any, commands_form: None) -> None:
    saved = enrol(app)

    page = text(login_as("supervisor").client.get(f"/cases/{saved.case_no}"))

    assert form_url(app, saved.case_no, "reassign-case") in page


# ---------------------------------------------------------------------------- reveal
def test_a_reveal_with_a_reason_shows_the_value_once_and_writes_one_audit_row(
        app: Flask, login_as: Any) -> None:
    saved = enrol(app, mobile="13412345678")
    auth = login_as("caseworker")
    token = auth.csrf_token(f"/cases/{saved.case_no}")

    answer = auth.client.post(f"/cases/{saved.case_no}/reveal", data={
        "field": "mobile", "reason": "电话回访核对号码", "csrf_token": token})

    assert answer.status_code == 200 and "13412345678" in text(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    rows = [r for r in audit_rows(app, saved.case_id) if r.event == "Revealed"]
    assert [(r.actor, r.detail) for r in rows] == [("cw.zhang", "mobile: 电话回访核对号码")]


def test_a_reveal_without_a_reason_is_refused_and_logs_nothing(
        app: Flask, login_as: Any) -> None:
    saved = enrol(app)
    auth = login_as("caseworker")
    token = auth.csrf_token(f"/cases/{saved.case_no}")
    number = services(app).cases.get_case(saved.case_id).id_number

    answer = auth.client.post(f"/cases/{saved.case_no}/reveal", data={
        "field": "id_number", "reason": "", "csrf_token": token})

    assert answer.status_code == 422
    assert re.search(r'id="reason-error"[^>]*>此项为必填', text(answer))
    assert number not in text(answer)
    assert [r.event for r in audit_rows(app, saved.case_id)] == ["Enrolled"]


def test_a_reveal_of_a_case_out_of_reach_is_not_found(app: Flask, login_as: Any) -> None:
    saved = enrol(app)
    auth = login_as("neighbour")

    answer = auth.client.post(f"/cases/{saved.case_no}/reveal", data={
        "field": "id_number", "reason": "看看", "csrf_token": auth.csrf_token("/me")})

    assert answer.status_code == 404


# --------------------------------------------------------------------------- history
@pytest.fixture
def assessed(app: Flask) -> Saved:
    saved = enrol(app)
    with recording_as("cw.zhang", Role.CASEWORKER):
        services(app).cases.assess_needs(saved.case_id, 1, occurred_on=days_ago(300),
                                         stage="IDEA", needs=["TRAINING"])
    return saved


def bureau_today() -> date:
    """Today in Asia/Shanghai: a bare date in a moment is that day's end there (the
    machine's own date is the day before from 16:00 to 24:00 UTC)."""
    return datetime.now(BUREAU_TZ).date()


def test_the_history_shows_the_case_as_it_stood_at_a_moment(
        app: Flask, login_as: Any, assessed: Saved) -> None:
    client = login_as("supervisor").client
    number = services(app).cases.get_case(assessed.case_id).id_number

    then = text(client.get(f"/cases/{assessed.case_no}/history", query_string={"at": "v1"}))
    now = text(client.get(f"/cases/{assessed.case_no}/history",
                          query_string={"at": bureau_today().isoformat()}))

    assert "<code>stage</code></td><td" in then and ">IDEA<" not in then
    assert ">IDEA<" in now
    assert number not in then and number[:4] in then  # personal data stays masked


def test_the_history_shows_what_changed_between_two_moments(
        app: Flask, login_as: Any, assessed: Saved) -> None:
    answer = login_as("caseworker").client.get(f"/cases/{assessed.case_no}/history",
                                               query_string={"from": "v1", "to": "v2"})

    page = text(answer)
    assert answer.status_code == 200
    assert "<code>stage</code>" in page and "<code>needs</code>" in page
    assert "需求评估" in page or "NeedsAssessed" not in page


@pytest.mark.parametrize("query, field, message", [
    ({"at": "yesterday"}, "at", "请输入"),
    ({"at": "2001-01-01"}, "at", "尚未登记"),
    ({"at": "v9"}, "at", "v9"),
    ({"from": "v1"}, "to", "此项为必填"),
])
def test_a_bad_moment_is_refused_beside_its_field_in_chinese(
        app: Flask, login_as: Any, assessed: Saved, query: dict, field: str,
        message: str) -> None:
    answer = login_as("caseworker").client.get(f"/cases/{assessed.case_no}/history",
                                               query_string=query)

    assert answer.status_code == 422
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{message}', text(answer))


# ------------------------------------------------------------------- on both stores
class TestOnEachStore:
    """Enrol through the form, then find the case in the list and open it."""

    def test_enrol_list_and_show(self, store_app: Flask) -> None:
        add_accounts(store_app)
        auth = AuthActions(store_app.test_client(), {})
        auth.accounts = {"caseworker": services(store_app).accounts.find("cw.zhang")}
        assert auth.login("caseworker").status_code == 302

        answer = post_enrolment(auth, name="吴小平")

        case_no = answer.headers["Location"].rsplit("/", 1)[-1]
        assert answer.status_code == 302
        assert case_no in text(auth.client.get("/cases", query_string={"q": "吴小平"}))
        assert "吴小平" in text(auth.client.get(f"/cases/{case_no}"))
