"""The case list, enrolment, the case page, reveals and the history of a case."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.cases import DuplicateKeys, Saved
from application.errors import CaseNotFoundError
from application.investigation import InvestigationError, diff, flatten, history, state_at
from application.projections.case_list import CaseRow
from application.projections.work_queue import QueueItem
from application.queries import CaseState
from domain.accounts import Account
from domain.errors import DomainError
from domain.followups import due_items
from domain.recording import Role
from domain.values import today
from web.access import account, may_read_case, may_write_case, readable_case, roles_required
from web.cases import bp
from web.cases import pages as p
from web.cases.schemas import (
    CaseSearchSchema,
    EnrolCaseSchema,
    HistorySchema,
    IdSearchSchema,
    RevealSchema,
)
from web.cases.search import id_hash_for, search_cases
from web.errors import domain_status
from web.i18n import _
from web.messages import domain_message
from web.readside import settle

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)
#: The prefix that marks an enrolment made despite possible duplicates, in its note.
DUPLICATE_NOTE = "[POSSIBLE DUPLICATE OF {cases}] {reason}"
#: The enrolment form's schema, made once: its messages are lazy, so one instance
#: serves every request and language, and building one copies all its fields.
ENROL_SCHEMA = EnrolCaseSchema()
Page = str | tuple[str, int] | Response


def _services() -> Any:
    from web import current_services

    return current_services()


@bp.get("")
@roles_required(*READERS)
def index() -> Page:
    """The case list: search, filters, sort and paging over the cases this account may read."""
    try:
        wanted = CaseSearchSchema().load(request.args)
    except ValidationError as error:
        return render_template("cases/index.html", page=None, errors=_errors(error),
                               form=request.args), 422
    page = search_cases(_services(), account(), wanted)
    return render_template("cases/index.html", page=page, errors={}, form=request.args)


@bp.post("")
@roles_required(*READERS)
def find_by_id() -> Page:
    """Look cases up by ID number: posted, and only its keyed hash goes into the address."""
    try:
        wanted = IdSearchSchema().load(request.form)
    except ValidationError as error:
        return render_template("cases/index.html", page=None, errors=_errors(error),
                               form={}), 422
    return redirect(url_for("cases.index",
                            idh=id_hash_for(_services(), account(), wanted["id_number"])))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def enrol() -> Page:
    """Enrol a returnee; a possible duplicate needs a reason, a held ID number is refused."""
    who = account()
    if request.method == "GET":
        return _enrol_page(who, {}, {"occurred_on": today().isoformat()})
    try:
        saved = _enrol(who, ENROL_SCHEMA.load(request.form))
    except ValidationError as error:
        return _enrol_page(who, _errors(error), request.form), 422
    except PossibleDuplicates as found:
        errors = {"duplicate_reason": [_("Give a reason to enrol this person anyway.")]}
        return _enrol_page(who, errors if found.asked else {}, request.form,
                           duplicates=found.rows), 409
    except DomainError as error:
        return _enrol_page(who, {error.field: [domain_message(error)]}, request.form,
                           existing=_holder(who, error)), domain_status(error)
    settle(saved)
    flash(_("The case %(case_no)s is enrolled.", case_no=saved.case_no), "ok")
    return redirect(url_for("cases.show", case_no=saved.case_no))


@bp.get("/<case_no>")
def show(case_no: str) -> Page:
    """The case page: summary, records, pending work, timeline and the forms that act on it."""
    who, state = account(), readable_case(case_no)
    _log_view(who, state)
    return render_template("cases/show.html", **_case_page(who, state))


@bp.post("/<case_no>/reveal")
def reveal(case_no: str) -> Page:
    """Show an ID number or phone in clear, once, after recording who asked and why."""
    who, state = account(), readable_case(case_no)
    try:
        wanted = RevealSchema().load(request.form)
    except ValidationError as error:
        page = _case_page(who, state, reveal_errors=_errors(error), reveal_form=request.form)
        return render_template("cases/show.html", **page), 422
    value = _services().cases.reveal_personal_data(state.case_id, **wanted)
    response = make_response(render_template("cases/reveal.html", state=state,
                                             field=wanted["field"], value=value))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<case_no>/history")
def history_page(case_no: str) -> Page:
    """The case as it stood at a moment, or what changed between two moments."""
    who, state = account(), readable_case(case_no)
    _log_view(who, state)
    events = list(_services().cases.events.get(state.case_id))
    context: dict[str, Any] = {"state": state, "form": request.args, "errors": {},
                               "timeline": list(reversed(history(events)))}
    try:
        context.update(_investigate(events, HistorySchema().load(request.args), state))
    except ValidationError as error:
        return render_template("cases/history.html", **{**context, "errors": _errors(error)}), 422
    return render_template("cases/history.html", **context)


# ----------------------------------------------------------------------------- helpers
def _errors(error: ValidationError) -> dict[str, list[str]]:
    """Each field's messages as a list of text (lazy and nested messages made plain)."""
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}

    def plain(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [m for v in value.values() for m in plain(v)]
        if isinstance(value, (list, tuple)):
            return [m for v in value for m in plain(v)]
        return [str(value)]

    return {str(key): plain(value) for key, value in messages.items()}


class PossibleDuplicates(Exception):
    """Raised when other cases share the phone, or name and birth date, and no reason is given."""

    def __init__(self, rows: list[CaseRow], asked: bool) -> None:
        super().__init__("possible duplicates")
        self.rows, self.asked = rows, asked


def _enrol(who: Account, fields: dict[str, Any]) -> Saved:
    services = _services()
    reason = fields.pop("duplicate_reason") or ""
    _check_reach(who, fields)

    def screen(keys: DuplicateKeys) -> str | None:
        rows = services.views["case_list"].possible_duplicates(
            mobile_hash=keys.mobile_hash, name_birth_hash=keys.name_birth_hash)
        held = any(r.id_hash == keys.id_hash and r.status == "OPEN" for r in rows)
        if not rows or held:  # a held ID number is refused outright by the enrolment itself
            return None
        if not reason:
            raise PossibleDuplicates(rows, asked="confirm_duplicates" in request.form)
        note = DUPLICATE_NOTE.format(cases=", ".join(r.case_no for r in rows), reason=reason)
        return "\n\n".join(filter(None, (note, fields.get("note"))))[:2000]

    return services.cases.enrol_case(screen=screen,
                                     **{k: v for k, v in fields.items() if v is not None})


def _check_reach(who: Account, fields: dict[str, Any]) -> None:
    """A case goes to one of the account's districts and (a supervisor's pick) caseworkers."""
    if who.role is Role.CASEWORKER:  # a caseworker enrols for themselves
        fields["caseworker_id"] = who.username
        workers = [who.username]
    else:
        workers = [a.username for a in
                   p.caseworker_choices(who, list(_services().accounts.list()))]
    errors = {}
    if fields["owning_district"] not in p.district_choices(who):
        errors["owning_district"] = [_("Choose one of the listed values.")]
    if fields.get("caseworker_id") not in workers:
        errors["caseworker_id"] = [_("Choose one of the listed values.")]
    if errors:
        raise ValidationError(errors)


def _holder(who: Account, error: DomainError) -> CaseState | None:
    """The open case that holds a refused ID number, if this account may read it."""
    holder = error.params.get("holder") if error.code == "duplicate" else None
    try:
        found = _services().cases.get_case(UUID(str(holder))) if holder else None
    except (CaseNotFoundError, ValueError):
        return None
    return found if found is not None and may_read_case(who, found) else None


def _enrol_page(who: Account, errors: Any, form: Any, **extra: Any) -> str:
    choices = p.caseworker_choices(who, list(_services().accounts.list()))
    return render_template("cases/enrol.html", errors=errors, form=form, who=who,
                           districts=p.district_choices(who), caseworkers=choices,
                           duplicates=extra.get("duplicates", []),
                           existing=extra.get("existing"), may_read=lambda row: who.may_read(
                               row.district))


def _log_view(who: Account, state: CaseState) -> None:
    """A look at a case by anyone but its caseworker goes into the audit log."""
    if who.username != state.caseworker_id:
        _services().cases.record_view(state.case_id)


def _case_page(who: Account, state: CaseState, **extra: Any) -> dict[str, Any]:
    from web.activities.pages import timeline_links
    from web.matching.views import match_links

    services, on = _services(), today()
    writable = may_write_case(who, state)
    events = list(services.cases.events.get(state.case_id))
    # The case's items from its own stream, as the work queue computes them: always current,
    # even in the moment before the projection worker has caught up with a save.
    items = [QueueItem.of(item) for item in due_items(events, services.cases.rules)]
    return {"state": state, "on": on, "writable": writable,
            "actions": p.command_links(who, state, writable),
            "queue": p.queue_rows(items, state.case_no, on, writable),
            "timeline": list(reversed(history(events))),
            "activity_links": {**timeline_links(events), **match_links(events)},
            "id_masked": p.mask("id_number", state.id_number, state.id_type),
            "mobile_masked": p.mask("mobile", state.mobile, state.id_type),
            "reveal_errors": extra.get("reveal_errors", {}),
            "reveal_form": extra.get("reveal_form", {})}


def _investigate(events: list[Any], wanted: dict[str, Any], state: CaseState) -> dict[str, Any]:
    for key, moment in (("at", wanted["at"]), ("from", wanted["start"]), ("to", wanted["end"])):
        if moment is not None and moment.version is not None and \
                not 1 <= moment.version <= len(events):
            raise ValidationError({key: [_("This case has no version v%(version)s; its latest "
                                           "is v%(latest)s.", version=moment.version,
                                           latest=len(events))]})
    try:
        if wanted["at"] is not None:
            then = p.masked_state(flatten(state_at(events, wanted["at"])), state.id_type)
            return {"at": wanted["at"], "then": sorted(then.items())}
        if wanted["start"] is not None:
            return {"start": wanted["start"], "end": wanted["end"],
                    "changes": _masked_changes(diff(events, wanted["start"], wanted["end"]),
                                               state.id_type)}
    except InvestigationError as error:
        raise ValidationError({"at" if wanted["at"] else "from": [_(
            "The case was not yet recorded at %(moment)s.", moment=error.params.get(
                "moment", ""))]}) from None
    return {}


def _masked_changes(changes: list[Any], id_type: str) -> list[Any]:
    from dataclasses import replace

    return [replace(c, before=p.mask(c.field, c.before, id_type),
                    after=p.mask(c.field, c.after, id_type)) for c in changes]


@bp.context_processor
def _names() -> dict[str, Any]:
    return {"event_name": p.event_name}
