"""Starting while the store cannot be reached: answer 503 until it is back.

A web worker builds its services (the store's connection pools, the views, the
accounts) when it starts.  If PostgreSQL cannot be reached then (restarting,
failing over, or simply started after the web), a worker that gave up would
make gunicorn's arbiter stop every worker, and the site would stay down until
someone started it again.  Served by gunicorn (``web.wsgi``), the app instead
starts without its services, answers every request 503 with ``Retry-After``,
tries again on a request at most every ``HOMEWARD_STORE_RETRY_SECONDS`` of
the app's config (default: the ``Retry-After``), and serves normally from the
first request after that succeeds.  The command line still fails at once: it has no one to answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, make_response, request
from markupsafe import escape
from werkzeug.wrappers import Response

from web.errors import RETRY_AFTER, wants_json_response
from web.i18n import locale_name
from web.messages import http_message


def serve_when_the_store_returns(app: Flask, build: Callable[[], Any],
                                 unreachable: type[Exception], error: Exception) -> None:
    """Answer 503 until ``build()`` (the services) no longer raises ``unreachable``; then
    serve with what it built (``create_app`` hands both over: the composition root)."""
    app.logger.warning("store unreachable at start, answering 503 until it is back: %s",
                       error)
    retry_every = float(app.config.get("HOMEWARD_STORE_RETRY_SECONDS", RETRY_AFTER))
    lock, next_try = threading.Lock(), [time.monotonic() + retry_every]

    @app.before_request
    def _services_or_unavailable() -> Any:
        if "homeward" in app.extensions or request.endpoint == "static":
            return None
        if lock.acquire(blocking=False):  # one thread tries; the others answer 503 meanwhile
            try:
                if "homeward" not in app.extensions and time.monotonic() >= next_try[0]:
                    try:
                        app.extensions["homeward"] = build()
                    except unreachable as again:
                        next_try[0] = time.monotonic() + retry_every
                        app.logger.warning("store still unreachable: %s", again)
                    else:
                        app.logger.warning("store reachable again: serving")
            finally:
                lock.release()
        if "homeward" in app.extensions:
            return None
        return unavailable()


def unavailable() -> Response:
    """503 with Retry-After, in JSON or as a bare page (no page that reads an account)."""
    message = http_message(503)
    if wants_json_response():
        response = jsonify({"errors": {"_request": [message]}})
    else:
        response = make_response(
            f'<!doctype html><html lang="{locale_name().replace("_", "-")}">'
            f'<meta charset="utf-8"><title>503</title><h1>503</h1><p>{escape(message)}</p>'
            "</html>")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response
