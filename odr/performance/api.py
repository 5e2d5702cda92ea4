"""JSON API of performance tracking and follow-up visits (docs/performance.md, docs/api.md)."""

from __future__ import annotations

from flask_login import current_user

from ..cases.api import _case
from ..core.api import ApiBlueprint
from ..extensions import db
from . import operations
from .schemas import (
    FollowUpInSchema,
    FollowUpListSchema,
    FollowUpSchema,
    TermDisputeSchema,
    TermInSchema,
    TermListSchema,
    TermReportSchema,
    TermSchema,
)

blp = ApiBlueprint("performance_api", __name__, description="Performance of agreements, follow-up visits")


@blp.route("/cases/<id:case_id>/obligations")
@blp.response(200, TermListSchema)
@blp.errors(401, 404)
def list_obligations(case_id):
    """The agreement's terms with their due dates and state; `missed`: past due, not performed."""
    case = _case(case_id, "case.view")
    today = operations.today()
    return {"items": [operations.obligation_payload(o, today) for o in operations.obligations(case)]}


@blp.route("/cases/<id:case_id>/obligations", methods=["POST"])
@blp.arguments(TermInSchema)
@blp.response(201, TermSchema)
@blp.errors(401, 403, 404, 409, 422)
def add_obligation(data, case_id):
    """Staff add a term with its due date (an action, a one-off payment, a paper agreement's term)."""
    case = _case(case_id, "performance.manage")
    obligation = operations.add_obligation(case, current_user, **data)
    db.session.commit()
    return operations.obligation_payload(obligation), 201


@blp.route("/cases/<id:case_id>/obligations/<id:obligation_id>/report", methods=["POST"])
@blp.arguments(TermReportSchema)
@blp.response(200, TermSchema)
@blp.errors(401, 403, 404, 409, 422)
def report_obligation(data, case_id, obligation_id):
    """The side that owes the term marks it performed (a note, a receipt as evidence)."""
    case = _case(case_id, "performance.report")
    obligation = operations.report(case, current_user, operations.get_obligation(case, obligation_id), **data)
    db.session.commit()
    return operations.obligation_payload(obligation)


@blp.route("/cases/<id:case_id>/obligations/<id:obligation_id>/confirm", methods=["POST"])
@blp.response(200, TermSchema)
@blp.errors(401, 403, 404, 409)
def confirm_obligation(case_id, obligation_id):
    """The side owed the term confirms it was performed."""
    case = _case(case_id, "performance.report")
    obligation = operations.confirm(case, current_user, operations.get_obligation(case, obligation_id))
    db.session.commit()
    return operations.obligation_payload(obligation)


@blp.route("/cases/<id:case_id>/obligations/<id:obligation_id>/dispute", methods=["POST"])
@blp.arguments(TermDisputeSchema)
@blp.response(200, TermSchema)
@blp.errors(401, 403, 404, 409, 422)
def dispute_obligation(data, case_id, obligation_id):
    """The side owed the term says it was not (properly) performed, with a reason."""
    case = _case(case_id, "performance.report")
    obligation = operations.dispute(case, current_user, operations.get_obligation(case, obligation_id), **data)
    db.session.commit()
    return operations.obligation_payload(obligation)


@blp.route("/cases/<id:case_id>/follow-ups")
@blp.response(200, FollowUpListSchema)
@blp.errors(401, 403, 404)
def list_follow_ups(case_id):
    case = _case(case_id, "performance.follow_up.view")
    return {"items": [operations.follow_up_payload(v) for v in operations.follow_ups(case)]}


@blp.route("/cases/<id:case_id>/follow-ups", methods=["POST"])
@blp.arguments(FollowUpInSchema)
@blp.response(201, FollowUpSchema)
@blp.errors(401, 403, 404, 409, 422)
def record_follow_up(data, case_id):
    """The mediator records a follow-up visit (phone, visit, online) with each party's answers."""
    case = _case(case_id, "performance.follow_up")
    visit = operations.record_follow_up(case, current_user, **data)
    db.session.commit()
    return operations.follow_up_payload(visit), 201
