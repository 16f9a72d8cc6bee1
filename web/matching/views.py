"""The case's matching page: every registry's matching resources, best first, with the reasons;
a button on each records the match (``ServiceDelivered`` of ``RESOURCE_MATCHING``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from application.errors import ConcurrentEditError
from application.investigation import history
from application.matching import Matching
from application.queries import CaseState
from domain.accounts import Account
from domain.errors import DomainError
from domain.matching import Match
from domain.recording import Role
from domain.registries import entry_id_for
from domain.registry_fields import RegistryKind
from domain.values import today
from web.access import account, readable_case, writable_case
from web.cases.views import _errors
from web.commands.registry import COMMANDS, EVENT_TITLES, may_use
from web.commands.views import expected_version
from web.errors import domain_status
from web.i18n import _, locale_name
from web.matching import bp
from web.matching.schemas import RecordMatchSchema
from web.messages import domain_message, reason_text
from web.readside import settle
from web.registries.schemas import SLUG_OF

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)
Page = str | tuple[str, int] | Response


def matching() -> Matching:
    from web import current_services

    services = current_services()
    return Matching(services.cases, services.views["registries"])


@bp.get("/<case_no>/matches")
def show(case_no: str) -> Page:
    """The resources of every registry that match the case, best first, and why."""
    who = account()
    if who.role not in READERS:
        abort(403)
    return render_template("matching/case.html", **page(who, readable_case(case_no)))


@bp.post("/<case_no>/matches")
def record(case_no: str) -> Page:
    """Record that the case was matched with one registry entry (资源对接)."""
    who, state = account(), writable_case(case_no)
    if not may_use(who, COMMANDS["deliver-service"], state):
        abort(403)
    version = expected_version()
    try:
        saved = matching().record_match(state.case_id, version,
                                        **RecordMatchSchema().load(request.form))
    except ValidationError as error:
        return render_template("matching/case.html", **page(
            who, state, request.form, _errors(error))), 422
    except DomainError as error:
        return render_template("matching/case.html", **page(
            who, state, request.form, {error.field: [domain_message(error)]})), \
            domain_status(error)
    except ConcurrentEditError as error:
        return render_template("matching/case.html", **page(
            who, readable_case(case_no), request.form, {}, error)), 409
    settle(saved)
    flash(_("The match is recorded."), "ok")
    return redirect(url_for("matching.show", case_no=saved.case_no))


def page(who: Account, state: CaseState, form: Mapping[str, Any] | None = None,
         errors: Mapping[str, list[Any]] | None = None,
         conflict: ConcurrentEditError | None = None) -> dict[str, Any]:
    """What the page shows: the case's profile, each registry's matches, the posted row."""
    found = matching().match_case(state.case_id)
    form, errors = form or {}, dict(errors or {})
    posted = (form.get("kind"), form.get("key"))
    groups = [(kind, [row(m, posted, form) for m in matches])
              for kind, matches in found.by_kind()]
    listed = {(m.kind, m.key) for m in found.matches}
    # An outcome's errors beside its row; the others (and a row no longer listed) on top,
    # each after the name of its field.
    labels = {name: field.metadata["label"] for name, field in RecordMatchSchema().fields.items()}
    general = [_("%(field)s: %(message)s", field=labels.get(name, name), message=m)
               for name, messages in errors.items()
               if name != "outcome" or posted not in listed for m in messages]
    recorded = []
    if conflict is not None:
        events = list(matching().cases.events.get(state.case_id))
        recorded = [e for e in history(events) if e.version > conflict.expected_version]
    return {"state": state, "found": found, "groups": groups, "general": general,
            "errors": errors, "posted": posted, "conflict": conflict, "recorded": recorded,
            "titles": EVENT_TITLES, "today": today(),
            "can_record": state.is_open and may_use(who, COMMANDS["deliver-service"], state)}


def row(found: Match, posted: tuple[Any, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    reasons = [reason_text(r.code, r.values) for r in found.reasons]
    mine = posted == (found.kind, found.key)
    joiner = "；" if locale_name() == "zh_CN" else "; "
    return {"match": found, "reasons": reasons, "posted": mine,
            "outcome": form.get("outcome", "") if mine else joiner.join(reasons),
            "link": url_for("registries.show", slug=SLUG_OF[RegistryKind(found.kind)],
                            entry_id=entry_id_for(found.kind, found.key))}



def match_links(events: list[Any]) -> dict[int, str]:
    """The registry entry each recorded match names, by the version of its event (a case's
    timeline links them)."""
    return {e.originator_version: url_for(
        "registries.show", slug=SLUG_OF[RegistryKind(e.resource_kind)],
        entry_id=entry_id_for(e.resource_kind, e.resource_ref))
        for e in events if type(e).__name__ == "ServiceDelivered"
        and getattr(e, "resource_kind", None) and e.resource_ref}
