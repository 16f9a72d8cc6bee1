"""``homeward indicators --as-known-at``: the figures as reported then, as known now, and why."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from decimal import Decimal
from typing import Any

import click
from flask.cli import with_appcontext

from application.indicators_audit import Explanation, Figure, IndicatorsAudit, Period
from application.investigation import InvestigationError, Moment
from domain.errors import DomainError
from domain.targets import check_district
from domain.values import BUREAU_TZ
from web.cli.case import MomentType, lang_option
from web.cli.messages import InvestigationCommandError, say


class PeriodType(click.ParamType):
    """A month ``2024-03``, a quarter ``2024Q1`` or a year ``2024``."""

    name = "period"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Period:
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(str(value))
        except ValueError:
            self.fail(say("bad_period", _lang(ctx), value=value), param, ctx)


class DistrictType(click.ParamType):
    """A county or city code (GB/T 2260); a city stands for all its counties."""

    name = "district"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        try:
            return check_district(str(value).strip())
        except DomainError:
            self.fail(say("bad_district", _lang(ctx), value=value), param, ctx)


def _lang(ctx: click.Context | None) -> str | None:
    return ctx.find_root().meta.get("lang") if ctx else None


@click.command("indicators")
@click.option("--as-known-at", "moment", type=MomentType(), required=True,
              help="When the figures were reported: 2024-04-10T12:00, or 2024-04-10 "
                   "(the end of that day). Asia/Shanghai unless a zone is given.")
@click.option("--district", type=DistrictType(),
              help="A county or city code (a city: all its counties); default: all.")
@click.option("--period", type=PeriodType(),
              help="Effective dates counted: 2024-03, 2024Q1 or 2024 "
                   "(default: the year of the moment).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@lang_option
@with_appcontext
def indicators_command(moment: Moment, district: str | None, period: Period | None,
                       fmt: str) -> None:
    """The indicators as reported at a past moment, as known now, and what changed them.

    Both columns are the same computation over the events recorded up to the
    moment and over all events. Under each figure that differs are the events
    recorded since that changed it: back-dated entries, corrections, later
    events and changed targets. Money is in yuan (分 in JSON); a task
    completion rate is shown when --district and a year are given.
    Follow-up timeliness and 12-month business survival depend on the day a
    report is made: both columns give them as of the moment's date.

    \b
    Example:
      homeward indicators --as-known-at 2024-04-10T12:00 --district 370303 --period 2024Q1
      homeward indicators --as-known-at 2024-12-31 --district 370300 --period 2024 --format json
    """
    from application.indicators_audit import audit_indicators
    from web import current_services

    lang = _lang(click.get_current_context())
    if moment.at is None:  # a version counts in one stream; the figures span every case
        raise InvestigationCommandError("moment_needs_time", lang, moment=str(moment))
    period = period or Period.year_of(moment.at.astimezone(BUREAU_TZ).year)
    try:
        audit = audit_indicators(current_services().cases, moment, period, district)
    except InvestigationError as error:
        raise InvestigationCommandError(error.code, lang, **error.params) from None
    if fmt == "json":
        click.echo(json.dumps(audit_as_json(audit), ensure_ascii=False, indent=2))
    else:
        for line in render_audit(audit, lang):
            click.echo(line)


def audit_as_json(audit: IndicatorsAudit) -> dict[str, Any]:
    """The audit as JSON values: money in 分, rates as fractions, times in ISO 8601."""
    return {
        "as_known_at": str(audit.moment),
        "period": audit.period.name,
        "district": audit.district,
        "report_date": None if audit.report_date is None else audit.report_date.isoformat(),
        "figures": [
            {"name": f.name, "kind": f.kind, "then": f.then, "now": f.now,
             "differs": f.differs, "explained_by": [_explanation_json(e) for e in f.explained_by]}
            for f in audit.figures
        ],
    }


def _explanation_json(explanation: Explanation) -> dict[str, Any]:
    values = dataclasses.asdict(explanation)
    values["occurred_on"] = explanation.occurred_on.isoformat()
    values["recorded_at"] = explanation.recorded_at.astimezone(BUREAU_TZ).isoformat()
    return values


def render_audit(audit: IndicatorsAudit, lang: str | None) -> list[str]:
    """A text table of the figures, then the events behind each difference."""
    district = audit.district or say("ind_all_districts", lang)
    lines = [say("ind_heading", lang, moment=str(audit.moment), period=audit.period.name,
                 district=district)]
    if audit.report_date is not None:
        lines.append(say("ind_report_date", lang, day=audit.report_date.isoformat()))
    lines.append("")
    labels = {f.name: _label(f.name, lang) for f in audit.figures}
    width = max(_width(text) for text in [*labels.values(), say("ind_figure", lang)]) + 2
    lines.append(f"{_pad(say('ind_figure', lang), width)} {say('ind_then', lang):>16} "
                 f"{say('ind_now', lang):>16}")
    for figure in audit.figures:
        mark = "  *" if figure.differs else ""
        lines.append(f"{_pad(labels[figure.name], width)} {_value(figure, figure.then):>16} "
                     f"{_value(figure, figure.now):>16}{mark}")
    differing = [f for f in audit.figures if f.differs]
    if not differing:
        return [*lines, "", say("ind_no_difference", lang)]
    for figure in differing:
        lines += ["", say("ind_explained", lang, figure=labels[figure.name])]
        for e in figure.explained_by:
            recorded = e.recorded_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S")
            detail = f"  {e.detail}" if e.detail else ""
            kind = say(f"ind_kind_{e.kind}", lang)
            lines.append(f"  {e.case_no} v{e.version} {e.event} [{kind}] "
                         f"{say('ind_occurred', lang)} {e.occurred_on} "
                         f"{say('ind_recorded', lang)} {recorded} "
                         f"{e.actor} ({e.actor_role}){detail}")
        if not figure.explained_by:
            lines.append(f"  {say('ind_unexplained', lang)}")
    return lines


def _label(name: str, lang: str | None) -> str:
    kind, _, kpi = name.partition(".")
    if kind in ("target", "completion"):
        return say(f"ind_{kind}", lang, figure=say(f"kpi_{kpi}", lang))
    return say(f"kpi_{name}", lang)


def _value(figure: Figure, value: int | float | None) -> str:
    if value is None:
        return "—"
    if figure.kind == "money":
        return f"{Decimal(int(value)) / 100:,.2f}"
    if figure.kind == "rate":
        return f"{value * 100:.1f}%"
    if figure.kind == "ratio":
        return f"1:{value:.2f}"
    return str(value)


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))
