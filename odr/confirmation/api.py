"""JSON API of judicial confirmation (docs/confirmation.md, docs/api.md): load the case, ask the
policy (404 for outsiders, 403 otherwise, audited), one operation, commit once."""

from __future__ import annotations

from flask_login import current_user

from ..cases.api import _case
from ..core.api import ApiBlueprint
from ..core.errors import NotFound
from ..core.policy import authorize
from ..extensions import db
from . import operations
from .models import ApplicationStatus
from .paper import application_of
from .schemas import (
    ConfirmationDecisionSchema,
    ConfirmationInboxArgsSchema,
    ConfirmationInboxSchema,
    ConfirmationSchema,
    ConfirmationStartSchema,
    ConfirmationWrittenSchema,
)

blp = ApiBlueprint("confirmation_api", __name__, description="Judicial confirmation of settlement agreements")


@blp.route("/cases/<id:case_id>/confirmation")
@blp.response(200, ConfirmationSchema)
@blp.errors(401, 404)
def get_application(case_id):
    """The case's application for judicial confirmation (404 when there is none)."""
    case = _case(case_id, "case.view")
    application = application_of(case)
    if application is None:
        raise NotFound()
    return operations.application_payload(application, case)


@blp.route("/cases/<id:case_id>/confirmation", methods=["POST"])
@blp.arguments(ConfirmationStartSchema)
@blp.response(201, ConfirmationSchema)
@blp.errors(401, 403, 404, 409, 422)
def start_application(data, case_id):
    """A party starts the joint application, naming the court; the other side is asked to join."""
    case = _case(case_id, "confirmation.apply")
    application = operations.start(case, current_user, data["court_id"])
    db.session.commit()
    return operations.application_payload(application, case), 201


@blp.route("/cases/<id:case_id>/confirmation/join", methods=["POST"])
@blp.response(200, ConfirmationSchema)
@blp.errors(401, 403, 404, 409, 422)
def join_application(case_id):
    """The other side joins: the application is filed with the court and its paper issued."""
    case = _case(case_id, "confirmation.apply")
    application = operations.join(case, current_user)
    db.session.commit()
    return operations.application_payload(application, case)


@blp.route("/cases/<id:case_id>/confirmation/written", methods=["POST"])
@blp.arguments(ConfirmationWrittenSchema)
@blp.response(200, ConfirmationSchema)
@blp.errors(401, 403, 404, 409, 422)
def file_written_application(data, case_id):
    """The committee's clerk files the parties' joint written application."""
    case = _case(case_id, "confirmation.file")
    application = operations.file_written(case, current_user, data["court_id"], note=data["note"],
                                          evidence_id=data["evidence_id"])
    db.session.commit()
    return operations.application_payload(application, case)


@blp.route("/cases/<id:case_id>/confirmation/decision", methods=["POST"])
@blp.arguments(ConfirmationDecisionSchema)
@blp.response(200, ConfirmationSchema)
@blp.errors(401, 403, 404, 409, 422)
def decide_application(data, case_id):
    """The court's clerk records the ruling (confirmed, or dismissed) with reasons; the ruling
    paper is issued and the parties are told."""
    case = _case(case_id, "confirmation.decide")
    application, _document = operations.decide(case, current_user, confirmed=data["confirmed"],
                                               reasons=data["reasons"])
    db.session.commit()
    return operations.application_payload(application, case)


@blp.route("/confirmations")
@blp.arguments(ConfirmationInboxArgsSchema, location="query")
@blp.response(200, ConfirmationInboxSchema)
@blp.errors(401, 403)
def confirmation_inbox(args):
    """A court clerk's inbox: applications filed with their court (`status`: filed by default)."""
    authorize(current_user, "confirmation.inbox")
    status = None if args["status"] == "all" else ApplicationStatus(args["status"])
    return {"items": operations.application_payloads(operations.inbox(current_user, status=status))}
