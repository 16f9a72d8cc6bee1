"""``homeward export cases|events|queue|indicators|audit``: files for spreadsheets and auditors."""

from __future__ import annotations

import getpass
import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from application.exports import (
    Exporter,
    ExportError,
    ExportFilter,
    ExportPlan,
    authorise_reveal,
    check_filter,
    record_export,
    scope_to_account,
)
from domain.errors import DomainError
from domain.recording import Role, recording_as
from web.cli.case import DateType, lang_option
from web.cli.export_files import FORMATS, ROW_WRITERS, write_export
from web.cli.export_parts import default_jobs, write_in_parts
from web.cli.messages import InvestigationCommandError, say


def _lang() -> str | None:
    return click.get_current_context().find_root().meta.get("lang")


def export_options(function: Any) -> Any:
    """The options every export shares."""
    for option in reversed((
        click.option("--out", "out", required=True,
                     type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="The file to write (replaced if it exists)."),
        click.option("--format", "file_format", type=click.Choice(FORMATS),
                     help="csv, xlsx or jsonl (default: from the file name, else csv)."),
        click.option("--district", "districts", multiple=True,
                     help="A county, or a city or province for all of its counties; repeatable."),
        click.option("--from", "date_from", type=DateType(), help="First day (YYYY-MM-DD)."),
        click.option("--to", "date_to", type=DateType(), help="Last day (YYYY-MM-DD)."),
        click.option("--caseworker", help="Only this caseworker's rows."),
        click.option("--at", "at", type=click.IntRange(min=0),
                     help="The log position to export as of (as a file states it)."),
        click.option("--reveal", is_flag=True,
                     help="ID numbers and phones in clear (supervisors, investigators; audited)."),
        click.option("--reason", help="Why personal data is revealed (required with --reveal)."),
        click.option("--user", envvar="HOMEWARD_USER",
                     help="Your account (default: HOMEWARD_USER): the export keeps to what "
                          "it may read; needed with --reveal."),
        lang_option,
        with_appcontext,
    )):
        function = option(function)
    return function


@click.group("export")
def export_group() -> None:
    """Export cases, events, the work queue, indicators or the audit log to CSV, XLSX or JSON Lines.

    Every file states the log position it was taken at; the same command with
    --at POSITION writes the same bytes again.  ID numbers and phones are masked
    unless --reveal --reason TEXT is given by a supervisor or investigator
    (--user), which is recorded in the audit log before anything is written.
    Every export is in the audit log with who made it (the --user account, else
    shell:LOGIN), its kind, format, filters and position, and the rows and
    SHA-256 of its file.  An export made in an account's name (--user) holds
    only what that account may read: a caseworker's or supervisor's, their own
    district.
    """


@export_group.command("cases")
@export_options
def cases_command(**options: Any) -> None:
    """One row per case from the case list (dates: enrolment).

    \b
    Example:
      homeward export cases --format xlsx --out cases.xlsx --district 370303
      homeward export cases --out cases.csv --reveal --reason "补贴核查" --user inv-zhang
    """
    run_export("cases", **options)


@export_group.command("events")
@export_options
@click.option("--jobs", type=click.IntRange(1, 32), default=default_jobs,
              show_default="one per CPU, at most 4",
              help="Processes that read a long log at once (CSV and JSON Lines).")
def events_command(**options: Any) -> None:
    """Every event of every case up to a log position (dates: when recorded).

    District and caseworker are the case's when the event was recorded.  In
    JSON Lines the first line describes the export and each further line is one event.
    A long log is read by several processes at once (--jobs); the file is the
    same as one process writes.

    \b
    Example:
      homeward export events --format jsonl --out events.jsonl --from 2024-01-01 --to 2024-12-31
      homeward export events --format csv --out events.csv --at 123456
    """
    run_export("events", **options)


@export_group.command("queue")
@export_options
def queue_command(**options: Any) -> None:
    """Every follow-up item F1–F16 of the work queue (dates: due; caseworker: assignee).

    \b
    Example:
      homeward export queue --format xlsx --out queue.xlsx --caseworker cw-370303-01
    """
    run_export("queue", **options)


@export_group.command("indicators")
@export_options
def indicators_command(**options: Any) -> None:
    """Every indicator fact of every case, with its source event (dates: the fact's).

    \b
    Example:
      homeward export indicators --format csv --out kpi.csv --district 370300 --from 2025-01-01
    """
    run_export("indicators", **options)


@export_group.command("audit")
@export_options
def audit_command(**options: Any) -> None:
    """The audit log: every case, registry and activity event, every reveal and export,
    who recorded it and when (caseworker: actor; district: the case's, entry's or
    activity's; a supervisor --user: their district).

    \b
    Example:
      homeward export audit --format csv --out audit.csv --caseworker cw-370303-01
      homeward export audit --out audit.csv --user sup-370303 --from 2025-01-01
    """
    run_export("audit", **options)


def run_export(kind: str, *, out: Path, file_format: str | None, districts: tuple[str, ...],
               date_from: date | None, date_to: date | None, caseworker: str | None,
               at: int | None, reveal: bool, reason: str | None, user: str | None,
               jobs: int = 1) -> None:
    """Check, plan, record a reveal, then write the file."""
    from web import current_services

    services, lang = current_services(), _lang()
    file_format = file_format or (out.suffix.lstrip(".").lower()
                                  if out.suffix.lstrip(".").lower() in FORMATS else "csv")
    filters = ExportFilter(tuple(districts), date_from, date_to, caseworker)
    try:
        check_filter(kind, filters)
        account = services.accounts.find(user) if user else None
        if user:  # an export in an account's name holds only what the account may read
            filters = scope_to_account(account, user, kind, filters)
        if reveal:
            filters = authorise_reveal(account, user, kind, filters, reason)
        elif reason:
            raise ExportError("reason_without_reveal", "--reason goes with --reveal")
        exporter = Exporter(services.cases, services.views.exports())
        plan = exporter.plan(kind, filters, at, reveal)
        if plan.behind:
            click.echo(say("export_view_behind", lang, position=plan.position,
                           behind=plan.behind), err=True)
        actor, role = (account.username, account.role) if account is not None else shell_actor()
        disclosure = None
        if reveal:
            with recording_as(actor, role):
                disclosure = exporter.disclose(plan, file_format, reason or "")
        parts = exporter.parts(plan, jobs) if file_format in ROW_WRITERS else []
        with _progress(kind) as progress:
            if parts:
                rows, digest = write_in_parts(out, file_format, plan.header(), plan.columns,
                                              parts, services.cases, progress)
            else:
                rows, digest = write_export(out, file_format, plan.header(), plan.columns,
                                            exporter.rows(plan, progress))
        with recording_as(actor, role):
            if disclosure is not None:
                exporter.delivered(disclosure, rows, digest)
            else:
                _record(exporter, plan, file_format, rows, digest, out)
    except ExportError as error:
        raise InvestigationCommandError(f"export_{error.code}", lang, **error.params) from None
    except DomainError as error:
        raise InvestigationCommandError("export_refused", lang, error=str(error)) from None
    except OSError as error:
        raise InvestigationCommandError("export_write_failed", lang, out=str(out),
                                        error=error.strerror or str(error)) from None
    click.echo(say("export_done", lang, rows=rows, kind=kind, position=plan.position, out=out,
                   sha256=digest))


def shell_actor() -> tuple[str, Role]:
    """Who exports without ``--user``: the shell's operating-system user, as the system.

    Whoever runs ``homeward`` on a server holds the store's keys and reads every
    district, so the record names the login (``shell:wu``) with the system role.
    """
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user id (a bare container)
        login = "unknown"
    return f"shell:{login}"[:64], Role.SYSTEM


def record_file(cases: Any, path: Path, source: str, kind: str, file_format: str,
                position: int, rows: int, filters: str = "") -> str:
    """Record, in the shell login's name, a file the command line wrote that is not an
    export (a backup, a digest) with its size and SHA-256; returns the SHA-256.

    A file whose record cannot be saved is removed: nothing leaves unrecorded.
    """
    try:
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        with recording_as(*shell_actor()):
            record_export(cases, source, kind, file_format, filters[:500], position, rows,
                          digest.hexdigest(), size)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _record(exporter: Exporter, plan: ExportPlan, file_format: str, rows: int, digest: str,
            out: Path) -> None:
    """Record a masked export; a file that cannot be recorded is not handed over."""
    try:
        exporter.record(plan, file_format, rows, digest)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


@contextmanager
def _progress(kind: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (a new one whenever the total changes); else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    with ExitStack() as stack:
        state: dict[str, Any] = {"total": None, "bar": None, "done": 0}

        def update(done: int, total: int) -> None:
            if total != state["total"]:
                stack.close()
                state.update(total=total, done=0, bar=stack.enter_context(click.progressbar(
                    length=max(total, 1), label=f"export {kind}", file=sys.stderr,
                    show_eta=True, show_percent=True)))
            state["bar"].update(done - state["done"])
            state["done"] = done

        yield update
