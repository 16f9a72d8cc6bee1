"""The group activities: the list, planning, the activity page with its attendee picker."""

from flask import Blueprint

bp = Blueprint("activities", __name__, url_prefix="/activities")

from web.activities import views  # noqa: E402,F401  (routes register on import)
