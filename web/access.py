"""Who is asking, what they may see and do, and recording in their name.

A case outside the account's reach is answered exactly as a case that does
not exist (404), so a refusal reveals nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from uuid import uuid4

from flask import Flask, abort, g, request
from flask_login import current_user

from application.errors import CaseNotFoundError
from application.queries import CaseState
from domain.accounts import Account
from domain.errors import DomainError
from domain.recording import Role, recording_as

F = TypeVar("F", bound=Callable[..., Any])


def current_account() -> Account | None:
    """The account behind this request (session or API token), or None."""
    if getattr(g, "api_account", None) is not None:
        return g.api_account  # type: ignore[no-any-return]
    if current_user and current_user.is_authenticated:
        return current_user.account  # type: ignore[no-any-return]
    return None


def account() -> Account:
    """The account behind this request; 401 if there is none."""
    found = current_account()
    if found is None:
        abort(401)
    return found


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Refuse (403) any account whose role is not one of ``roles``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if account().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def readable_case(case_no: str) -> CaseState:
    """The case if this account may read it; otherwise 404, as if it did not exist."""
    from web import current_services

    try:
        state = current_services().cases.get_case_numbered(case_no)
    except (CaseNotFoundError, DomainError):  # unknown, or not even a case number
        abort(404)
    if not may_read_case(account(), state):
        abort(404)
    return state


def writable_case(case_no: str) -> CaseState:
    """The case if this account may record on it; 404 when unreadable, 403 when read-only."""
    state = readable_case(case_no)
    if not may_write_case(account(), state):
        abort(403)
    return state


def may_read_case(who: Account, state: CaseState) -> bool:
    # The receiving district sees a case that is being transferred to it.
    incoming = state.transfer is not None and who.may_read(state.transfer.to_district)
    return who.may_read(state.owning_district) or incoming


def may_write_case(who: Account, state: CaseState) -> bool:
    incoming = state.transfer is not None and who.may_write(state.transfer.to_district)
    return who.may_write(state.owning_district) or incoming


def configure_recording(app: Flask) -> None:
    """Every event recorded during a request names its account, role and request."""

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid4().hex

    @app.before_request
    def _record_as() -> None:
        found = current_account()
        if found is not None:
            g.recording = recording_as(found.username, found.role, g.request_id)
            g.recording.__enter__()

    @app.teardown_request
    def _stop(_: BaseException | None) -> None:
        recording = g.pop("recording", None)
        if recording is not None:
            recording.__exit__(None, None, None)

