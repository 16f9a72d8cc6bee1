"""``homeward case show|history|diff``: a case as known at any moment, and what changed."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

import click
from flask.cli import with_appcontext

from application.decoding import case_events
from application.errors import CaseNotFoundError
from application.investigation import (
    InvestigationError,
    Moment,
    as_of_effective,
    diff,
    flatten,
    history,
    state_at,
)
from application.projections.case_list import masked_id, masked_mobile
from domain.errors import DomainError
from domain.values import BUREAU_TZ
from web.cli.messages import InvestigationCommandError

_VERSION = re.compile(r"^[vV](\d+)$")


class MomentType(click.ParamType):
    """An ISO 8601 date-time (Asia/Shanghai unless a zone is given), a date, or ``v17``."""

    name = "moment"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Moment:
        if isinstance(value, Moment):
            return value
        text = str(value).strip()
        if match := _VERSION.match(text):
            return Moment(version=int(match[1]))
        try:
            if len(text) == 10:  # a date alone: as known at the end of that day
                moment = datetime.combine(date.fromisoformat(text), time.max)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(_lang_say(ctx, "bad_moment", value=text), param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BUREAU_TZ)
        return Moment(at=moment.astimezone(UTC))


class DateType(click.ParamType):
    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        try:
            return value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(_lang_say(ctx, "bad_date", value=value), param, ctx)


def _lang_say(ctx: click.Context | None, code: str, **params: object) -> str:
    from web.cli.messages import say

    return say(code, (ctx.find_root().meta.get("lang") if ctx else None), **params)


def lang_option(function: Any) -> Any:
    """``--lang zh|en``, remembered for every message of the command."""

    def remember(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
        ctx.find_root().meta["lang"] = value
        return value

    return click.option("--lang", type=click.Choice(["zh", "en"]), callback=remember,
                        expose_value=False, is_eager=True,
                        help="Language of messages (default: LANG, else Chinese).")(function)


@click.group("case")
def case_group() -> None:
    """Investigate one case: its state at any moment, its history, what changed."""


def _case_id(case_no: str) -> UUID:
    from web import current_services

    lang = click.get_current_context().find_root().meta.get("lang")
    try:
        return current_services().cases.find_case_id(case_no)
    except (CaseNotFoundError, DomainError):
        raise InvestigationCommandError("unknown_case", lang, case=case_no) from None


def _read(case_id: UUID, upto: int | None = None) -> Iterator[Any]:
    """The case's events (up to version ``upto``), decoded one by one as they are reached."""
    from web import current_services

    services = current_services()
    return case_events(services.cases, case_id, upto, services.read_stream)


def _events(case_no: str) -> tuple[UUID, list[Any]]:
    case_id = _case_id(case_no)
    return case_id, list(_read(case_id))


def _fail(error: InvestigationError) -> InvestigationCommandError:
    lang = click.get_current_context().find_root().meta.get("lang")
    return InvestigationCommandError(error.code, lang, **error.params)


def _check_version(moment: Moment | None, events: list[Any]) -> None:
    if moment and moment.version is not None and not 1 <= moment.version <= len(events):
        lang = click.get_current_context().find_root().meta.get("lang")
        raise InvestigationCommandError("version_missing", lang, version=f"v{moment.version}",
                                        latest=len(events))


def _up_to_version(case_id: UUID, moment: Moment) -> list[Any]:
    """The events up to the moment's version (only those are read); refused if it has none."""
    assert moment.version is not None
    events = list(_read(case_id, moment.version)) if moment.version >= 1 else []
    if len(events) < max(moment.version, 1):
        _check_version(moment, list(_read(case_id)))
    return events


@case_group.command("show")
@click.argument("case_no")
@click.option("--as-of", "as_of", type=MomentType(),
              help="What the system knew then: 2024-05-01T09:00, 2024-05-01 or v17.")
@click.option("--effective", type=DateType(),
              help="What was true on this date by effective dates, corrections applied.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@lang_option
@with_appcontext
def show_command(case_no: str, as_of: Moment | None, effective: date | None, fmt: str) -> None:
    """Show a case as it stands, as known at a moment, or as true on a date.

    \b
    Example:
      homeward case show 370303-2024-7K3Q9M --as-of 2024-05-01T09:00
      homeward case show 370303-2024-7K3Q9M --effective 2024-03-31 --format json
    """
    case_id = _case_id(case_no)
    try:
        if effective is not None or as_of is None:
            events = list(_read(case_id))
            _check_version(as_of, events)
            state = (as_of_effective(events, effective) if effective is not None
                     else state_at(events, Moment(version=len(events))))
        elif as_of.version is not None:
            state = state_at(_up_to_version(case_id, as_of), as_of)
        else:  # decoded up to the first event recorded after the moment, no further
            state = state_at(_read(case_id), as_of)
    except InvestigationError as error:
        raise _fail(error) from None
    masked = dataclasses.replace(state, id_number=masked_id(state.id_type, state.id_number),
                                 mobile=masked_mobile(state.mobile))
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(masked), ensure_ascii=False, indent=2,
                              default=str))
        return
    for key, value in flatten(masked).items():
        click.echo(f"{key:<40} {value}")


@case_group.command("history")
@click.argument("case_no")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@lang_option
@with_appcontext
def history_command(case_no: str, fmt: str) -> None:
    """Every event: version, recorded time, effective date, actor, role, what it changed.

    \b
    Example:
      homeward case history 370303-2024-7K3Q9M
    """
    _, events = _events(case_no)
    entries = history(events)
    if fmt == "json":
        for entry in entries:
            click.echo(json.dumps(dataclasses.asdict(entry), ensure_ascii=False, default=str))
        return
    for entry in entries:
        recorded = entry.recorded_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"v{entry.version:<4} {recorded}  {entry.occurred_on}  {entry.event:<26} "
                   f"{entry.actor} ({entry.actor_role})")
        for change in entry.changes:
            if not change.field.startswith(("id_number", "mobile")):
                click.echo(f"       {change.field}: {change.before or '∅'} → {change.after or '∅'}")


@case_group.command("diff")
@click.argument("case_no")
@click.option("--from", "start", type=MomentType(), required=True, help="Earlier moment.")
@click.option("--to", "end", type=MomentType(), required=True, help="Later moment.")
@lang_option
@with_appcontext
def diff_command(case_no: str, start: Moment, end: Moment) -> None:
    """Field-by-field changes between two moments, with the event, actor and time of each.

    \b
    Example:
      homeward case diff 370303-2024-7K3Q9M --from v3 --to 2024-12-31
    """
    _, events = _events(case_no)
    _check_version(start, events)
    _check_version(end, events)
    try:
        changes = diff(events, start, end)
    except InvestigationError as error:
        raise _fail(error) from None
    for change in changes:
        if change.field.startswith(("id_number", "mobile")):
            continue
        recorded = change.recorded_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{change.field}: {change.before or '∅'} → {change.after or '∅'}  "
                   f"[v{change.version} {change.event}, {change.actor} ({change.actor_role}), "
                   f"{recorded}]")
