"""API routes of the registries: search, read with history, add, change, statuses, mentor load.

Bodies are the registry forms' schemas, strict about unknown fields; a change
names the ``expected_version`` the script read.  Supervisors write the
entries of their district; caseworkers, supervisors and investigators read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from application.errors import ConcurrentEditError
from application.mentor_load import mentor_loads
from application.projections.registries import EntryQuery
from application.registries import EntryNotFoundError, EntryState
from domain.accounts import Account
from domain.recording import Role
from domain.registries import EntryStatus
from domain.registry_fields import KEY_FIELDS, RegistryKind
from domain.values import today
from web.access import account
from web.api import bp
from web.api.dumps import plain
from web.api.views import json_body
from web.readside import settle
from web.registries.pages import may_edit, services
from web.registries.schemas import (
    SCHEMAS,
    SLUGS,
    ChangeReasonSchema,
    FilingSchema,
    StatusSchema,
)
from web.registries.views import mentors_of

KINDS = "any(" + ", ".join(f"'{slug}'" for slug in SLUGS) + ")"
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)


class EntrySearchSchema(Schema):
    """Query-string filters of ``GET /registries/<registry>``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=100))
    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    serving = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    status = fields.String(load_default=None, validate=validate.OneOf(list(EntryStatus)))
    tag = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z_]{1,40}$"))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LoadQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    on = fields.Date(load_default=None)


def _reader() -> Account:
    who = account()
    if who.role not in READERS:
        abort(403)
    return who


def _writable(slug: str, entry_id: UUID) -> EntryState:
    entry = _entry(slug, entry_id)
    if not may_edit(account(), entry.district):
        abort(403)
    return entry


def _entry(slug: str, entry_id: UUID) -> EntryState:
    _reader()
    try:
        entry = services().cases.get_entry(entry_id)
    except EntryNotFoundError:
        abort(404)
    if entry.kind != SLUGS[slug]:
        abort(404)
    return entry


def _saved(saved: Any, status: int = 200) -> Any:
    settle(saved)
    response = jsonify({"entry_id": str(saved.entry_id), "key": saved.key,
                        "version": saved.version, "position": saved.notification_id})
    response.status_code = status
    return response


def _version(body: dict[str, Any]) -> int:
    version = body.pop("expected_version", None)
    if type(version) is not int or version < 1:
        raise ValidationError({"expected_version": ["an integer version is required"]})
    return version


def _conflict(error: ConcurrentEditError) -> Any:
    response = jsonify({"errors": {"expected_version": [
        "the entry changed since it was read: read it again and re-apply"]},
        "version": error.actual_version})
    response.status_code = 409
    return response


def entry_json(entry: EntryState) -> dict[str, Any]:
    return {"entry_id": str(entry.entry_id), "kind": entry.kind, "key": entry.key,
            "version": entry.version, "title": entry.title, "status": entry.status,
            "status_reason": entry.status_reason, "status_since": entry.status_since.isoformat(),
            "registered_on": entry.registered_on.isoformat(), "values": dict(entry.values)}


@bp.get(f"/registries/<{KINDS}:slug>")
def list_entries(slug: str) -> Any:
    """Search one registry."""
    _reader()
    args = EntrySearchSchema().load(request.args)
    page = services().views["registries"].search(EntryQuery(
        kind=SLUGS[slug], text=args["q"], district_prefix=args["district"],
        serving=args["serving"], status=args["status"], tag=args["tag"], page=args["page"],
        per_page=args["per_page"]))
    return jsonify({"entries": [{**plain(row), "entry_id": str(row.entry_id)}
                                for row in page.rows],
                    "total": page.total, "page": page.page, "per_page": page.per_page})


@bp.post(f"/registries/<{KINDS}:slug>")
def add_entry(slug: str) -> Any:
    """Add an entry (supervisors, in the districts they cover)."""
    who, kind = _reader(), SLUGS[slug]
    fields_ = SCHEMAS[kind](unknown=RAISE).load(json_body())
    if not may_edit(who, fields_["district"]):
        abort(403)
    return _saved(services().cases.register_entry(kind, **fields_), 201)


@bp.get(f"/registries/<{KINDS}:slug>/<uuid:entry_id>")
def show_entry(slug: str, entry_id: UUID) -> Any:
    """One entry with its history (who changed what, when and why)."""
    entry = _entry(slug, entry_id)
    history = services().cases.entry_history(entry.entry_id)
    return jsonify({**entry_json(entry), "history": plain(history)})


@bp.post(f"/registries/<{KINDS}:slug>/<uuid:entry_id>/change")
def change_entry(slug: str, entry_id: UUID) -> Any:
    """Change some fields of an entry (its key stays); ``reason`` goes into its history."""
    entry = _writable(slug, entry_id)
    body = json_body()
    version, reason = _version(body), body.pop("reason", "")
    fixed = tuple(k for k in (KEY_FIELDS.get(RegistryKind(entry.kind)),) if k)
    fields_ = SCHEMAS[entry.kind](unknown=RAISE, partial=True, exclude=fixed).load(body)
    fields_ |= ChangeReasonSchema(unknown=RAISE).load({"reason": reason} if reason else {})
    if not may_edit(account(), fields_.get("district", entry.district)):
        abort(403)
    try:
        return _saved(services().cases.change_entry(entry.entry_id, version, **fields_))
    except ConcurrentEditError as error:
        return _conflict(error)


@bp.post(f"/registries/<{KINDS}:slug>/<uuid:entry_id>/status")
def set_status(slug: str, entry_id: UUID) -> Any:
    """Suspend, end or reactivate an entry, with the reason."""
    entry = _writable(slug, entry_id)
    body = json_body()
    version = _version(body)
    try:
        return _saved(services().cases.set_entry_status(
            entry.entry_id, version, **StatusSchema(unknown=RAISE).load(body)))
    except ConcurrentEditError as error:
        return _conflict(error)


@bp.post("/registries/providers/<uuid:entry_id>/<any('revoke-filing', 'restore-filing'):action>")
def filing(entry_id: UUID, action: str) -> Any:
    """Revoke a provider's filing (撤销备案) or restore it; the reason is required."""
    entry = _writable("providers", entry_id)
    body = json_body()
    version = _version(body)
    cases = services().cases
    command = cases.revoke_filing if action == "revoke-filing" else cases.restore_filing
    try:
        return _saved(command(entry.entry_id, version, **FilingSchema(unknown=RAISE).load(body)))
    except ConcurrentEditError as error:
        return _conflict(error)


@bp.get("/mentor-load")
def mentor_load() -> Any:
    """Each mentor's mentees, sessions this year against the target and overdue sessions."""
    who = _reader()
    args = LoadQuerySchema().load(request.args)
    on = args["on"] or today()
    views = services().views
    area = args["district"] or (None if who.role is Role.INVESTIGATOR else who.district)
    mentors = list(views["registries"].search(mentors_of(area)))
    loads = mentor_loads(views["registries"], views["work_queue"], mentors, on)
    return jsonify({"on": on.isoformat(), "mentors": [{
        "key": load.mentor.key, "name": load.mentor.title, "capacity": load.capacity,
        "mentees": len(load.mentees), "held_this_year": load.held_this_year,
        "target": load.target, "overdue": load.overdue,
        "groups": [{"group_ref": group, "cases": [
            m.link.case_no if who.may_read(m.link.district) else None for m in members]}
            for group, members in load.groups],
    } for load in loads]})


# ------------------------------------------------------------------ OpenAPI
def registry_paths(spec: Any) -> None:
    """The registry operations of the OpenAPI document."""
    from web.api.openapi import _english, _responses

    bodies = []
    for schema in SCHEMAS.values():
        name = f"{schema.__name__.removesuffix('Schema')}Body"
        spec.components.schema(name, schema=schema)
        bodies.append({"$ref": f"#/components/schemas/{name}"})
    for name, schema in (("EntryStatusBody", StatusSchema), ("FilingBody", FilingSchema)):
        spec.components.schema(name, schema=schema)
    registry = {"in": "path", "name": "registry", "required": True,
                "schema": {"type": "string", "enum": list(SLUGS)}}
    entry = {"in": "path", "name": "entry_id", "required": True,
             "schema": {"type": "string", "format": "uuid"}}
    writes = ("400", "401", "403", "404", "409", "413", "415", "422")

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def versioned(ref: str | None) -> dict[str, Any]:
        version = {"type": "object", "required": ["expected_version"],
                   "properties": {"expected_version": {"type": "integer"}}}
        return {"allOf": [{"$ref": f"#/components/schemas/{ref}"}, version]} if ref else {
            **version, "properties": {**version["properties"], "reason": {"type": "string"}}}

    spec.path(path="/registries/{registry}", operations={
        "get": {"summary": "Search a registry", "parameters": [
            registry, {"in": "query", "schema": EntrySearchSchema}],
            "responses": _responses("A page of entries", codes=("400", "401", "403", "404",
                                                                 "422"))},
        "post": {"summary": "Add an entry (supervisors of the district)",
                 "parameters": [registry], "requestBody": body({"oneOf": bodies}),
                 "responses": {"201": {"description": "Added", "content": {
                     "application/json": {"schema": {"type": "object"}}}},
                     **{code: value for code, value in _responses("", codes=writes).items()
                        if code != "200"}}}})
    spec.path(path="/registries/{registry}/{entry_id}", operations={"get": {
        "summary": "An entry with its history", "parameters": [registry, entry],
        "responses": _responses("The entry", codes=("401", "403", "404"))}})
    for tail, summary, schema in (
            ("change", "Change fields of an entry; reason goes into its history", None),
            ("status", "Suspend, end or reactivate an entry", "EntryStatusBody")):
        spec.path(path=f"/registries/{{registry}}/{{entry_id}}/{tail}", operations={"post": {
            "summary": summary, "parameters": [registry, entry],
            "requestBody": body(versioned(schema)),
            "responses": _responses("Saved", codes=writes)}})
    for action in ("revoke-filing", "restore-filing"):
        spec.path(path=f"/registries/providers/{{entry_id}}/{action}", operations={"post": {
            "summary": _english(filing.__doc__ or action).split(";")[0],
            "parameters": [entry], "requestBody": body(versioned("FilingBody")),
            "responses": _responses("Saved", codes=writes)}})
    spec.path(path="/mentor-load", operations={"get": {
        "summary": "Mentor load: mentees, sessions against the target, overdue",
        "parameters": [{"in": "query", "schema": LoadQuerySchema}],
        "responses": _responses("Each mentor's load", codes=("400", "401", "403", "422"))}})
