"""Import a checked ledger in the background and show how far it is, then how it ended."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from application.ledger.importer import Status
from application.ledger.runs import get_run, start_import
from domain.recording import Role
from web.access import roles_required
from web.imports import bp
from web.imports.views import KIND_NAMES, _asked, _importer, _kind, _kind_asked, note

#: Seconds the import request waits for its run before showing its progress.
WAIT = 3.0
#: Seconds between two loads of the progress page of a run under way.
REFRESH = 2


@bp.post("/<sha256>")
@roles_required(Role.SUPERVISOR)
def run(sha256: str) -> BaseResponse:
    """Start importing the accepted rows that are not in yet (each once) in the background."""
    from web import current_services

    ledger, sheet, mapping = _asked(sha256)
    thread = start_import(current_services().cases, _importer(mapping), ledger, sheet)
    if thread is not None:
        thread.join(timeout=WAIT)  # a small ledger is done by now: its result at once
    return redirect(url_for("imports.progress", sha256=sha256, kind=_kind_asked(),
                            sheet=sheet), code=303)


@bp.get("/<sha256>/progress")
@roles_required(Role.SUPERVISOR)
def progress(sha256: str) -> Any:
    """How far the import is (the page refreshes itself), then what became of the rows."""
    from web import current_services

    ledger, sheet, mapping = _asked(sha256)
    state = get_run(current_services().cases, _kind(), sha256, sheet)
    if state is None:
        return redirect(url_for("imports.check", sha256=sha256, kind=_kind_asked(),
                                sheet=sheet))
    kind = _kind()
    left_out = [r for r in state.rows if r.status in (Status.REFUSED, Status.DUPLICATE)]
    return render_template("imports/progress.html", ledger=ledger, state=state,
                           left_out=left_out, note=lambda result: note(result, kind),
                           statuses=Status, kind_name=KIND_NAMES[kind.name],
                           refresh=REFRESH if state.running else None,
                           query={"kind": _kind_asked(), "sheet": sheet or None,
                                  **{f"map:{k}": v or "" for k, v in mapping.items()}})
