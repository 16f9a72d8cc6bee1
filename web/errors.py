"""Every error answered in one place, as a page or as JSON, in the user's language."""

from __future__ import annotations

from typing import Any

import eventsourcing.persistence as es
import sqlalchemy.exc as sa
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from application.accounts import AccountNotFoundError
from application.errors import CaseNotFoundError, ConcurrentEditError
from domain.errors import DomainError
from web.i18n import _
from web.messages import domain_message, http_message

_STATUS = {"invalid": 422, "conflict": 409, "not_found": 404}
RETRY_AFTER = 5  # seconds
#: The store's errors that mean "not now" rather than "wrong": a 503, never a 500.
StoreUnavailable = (es.OperationalError, es.InterfaceError, es.ConnectionUnavailableError,
                    sa.OperationalError, sa.InterfaceError, sa.TimeoutError)


def wants_json_response() -> bool:
    """API calls and clients that prefer JSON get JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"])


def error_response(status: int, errors: dict[str, list[str]], **extra: Any) -> Any:
    if wants_json_response():
        response = jsonify({"errors": errors, **extra})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, errors=errors, **extra), status


def domain_status(error: DomainError) -> int:
    return _STATUS.get(error.kind, 422)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def _invalid(error: ValidationError) -> Any:
        messages = error.messages if isinstance(error.messages, dict) else {
            "_schema": error.messages}
        return error_response(422, {k: v if isinstance(v, list) else [str(v)]
                                    for k, v in messages.items()})

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        return error_response(domain_status(error), {error.field: [domain_message(error)]})

    @app.errorhandler(AccountNotFoundError)
    def _no_account(error: AccountNotFoundError) -> Any:
        return error_response(404, {"username": [domain_message(error)]})

    @app.errorhandler(CaseNotFoundError)
    def _no_case(error: CaseNotFoundError) -> Any:
        return error_response(404, {"case": [_("No such case.")]})

    @app.errorhandler(ConcurrentEditError)
    def _conflict(error: ConcurrentEditError) -> Any:
        return error_response(409, {"expected_version": [
            _("Someone else saved this case after you loaded it. Reload it and apply "
              "your change again.")]}, version=error.actual_version)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return error_response(400, {"csrf_token": [
            _("The form expired or was sent from elsewhere. Reload the page and try again.")]})

    def _store_unavailable(error: Exception) -> Any:
        # The store is restarting, unreachable or held by a long write: trying again
        # in a moment is the right thing to do.  Nothing was saved, unless the store
        # went away during the commit itself; the same command with the same
        # expected_version then meets its own write and is refused (409), never saved twice.
        app.logger.warning("store unavailable: %s", type(error).__name__)
        response = error_response(503, {"_request": [http_message(503)]})
        response = app.make_response(response)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    for kind in StoreUnavailable:
        app.register_error_handler(kind, _store_unavailable)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        response = error_response(status, {"_request": [http_message(status)]})
        if status == 401 and not wants_json_response():
            from flask import redirect, url_for

            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return response
