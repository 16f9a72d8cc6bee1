"""API routes of resource matching: a case's matching resources, and a match recorded.

``GET /cases/<case_no>/matches`` lists every registry's matching entries, best
first, with each reason as a code, its values and its text in the caller's
language; ``POST`` records a match (``ServiceDelivered`` of
``RESOURCE_MATCHING``) at the ``expected_version`` the script read.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields

from domain.matching import Match
from web.access import account, readable_case, writable_case
from web.api import bp
from web.api.commands import _saved
from web.api.dumps import plain
from web.api.views import json_body
from web.commands.registry import COMMANDS, may_use
from web.matching.schemas import RecordMatchSchema
from web.matching.views import READERS, matching
from web.messages import reason_text


class MatchQuerySchema(Schema):
    """Query string of ``GET /cases/<case_no>/matches``."""

    class Meta:
        unknown = EXCLUDE

    on = fields.Date(load_default=None)


@bp.get("/cases/<case_no>/matches")
def case_matches(case_no: str) -> Any:
    """The resources of every registry that match the case on a day, best first, and why."""
    if account().role not in READERS:
        abort(403)
    state = readable_case(case_no)
    on = MatchQuerySchema().load(request.args)["on"]
    found = matching().match_case(state.case_id, on=on)
    return jsonify({"case_no": state.case_no, "version": found.version,
                    "on": found.on.isoformat(), "rule_set": found.rule_set,
                    "matches": [match_json(m) for m in found.matches]})


@bp.post("/cases/<case_no>/matches")
def record_match(case_no: str) -> Any:
    """Record that the case was matched with one registry entry (资源对接)."""
    body = json_body()
    version = body.pop("expected_version", None)
    if type(version) is not int or version < 1:
        raise ValidationError({"expected_version": ["an integer version is required"]})
    state = writable_case(case_no)
    if not may_use(account(), COMMANDS["deliver-service"], state):
        abort(403)
    fields_ = RecordMatchSchema(unknown=RAISE).load(body)
    return _saved(matching().record_match(state.case_id, version, **fields_))


def match_json(found: Match) -> dict[str, Any]:
    return {"kind": found.kind, "key": found.key, "title": found.title,
            "district": found.district, "score": found.score,
            "reasons": [{"code": r.code, "values": plain(r.values),
                         "text": reason_text(r.code, r.values)} for r in found.reasons]}


def matching_paths(spec: Any) -> None:
    """The matching operations of the OpenAPI document."""
    from web.api.openapi import CASE_NO, _responses

    spec.components.schema("RecordMatchBody", schema=RecordMatchSchema)
    reason = {"type": "object", "properties": {
        "code": {"type": "string"}, "values": {"type": "object"}, "text": {"type": "string"}}}
    listed = {"type": "object", "properties": {
        "case_no": {"type": "string"}, "version": {"type": "integer"},
        "on": {"type": "string", "format": "date"}, "rule_set": {"type": "string"},
        "matches": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "key": {"type": "string"}, "title": {"type": "string"},
            "district": {"type": "string"}, "score": {"type": "integer"},
            "reasons": {"type": "array", "items": reason}}}}}}
    spec.path(path="/cases/{case_no}/matches", operations={
        "get": {"summary": "The resources of every registry that match the case, best first, "
                           "with their reasons",
                "parameters": [CASE_NO, {"in": "query", "schema": MatchQuerySchema}],
                "responses": _responses("Matching resources", listed,
                                        codes=("400", "401", "403", "404", "422"))},
        "post": {"summary": "Record a match of the case with a registry entry "
                            "(ServiceDelivered of RESOURCE_MATCHING)",
                 "parameters": [CASE_NO],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "allOf": [{"$ref": "#/components/schemas/RecordMatchBody"},
                               {"type": "object", "required": ["expected_version"],
                                "properties": {"expected_version": {"type": "integer"}}}]}}}},
                 "responses": {"201": {"description": "Recorded", "content": {
                     "application/json": {"schema": {"$ref": "#/components/schemas/Saved"}}}},
                     **{code: value for code, value in _responses("", codes=(
                         "400", "401", "403", "404", "409", "413", "415", "422")).items()
                        if code != "200"}}},
    })
