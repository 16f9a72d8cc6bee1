"""The supervisors' dashboard: indicators against targets, overdue work, data quality, downloads."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)

from web.supervision import views  # noqa: E402,F401  (routes register on import)
