"""The app for a WSGI server: ``gunicorn web.wsgi:app`` (settings from the environment)."""

from __future__ import annotations

from web import create_app

# A worker that cannot reach the store at start answers 503 until it can (web.startup).
app = create_app(HOMEWARD_START_WITHOUT_STORE=True)
