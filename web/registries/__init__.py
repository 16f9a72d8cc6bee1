"""The registries area: resource lists to search, entries to add and change, mentor load."""

from flask import Blueprint

bp = Blueprint("registries", __name__, url_prefix="/registries")

from web.registries import views  # noqa: E402,F401  (routes register on import)
