"""What every template can use: the account, the navigation, labels and formats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import format_date, format_datetime
from jinja2 import pass_context

from domain.accounts import Account
from domain.divisions import divisions
from domain.recording import Role
from web.access import current_account
from web.i18n import _l
from web.messages import label

#: (endpoint, label, roles) of the main navigation; an endpoint not (yet) served is left out.
NAVIGATION = (
    ("followups.queue", _l("My queue"), (Role.CASEWORKER,)),
    ("cases.index", _l("Cases"), (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)),
    ("cases.enrol", _l("Enrol"), (Role.CASEWORKER, Role.SUPERVISOR)),
    ("activities.index", _l("Activities"),
     (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)),
    ("supervision.dashboard", _l("Dashboard"), (Role.SUPERVISOR, Role.INVESTIGATOR)),
    ("registries.index", _l("Resources"), (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR)),
    ("registries.mentor_load", _l("Mentor load"), (Role.SUPERVISOR,)),
    ("commands.approvals", _l("Approvals"), (Role.SUPERVISOR,)),
    ("admin.accounts", _l("Accounts"), (Role.ADMIN,)),
    ("status.index", _l("System status"), (Role.ADMIN,)),
)

START = {Role.CASEWORKER: "followups.queue", Role.SUPERVISOR: "supervision.dashboard",
         Role.INVESTIGATOR: "cases.index", Role.ADMIN: "admin.accounts"}


def _served(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def nav_items(who: Account) -> list[tuple[str, str]]:
    return [(endpoint, str(text)) for endpoint, text, roles in NAVIGATION
            if who.role in roles and _served(endpoint)]


def start_page(who: Account) -> str:
    endpoint = START.get(who.role, "auth.me")
    return endpoint if _served(endpoint) else "auth.me"


def division_name(code: str | None) -> str:
    if not code:
        return ""
    found = divisions().get(code)
    return f"{divisions().name_path(code)} ({code})" if found else code


def local_date(value: date | None) -> str:
    return format_date(value, "medium") if value else ""


def local_datetime(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value else ""


def money(fen: int | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def configure_templates(app: Flask) -> None:
    globals_: dict[str, Any] = {"current_account": current_account, "nav_items": nav_items}
    app.jinja_env.globals.update(globals_)
    app.jinja_env.filters.update(label=in_language(label), division=division_name,
                                 local_date=in_language(local_date),
                                 local_datetime=in_language(local_datetime), money=money)


def in_language(function: Callable[[Any], str]) -> Callable[..., str]:
    """A filter whose result depends on the reader's language.  Jinja folds a filter on a
    constant (``"RESIDENT_ID" | label``) into the compiled template, in the language of the
    first page drawn; a filter taking the context is never folded."""

    @pass_context
    def filtered(_context: Any, value: Any) -> str:
        return function(value)

    return filtered
