"""JSON API for cases under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("cases_api", __name__, url_prefix="/api/v1", description="Cases")
