"""API commands: enrolment and every command of the forms, as JSON.

The bodies are the forms' own schemas, strict about unknown fields, with the
``expected_version`` the script loaded; the answers are the same 201 / 409 /
422 as the pages, as ``{"errors": {field: [message]}}``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from marshmallow import RAISE, ValidationError

from web.access import account, writable_case
from web.api import bp
from web.api.views import json_body
from web.readside import settle


def api_commands() -> dict[str, Any]:
    from web.commands.registry import COMMANDS

    return COMMANDS


def _saved(saved: Any) -> Any:
    settle(saved)
    response = jsonify({"case_no": saved.case_no, "version": saved.version,
                        "position": saved.notification_id, "ref": saved.ref,
                        "warnings": list(saved.warnings)})
    response.status_code = 201
    return response


@bp.post("/cases")
def enrol() -> Any:
    """Enrol a returnee (``duplicate_reason`` to go on despite possible duplicates)."""
    from web.cases.schemas import EnrolCaseSchema
    from web.cases.views import PossibleDuplicates, _enrol

    who = account()
    if not who.may_write(who.district) and not who.may_supervise:
        abort(403)
    fields = EnrolCaseSchema(unknown=RAISE).load(json_body())
    try:
        return _saved(_enrol(who, fields))
    except PossibleDuplicates as found:
        response = jsonify({"errors": {"duplicate_reason": [
            "possible duplicates: give duplicate_reason to enrol anyway"]},
            "duplicates": [row.case_no for row in found.rows]})
        response.status_code = 409
        return response


@bp.post("/cases/<case_no>/<command>")
def run_command(case_no: str, command: str) -> Any:
    """Run one command on a case, as its form would."""
    from web import current_services
    from web.commands.registry import may_use

    spec = api_commands().get(command)
    if spec is None:
        abort(404)
    body = json_body()
    version = body.pop("expected_version", None)
    if type(version) is not int or version < 1:
        raise ValidationError({"expected_version": ["an integer version is required"]})
    state = writable_case(case_no)
    if not may_use(account(), spec, state):
        abort(403)
    arguments = spec.schema(unknown=RAISE).load(body)
    return _saved(getattr(current_services().cases, spec.method)(state.case_id, version,
                                                                 **arguments))
