"""A status page that shows the store is reachable and what it holds."""

from __future__ import annotations

from flask import Blueprint, render_template

from domain.divisions import divisions
from domain.recording import Role
from domain.values import today
from web.access import roles_required

bp = Blueprint("status", __name__)


@bp.get("/status")
@roles_required(Role.ADMIN)
def index() -> str:
    """Show the store, its size and the rule sets in force today."""
    from web import current_services

    services = current_services()
    cases = services.cases
    return render_template(
        "status/index.html",
        store="PostgreSQL" if services.settings.is_postgres else "SQLite",
        events=cases.recorder.max_notification_id() or 0,
        rule_set=cases.rules.in_force(today()),
        divisions=divisions(),
    )


@bp.get("/healthz")
def health() -> tuple[dict[str, object], int]:
    """Answer 200 while the store answers."""
    from web import current_services

    position = current_services().cases.recorder.max_notification_id() or 0
    return {"status": "ok", "position": position}, 200
