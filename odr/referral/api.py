"""JSON API of referral and linkage (docs/referral.md, docs/api.md):

    GET  /cases/<id>/referral                  where the case stands, its options, the consents
    POST /cases/<id>/referral                  choose the receiving body (choose_referral)
    POST /cases/<id>/referral/accept           the receiving clerk accepts (refer)
    POST /cases/<id>/referral/return           ... or returns it with a reason (return_referral)
    PUT  /cases/<id>/referral/record-consent   a party's yes or no to sharing the mediation record
    GET  /referrals/inbox                      the receiving body's inbox and a court's delegations
    POST /referrals/delegations                a court's clerk sends a dispute into mediation
    GET  /cases/<id>/bundle                    the case bundle (ZIP)
    POST /bundles                              import a bundle from another instance
"""

from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user

from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.api import ApiBlueprint
from ..core.errors import NotFound
from ..core.policy import authorize
from ..extensions import db
from . import bundle, operations
from .schemas import (
    AcceptInSchema,
    BundleUploadSchema,
    ChooseInSchema,
    ConsentInSchema,
    DelegatedSchema,
    DelegationInSchema,
    ImportedSchema,
    InboxSchema,
    ReferralStateSchema,
    ReturnInSchema,
)

blp = ApiBlueprint("referral_api", __name__, description="Referral to other bodies, court delegation, case bundles")


def _case(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)
    if action != "case.view":
        authorize(current_user, action, case)
    return case


@blp.route("/cases/<id:case_id>/referral")
@blp.response(200, ReferralStateSchema)
@blp.errors(401, 404)
def get_referral(case_id):
    """The referral part of the case: target, pending referral with its deadline, history, the
    bodies it may go to (for those who choose), the consents to share the mediation record."""
    return operations.state_for(_case(case_id, "case.view"), current_user)


def _step(case_id: int, action: str, **data):
    case = _case(case_id, "case.view")
    if case_ops.workflow.find(case.state, action) is not None:
        authorize(current_user, f"case.transition.{action}", case)
    case_ops.transition(case, action, current_user, **data)
    db.session.commit()
    return operations.state_for(case, current_user)


@blp.route("/cases/<id:case_id>/referral", methods=["POST"])
@blp.arguments(ChooseInSchema)
@blp.response(200, ReferralStateSchema)
@blp.errors(401, 403, 404, 409, 422)
def choose(data, case_id):
    """Send the case to a body (the applicant or the clerk). Its clerks are told and answer by
    the deadline in `pending.due_at`. A body not in `options`: 422."""
    return _step(case_id, "choose_referral", **data)


@blp.route("/cases/<id:case_id>/referral/accept", methods=["POST"])
@blp.arguments(AcceptInSchema)
@blp.response(200, ReferralStateSchema)
@blp.errors(401, 403, 404, 409)
def accept(data, case_id):
    """The receiving body's clerk takes the case; the referral letter (zh_CN and en) is issued."""
    return _step(case_id, "refer", **data)


@blp.route("/cases/<id:case_id>/referral/return", methods=["POST"])
@blp.arguments(ReturnInSchema)
@blp.response(200, ReferralStateSchema)
@blp.errors(401, 403, 404, 409, 422)
def return_case(data, case_id):
    """The receiving body's clerk sends the case back with a reason; the parties choose again.
    After this the clerk no longer holds the case (404 on the next call)."""
    case = _case(case_id, "case.view")
    if case_ops.workflow.find(case.state, "return_referral") is not None:
        authorize(current_user, "case.transition.return_referral", case)
    case_ops.transition(case, "return_referral", current_user, **data)
    db.session.commit()
    history = [operations.referral_dump(r) for r in operations.referrals_of(case)]
    return {"case_id": case.id, "state": case.state, "version": case.version, "target_organisation": None,
            "pending": None, "history": history, "options": {}, "record_consents": {},
            "record_shared": False, "allowed": []}


@blp.route("/cases/<id:case_id>/referral/record-consent", methods=["PUT"])
@blp.arguments(ConsentInSchema)
@blp.response(200, ReferralStateSchema)
@blp.errors(401, 403, 404)
def record_consent(data, case_id):
    """Your side's answer: may the mediation record go to the receiving body (default no)?"""
    case = _case(case_id, "case.referral.consent")
    operations.set_record_consent(case, current_user, data["consented"])
    db.session.commit()
    return operations.state_for(case, current_user)


@blp.route("/referrals/inbox")
@blp.response(200, InboxSchema)
@blp.errors(401, 403)
def inbox():
    """Cases referred to your body (with their deadlines; `overdue` when past), the latest
    decided, and the cases your court delegated to mediation with their results."""
    authorize(current_user, "referral.inbox")
    return operations.inbox_dump(current_user)


@blp.route("/referrals/delegations", methods=["POST"])
@blp.arguments(DelegationInSchema)
@blp.response(201, DelegatedSchema)
@blp.errors(401, 403, 422)
def delegate(data):
    """A court's clerk sends a dispute to a mediation organisation (委派调解): the case is filed
    there and submitted; the court follows it and is told the result."""
    authorize(current_user, "referral.delegate")
    case = operations.delegate(current_user, **data)
    db.session.commit()
    return {"case": case}, 201, {"Location": url_for("cases_api.get_case", case_id=case.id)}


@blp.route("/cases/<id:case_id>/bundle")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/zip",
              description="The case bundle: manifest.json, summary.pdf, evidence/, documents/.")
@blp.errors(401, 403, 404)
def export_bundle(case_id):
    case = _case(case_id, "case.bundle.export")
    data, manifest = bundle.build_bundle(case, current_user)
    name = f"{case.reference}-bundle.zip"
    db.session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Bundle-SHA256"] = manifest["bundle_sha256"]
    return response


@blp.route("/bundles", methods=["POST"])
@blp.arguments(BundleUploadSchema, location="multipart")
@blp.response(201, ImportedSchema)
@blp.errors(401, 403, 413, 422)
def import_bundle(data):
    """Import a bundle exported by another instance. Every hash is checked first; a bundle that
    fails a check is refused (422, code `bundle_refused`, the reason in `message`) and nothing
    is stored. The case opens at your organisation, submitted, with its files as evidence."""
    authorize(current_user, "bundle.import")
    case = bundle.import_bundle(current_user, data["file"].read(), data.get("organisation_id"))
    origin = bundle.origin_of(case)
    result = {"case": case, "origin": origin, "files": len(case.evidence),
              "audit_events": len(origin.manifest.get("audit", []))}
    db.session.commit()
    return result, 201, {"Location": url_for("cases_api.get_case", case_id=case.id)}
