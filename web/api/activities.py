"""API routes of the group activities: list, plan, read, record attendance, cancel."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import abort, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from application.activities import ActivityState
from application.projections.activities import ActivityQuery
from web.access import account
from web.activities import pages as p
from web.activities.schemas import (
    ActivitySearchSchema,
    CancelActivitySchema,
    PlanActivitySchema,
    WithdrawAttendanceSchema,
)
from web.activities.views import WRITERS
from web.api import bp
from web.api.dumps import plain
from web.api.views import json_body
from web.cases.pages import district_choices, reach_prefix
from web.readside import settle


class AttendanceBody(Schema):
    """``POST /activities/{id}/attendance``: the case numbers of who came."""

    class Meta:
        unknown = RAISE

    case_nos = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                           required=True, validate=validate.Length(min=1, max=1000))


def _services() -> Any:
    from web import current_services

    return current_services()


def activity_json(state: ActivityState) -> dict[str, Any]:
    data = plain(state)
    data["activity_id"] = state.activity_id.hex
    return data


def _writer() -> Any:
    who = account()
    if who.role not in WRITERS or not who.active:
        abort(403)
    return who


@bp.get("/activities")
def list_activities() -> Any:
    """Search the activities of the account's districts."""
    who = account()
    args = ActivitySearchSchema().load(request.args)
    page = _services().views["activities"].list_activities(ActivityQuery(
        text=args["q"], district_prefix=reach_prefix(who),
        districts=(args["district"],) if args["district"] else (), kind=args["kind"],
        status=args["status"], date_from=args["date_from"], date_to=args["date_to"],
        page=args["page"]))
    rows = [{**plain(row), "activity_id": row.activity_id.hex} for row in page.rows]
    return jsonify({"activities": rows, "total": page.total, "page": page.page,
                    "per_page": page.per_page})


@bp.post("/activities")
def plan_activity() -> Any:
    """Plan an activity in one of the account's districts."""
    who = _writer()
    body = PlanActivitySchema(unknown=RAISE).load(json_body())
    if body["district"] not in district_choices(who):
        raise ValidationError({"district": ["not one of your districts"]})
    saved = _services().cases.plan_activity(**body)
    settle(saved)
    response = jsonify({"activity_id": saved.activity_id.hex, "version": saved.version,
                        "position": saved.notification_id})
    response.status_code = 201
    return response


@bp.get("/activities/<activity_id>")
def show_activity(activity_id: str) -> Any:
    """One activity: its details, attendees and every recording's outcome."""
    return jsonify(activity_json(p.readable_activity(account(), activity_id)))


@bp.post("/activities/<activity_id>/attendance")
def record_attendance(activity_id: str) -> Any:
    """Record who came; each case saved, already on record, or refused with its reason."""
    who = _writer()
    state = p.readable_activity(who, activity_id)
    if not p.may_record(who, state):
        abort(403)
    body = AttendanceBody().load(json_body())
    result = _services().cases.record_attendance(state.activity_id, body["case_nos"],
                                                 may_record=p.reach(who))
    settle(result)
    response = jsonify({
        "activity_id": state.activity_id.hex, "version": result.version,
        "position": result.notification_id,
        "outcomes": [{**plain(o), "reason": p.reason(o) or None} for o in result.outcomes]})
    response.status_code = 201 if result.count("SAVED") else 200
    return response


@bp.post("/activities/<activity_id>/cancel")
def cancel_activity(activity_id: str) -> Any:
    """Call an activity off (``expected_version`` and ``reason``)."""
    who = _writer()
    state = p.readable_activity(who, activity_id)
    if not p.may_record(who, state):
        abort(403)
    body = CancelActivitySchema(unknown=RAISE).load(json_body())
    saved = _services().cases.cancel_activity(state.activity_id, **body)
    settle(saved)
    return jsonify({"activity_id": saved.activity_id.hex, "version": saved.version,
                    "position": saved.notification_id})


@bp.post("/activities/<activity_id>/withdraw")
def withdraw_attendance(activity_id: str) -> Any:
    """Withdraw one case's wrongly recorded attendance (``case_no`` and ``reason``)."""
    who = _writer()
    state = p.readable_activity(who, activity_id)
    if not p.may_record(who, state):
        abort(403)
    body = WithdrawAttendanceSchema(unknown=RAISE).load(json_body())
    saved = _services().cases.withdraw_attendance(state.activity_id, **body,
                                                  may_record=p.reach(who))
    settle(saved)
    return jsonify({"activity_id": saved.activity_id.hex, "version": saved.version,
                    "position": saved.notification_id})


def activity_paths(spec: APISpec, responses: Any) -> None:
    """The activity routes in the OpenAPI document."""
    activity = {"in": "path", "name": "activity_id", "required": True,
                "schema": {"type": "string"}}
    writes = ("400", "401", "403", "404", "409", "413", "415", "422")
    spec.components.schema("PlanActivityBody", schema=PlanActivitySchema)
    spec.components.schema("AttendanceBody", schema=AttendanceBody)
    spec.components.schema("CancelActivityBody", schema=CancelActivitySchema)
    spec.components.schema("WithdrawAttendanceBody", schema=WithdrawAttendanceSchema)

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{name}"}}}}

    spec.path(path="/activities", operations={
        "get": {"summary": "Search the activities", "operationId": "list_activities",
                "parameters": [{"in": "query", "schema": ActivitySearchSchema}],
                "responses": responses("A page of activities", codes=("400", "401", "422"))},
        "post": {"summary": "Plan an activity", "operationId": "plan_activity",
                 "requestBody": body("PlanActivityBody"),
                 "responses": _created("Planned", responses("", codes=writes))}})
    spec.path(path="/activities/{activity_id}", operations={"get": {
        "summary": "One activity, its attendees and every recording's outcome",
        "operationId": "show_activity", "parameters": [activity],
        "responses": responses("The activity")}})
    spec.path(path="/activities/{activity_id}/attendance", operations={"post": {
        "summary": "Record who came: each case saved, already on record, or refused with "
                   "its reason (201 when any was saved, else 200)",
        "operationId": "record_attendance", "parameters": [activity],
        "requestBody": body("AttendanceBody"),
        "responses": _created("Recorded", responses("Nothing new saved", codes=writes),
                              keep_ok=True)}})
    spec.path(path="/activities/{activity_id}/withdraw", operations={"post": {
        "summary": "Withdraw one case's wrongly recorded attendance, with the reason",
        "operationId": "withdraw_attendance", "parameters": [activity],
        "requestBody": body("WithdrawAttendanceBody"),
        "responses": responses("Withdrawn", codes=writes)}})
    spec.path(path="/activities/{activity_id}/cancel", operations={"post": {
        "summary": "Call an activity off before anyone's attendance is recorded",
        "operationId": "cancel_activity", "parameters": [activity],
        "requestBody": body("CancelActivityBody"),
        "responses": responses("Cancelled", codes=writes)}})


def _created(text: str, found: dict[str, Any], keep_ok: bool = False) -> dict[str, Any]:
    created = {"201": {"description": text, "content": {"application/json": {
        "schema": {"type": "object"}}}}}
    return {**created, **{code: value for code, value in found.items()
                          if keep_ok or code != "200"}}
