"""The OpenAPI 3.1 document of ``/api/v1``, built from the same schemas the routes use."""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

ERRORS = {
    "type": "object", "required": ["errors"],
    "properties": {"errors": {"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "string"}}}},
}
REFUSALS = {
    "400": "Unreadable request", "401": "No valid token", "403": "Role may not do this",
    "404": "No such case (or not readable by this account)", "413": "Body too large",
    "415": "Body is not JSON", "422": "Invalid values, by field",
}
OBJECT = {"type": "object"}


def _responses(ok: str, schema: dict[str, Any] | None = None, *,
               codes: tuple[str, ...] = ("401", "404")) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": ok, "content": {
        "application/json": {"schema": schema or OBJECT}}}}
    for code in codes:
        responses[code] = {"description": REFUSALS.get(code, "Conflict"), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    # Any call may find the store restarting or held by a long write (web/errors.py).
    responses["503"] = {"description": "Store unavailable: try again after Retry-After "
                                       "(a command cut off mid-commit may have been saved; "
                                       "sent again it gets a 409, never a second save)",
                        "headers": {"Retry-After": {"description": "Seconds to wait",
                                                    "schema": {"type": "integer"}}},
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Errors"}}}}
    return responses


def _query(schema: type[Schema]) -> list[dict[str, Any]]:
    return [{"in": "query", "schema": schema}]


def command_paths(spec: APISpec, commands: dict[str, Any]) -> None:
    """One ``POST`` per command, its body the command's schema plus ``expected_version``."""
    for name, command in sorted(commands.items()):
        component = f"{command.schema.__name__.removesuffix('Schema')}Body"
        spec.components.schema(component, schema=command.schema)
        spec.path(path=f"/cases/{{case_no}}/{name}", operations={"post": {
            "summary": _english(command.title), "operationId": name.replace("-", "_"),
            "parameters": [CASE_NO],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "allOf": [{"$ref": f"#/components/schemas/{component}"},
                          {"type": "object", "required": ["expected_version"],
                           "properties": {"expected_version": {"type": "integer"}}}]}}}},
            "responses": {"201": {"description": "Recorded", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Saved"}}}},
                **{code: value for code, value in _responses(
                    "", codes=("400", "401", "403", "404", "409", "413", "415", "422")).items()
                    if code != "200"}},
        }})


def _english(text: Any) -> str:
    """The document is the same for every caller: its summaries are the English source."""
    return str(getattr(text, "_args", [text])[0])


CASE_NO = {"in": "path", "name": "case_no", "required": True, "schema": {"type": "string"}}


@cache
def openapi_document(server: str = "/api/v1") -> dict[str, Any]:
    from web.api.views import CaseSearchSchema, QueueQuerySchema, RevealSchema

    spec = APISpec(title="Homeward API", version="1", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   servers=[{"url": server}],
                   components={"securitySchemes": {"token": {
                       "type": "http", "scheme": "bearer",
                       "description": "A token from `homeward accounts token USER`"}}},
                   security=[{"token": []}])
    spec.components.schema("Errors", ERRORS)
    spec.components.schema("Saved", {"type": "object", "properties": {
        "case_no": {"type": "string"}, "version": {"type": "integer"},
        "position": {"type": ["integer", "null"]}, "ref": {"type": ["string", "null"]},
        "warnings": {"type": "array", "items": {"type": "string"}}}})
    spec.path(path="/me", operations={"get": {
        "summary": "The token's account", "responses": _responses("The account", codes=("401",))}})
    from web.cases.schemas import EnrolCaseSchema

    spec.components.schema("EnrolCaseBody", schema=EnrolCaseSchema)
    spec.path(path="/cases", operations={"get": {
        "summary": "Search the case list", "parameters": _query(CaseSearchSchema),
        "responses": _responses("A page of cases", codes=("400", "401", "422"))}, "post": {
        "summary": "Enrol a returnee (possible duplicates need duplicate_reason)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/EnrolCaseBody"}}}},
        "responses": {"201": {"description": "Enrolled", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Saved"}}}},
            **{code: value for code, value in _responses(
                "", codes=("400", "401", "403", "409", "413", "415", "422")).items()
                if code != "200"}}}})
    for path, summary in (("/cases/{case_no}", "One case, personal data masked"),
                          ("/cases/{case_no}/history", "The case's events and changes"),
                          ("/cases/{case_no}/queue", "The case's follow-up items")):
        spec.path(path=path, operations={"get": {
            "summary": summary, "parameters": [CASE_NO], "responses": _responses(summary)}})
    spec.path(path="/queue", operations={"get": {
        "summary": "A work queue on a date", "parameters": _query(QueueQuerySchema),
        "responses": _responses("Overdue, due today and upcoming items",
                                codes=("400", "401", "422"))}})
    spec.path(path="/cases/{case_no}/reveal", operations={"post": {
        "summary": "An ID number or phone in clear (logged with its reason)",
        "parameters": [CASE_NO],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": RevealSchema}}},
        "responses": _responses("The clear value", codes=(
            "400", "401", "404", "413", "415", "422"))}})
    from web.api.commands import api_commands

    command_paths(spec, api_commands())
    from web.api.activities import activity_paths

    activity_paths(spec, _responses)
    from web.api.registries import registry_paths

    registry_paths(spec)
    from web.api.matching import matching_paths

    matching_paths(spec)
    return spec.to_dict()
