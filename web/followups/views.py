"""My queue, and a supervisor's view of their team's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from flask import abort, render_template, request, url_for

from application.projections.work_queue import QueueItem
from domain.recording import Role
from web.access import account, roles_required
from web.followups import bp
from web.followups.links import case_link, form_link, rule_name
from web.supervision.scope import case_numbers, day_asked, districts_for

#: Items shown per bucket (the most urgent first; the heading gives the full count),
#: and with ``?show=all``.
LIMIT, LIMIT_ALL = 25, 500


@dataclass(frozen=True)
class Line:
    """One queue item as the page shows it."""

    item: QueueItem
    case_no: str
    name: str
    rule: str
    case_url: str | None
    form_url: str | None


@bp.get("/queue")
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def queue() -> str:
    """The work overdue, due today and due this week: mine, or my team's for a supervisor."""
    from web import current_services

    who, on = account(), day_asked()
    assignee = request.args.get("assignee", "").strip() or None
    if who.role is Role.CASEWORKER:
        if assignee not in (None, who.username):
            abort(403)
        assignee = who.username
    views = current_services().views
    districts = districts_for(who)
    limit = LIMIT_ALL if request.args.get("show") == "all" else LIMIT
    found = views["work_queue"].queue(on, assignee=assignee, districts=districts, limit=limit)
    names = case_numbers(views, (i.case_id for i in
                                 found.overdue + found.due_today + found.upcoming))
    buckets = [(key, [_line(i, names, on) for i in items], total) for key, items, total in (
        ("overdue", found.overdue, found.overdue_total),
        ("due", found.due_today, found.due_today_total),
        ("upcoming", found.upcoming, found.upcoming_total))]
    team = (views["work_queue"].overdue_by_caseworker(on, districts)
            if who.role is Role.SUPERVISOR else [])
    return render_template("followups/queue.html", buckets=buckets, on=on, assignee=assignee,
                           team=team, mine=who.role is Role.CASEWORKER, limit=limit,
                           show_all_url=url_for("followups.queue", show="all", on=on.isoformat(),
                                                assignee=assignee),
                           team_url=url_for("followups.queue"))


def _line(item: QueueItem, names: dict[UUID, tuple[str, str]], on: date) -> Line:
    case_no, name = names.get(item.case_id, (None, ""))
    return Line(item, case_no or "", name, rule_name(item.rule_id), case_link(case_no),
                form_link(item, case_no, on))
