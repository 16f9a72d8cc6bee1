"""Accounts: list, add, disable and enable, change role and district, history."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from domain.errors import DomainError
from domain.recording import Role
from web.access import account, roles_required
from web.admin import bp
from web.admin.schemas import ROLES, AddAccountSchema, SetRoleSchema
from web.i18n import _, _l
from web.messages import ERRORS, domain_message

ROLE_LABELS = {"caseworker": _l("Caseworker"), "supervisor": _l("Supervisor"),
               "investigator": _l("Investigator"), "admin": _l("Administrator")}
#: The account service's district errors, said for this form.
DISTRICT_ERRORS = {
    "format": _l("A district is a 6-digit division code, e.g. 370303."),
    "unknown_division": _l("There is no division with this code."),
    "not_county": _l("A caseworker works in a county: give a county code."),
}
CHANGES = {"added": _l("Added"), "disabled": _l("Disabled"), "enabled": _l("Enabled"),
           "role_set": _l("Role or district changed"), "language_set": _l("Language changed"),
           "password_set": _l("Password changed"), "token_issued": _l("API token issued"),
           "password_rehashed": _l("Password hash renewed")}


@bp.route("/accounts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def accounts() -> Response | str | tuple[str, int]:
    """Every account, and the form to add one."""
    from web import current_services

    if request.method == "GET":
        return _page({}, {})
    try:
        added = current_services().accounts.add(**AddAccountSchema().load(request.form),
                                                actor=account().username)
    except ValidationError as error:
        return _page(error.messages, request.form), 422
    except DomainError as error:
        return _page(_domain_errors(error), request.form), 409 if error.kind == "conflict" else 422
    flash(_("Account %(name)s added.", name=added.username), "success")
    return redirect(url_for("admin.accounts"))


@bp.get("/accounts/<username>")
@roles_required(Role.ADMIN)
def account_page(username: str) -> str:
    """One account: its role and district, and who changed it when."""
    return _account_page(username, {})


@bp.post("/accounts/<username>/<action>")
@roles_required(Role.ADMIN)
def change(username: str, action: str) -> Response | tuple[str, int]:
    """Disable, enable, or set the role (and district) of an account."""
    from web import current_services

    service, actor = current_services().accounts, account().username
    _require(username)
    try:
        if action == "disable":
            service.disable(username, actor=actor)
        elif action == "enable":
            service.enable(username, actor=actor)
        elif action == "role":
            service.set_role(username, **SetRoleSchema().load(request.form), actor=actor)
        else:
            abort(404)
    except ValidationError as error:
        return _account_page(username, error.messages), 422
    except DomainError as error:
        return _account_page(username, _domain_errors(error)), 422
    flash(_("Account %(name)s changed.", name=username), "success")
    return redirect(url_for("admin.account_page", username=username))


def _page(errors: dict[str, Any], form: Any) -> str:
    from web import current_services

    return render_template("admin/accounts.html", accounts=current_services().accounts.list(),
                           errors=errors, form=form, roles=ROLES, role_labels=ROLE_LABELS)


def _account_page(username: str, errors: dict[str, Any]) -> str:
    from web import current_services

    found = _require(username)
    history = current_services().accounts.history(found.username)
    return render_template("admin/account.html", found=found, history=history, errors=errors,
                           roles=ROLES, role_labels=ROLE_LABELS, changes=CHANGES)


def _require(username: str) -> Any:
    from web import current_services

    found = current_services().accounts.find(username)
    if found is None:
        abort(404)
    return found


def _domain_errors(error: DomainError) -> dict[str, list[str]]:
    if error.field == "district" and error.code not in ERRORS and error.code in DISTRICT_ERRORS:
        return {"district": [str(DISTRICT_ERRORS[error.code])]}
    return {error.field or "username": [domain_message(error)]}
