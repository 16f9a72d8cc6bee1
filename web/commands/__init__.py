"""One form per command of a case, the conflict page and the supervisor's approvals."""

from flask import Blueprint

bp = Blueprint("commands", __name__)

from web.commands import views  # noqa: E402,F401  (routes register on import)
