"""The activity list, the new-activity form, the activity page, attendance and cancelling."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.activities import ActivityNotFoundError, ActivityState
from application.projections.activities import ActivityQuery
from domain.accounts import Account
from domain.errors import DomainError
from domain.recording import Role
from domain.values import today
from web.access import account, roles_required
from web.activities import bp
from web.activities import pages as p
from web.activities.schemas import (
    ActivitySearchSchema,
    CancelActivitySchema,
    PickerSchema,
    PlanActivitySchema,
    RecordAttendanceSchema,
    WithdrawAttendanceSchema,
)
from web.cases.pages import district_choices, reach_prefix
from web.cases.views import _errors
from web.errors import domain_status, error_response
from web.i18n import _
from web.messages import domain_message
from web.readside import settle

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)
WRITERS = (Role.CASEWORKER, Role.SUPERVISOR)
Page = str | tuple[str, int] | Response


def _services() -> Any:
    from web import current_services

    return current_services()


@bp.get("")
@roles_required(*READERS)
def index() -> Page:
    """The activities in this account's districts: by text, district, kind, status and dates."""
    who = account()
    try:
        wanted = ActivitySearchSchema().load(request.args)
    except ValidationError as error:
        return _index_page(who, None, _errors(error)), 422
    query = ActivityQuery(
        text=wanted["q"], district_prefix=reach_prefix(who),
        districts=(wanted["district"],) if wanted["district"] else (), kind=wanted["kind"],
        status=wanted["status"], date_from=wanted["date_from"], date_to=wanted["date_to"],
        page=wanted["page"])
    return _index_page(who, _services().views["activities"].list_activities(query), {})


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def plan() -> Page:
    """Plan an activity in one of the account's districts (or record one already held)."""
    who = account()
    if request.method == "GET":
        return _plan_page(who, {}, {"held_on": today().isoformat()})
    try:
        fields = PlanActivitySchema().load(request.form)
        if fields["district"] not in district_choices(who):
            raise ValidationError({"district": [_("Choose one of the listed values.")]})
        saved = _services().cases.plan_activity(**fields)
    except ValidationError as error:
        return _plan_page(who, _errors(error), request.form), 422
    except DomainError as error:
        return _plan_page(who, {error.field: [domain_message(error)]}, request.form), \
            domain_status(error)
    settle(saved)
    flash(_("The activity is planned."), "ok")
    return redirect(url_for("activities.show", activity_id=saved.activity_id.hex))


@bp.get("/<activity_id>")
@roles_required(*READERS)
def show(activity_id: str) -> Page:
    """The activity, who attended, what the last recording did, and the attendee picker."""
    who = account()
    state = p.readable_activity(who, activity_id)
    try:
        picker = PickerSchema().load(request.args)
    except ValidationError as error:
        return render_template("activities/show.html", **_show_page(
            who, state, {"pick": "", "page": 1}, _errors(error))), 422
    return render_template("activities/show.html", **_show_page(who, state, picker, {}))


@bp.post("/<activity_id>/attendance")
@roles_required(*WRITERS)
def record_attendance(activity_id: str) -> Page:
    """Record who attended: each case saved, already on record, or refused with its reason."""
    who = account()
    state = _writable(who, activity_id)
    try:
        named = RecordAttendanceSchema().load(request.form)["case_nos"]
        result = _services().cases.record_attendance(
            state.activity_id, named, may_record=p.reach(who))
    except ValidationError as error:
        return _refused_page(who, state, _errors(error), 422)
    except DomainError as error:
        return _refused_page(who, state, {error.field: [domain_message(error)]},
                             domain_status(error))
    settle(result)
    flash(_("Attendance recorded: %(saved)d saved, %(already)d already on record, "
            "%(refused)d refused.", saved=result.count("SAVED"),
            already=result.count("ALREADY"), refused=result.count("REFUSED")),
          "warning" if result.count("REFUSED") else "ok")
    return redirect(url_for("activities.show", activity_id=activity_id,
                            recording=result.version, _anchor="outcome"))


@bp.post("/<activity_id>/withdraw")
@roles_required(*WRITERS)
def withdraw_attendance(activity_id: str) -> Page:
    """Withdraw one case's wrongly recorded attendance, with the reason (on both streams)."""
    who = account()
    state = _writable(who, activity_id)
    try:
        fields = WithdrawAttendanceSchema().load(request.form)
        saved = _services().cases.withdraw_attendance(state.activity_id, **fields,
                                                      may_record=p.reach(who))
    except ValidationError as error:
        return _refused_page(who, state, _errors(error), 422)
    except DomainError as error:
        return _refused_page(who, state, {error.field: [domain_message(error)]},
                             domain_status(error))
    settle(saved)
    flash(_("The attendance of %(case_no)s is withdrawn.", case_no=fields["case_no"]), "ok")
    return redirect(url_for("activities.show", activity_id=activity_id))


@bp.post("/<activity_id>/cancel")
@roles_required(*WRITERS)
def cancel(activity_id: str) -> Page:
    """Call the activity off, with a reason (only before anyone's attendance is recorded)."""
    who = account()
    state = _writable(who, activity_id)
    try:
        fields = CancelActivitySchema().load(request.form)
        saved = _services().cases.cancel_activity(state.activity_id, **fields)
    except ValidationError as error:
        return _refused_page(who, state, _errors(error), 422)
    except DomainError as error:
        return _refused_page(who, state, {error.field: [domain_message(error)]},
                             domain_status(error))
    settle(saved)
    flash(_("The activity is cancelled."), "ok")
    return redirect(url_for("activities.show", activity_id=activity_id))


@bp.app_errorhandler(ActivityNotFoundError)
def _no_activity(error: ActivityNotFoundError) -> Any:
    return error_response(404, {"activity": [_("No such activity.")]})


# ----------------------------------------------------------------------------- helpers
def _writable(who: Account, activity_id: str) -> ActivityState:
    state = p.readable_activity(who, activity_id)
    if not p.may_record(who, state):
        abort(403)
    return state


def _index_page(who: Account, page: Any, errors: dict[str, Any]) -> str:
    return render_template("activities/index.html", page=page, errors=errors,
                           form=request.args, may_plan=who.role in WRITERS)


def _plan_page(who: Account, errors: dict[str, Any], form: Any) -> str:
    return render_template("activities/new.html", errors=errors, form=form,
                           districts=district_choices(who))


def _refused_page(who: Account, state: ActivityState, errors: dict[str, Any],
                  status: int) -> tuple[str, int]:
    page = _show_page(who, state, {"pick": "", "page": 1}, {}, form_errors=errors,
                      form=request.form)
    return render_template("activities/show.html", **page), status


def _show_page(who: Account, state: ActivityState, picker: dict[str, Any],
               errors: dict[str, Any], **extra: Any) -> dict[str, Any]:
    writable = p.may_record(who, state)
    shown = request.args.get("recording", type=int)
    recording = next((r for r in state.recordings if r.version == shown), None)
    page = max(1, request.args.get("attendees", 1, type=int))
    open_for_attendance = state.status != "CANCELLED" and state.held_on <= today()
    return {
        "state": state, "writable": writable, "recording": recording,
        "outcomes": p.outcome_rows(who, recording.outcomes) if recording else [],
        "attendees": p.attendee_rows(who, state, page),
        "picker": picker, "picker_errors": errors,
        "found": p.picker_rows(who, picker) if writable and open_for_attendance else None,
        "open_for_attendance": open_for_attendance,
        "history": [{"name": type(e).__name__, "version": e.originator_version,
                     "occurred_on": e.occurred_on, "recorded_at": e.timestamp,
                     "actor": e.actor, "actor_role": e.actor_role}
                    for e in _services().cases.activity_events(state.activity_id)],
        "event_names": p.EVENTS, "form_errors": extra.get("form_errors", {}),
        "form": extra.get("form", {}), "today": today(),
    }
