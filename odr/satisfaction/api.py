"""JSON API of satisfaction ratings (docs/statistics.md, docs/api.md)."""

from __future__ import annotations

from flask_login import current_user

from ..cases.api import _case
from ..core.api import ApiBlueprint
from ..extensions import db
from . import operations
from .schemas import RatingInSchema, RatingListSchema, RatingSchema

blp = ApiBlueprint("satisfaction_api", __name__, description="Satisfaction ratings (群众评价)")


@blp.route("/cases/<id:case_id>/rating")
@blp.response(200, RatingListSchema)
@blp.errors(401, 404)
def own_rating(case_id):
    """The ratings the caller gave for this case (empty until they rate)."""
    case = _case(case_id, "case.view")
    return {"items": operations.own_ratings(case, current_user)}


@blp.route("/cases/<id:case_id>/rating", methods=["POST"])
@blp.arguments(RatingInSchema)
@blp.response(201, RatingSchema)
@blp.errors(401, 403, 404, 409, 422)
def rate(data, case_id):
    """A party rates a closed case: once, final. A score of 2 or less alerts the supervisor."""
    case = _case(case_id, "case.rate")
    rating = operations.rate(case, current_user, **data)
    db.session.commit()
    return rating, 201


@blp.route("/cases/<id:case_id>/ratings")
@blp.response(200, RatingListSchema)
@blp.errors(401, 403, 404)
def case_ratings(case_id):
    """Every rating of the case with its comment: the organisation's clerks and supervisors."""
    case = _case(case_id, "case.ratings.view")
    return {"items": operations.ratings(case)}
