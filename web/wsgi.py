"""The app for a WSGI server: ``gunicorn web.wsgi:app`` (settings from the environment)."""

from __future__ import annotations

from web import create_app

app = create_app()
