"""The command forms through the real app: every command saves, refusals save nothing,
each role sees only what it may do, and a concurrent edit gets the conflict page."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from application.cases import Cases
from domain.recording import Role, recording_as
from tests.builders import CLASS_NO, PROVIDER_USCC, a_uscc, enrolment
from tests.conftest import AuthActions
from tests.registries import a_mentor, training_resources


@dataclass
class Story:
    """A case and the records set up on it, recorded straight through ``Cases``."""

    cases: Cases
    case_id: UUID
    case_no: str
    refs: dict[str, str] = field(default_factory=dict)

    def do(self, method: str, *, actor: str = "cw.zhang", role: Role = Role.CASEWORKER,
           **fields: Any) -> str | None:
        with recording_as(actor, role):
            version = self.cases.get_case(self.case_id).version
            return getattr(self.cases, method)(self.case_id, version, **fields).ref

    @property
    def version(self) -> int:
        return self.cases.get_case(self.case_id).version

    def events(self) -> list[str]:
        return [type(e).__name__ for e in self.cases.events.get(self.case_id)]

    def last_notification(self) -> int:
        return int(self.cases.recorder.max_notification_id() or 0)


def a_story(app: Flask, **overrides: Any) -> Story:
    cases: Cases = app.extensions["homeward"].cases
    fields = enrolment(returned_on=date(2014, 1, 1), occurred_on=date(2014, 2, 1),
                       caseworker_id="cw.zhang", **overrides)
    with recording_as("cw.zhang", Role.CASEWORKER):
        saved = cases.enrol_case(**fields)
    return Story(cases, saved.case_id, saved.case_no)


# ----------------------------------------------------------------- set-ups
def registered(story: Story) -> None:
    """The provider and class of the training registry, and a mentor of the mentor registry."""
    training_resources(story.cases)
    story.refs.update(provider=PROVIDER_USCC, klass=CLASS_NO, mentor=a_mentor(story.cases))


def training(story: Story) -> None:
    registered(story)
    story.refs["training"] = story.do(
        "enrol_in_training", occurred_on=date(2015, 3, 1), course="SYB",
        provider_uscc=PROVIDER_USCC, start_on=date(2015, 3, 5), planned_hours=80,
        subsidised=True, class_approval_no=CLASS_NO)


def pairing(story: Story) -> None:
    registered(story)
    story.refs["pairing"] = story.do("assign_mentor", occurred_on=date(2015, 3, 1),
                                     mentor_id=story.refs["mentor"], mentor_level="CITY")


def shop(story: Story) -> None:
    story.refs["business"] = story.do(
        "register_business", occurred_on=date(2015, 6, 1), uscc=a_uscc("92"),
        entity_type="INDIVIDUAL_BUSINESS", name="张三小吃店", first_time_founder=True,
        premises="RENTED")


def pending_correction(story: Story) -> None:
    story.refs["correction"] = story.do("correct_record", occurred_on=date(2024, 1, 1),
                                        target_version=1, field="returned_on",
                                        new_value="2014-01-02", reason="录入错误")


def transfer(story: Story) -> None:
    story.do("request_transfer", occurred_on=date(2024, 1, 1), to_district="370302",
             reason="迁居淄川")


def closed(story: Story) -> None:
    story.do("close_case", occurred_on=date(2014, 3, 1), reason="MOVED_AWAY")


def applied(story: Story) -> None:
    shop(story)
    story.refs["loan"] = story.do("apply_for_loan", occurred_on=date(2024, 8, 1),
                                  borrower_kind="INDIVIDUAL", amount=30_000_000,
                                  term_months=24, other_loans_declared=True)


def certified(story: Story) -> None:
    applied(story)
    story.do("certify_loan_eligibility", occurred_on=date(2024, 8, 10),
             loan_ref=story.refs["loan"], decision="APPROVED", group="RETURNING_MIGRANT_WORKER")


def granted(story: Story) -> None:
    certified(story)
    story.do("grant_loan", occurred_on=date(2024, 8, 20), loan_ref=story.refs["loan"],
             contract_no=f"ZB-{uuid4().hex[:10]}", bank="淄博农商银行", guarantor="FUND",
             principal=30_000_000, term_months=24, annual_rate_bp=345)


def overdue(story: Story) -> None:
    granted(story)
    story.do("record_loan_overdue", occurred_on=date(2025, 3, 5), loan_ref=story.refs["loan"],
             overdue_since=date(2025, 3, 1), amount_overdue=1_000_000)


def compensated(story: Story) -> None:
    overdue(story)
    story.do("compensate_guarantee", occurred_on=date(2025, 5, 30),
             loan_ref=story.refs["loan"], paid=10_000_000)


def subsidy_applied(story: Story) -> None:
    shop(story)
    story.refs["subsidy"] = story.do("apply_for_subsidy", occurred_on=date(2017, 1, 1),
                                     kind="ONE_TIME_STARTUP", amount=500_000,
                                     subject_ref=story.refs["business"])


def subsidy_granted(story: Story) -> None:
    subsidy_applied(story)
    story.do("grant_subsidy", occurred_on=date(2017, 2, 1), subsidy_ref=story.refs["subsidy"],
             amount=500_000, actor="sup.li", role=Role.SUPERVISOR)


def nothing(story: Story) -> None:
    pass


Setup = Callable[[Story], None]
D = "2024-02-01"
#: command → (set-up, who fills the form, the form as a browser sends it, the event it records)
SCENARIOS: dict[str, tuple[Setup, str, dict[str, Any], str]] = {
    "assess-needs": (nothing, "caseworker", {"occurred_on": D, "stage": "IDEA",
                     "needs": ["PREMISES", "MENTOR"]}, "NeedsAssessed"),
    "enrol-in-training": (registered, "caseworker", {
        "occurred_on": D, "course": "SYB", "provider_uscc": "{provider}", "start_on": D,
        "planned_hours": "80", "subsidised": "y", "class_approval_no": "{klass}"},
        "TrainingEnrolled"),
    "complete-training": (training, "caseworker", {
        "occurred_on": "2015-04-01", "enrolment_ref": "{training}", "result": "PASSED",
        "hours_attended": "80", "certificate_no": "{unique}", "business_plan_grade": "PASS"},
        "TrainingCompleted"),
    "assign-mentor": (registered, "caseworker", {"occurred_on": D, "mentor_id": "{mentor}",
                      "mentor_level": "CITY"}, "MentorAssigned"),
    "hold-mentoring-session": (pairing, "caseworker", {
        "occurred_on": D, "pairing_ref": "{pairing}", "mode": "VISIT", "minutes": "90",
        "topics": ["MARKETING"]}, "MentoringSessionHeld"),
    "release-mentor": (pairing, "caseworker", {"occurred_on": D, "pairing_ref": "{pairing}",
                       "reason": "COMPLETED"}, "MentorReleased"),
    "register-business": (nothing, "caseworker", {
        "occurred_on": "2015-06-01", "uscc": "{uscc92}", "entity_type": "INDIVIDUAL_BUSINESS",
        "name": "张三面馆", "first_time_founder": "y", "premises": "RENTED"},
        "BusinessRegistered"),
    "report-jobs": (shop, "caseworker", {
        "occurred_on": D, "business_ref": "{business}", "employees_excl_founder": "5",
        "insured_employees": "3", "priority_group_hires_12m": "1", "contracts_ge_1y": "1",
        "source": "ROSTER", "verified": "y"}, "JobsReported"),
    "close-business": (shop, "caseworker", {"occurred_on": D, "business_ref": "{business}",
                       "kind": "SUSPENDED", "reason": "经营不善"}, "BusinessClosed"),
    "record-follow-up": (nothing, "caseworker", {"occurred_on": D, "method": "PHONE",
                         "reached": "y", "summary": "电话回访，经营正常"}, "FollowUpRecorded"),
    "deliver-service": (nothing, "caseworker", {
        "occurred_on": D, "service": "POLICY_BRIEFING", "provider": "张店区就业服务中心",
        "outcome": "讲解创业担保贷款政策"}, "ServiceDelivered"),
    "correct-record": (nothing, "caseworker", {"occurred_on": D, "target_version": "1",
                       "field": "name", "new_value": "张山", "reason": "录入错误"},
                       "RecordCorrected"),
    "approve-correction": (pending_correction, "supervisor", {
        "occurred_on": D, "correction_ref": "{correction}"}, "CorrectionApproved"),
    "reject-correction": (pending_correction, "supervisor", {
        "occurred_on": D, "correction_ref": "{correction}", "reason": "证据不足"},
        "CorrectionRejected"),
    "request-transfer": (nothing, "caseworker", {"occurred_on": D, "to_district": "370302",
                         "reason": "迁居淄川"}, "TransferRequested"),
    "accept-transfer": (transfer, "neighbour", {"occurred_on": D,
                        "to_caseworker_id": "cw.zichuan"}, "CaseTransferred"),
    "decline-transfer": (transfer, "neighbour", {"occurred_on": D, "reason": "不在本区"},
                         "TransferDeclined"),
    "reassign-case": (nothing, "supervisor", {"occurred_on": D, "to_caseworker_id": "cw.wang",
                      "reason": "工作调整"}, "CaseReassigned"),
    "close-case": (nothing, "caseworker", {"occurred_on": D, "reason": "MOVED_AWAY"},
                   "CaseClosed"),
    "reopen-case": (closed, "caseworker", {"occurred_on": D, "reason": "本人返回"},
                    "CaseReopened"),
    "apply-for-loan": (shop, "caseworker", {
        "occurred_on": "2024-08-01", "borrower_kind": "INDIVIDUAL", "amount": "300,000",
        "term_months": "24", "other_loans_declared": "y"}, "LoanApplied"),
    "certify-loan-eligibility": (applied, "supervisor", {
        "occurred_on": "2024-08-10", "loan_ref": "{loan}", "decision": "APPROVED",
        "group": "RETURNING_MIGRANT_WORKER"}, "LoanEligibilityCertified"),
    "grant-loan": (certified, "caseworker", {
        "occurred_on": "2024-08-20", "loan_ref": "{loan}", "contract_no": "{unique}",
        "bank": "淄博农商银行", "guarantor": "FUND", "principal": "300000.00",
        "term_months": "24", "annual_rate_bp": "3.45"}, "LoanGranted"),
    "pay-interest-subsidy": (granted, "caseworker", {
        "occurred_on": "2024-10-10", "loan_ref": "{loan}", "period": "2024-Q3",
        "interest_paid": "1100.50"}, "InterestSubsidyPaid"),
    "extend-loan": (granted, "caseworker", {"occurred_on": "2025-01-01", "loan_ref": "{loan}",
                    "new_maturity_on": "2027-01-01"}, "LoanExtended"),
    "record-loan-overdue": (granted, "caseworker", {
        "occurred_on": "2025-03-05", "loan_ref": "{loan}", "overdue_since": "2025-03-01",
        "amount_overdue": "10000"}, "LoanOverdue"),
    "record-loan-repaid": (granted, "caseworker", {"occurred_on": "2025-08-20",
                           "loan_ref": "{loan}"}, "LoanRepaid"),
    "compensate-guarantee": (overdue, "caseworker", {"occurred_on": "2025-05-30",
                             "loan_ref": "{loan}", "paid": "100000"}, "GuaranteeCompensated"),
    "record-loan-recovery": (compensated, "caseworker", {
        "occurred_on": "2025-06-30", "loan_ref": "{loan}", "amount": "5000"}, "LoanRecovered"),
    "write-off-loan": (compensated, "caseworker", {"occurred_on": "2025-06-30",
                       "loan_ref": "{loan}", "amount": "100000.00"}, "LoanWrittenOff"),
    "apply-for-subsidy": (shop, "caseworker", {
        "occurred_on": "2017-01-01", "kind": "ONE_TIME_STARTUP", "amount": "5000",
        "subject_ref": "{business}"}, "SubsidyApplied"),
    "grant-subsidy": (subsidy_applied, "supervisor", {
        "occurred_on": "2017-02-01", "subsidy_ref": "{subsidy}", "amount": "5000"},
        "SubsidyGranted"),
    "reject-subsidy": (subsidy_applied, "supervisor", {
        "occurred_on": "2017-02-01", "subsidy_ref": "{subsidy}", "reason": "材料不全"},
        "SubsidyRejected"),
    "pay-subsidy": (subsidy_granted, "caseworker", {
        "occurred_on": "2017-03-01", "subsidy_ref": "{subsidy}", "amount": "5000"},
        "SubsidyPaid"),
}
SUPERVISOR_ONLY = ("approve-correction", "reject-correction", "certify-loan-eligibility",
                   "grant-subsidy", "reject-subsidy", "reassign-case")


def filled(form: dict[str, Any], story: Story) -> dict[str, Any]:
    """The form with the set-up's refs and fresh unique values put in."""
    fresh = {"uscc92": a_uscc("92"), "unique": f"U-{uuid4().hex[:12]}"}
    values = {**story.refs, **fresh}
    return {k: v.format(**values) if isinstance(v, str) else v for k, v in form.items()}


def prepared(app: Flask, command: str) -> tuple[Story, str, dict[str, Any], str]:
    setup, who, form, event = SCENARIOS[command]
    story = a_story(app)
    setup(story)
    settled(app)
    return story, who, filled(form, story), event


def settled(app: Flask) -> None:
    """Registry entries recorded straight through ``Cases`` reach the forms' pickers."""
    views = app.extensions["homeward"].views
    views.catch_up("registries")


def url(story: Story, command: str, **query: str) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/cases/{story.case_no}/{command}" + (f"?{tail}" if tail else "")


def post(auth: AuthActions, story: Story, command: str, form: dict[str, Any],
         version: int | None = None) -> Any:
    token = auth.csrf_token(url(story, command))
    data = {**form, "csrf_token": token,
            "expected_version": str(story.version if version is None else version)}
    return auth.client.post(url(story, command), data=data)


def page(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


# -------------------------------------------------------------------- tests
def test_every_command_of_the_issue_has_a_scenario() -> None:
    from web.commands.registry import COMMANDS

    assert set(COMMANDS) == set(SCENARIOS)


@pytest.mark.parametrize("command", sorted(SCENARIOS))
def test_each_command_form_records_its_event(app: Flask, login_as: Callable[[str], Any],
                                             command: str) -> None:
    story, who, form, event = prepared(app, command)
    auth = login_as(who)

    shown = auth.client.get(url(story, command))
    answer = post(auth, story, command, form)

    assert shown.status_code == 200
    assert answer.status_code == 302, page(answer)
    assert story.events()[-1] == event


@pytest.mark.parametrize("command", ["record-follow-up", "grant-loan", "assess-needs"])
def test_a_bad_input_stands_beside_its_field_in_chinese_and_nothing_is_saved(
    app: Flask, login_as: Callable[[str], Any], command: str,
) -> None:
    story, who, form, _ = prepared(app, command)
    auth = login_as(who)
    before = story.last_notification()

    answer = post(auth, story, command, {**form, "occurred_on": "2024-13-45"})

    assert answer.status_code == 422
    assert re.search(r'id="occurred_on-error"[^>]*>请按 YYYY-MM-DD 格式填写日期。<', page(answer))
    assert story.last_notification() == before


def test_what_the_user_typed_is_kept_when_the_form_is_refused(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story, who, form, _ = prepared(app, "grant-loan")
    auth = login_as(who)

    answer = post(auth, story, "grant-loan", {**form, "principal": "12.345"})

    assert answer.status_code == 422
    assert "以元为单位" in page(answer)
    assert 'value="12.345"' in page(answer)
    assert f'value="{form["contract_no"]}"' in page(answer)


def test_a_domain_refusal_names_its_field_and_saves_nothing(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story, who, form, _ = prepared(app, "grant-loan")
    auth = login_as(who)
    before = story.last_notification()

    answer = post(auth, story, "grant-loan", {**form, "principal": "400000"})

    assert answer.status_code == 422
    assert re.search(r'id="principal-error"[^>]*>不得超过申请金额。<', page(answer))
    assert story.last_notification() == before


def test_a_follow_up_on_a_closed_case_is_a_conflict_shown_above_the_form(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    closed(story)
    auth = login_as("caseworker")
    before = story.last_notification()

    answer = post(auth, story, "record-follow-up", SCENARIOS["record-follow-up"][2])

    assert answer.status_code == 409
    assert "案件已结案，请先恢复跟踪。" in page(answer)
    assert story.last_notification() == before


def test_a_link_prefills_the_form(app: Flask, login_as: Callable[[str], Any]) -> None:
    story = a_story(app)
    auth = login_as("caseworker")

    answer = auth.client.get(url(story, "record-follow-up", due_ref="F6:abc",
                                 occurred_on="2024-05-06", method="VISIT"))

    assert 'name="due_ref" value="F6:abc"' in page(answer)
    assert 'value="2024-05-06"' in page(answer)
    assert re.search(r'<option value="VISIT"\s+selected>', page(answer))


def test_reference_fields_offer_the_cases_open_records(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    pairing(story)
    auth = login_as("caseworker")

    answer = auth.client.get(url(story, "hold-mentoring-session"))

    assert f'<option value="{story.refs["pairing"]}"' in page(answer)
    assert story.refs["mentor"] in page(answer)


@pytest.mark.parametrize("command", SUPERVISOR_ONLY)
def test_a_caseworker_may_not_use_a_supervisors_form(
    app: Flask, login_as: Callable[[str], Any], command: str,
) -> None:
    story, _, form, _ = prepared(app, command)
    auth = login_as("caseworker")
    before = story.last_notification()

    assert auth.client.get(url(story, command)).status_code == 403
    assert post_without_page(auth, story, command, form).status_code == 403
    assert story.last_notification() == before


def post_without_page(auth: AuthActions, story: Story, command: str,
                      form: dict[str, Any]) -> Any:
    token = auth.csrf_token("/me")
    return auth.client.post(url(story, command), data={
        **form, "csrf_token": token, "expected_version": str(story.version)})


@pytest.mark.parametrize(("who", "status"), [
    ("outsider", 404), ("neighbour", 404), ("investigator", 403), ("admin", 404),
])
def test_who_may_not_record_on_a_case(app: Flask, login_as: Callable[[str], Any],
                                      who: str, status: int) -> None:
    story = a_story(app)
    auth = login_as(who)

    assert auth.client.get(url(story, "record-follow-up")).status_code == status
    answer = post_without_page(auth, story, "record-follow-up",
                               SCENARIOS["record-follow-up"][2])
    assert answer.status_code == status


def test_a_city_supervisor_may_record_on_a_county_case(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    auth = login_as("city_supervisor")

    answer = post(auth, story, "record-follow-up", SCENARIOS["record-follow-up"][2])

    assert answer.status_code == 302
    assert story.events()[-1] == "FollowUpRecorded"


def test_the_sending_district_may_not_accept_its_own_transfer(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    transfer(story)
    auth = login_as("caseworker")

    assert auth.client.get(url(story, "accept-transfer")).status_code == 403
    assert auth.client.get(url(story, "record-follow-up")).status_code == 200


def test_the_receiving_district_may_only_decide_the_transfer(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    transfer(story)
    auth = login_as("neighbour")

    assert auth.client.get(url(story, "decline-transfer")).status_code == 200
    assert auth.client.get(url(story, "record-follow-up")).status_code == 403


def test_whoever_asked_for_a_correction_cannot_approve_it(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    story.refs["correction"] = story.do(
        "correct_record", occurred_on=date(2024, 1, 1), target_version=1,
        field="returned_on", new_value="2014-01-02", reason="录入错误", actor="sup.li",
        role=Role.SUPERVISOR)
    auth = login_as("supervisor")

    answer = post(auth, story, "approve-correction", {
        "occurred_on": D, "correction_ref": story.refs["correction"]})

    assert answer.status_code == 422
    assert "更正申请人不能审批自己的更正。" in page(answer)


def test_a_concurrent_edit_gets_the_conflict_page_and_can_be_applied_again(
    app: Flask, login_as: Callable[[str], Any], accounts: dict[str, Any],
) -> None:
    story = a_story(app)
    mine = login_as("caseworker")
    theirs = AuthActions(app.test_client(), accounts)
    theirs.login("caseworker2")
    # Both open a form on the same version; the colleague saves first.
    loaded = story.version
    first = post(theirs, story, "assess-needs", SCENARIOS["assess-needs"][2], version=loaded)
    form = {"occurred_on": D, "method": "VISIT", "reached": "y", "summary": "上门走访",
            "needs": ["MARKETING"]}
    before = story.last_notification()

    conflict = post(mine, story, "record-follow-up", form, version=loaded)

    assert first.status_code == 302
    assert conflict.status_code == 409
    assert story.last_notification() == before
    text = page(conflict)
    assert "cw.wang" in text and "创业需求评估" in text        # who changed what
    assert "创业意向" in text and "创业导师, 场地" in text        # the changes themselves
    assert "上门走访" in text and "市场营销" in text             # what the user typed
    recorded = text.split('class="stack recorded"')[1].split("</table>")[0]
    assert "cw.wang" in recorded and "创业需求评估" in recorded  # every event since, listed
    reapply = text.split('class="form reapply"')[1]
    data = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', reapply)
    assert ("expected_version", str(story.version)) in data
    again = mine.client.post(url(story, "record-follow-up"), data=MultiDict(data))
    assert again.status_code == 302
    assert story.events()[-2:] == ["NeedsAssessed", "FollowUpRecorded"]


def test_the_approvals_page_lists_pending_corrections_for_supervisors(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    pending_correction(story)
    auth = login_as("supervisor")
    app.extensions["homeward"].views.catch_up("data_quality")
    answer = auth.client.get("/approvals")

    assert answer.status_code == 200
    assert story.case_no in page(answer)
    assert f"correction_ref={story.refs['correction']}" in page(answer)
    assert login_as("caseworker").client.get("/approvals").status_code == 403


def test_the_form_and_its_errors_are_in_english_for_an_english_user(
    app: Flask, login_as: Callable[[str], Any],
) -> None:
    story = a_story(app)
    auth = login_as("caseworker")
    auth.client.set_cookie("lang", "en")

    shown = auth.client.get(url(story, "record-follow-up"))
    answer = post(auth, story, "record-follow-up", {"occurred_on": D, "method": "PHONE"})

    assert "Record a follow-up" in page(shown) and ">WeChat<" in page(shown)
    assert re.search(r'id="summary-error"[^>]*>This field is required.<', page(answer))
