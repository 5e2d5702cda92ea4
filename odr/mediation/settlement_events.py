"""Socket events for proposals, blind bidding and the settlement agreement (docs/realtime.md).

Each handler: load the case and ask the policy (events._load_case) -> load the data with the
API's schema -> one operation -> commit -> ack. The broadcasts (`proposal`, `bid`, `agreement`,
`agreement_comment`, and the system `message`s) go out when the session commits (broadcast.py).
Registered on MediationNamespace as on_<event with ":" as "_">.
"""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext as _

from ..core.errors import NotFound, ValidationFailed, field_messages
from ..extensions import db
from . import agreement as agreements
from . import bids, proposals
from . import schemas as s
from .events import MediationNamespace, _handler, _load_case, _positive_int

VIEW = "mediation.view"
BARGAIN = "mediation.bargain"
DRAFT = "mediation.agreement.draft"
SIGN = "mediation.agreement.sign"


def _load(schema, data: dict) -> dict:
    body = {k: v for k, v in data.items() if k not in ("case_id", "proposal_id")}
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), code="invalid_request",
                               fields=field_messages(error.messages)) from None


def _done(reply: dict) -> dict:
    db.session.commit()
    return {"ok": True, **reply}


def _agreement(case):
    agreement = agreements.current(case)
    if agreement is None:
        raise NotFound(_("This case has no agreement draft yet."))
    return agreement


# ---- proposals ----------------------------------------------------------------------------------

def proposal_create(user, data):
    case = _load_case(user, data, BARGAIN)
    proposal = proposals.create(case, user, **_load(s.ProposalInSchema(), data))
    return _done({"proposal": proposals.proposal_payload(proposal)})


def _answer(operation):
    def handle(user, data):
        case = _load_case(user, data, BARGAIN)
        proposal = proposals.get_proposal(case, _positive_int(data.get("proposal_id"), "proposal_id"))
        operation(case, user, proposal)
        return _done({"proposal": proposals.proposal_payload(proposal)})

    return handle


def proposal_counter(user, data):
    case = _load_case(user, data, BARGAIN)
    answered = proposals.get_proposal(case, _positive_int(data.get("proposal_id"), "proposal_id"))
    proposal = proposals.counter(case, user, answered, **_load(s.ProposalInSchema(), data))
    return _done({"proposal": proposals.proposal_payload(proposal)})


def proposal_list(user, data):
    case = _load_case(user, data, VIEW)
    reply = {"proposals": [proposals.proposal_payload(p) for p in proposals.case_proposals(case)]}
    db.session.rollback()
    return {"ok": True, **reply}


# ---- blind bidding ------------------------------------------------------------------------------

def bid_propose(user, data):
    case = _load_case(user, data, BARGAIN)
    bidding = bids.propose(case, user, **_load(s.BiddingInSchema(), data))
    return _done(bids.view_for(case, user, bidding))


def bid_agree(user, data):
    case = _load_case(user, data, BARGAIN)
    bidding = bids.agree(case, user, **_load(s.BiddingInSchema(), data))
    return _done(bids.view_for(case, user, bidding))


def bid_submit(user, data):
    case = _load_case(user, data, BARGAIN)
    bidding, _bid = bids.submit(case, user, **_load(s.BidInSchema(), data))
    return _done(bids.view_for(case, user, bidding))


def bid_status(user, data):
    case = _load_case(user, data, VIEW)
    reply = bids.view_for(case, user, bids.current(case))
    db.session.rollback()
    return {"ok": True, **reply}


# ---- the agreement ------------------------------------------------------------------------------

def agreement_get(user, data):
    case = _load_case(user, data, VIEW)
    agreement = _agreement(case)
    reply = {"agreement": agreements.agreement_payload(agreement), "comments": agreements.comments(agreement)}
    db.session.rollback()
    return {"ok": True, **reply}


def agreement_create(user, data):
    case = _load_case(user, data, DRAFT)
    agreement = agreements.create(case, user, **_load(s.AgreementInSchema(), data))
    return _done({"agreement": agreements.agreement_payload(agreement)})


def agreement_edit(user, data):
    case = _load_case(user, data, DRAFT)
    agreement = agreements.edit(case, user, _agreement(case), **_load(s.AgreementEditSchema(), data))
    return _done({"agreement": agreements.agreement_payload(agreement)})


def agreement_comment(user, data):
    case = _load_case(user, data, SIGN)
    item = agreements.comment(case, user, _agreement(case), **_load(s.CommentInSchema(), data))
    return _done({"comment": {**agreements.comment_payload(item, user), "case_id": case.id}})


def agreement_lock(user, data):
    case = _load_case(user, data, DRAFT)
    agreement = agreements.lock(case, user, _agreement(case), **_load(s.LockSchema(), data))
    return _done({"agreement": agreements.agreement_payload(agreement)})


def agreement_unlock(user, data):
    case = _load_case(user, data, DRAFT)
    agreement = agreements.unlock(case, user, _agreement(case))
    return _done({"agreement": agreements.agreement_payload(agreement)})


def agreement_sign(user, data):
    case = _load_case(user, data, SIGN)
    agreement = _agreement(case)
    signature = agreements.sign(case, user, agreement, **_load(s.SignInSchema(), data),
                                ip=request.remote_addr or "", user_agent=request.headers.get("User-Agent", ""))
    reply = {"signature": agreements.signature_payload(signature),
             "agreement": agreements.agreement_payload(agreement), "case_state": case.state.value}
    return _done(reply)


EVENTS = {
    "proposal:create": proposal_create,
    "proposal:accept": _answer(proposals.accept),
    "proposal:reject": _answer(proposals.reject),
    "proposal:withdraw": _answer(proposals.withdraw),
    "proposal:counter": proposal_counter,
    "proposal:list": proposal_list,
    "bid:propose": bid_propose,
    "bid:agree": bid_agree,
    "bid:submit": bid_submit,
    "bid:status": bid_status,
    "agreement:get": agreement_get,
    "agreement:create": agreement_create,
    "agreement:edit": agreement_edit,
    "agreement:comment": agreement_comment,
    "agreement:lock": agreement_lock,
    "agreement:unlock": agreement_unlock,
    "agreement:sign": agreement_sign,
}


def _method(fn):
    def method(self, user, connection, data):
        return fn(user, data)

    method.__name__ = fn.__name__
    return _handler(method)


for _event, _fn in EVENTS.items():
    setattr(MediationNamespace, "on_" + _event.replace(":", "_"), _method(_fn))
