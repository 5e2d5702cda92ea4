"""JSON API for proposals, blind bidding and the settlement agreement (docs/api.md).

The same operations and schemas as the socket events (settlement_events.py): load the case and
ask the policy (404 for outsiders, audited), one operation, commit once; the room hears of it
after the commit (broadcast.py).
"""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..cases.api import _case
from ..core.api import ApiBlueprint
from ..core.errors import NotFound
from ..extensions import db
from . import agreement as agreements
from . import bids, proposals
from .schemas import (
    AgreementEditSchema,
    AgreementInSchema,
    BiddingInSchema,
    BidInSchema,
    CommentInSchema,
    LockSchema,
    ProposalInSchema,
    SignInSchema,
)
from .settlement_events import BARGAIN, DRAFT, SIGN, VIEW

blp = ApiBlueprint("mediation_api", __name__, description="Proposals, blind bidding, the settlement agreement")

ANSWERS = {"accept": proposals.accept, "reject": proposals.reject, "withdraw": proposals.withdraw}


def _agreement(case):
    agreement = agreements.current(case)
    if agreement is None:
        raise NotFound()
    return agreement


def _agreement_body(agreement) -> dict:
    return {"agreement": agreements.agreement_payload(agreement), "comments": agreements.comments(agreement)}


@blp.route("/cases/<id:case_id>/proposals")
@blp.response(200)
@blp.errors(401, 404)
def list_proposals(case_id):
    """The case's proposals, oldest first (statuses: offered, expired, accepted, rejected, withdrawn, countered)."""
    case = _case(case_id, VIEW)
    return {"items": [proposals.proposal_payload(p) for p in proposals.case_proposals(case)]}


@blp.route("/cases/<id:case_id>/proposals", methods=["POST"])
@blp.arguments(ProposalInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def make_proposal(data, case_id):
    """Make an offer for one's side (one open proposal per side)."""
    case = _case(case_id, BARGAIN)
    proposal = proposals.create(case, current_user, **data)
    db.session.commit()
    return proposals.proposal_payload(proposal), 201


@blp.route("/cases/<id:case_id>/proposals/<id:proposal_id>/counter", methods=["POST"])
@blp.arguments(ProposalInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def counter_proposal(data, case_id, proposal_id):
    """Answer the other side's open proposal with one's own."""
    case = _case(case_id, BARGAIN)
    proposal = proposals.counter(case, current_user, proposals.get_proposal(case, proposal_id), **data)
    db.session.commit()
    return proposals.proposal_payload(proposal), 201


@blp.route("/cases/<id:case_id>/proposals/<id:proposal_id>/<any(accept,reject,withdraw):step>",
           methods=["POST"])
@blp.response(200)
@blp.errors(401, 403, 404, 409)
def answer_proposal(case_id, proposal_id, step):
    """accept / reject (the other side), withdraw (the proposing side)."""
    case = _case(case_id, BARGAIN)
    proposal = proposals.get_proposal(case, proposal_id)
    ANSWERS[step](case, current_user, proposal)
    db.session.commit()
    return proposals.proposal_payload(proposal)


@blp.route("/cases/<id:case_id>/bids")
@blp.response(200)
@blp.errors(401, 404)
def bidding_status(case_id):
    """The bidding's public state, and the caller's own side's figures (`my_bids`) only."""
    case = _case(case_id, VIEW)
    return bids.view_for(case, current_user, bids.current(case))


@blp.route("/cases/<id:case_id>/bids", methods=["POST"])
@blp.arguments(BidInSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def submit_bid(data, case_id):
    """Submit this round's sealed figure (applicant: the least accepted; respondent: the most offered)."""
    case = _case(case_id, BARGAIN)
    bidding, _bid = bids.submit(case, current_user, **data)
    db.session.commit()
    return bids.view_for(case, current_user, bidding)


@blp.route("/cases/<id:case_id>/bids/<any(propose,agree):step>", methods=["POST"])
@blp.arguments(BiddingInSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def start_bidding(data, case_id, step):
    """propose: offer blind bidding with a gap; agree: the other side accepts the same gap."""
    case = _case(case_id, BARGAIN)
    bidding = (bids.propose if step == "propose" else bids.agree)(case, current_user, **data)
    db.session.commit()
    return bids.view_for(case, current_user, bidding)


@blp.route("/cases/<id:case_id>/agreement")
@blp.response(200)
@blp.errors(401, 404)
def get_agreement(case_id):
    case = _case(case_id, VIEW)
    return _agreement_body(_agreement(case))


@blp.route("/cases/<id:case_id>/agreement", methods=["POST"])
@blp.arguments(AgreementInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def create_agreement(data, case_id):
    """The mediator starts the draft, prefilled from the case and the accepted proposal."""
    case = _case(case_id, DRAFT)
    agreement = agreements.create(case, current_user, **data)
    db.session.commit()
    return _agreement_body(agreement), 201


@blp.route("/cases/<id:case_id>/agreement", methods=["PUT"])
@blp.arguments(AgreementEditSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def edit_agreement(data, case_id):
    """A new version. A stale `expected_version`: 409 with `current_version` and `current_text`."""
    case = _case(case_id, DRAFT)
    agreement = agreements.edit(case, current_user, _agreement(case), **data)
    db.session.commit()
    return _agreement_body(agreement)


@blp.route("/cases/<id:case_id>/agreement/comments", methods=["POST"])
@blp.arguments(CommentInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def comment_agreement(data, case_id):
    case = _case(case_id, SIGN)
    item = agreements.comment(case, current_user, _agreement(case), **data)
    db.session.commit()
    return {**agreements.comment_payload(item), "case_id": case.id}, 201


@blp.route("/cases/<id:case_id>/agreement/lock", methods=["POST"])
@blp.arguments(LockSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409)
def lock_agreement(data, case_id):
    case = _case(case_id, DRAFT)
    agreement = agreements.lock(case, current_user, _agreement(case), **data)
    db.session.commit()
    return _agreement_body(agreement)


@blp.route("/cases/<id:case_id>/agreement/unlock", methods=["POST"])
@blp.response(200)
@blp.errors(401, 403, 404, 409)
def unlock_agreement(case_id):
    """Only before the first signature."""
    case = _case(case_id, DRAFT)
    agreement = agreements.unlock(case, current_user, _agreement(case))
    db.session.commit()
    return _agreement_body(agreement)


@blp.route("/cases/<id:case_id>/signatures")
@blp.response(200)
@blp.errors(401, 404)
def list_signatures(case_id):
    case = _case(case_id, VIEW)
    return {"items": [agreements.signature_payload(s) for s in agreements.signatures(_agreement(case))]}


@blp.route("/cases/<id:case_id>/signatures", methods=["POST"])
@blp.arguments(SignInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def sign_agreement(data, case_id):
    """Sign the locked text with one's password; the last signature settles the case."""
    case = _case(case_id, SIGN)
    agreement = _agreement(case)
    signature = agreements.sign(case, current_user, agreement, **data, ip=request.remote_addr or "",
                                user_agent=request.headers.get("User-Agent", ""))
    db.session.commit()
    return {"signature": agreements.signature_payload(signature),
            "agreement": agreements.agreement_payload(agreement), "case_state": case.state.value}, 201


@blp.app_template_global()
def settlement_summary(case):
    """For the case page (templates/cases/_settlement.html): the proposals and the agreement's
    state, if the viewer may see them (mediation.view) and there is anything to show."""
    from ..core.policy import can

    if not can(current_user, VIEW, case):
        return None
    items = proposals.case_proposals(case)
    agreement = agreements.current(case)
    if not items and agreement is None:
        return None
    return {"proposals": [proposals.proposal_payload(p) for p in items],
            "agreement": None if agreement is None else {
                "status": agreement.status.value, "version": agreement.version,
                "sha256": agreement.text_sha256,
                "signatures": len(agreements.signatures(agreement))}}


from . import session_api  # noqa: E402, F401  (sessions, notes, choosing a mediator: routes on blp)
