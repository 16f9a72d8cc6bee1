"""Check a ledger in the background (nothing saved) and show how far it is, then its result."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import current_app, redirect, render_template, request, url_for

from application.ledger.checks import CheckState, get_check, start_check
from application.ledger.importer import Status
from application.ledger.sheets import LedgerFile, LedgerFileError
from domain.recording import Role
from web.access import account, roles_required
from web.imports import bp, uploads
from web.imports.views import (
    FIELDS,
    KIND_NAMES,
    _asked,
    _cipher,
    _importer,
    _instance,
    _kind,
    _kind_asked,
    file_error,
    note,
)

#: Seconds the check request waits for its check before showing its progress.
WAIT = 3.0
#: Seconds between two loads of the progress page of a check under way.
REFRESH = 2


@bp.get("/<sha256>")
@roles_required(Role.SUPERVISOR)
def check(sha256: str) -> Any:
    """Check every row in the background (nothing is saved): its result, or its progress."""
    from web import current_services

    ledger, sheet, mapping = _asked(sha256)
    importer = _importer(mapping)
    keep = partial(uploads.keep_results, _instance(), _cipher(), account())
    thread = start_check(current_services().cases, importer, ledger, sheet, keep)
    if thread is not None:  # a small ledger is checked by now: its result at once
        thread.join(timeout=current_app.config.get("LEDGER_CHECK_WAIT", WAIT))
    state = get_check(current_services().cases, importer, sha256, sheet)
    if thread is None or state is None or state.running or state.stopped:
        return redirect(url_for("imports.checking", sha256=sha256, saved=request.args.get("saved"),
                                **_query(sheet, mapping)), code=303)
    return _result(ledger, sheet, mapping, state)


@bp.get("/<sha256>/checking")
@roles_required(Role.SUPERVISOR)
def checking(sha256: str) -> Any:
    """How far the check is (the page refreshes itself), then what would become of the rows."""
    from web import current_services

    ledger, sheet, mapping = _asked(sha256)
    state = get_check(current_services().cases, _importer(mapping), sha256, sheet)
    if state is None:
        return redirect(url_for("imports.check", sha256=sha256, **_query(sheet, mapping)))
    if state.running or state.stopped:
        return render_template("imports/checking.html", ledger=ledger, state=state,
                               kind_name=KIND_NAMES[_kind().name],
                               refresh=REFRESH if state.running else None,
                               query=_query(sheet, mapping))
    return _result(ledger, sheet, mapping, state)


def _result(ledger: LedgerFile, sheet: str | None, mapping: dict[str, str | None],
            state: CheckState) -> Any:
    kind = _kind()
    error = file_error(LedgerFileError(state.reason, state.reason, **state.params)) \
        if state.refused else None
    return render_template("imports/check.html", ledger=ledger, sheet=sheet or "",
                           state=state if state.checked else None, error=error,
                           left_out=state.rows, note=lambda result: note(result, kind),
                           columns=list(state.columns) or list(mapping.items()),
                           fields={f.name: FIELDS[f.name] for f in kind.fields},
                           statuses=Status, saved=request.args.get("saved") == "1",
                           kind=kind.name, kind_name=KIND_NAMES[kind.name],
                           query=_query(sheet, mapping)), 422 if error else 200


def _query(sheet: str | None, mapping: dict[str, str | None]) -> dict[str, Any]:
    """The arguments that name this check in a link: kind, sheet and the columns mapped."""
    return {"kind": _kind_asked(), "sheet": sheet or None,
            **{f"map:{k}": v or "" for k, v in mapping.items()}}
