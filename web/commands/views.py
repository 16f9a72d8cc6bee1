"""The command forms, the conflict page and the supervisor's approvals."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.errors import ConcurrentEditError
from application.investigation import Moment, diff, history
from application.queries import CaseState
from domain.errors import DomainError
from domain.recording import Role
from domain.values import today
from web.access import account, roles_required, writable_case
from web.commands import bp
from web.commands.forms import (
    MULTI,
    caseworkers_of,
    correction_text,
    field_name,
    field_views,
    pickers,
    prefilled,
    submitted,
)
from web.commands.registry import COMMANDS, EVENT_TITLES, Command, may_use
from web.errors import domain_status
from web.i18n import _
from web.messages import domain_message, label
from web.readside import settle

Page = str | tuple[str, int] | Response
NAMES = ", ".join(f"'{name}'" for name in COMMANDS)


@bp.route(f"/cases/<case_no>/<any({NAMES}):command>", methods=["GET", "POST"])
def form(case_no: str, command: str) -> Page:
    """One command's form on one case: drawn from its schema, saved by its Cases method."""
    spec, state = COMMANDS[command], writable_case(case_no)
    if not may_use(account(), spec, state):
        abort(403)
    if request.method == "GET":
        return render_form(spec, state, prefilled(spec, request.args), {}, state.version)
    values, version = submitted(spec, request.form), expected_version()
    try:
        saved = record(spec, state, values, version)
    except ValidationError as error:
        return render_form(spec, state, values, error.messages, version), 422
    except DomainError as error:
        errors = {error.field: [domain_message(error)]}
        return render_form(spec, state, values, errors, version), domain_status(error)
    except ConcurrentEditError as error:
        return conflict_page(spec, state, values, error), 409
    settle(saved)
    flash(_("%(title)s: saved.", title=spec.title), "ok")
    return redirect(case_url(state) or url_for("commands.form", case_no=saved.case_no,
                                               command=command))


@bp.get("/approvals")
@roles_required(Role.SUPERVISOR)
def approvals() -> str:
    """Corrections waiting for a supervisor's decision in the supervisor's district."""
    from web import current_services

    services, who = current_services(), account()
    county = None if who.district.endswith("00") else (who.district,)
    issues = services.views["data_quality"].issues(today(), stale_after_days=36500,
                                                   districts=county or ())
    rows = []
    for issue in issues:
        if issue.kind == "CORRECTION_PENDING" and who.may_read(issue.district):
            state = services.cases.get_case(issue.case_id)
            rows += [(state, c, correction_text(c)) for c in state.corrections
                     if c.status == "PENDING"]
    return render_template("commands/approvals.html", rows=rows)


def record(spec: Command, state: CaseState, values: dict[str, Any], version: int) -> Any:
    """Check the form's syntax, then give the command to the application."""
    from web import current_services

    arguments = spec.schema().load(values)
    method = getattr(current_services().cases, spec.method)
    return method(state.case_id, version, **arguments)


def case_url(state: CaseState) -> str | None:
    """The case page, once it is served."""
    if "cases.show" not in current_app.view_functions:
        return None
    return url_for("cases.show", case_no=state.case_no)


def expected_version() -> int:
    raw = request.form.get("expected_version", "")
    if not raw.isdigit():
        abort(400)
    return int(raw)


def render_form(spec: Command, state: CaseState, values: dict[str, Any],
                errors: dict[str, Any], version: int) -> str:
    fields = field_views(spec, state, values, errors, choices_for(spec, state))
    shown = {f.name for f in fields if f.widget != "hidden"}
    general = [m for name, found in errors.items() if name not in shown
               for m in (found if isinstance(found, list) else [found])]
    return render_template("commands/form.html", command=spec, state=state, fields=fields,
                           general=general, version=version, case_url=case_url(state))


def choices_for(spec: Command, state: CaseState) -> dict[str, list[tuple[str, str]]]:
    from web import current_services

    services, kinds = current_services(), {getattr(f, "kind", "") for f in spec.fields.values()}
    events = list(services.cases.events.get(state.case_id)) if "event" in kinds else None
    workers = None
    if "caseworker" in kinds:
        district = state.transfer.to_district if spec.name == "accept-transfer" and \
            state.transfer else state.owning_district
        workers = caseworkers_of(list(services.accounts.list()), district)
    from web.registries.pages import registry_pickers

    return {**pickers(spec, state, events, workers),
            **registry_pickers(spec.fields, state.owning_district)}


def labelled(value: str | None) -> str:
    """A changed value as people read it (enum values by their labels)."""
    return ", ".join(label(part) for part in (value or "").split(",") if part) or "—"


def conflict_page(spec: Command, state: CaseState, values: dict[str, Any],
                  error: ConcurrentEditError) -> str:
    """What changed since the form was loaded, what the user typed, and a way to re-apply."""
    from web import current_services

    cases = current_services().cases
    current = cases.get_case(state.case_id)
    events = list(cases.events.get(state.case_id))
    changes = [(change, labelled(change.before), labelled(change.after)) for change in
               diff(events, Moment(version=error.expected_version),
                    Moment(version=current.version))]
    # Every event since, even one that changed no field the page compares.
    recorded = [entry for entry in history(events) if entry.version > error.expected_version]
    fields = field_views(spec, current, values, {}, choices_for(spec, current))
    hidden = [(f.name, v) for f in fields for v in
              (f.value if f.widget in MULTI else ["y" if f.value is True else f.value])
              if v not in ("", False)]
    return render_template("commands/conflict.html", command=spec, state=current,
                           changes=changes, recorded=recorded, fields=fields, hidden=hidden,
                           titles=EVENT_TITLES, version=current.version,
                           loaded=error.expected_version, case_url=case_url(current),
                           field_name=field_name)
