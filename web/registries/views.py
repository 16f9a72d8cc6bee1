"""Registry pages: lists with search, an entry with its history, forms to add and change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.errors import ConcurrentEditError
from application.mentor_load import mentor_loads
from application.projections.registries import EntryQuery
from application.registries import EntryNotFoundError, EntryState
from domain.accounts import Account
from domain.divisions import divisions
from domain.errors import DomainError
from domain.recording import Role
from domain.registry_fields import KEY_FIELDS, RegistryKind
from domain.values import today
from web.access import account, roles_required
from web.cases.views import _errors
from web.commands.forms import submitted
from web.errors import domain_status
from web.i18n import _
from web.messages import domain_message
from web.readside import settle
from web.registries import bp
from web.registries import pages as p
from web.registries.schemas import (
    SCHEMAS,
    SLUG_OF,
    SLUGS,
    ChangeReasonSchema,
    FilingSchema,
    SearchSchema,
    StatusSchema,
)

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)
KINDS = "any(" + ", ".join(f"'{slug}'" for slug in SLUGS) + ")"
Page = str | tuple[str, int] | Response


@bp.get("")
@roles_required(*READERS)
def index() -> Page:
    """The registries, starting with the mentors."""
    return listing("mentors")


@bp.get(f"/<{KINDS}:slug>")
@roles_required(*READERS)
def listing(slug: str) -> Page:
    """One registry's entries: search by text, district, status and code."""
    kind = SLUGS[slug]
    try:
        wanted = SearchSchema().load(request.args)
    except ValidationError as error:
        return _list_page(kind, None, _errors(error)), 422
    page = p.services().views["registries"].search(replace(
        entries_of(kind, wanted.get("district")), text=wanted.get("q"),
        status=wanted.get("status"), tag=(wanted.get("tag") or "").upper() or None,
        page=wanted.get("page") or 1, per_page=25))
    return _list_page(kind, page, {})


@bp.route(f"/<{KINDS}:slug>/new", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def add(slug: str) -> Page:
    """Add an entry to a registry (supervisors, in their district)."""
    kind, who = SLUGS[slug], account()
    if request.method == "GET":
        return _form_page(kind, who, {"district": who.district}, {})
    values = _submitted(kind, request.form)
    try:
        fields = SCHEMAS[kind]().load(values)
        _check_district(who, fields["district"])
        saved = p.services().cases.register_entry(kind, **fields)
    except ValidationError as error:
        return _form_page(kind, who, values, _errors(error)), 422
    except DomainError as error:
        return _form_page(kind, who, values, {error.field: [domain_message(error)]}), \
            domain_status(error)
    settle(saved)
    flash(_("%(title)s: saved.", title=saved.key), "ok")
    return redirect(url_for("registries.show", slug=slug, entry_id=saved.entry_id))


@bp.get(f"/<{KINDS}:slug>/<uuid:entry_id>")
@roles_required(*READERS)
def show(slug: str, entry_id: UUID) -> Page:
    """An entry: its values, status, history, and what the cases make of it."""
    return _entry_page(_entry(slug, entry_id), {}, {})


@bp.route(f"/<{KINDS}:slug>/<uuid:entry_id>/edit", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def edit(slug: str, entry_id: UUID) -> Page:
    """Change an entry's fields (its key stays); the reason goes into its history."""
    entry, who = _editable(slug, entry_id)
    fixed = tuple(k for k in (KEY_FIELDS.get(RegistryKind(entry.kind)),) if k)
    if request.method == "GET":
        return _form_page(entry.kind, who, p.form_values(entry.values), {}, entry=entry)
    values = _submitted(entry.kind, request.form)
    try:
        fields = p.cleared(SCHEMAS[entry.kind], SCHEMAS[entry.kind](
            exclude=fixed).load(values), fixed)
        _check_district(who, fields["district"])
        saved = p.services().cases.change_entry(
            entry.entry_id, _version(), **fields, **ChangeReasonSchema().load(request.form))
    except ValidationError as error:
        return _form_page(entry.kind, who, values, _errors(error), entry=entry), 422
    except DomainError as error:
        return _form_page(entry.kind, who, values, {error.field: [domain_message(error)]},
                          entry=entry), domain_status(error)
    except ConcurrentEditError:
        return _form_page(entry.kind, who, values, {"reason": [_moved()]}, entry=entry), 409
    settle(saved)
    flash(_("%(title)s: saved.", title=entry.key), "ok")
    return redirect(url_for("registries.show", slug=slug, entry_id=entry.entry_id))


@bp.post(f"/<{KINDS}:slug>/<uuid:entry_id>/status")
@roles_required(Role.SUPERVISOR)
def status(slug: str, entry_id: UUID) -> Page:
    """Suspend, end or reactivate an entry, with the reason."""
    entry, _who = _editable(slug, entry_id)
    return _act(entry, "status", StatusSchema,
                lambda fields: p.services().cases.set_entry_status(
                    entry.entry_id, _version(), **fields))


@bp.post("/providers/<uuid:entry_id>/<any(revoke, restore):action>")
@roles_required(Role.SUPERVISOR)
def filing(entry_id: UUID, action: str) -> Page:
    """Revoke a provider's filing (撤销备案), or restore it; the reason is required."""
    entry, _who = _editable("providers", entry_id)
    command = p.services().cases.revoke_filing if action == "revoke" else \
        p.services().cases.restore_filing
    return _act(entry, action, FilingSchema,
                lambda fields: command(entry.entry_id, _version(), **fields))


@bp.get("/mentor-load")
@roles_required(*READERS)
def mentor_load() -> Page:
    """Each mentor's mentees, sessions this year against the target, overdue sessions."""
    who, district = account(), request.args.get("district", "").strip()
    if district and not (district.isdigit() and len(district) == 6):
        abort(400)
    on = today()
    services = p.services()
    mentors = list(services.views["registries"].search(
        mentors_of(district or _home(who))))
    loads = mentor_loads(services.views["registries"], services.views["work_queue"],
                         mentors, on)
    return render_template("registries/mentor_load.html", loads=loads, on=on,
                           district=district or _home(who), who=who, slug_of=SLUG_OF)


# ----------------------------------------------------------------------------- helpers
def entries_of(kind: str, district: str | None) -> EntryQuery:
    """The entries of an area: a county's own and those of its city and province (which
    serve it too); everything registered inside a city or province; all when none is named."""
    if district and divisions().is_county_level(district):
        return EntryQuery(kind=kind, serving=district, per_page=500)
    return EntryQuery(kind=kind, district_prefix=district or None, per_page=500)


def mentors_of(district: str | None) -> EntryQuery:
    """The mentors of an area (see :func:`entries_of`)."""
    return entries_of(RegistryKind.MENTOR, district)


def _home(who: Account) -> str | None:
    """Investigators see every district; others start with their own area."""
    return None if who.role is Role.INVESTIGATOR else who.district


def _entry(slug: str, entry_id: UUID) -> EntryState:
    try:
        entry = p.services().cases.get_entry(entry_id)
    except EntryNotFoundError:
        abort(404)
    if SLUG_OF[RegistryKind(entry.kind)] != slug:
        abort(404)
    return entry


def _editable(slug: str, entry_id: UUID) -> tuple[EntryState, Account]:
    entry, who = _entry(slug, entry_id), account()
    if not p.may_edit(who, entry.district):
        abort(403)
    return entry, who


def _check_district(who: Account, district: str) -> None:
    if district not in {code for code, _ in p.district_options(who)}:
        raise ValidationError({"district": [_("Choose one of the listed values.")]})


def _version() -> int:
    raw = request.form.get("expected_version", "")
    if not raw.isdigit():
        abort(400)
    return int(raw)


def _moved() -> str:
    return _("Someone else changed this entry after you loaded it. Reload it and apply "
             "your change again.")


def _submitted(kind: str, form: Any) -> dict[str, Any]:
    from web.commands.registry import Command

    return submitted(Command("registry", SCHEMAS[kind], "", _("Registry")), form)


def _act(entry: EntryState, form_name: str, schema: Any, command: Any) -> Page:
    try:
        saved = command(schema().load(request.form))
    except ValidationError as error:
        return _entry_page(entry, {form_name: _errors(error)}, request.form), 422
    except DomainError as error:
        return _entry_page(entry, {form_name: {error.field: [domain_message(error)]}},
                           request.form), domain_status(error)
    except ConcurrentEditError:
        return _entry_page(entry, {form_name: {"reason": [_moved()]}}, request.form), 409
    settle(saved)
    flash(_("%(title)s: saved.", title=entry.key), "ok")
    return redirect(url_for("registries.show", slug=SLUG_OF[RegistryKind(entry.kind)],
                            entry_id=entry.entry_id))


def _list_page(kind: str, page: Any, errors: dict[str, Any]) -> str:
    return render_template("registries/index.html", kind=kind, slug=SLUG_OF[kind], page=page,
                           errors=errors, form=request.args, slugs=SLUGS,
                           may_add=account().role is Role.SUPERVISOR and account().active,
                           on=today(), as_date=date.fromisoformat)


def _form_page(kind: str, who: Account, values: dict[str, Any], errors: dict[str, Any], *,
               entry: EntryState | None = None) -> str:
    fixed = tuple(k for k in (KEY_FIELDS.get(RegistryKind(kind)),) if k and entry)
    fields = p.form_fields(SCHEMAS[kind], who, values, errors, exclude=fixed,
                           serving=values.get("district") or who.district)
    reason = p.form_fields(ChangeReasonSchema, who, request.form, errors) if entry else []
    shown = {f.name for f in fields + reason}
    general = [m for name, found in errors.items() if name not in shown
               for m in (found if isinstance(found, list) else [found])]
    return render_template("registries/form.html", kind=kind, slug=SLUG_OF[kind],
                           fields=fields, reason=reason, entry=entry, general=general)


def _entry_page(entry: EntryState, errors: dict[str, Any], form: Any) -> str:
    from web.registries.related import related

    who = account()
    forms = {name: p.form_fields(schema, who, form if name in errors else {},
                                 errors.get(name, {}))
             for name, schema in (("status", StatusSchema), ("revoke", FilingSchema),
                                  ("restore", FilingSchema))}
    services = p.services()
    return render_template(
        "registries/show.html", entry=entry, slug=SLUG_OF[RegistryKind(entry.kind)],
        values=p.shown_values(entry.kind, entry.values),
        history=services.cases.entry_history(entry.entry_id), forms=forms,
        may_edit=p.may_edit(who, entry.district), related=related(entry, who),
        on=today(), as_date=date.fromisoformat)
