"""JSON API of the evaluation: GET/POST /api/v1/cases/<id>/evaluation (docs/api.md, docs/evaluation.md)."""

from __future__ import annotations

from flask_login import current_user

from ..core.api import ApiBlueprint
from ..core.i18n import is_chinese
from ..extensions import db
from . import operations
from .access import case_for
from .calculators import SOURCES
from .schemas import EvaluationInSchema, EvaluationSchema

blp = ApiBlueprint("evaluation_api", __name__, description="Evaluation: checklist, limitation, calculators, report")


def _body(case) -> dict:
    return {
        "case_id": case.id,
        "report": operations.latest_report(case),
        "checklist": operations.checklist_state(case, "zh_CN" if is_chinese() else "en"),
        "notes": operations.notes(case),
        "sources": SOURCES,
    }


@blp.route("/cases/<id:case_id>/evaluation")
@blp.response(200, EvaluationSchema)
@blp.errors(401, 404)
def get_evaluation(case_id):
    """The latest evaluation report, the evidence checklist and the expert notes."""
    return _body(case_for(case_id, "case.evaluation.view"))


@blp.route("/cases/<id:case_id>/evaluation", methods=["POST"])
@blp.arguments(EvaluationInSchema)
@blp.response(201, EvaluationSchema)
@blp.errors(401, 403, 404)
def post_evaluation(data, case_id):
    """Write the next version of the report from the parts given (at least one)."""
    case = case_for(case_id, "case.evaluation.edit")
    operations.evaluate(case, current_user, data)
    db.session.commit()
    return _body(case)
