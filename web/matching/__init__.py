"""Resource matching (资源对接): a case's matching resources, ranked, and the match recorded."""

from flask import Blueprint

bp = Blueprint("matching", __name__, url_prefix="/cases")

from web.matching import views  # noqa: E402,F401  (routes register on import)
