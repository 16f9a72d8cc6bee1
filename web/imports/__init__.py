"""The supervisors' import page: a ledger uploaded, checked on screen, then imported."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")

from web.imports import checks, runs, views  # noqa: E402,F401  (routes register on import)
