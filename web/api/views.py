"""API routes: queries of the views and of one case, and the commands."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from application.investigation import history
from application.projections.case_list import SORTS, CaseQuery
from domain.values import today
from web.access import account, readable_case
from web.api import bp
from web.api.dumps import case_json, masked_entry, plain
from web.cases.pages import reach_prefix
from web.supervision.scope import districts_for


class CaseSearchSchema(Schema):
    """Query-string filters of ``GET /cases``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=100))
    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    caseworker = fields.String(load_default=None, validate=validate.Length(max=64))
    status = fields.String(load_default=None, validate=validate.Length(max=20))
    stage = fields.String(load_default=None, validate=validate.Length(max=20))
    returnee_type = fields.String(load_default=None, validate=validate.Length(max=30))
    sort = fields.String(load_default="enrolled_on", validate=validate.OneOf(SORTS))
    descending = fields.Boolean(load_default=True)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class QueueQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    on = fields.Date(load_default=None)
    within = fields.Integer(load_default=7, validate=validate.Range(min=0, max=366))
    assignee = fields.String(load_default=None, validate=validate.Length(max=64))


class RevealSchema(Schema):
    class Meta:
        unknown = RAISE

    field = fields.String(required=True, validate=validate.OneOf(["id_number", "mobile"]))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


def _services() -> Any:
    from web import current_services

    return current_services()


@bp.get("/me")
def me() -> Any:
    """The account the token belongs to."""
    return jsonify(plain(account()))


@bp.get("/cases")
def list_cases() -> Any:
    """Search the case list (only cases the account may read)."""
    args = CaseSearchSchema().load(request.args)
    query = CaseQuery(
        text=args["q"], district_prefix=reach_prefix(account()),
        districts=(args["district"],) if args["district"] else (), caseworker_id=args["caseworker"],
        status=args["status"], stage=args["stage"], returnee_type=args["returnee_type"],
        sort=args["sort"], descending=args["descending"], page=args["page"],
        per_page=args["per_page"])
    page = _services().views["case_list"].list_cases(query)
    return jsonify({"cases": plain(list(page.rows)), "total": page.total, "page": page.page,
                    "per_page": page.per_page})


@bp.get("/cases/<case_no>")
def show_case(case_no: str) -> Any:
    """One case as it stands, personal data masked."""
    return jsonify(case_json(readable_case(case_no)))


@bp.get("/cases/<case_no>/history")
def case_history(case_no: str) -> Any:
    """Every event of the case with who recorded it, when, and what it changed."""
    state = readable_case(case_no)
    entries = history(list(_services().cases.events.get(state.case_id)))
    return jsonify({"events": [masked_entry(plain(entry)) for entry in entries]})


@bp.get("/cases/<case_no>/queue")
def case_queue(case_no: str) -> Any:
    """The case's follow-up items."""
    state = readable_case(case_no)
    return jsonify({"items": plain(_services().views["work_queue"].items_of(state.case_id))})


@bp.get("/queue")
def queue() -> Any:
    """A work queue on a date: the account's own, or (supervisors) a caseworker's."""
    args = QueueQuerySchema().load(request.args)
    who = account()
    assignee = args["assignee"] if who.may_supervise else who.username
    found = _services().views["work_queue"].queue(
        args["on"] or today(), assignee=assignee, districts=districts_for(who),
        within_days=args["within"])
    return jsonify(plain(found))


@bp.post("/cases/<case_no>/reveal")
def reveal(case_no: str) -> Any:
    """An ID number or phone in clear; the reveal and its reason are logged first."""
    state = readable_case(case_no)
    body = RevealSchema().load(json_body())
    value = _services().cases.reveal_personal_data(state.case_id, **body)
    return jsonify({"field": body["field"], "value": value})


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 when unreadable."""
    from flask import abort

    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI document of this API (no token needed)."""
    from web.api.openapi import openapi_document

    return jsonify(openapi_document())
