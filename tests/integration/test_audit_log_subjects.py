"""The audit log holds registry entries' and group activities' events, on each store.

Each row names its subject (``MENTOR:<key>``, ``ACTIVITY:<id>``) instead of a
case, with the actor, role, times and request id the event carries and the
entry's or activity's district; the view rebuilt from the log is the view kept
live; a supervisor's audit export holds the rows of their district only.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask import Flask

from application.cases import Cases
from application.projections.audit_log import AuditQuery, AuditRow
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services
from tests.builders import days_ago, enrolment
from tests.registries import a_mentor, a_provider

pytestmark = pytest.mark.usefixtures("caseworker")


def rows_of(services: Services, stream_id: object) -> list[AuditRow]:
    services.views.catch_up("audit_log")
    page = services.views["audit_log"].list_entries(AuditQuery(case_id=stream_id))
    return sorted(page.rows, key=lambda r: r.version)


def an_activity(cases: Cases, district: str = "370303") -> object:
    return cases.plan_activity(
        kind="SALON", title="创业沙龙", held_on=days_ago(3), place="张店区创业大厦",
        organiser="张店区就业服务中心", district=district).activity_id


def test_a_registry_entrys_events_are_rows_of_the_audit_log_naming_the_entry(
    services: Services,
) -> None:
    cases = services.cases
    key = a_mentor(cases)
    mentor = cases.find_entry("MENTOR", key)
    with recording_as("sup.zibo", Role.SUPERVISOR, "req-42"):
        cases.change_entry(mentor.entry_id, 1, capacity=8, reason="扩大结对规模")
        cases.set_entry_status(mentor.entry_id, 2, status="SUSPENDED", reason="外出学习")

    rows = rows_of(services, mentor.entry_id)

    assert [(r.event, r.actor, r.actor_role) for r in rows] == [
        ("Registered", "sup.li", "supervisor"), ("Changed", "sup.zibo", "supervisor"),
        ("StatusChanged", "sup.zibo", "supervisor")]
    assert {(r.subject, r.district) for r in rows} == {(f"MENTOR:{key}", "370300")}
    assert [r.request_id for r in rows[1:]] == ["req-42", "req-42"]
    assert rows[1].topic == "domain.registries:RegistryEntry.Changed"
    assert rows[1].detail == "王建国; changed capacity: 扩大结对规模"
    assert rows[2].detail == "王建国; status SUSPENDED: 外出学习"
    events = cases.entry_history(mentor.entry_id)
    assert [r.recorded_at for r in rows] == [h.recorded_at for h in events]


def test_a_revoked_filing_and_an_activitys_attendance_and_cancellation_are_audited(
    services: Services,
) -> None:
    cases = services.cases
    uscc = a_provider(cases)
    provider = cases.find_entry("PROVIDER", uscc)
    with recording_as("sup.li", Role.SUPERVISOR, "req-revoke"):
        cases.revoke_filing(provider.entry_id, 1, reason="培训记录造假，撤销备案")
        cases.restore_filing(provider.entry_id, 2, reason="复核后恢复")
    came = cases.enrol_case(**enrolment()).case_no
    held, called_off = an_activity(cases), an_activity(cases)
    with recording_as("cw-1", Role.CASEWORKER, "req-attend"):
        cases.record_attendance(held, [came, "NO-SUCH-CASE"])
        cases.cancel_activity(called_off, 1, reason="场地维修")

    filing = rows_of(services, provider.entry_id)
    attended, cancelled = rows_of(services, held), rows_of(services, called_off)

    assert [(r.event, r.request_id, r.subject) for r in filing[1:]] == [
        ("FilingRevoked", "req-revoke", f"PROVIDER:{uscc}"),
        ("FilingRestored", "req-revoke", f"PROVIDER:{uscc}")]
    assert filing[1].detail == "淄博市创业培训学校: 培训记录造假，撤销备案"
    assert [r.event for r in attended] == ["Planned", "AttendanceRecorded"]
    assert (attended[1].actor, attended[1].actor_role) == ("cw-1", "caseworker")
    assert attended[1].subject == f"ACTIVITY:{held}"
    assert attended[1].district == "370303"
    assert attended[1].occurred_on == days_ago(3)
    assert f"{came} SAVED" in attended[1].detail
    assert "NO-SUCH-CASE REFUSED" in attended[1].detail
    assert [(r.event, r.detail) for r in cancelled] == [
        ("Planned", "创业沙龙"), ("Cancelled", "创业沙龙: 场地维修")]


def test_the_audit_log_rebuilt_from_the_log_equals_the_live_one(services: Services) -> None:
    cases = services.cases
    mentor = cases.find_entry("MENTOR", a_mentor(cases))
    with recording_as("sup.li", Role.SUPERVISOR):
        cases.change_entry(mentor.entry_id, 1, capacity=3)
    came = cases.enrol_case(**enrolment()).case_no
    cases.record_attendance(an_activity(cases), [came])
    services.views.catch_up("audit_log")
    live = services.views["audit_log"].checksum()

    services.views.rebuild("audit_log")

    assert services.views["audit_log"].checksum() == live
    assert services.views["audit_log"].row_count() == 6


def read_export(app: Flask, out: Path, *args: str) -> list[dict[str, str]]:
    result = app.test_cli_runner().invoke(
        args=["export", "audit", "--out", str(out), *args, "--lang", "en"],
        env={"HOMEWARD_USER": ""})
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    return [dict(zip(lines[1], line, strict=True)) for line in lines[2:]]


def test_a_supervisors_audit_export_holds_the_rows_of_their_district_only(
    store_app: Flask, tmp_path: Path,
) -> None:
    services = store_app.extensions["homeward"]
    cases = services.cases
    services.accounts.add(username="sup-zd", password="a long enough password",
                          role="supervisor", district="370303")
    services.accounts.add(username="inv-1", password="a long enough password",
                          role="investigator", district="370000")
    ours = cases.enrol_case(**enrolment()).case_no
    theirs = cases.enrol_case(**enrolment(owning_district="370302",
                                          hukou_division="370302",
                                          residence_division="370302001001")).case_no
    here, there = an_activity(cases), an_activity(cases, district="370302")
    services.views.catch_up("case_list")
    services.views.catch_up("audit_log")

    seen = read_export(store_app, tmp_path / "sup.csv", "--user", "sup-zd")
    everything = read_export(store_app, tmp_path / "inv.csv", "--user", "inv-1")

    assert {(r["case_no"] or r["subject"], r["district"]) for r in seen} == {
        (ours, "370303"), (f"ACTIVITY:{here}", "370303")}
    assert {r["case_no"] or r["subject"] for r in everything} >= {
        ours, theirs, f"ACTIVITY:{here}", f"ACTIVITY:{there}"}
    planned = next(r for r in seen if r["subject"])
    assert (planned["event"], planned["case_id"], planned["actor"]) == ("Planned", "", "cw-1")
