"""The dashboard, the data-quality list and their downloads."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import Response, abort, current_app, render_template, request, url_for

from application.exports import record_export
from application.projections.data_quality import QualityIssue
from domain.accounts import Account
from domain.divisions import divisions
from domain.recording import Role
from domain.values import today
from web.access import account, roles_required
from web.i18n import _, _l
from web.supervision import bp
from web.supervision.downloads import XLSX, as_csv, as_xlsx
from web.supervision.figures import Figures, ReportLine, figures
from web.supervision.scope import (
    case_numbers,
    day_asked,
    district_asked,
    district_choices,
    districts_for,
)

ISSUES = {
    "SOFT_WARNING": _l("Code accepted with a warning"),
    "MISSING_PHONE": _l("No phone number"),
    "STALE": _l("No contact for a long time"),
    "CORRECTION_PENDING": _l("Correction waiting for approval"),
    "POSSIBLE_DUPLICATE": _l("Possible duplicate"),
}
SUPERVISING = (Role.SUPERVISOR, Role.INVESTIGATOR)
#: The view each download is read from: its position is the one the download names.
DOWNLOADED_VIEW = {"indicators": "indicators", "overdue": "work_queue",
                   "data-quality": "data_quality"}


@bp.get("/dashboard")
@roles_required(*SUPERVISING)
def dashboard() -> str:
    """Indicators against targets by district and month, and overdue work by caseworker."""
    from web import current_services

    who, month, on = account(), _month_asked(), day_asked()
    wanted = district_asked(who)
    districts = districts_for(who, wanted)
    found = _figures(who, month, wanted, on)
    overdue = current_services().views["work_queue"].overdue_by_caseworker(today(), districts)
    chart = {**found.chart_data(short_name), "overdue": {"label": _("Overdue"),
             "names": [n for n, _c in overdue], "counts": [c for _n, c in overdue]}}
    return render_template("supervision/dashboard.html", figures=found, overdue=overdue,
                           chart=chart, month=f"{month:%Y-%m}",
                           on=request.args.get("on", "").strip() or None,
                           district=wanted or "", choices=district_choices(who),
                           investigator=who.role is Role.INVESTIGATOR,
                           queue_served="followups.queue" in current_app.view_functions
                           and who.role is Role.SUPERVISOR)


@bp.get("/dashboard/data-quality")
@roles_required(*SUPERVISING)
def data_quality() -> str:
    """What to check or complete, case by case: warnings, missing phones, stale cases…"""
    from web import current_services

    who = account()
    wanted = district_asked(who)
    issues = _issues(who, wanted, day_asked())
    numbers = case_numbers(current_services().views, (i.case_id for i in issues))
    show = "cases.show" in current_app.view_functions
    return render_template("supervision/data_quality.html", issues=issues, kinds=ISSUES,
                           names=numbers, case_links=show, district=wanted or "",
                           choices=district_choices(who),
                           investigator=who.role is Role.INVESTIGATOR)


@bp.get("/dashboard/download/<kind>.<fmt>")
@roles_required(*SUPERVISING)
def download(kind: str, fmt: str) -> Response:
    """A table of the dashboard as CSV or XLSX (personal data left out), in the audit log."""
    from web import current_services

    if kind not in DOWNLOADED_VIEW or fmt not in ("csv", "xlsx"):
        abort(404)
    who, month, services = account(), _month_asked(), current_services()
    wanted = district_asked(who)
    position = services.views[DOWNLOADED_VIEW[kind]].max_tracking_id(services.cases.name) or 0
    if kind == "indicators":
        header, rows = _indicator_table(_figures(who, month, wanted, day_asked()))
    elif kind == "overdue":
        header = [_("Caseworker"), _("Overdue")]
        rows = [list(r) for r in current_services().views["work_queue"].overdue_by_caseworker(
            day_asked(), districts_for(who, wanted))]
    else:
        header = [_("Case"), _("District"), _("Caseworker"), _("Issue"), _("Detail")]
        rows = [[i.case_no, i.district, i.caseworker_id, str(ISSUES.get(i.kind, i.kind)),
                 i.detail] for i in _issues(who, wanted, day_asked())]
    name = f"homeward-{kind}-{wanted or who.district}-{month:%Y-%m}.{fmt}"
    body = as_csv(header, rows) if fmt == "csv" else as_xlsx(kind, header, rows)
    asked = {"district": wanted or ("" if who.role is Role.INVESTIGATOR else who.district),
             "month": f"{month:%Y-%m}", "on": request.args.get("on", "").strip()}
    record_export(services.cases, "dashboard", kind, fmt,
                  "; ".join(f"{k}={v}" for k, v in asked.items() if v)[:500], position,
                  len(rows), hashlib.sha256(body).hexdigest())
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _month_asked() -> date:
    raw = request.args.get("month", "").strip()
    if not raw:
        return today().replace(day=1)
    try:
        return date.fromisoformat(f"{raw}-01")
    except ValueError:
        abort(400)


def _figures(who: Account, month: date, wanted: str | None, on: date) -> Figures:
    from web import current_services

    views = current_services().views
    scope = wanted or (None if who.role is Role.INVESTIGATOR else who.district)
    return figures(views["indicators"], month, districts_for(who, wanted), scope,
                   queue=views["work_queue"], on=on)


def _issues(who: Account, wanted: str | None, on: date) -> list[QualityIssue]:
    from web import current_services

    services = current_services()
    stale = services.cases.rules.in_force(on).number("followup.stale_contact_days")
    return services.views["data_quality"].issues(on, stale_after_days=stale,
                                                 districts=districts_for(who, wanted))


def _indicator_table(found: Figures) -> tuple[list[str], list[list[object]]]:
    """Each indicator's month, year, target and completion; then each report-time rate with
    its part and whole for the month, the year and all to the report date."""
    assert found.report_on is not None
    header = [_("District"), _("Indicator"), _("This month"), _("This year"), _("Target"),
              _("Completion"), _("All to %(day)s", day=found.report_on.isoformat())]

    def row(district: str, line) -> list[object]:  # type: ignore[no-untyped-def]
        scale = 100 if line.money else 1
        return [district, line.label, line.month / scale, line.year / scale,
                None if line.target is None else line.target / scale,
                _fraction(line.completion), None]

    def report_rows(district: str, line: ReportLine) -> list[list[object]]:
        month, year, to_date = line.month, line.year, line.to_date
        return [[district, line.whole_label, month.whole, year.whole, None, None, to_date.whole],
                [district, line.part_label, month.part, year.part, None, None, to_date.part],
                [district, line.label, _fraction(month.rate), _fraction(year.rate), None, None,
                 _fraction(to_date.rate)]]

    rows = [row(_("All"), line) for line in found.lines]
    for district, lines in found.by_district.items():
        rows += [row(district, line) for line in lines.values()]
    for line in found.report:
        rows += report_rows(_("All"), line)
    for district, report in found.report_by_district.items():
        for line in report.values():
            rows += report_rows(district, line)
    return header, rows


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def short_name(code: str) -> str:
    found = divisions().get(code)
    return found.name if found else code


def page_link(endpoint: str, **args: str) -> str:
    return url_for(endpoint, **{k: v for k, v in args.items() if v})
