"""My queue: the follow-up work due, overdue or coming up, with a link to the form that does it."""

from flask import Blueprint

bp = Blueprint("followups", __name__)

from web.followups import views  # noqa: E402,F401  (routes register on import)
