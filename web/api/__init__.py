"""The JSON API under ``/api/v1``: the same commands and queries as the pages, by token."""

from __future__ import annotations

from flask import Blueprint, abort, g

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _require_token() -> None:
    # The API never uses the session cookie: a script names itself with its token.
    if getattr(g, "api_account", None) is None and request_is_not_public():
        abort(401)


def request_is_not_public() -> bool:
    from flask import request

    return request.endpoint != "api.openapi"


from web.api import (  # noqa: E402,F401  (routes register on import)
    activities,
    commands,
    matching,
    registries,
    views,
)
