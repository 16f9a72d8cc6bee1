"""Signing in and out, and each user's language."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from web.auth import views  # noqa: E402,F401  (routes register on import)
