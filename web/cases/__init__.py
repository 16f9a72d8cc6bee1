"""The cases area: the case list, enrolment, the case page, reveals and history."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from web.cases import views  # noqa: E402,F401  (routes register on import)
