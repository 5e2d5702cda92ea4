"""Double-blind bidding for money claims (docs/realtime.md, "Blind bidding").

One side proposes the gap (a percentage, default 0) and the other agrees to the same gap: both
agreements are recorded (who, when). Then, in each round, the applicant submits the least they
accept and the respondent the most they offer, sealed. When both figures of a round are in:

- respondent's maximum >= applicant's minimum, or the applicant's minimum exceeds the maximum by
  at most gap_percent % of the minimum: settled at the midpoint, rounded to the yuan (half up);
  an accepted proposal at that amount is recorded;
- otherwise: "no agreement in round k", and nothing else; after `max_rounds` rounds the bidding
  is exhausted.

A figure is stored in `bids` and sent back only to its own side (in the ack and the side's own
API view). It never goes to the other side or to the mediator (blind means blind), never to the
timeline, and the audit chain holds only a salted SHA-256 commitment of it.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.audit import record
from ..core.enums import Side
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..core.policy import case_roles
from ..extensions import db
from . import broadcast, proposals
from .models import Bid, Bidding, BiddingStatus

DEFAULT_MAX_ROUNDS = 3
MAX_GAP_PERCENT = Decimal(50)


def current(case) -> Bidding | None:
    return db.session.execute(select(Bidding).where(Bidding.case_id == case.id)).scalar()


def _money_claim(case) -> None:
    if case.claim_amount is None:
        raise Conflict(_("Blind bidding is only for claims for money."), code="not_a_money_claim")


def _gap(value) -> Decimal:
    gap = Decimal(value if value is not None else 0)
    if not Decimal(0) <= gap <= MAX_GAP_PERCENT:
        message = _("The gap must be between 0 and %(n)d per cent.", n=int(MAX_GAP_PERCENT))
        raise ValidationFailed(message, fields={"gap_percent": [message]})
    return gap.quantize(Decimal("0.01"))


def _agree(bidding: Bidding, side: Side, user) -> None:
    now = utcnow()
    if side == Side.APPLICANT:
        bidding.applicant_agreed_by_id, bidding.applicant_agreed_at = user.id, now
    else:
        bidding.respondent_agreed_by_id, bidding.respondent_agreed_at = user.id, now


def propose(case, user, gap_percent=0) -> Bidding:
    """Offer the other side blind bidding with this gap (they must agree before any bid)."""
    proposals.ensure_open_case(case)
    _money_claim(case)
    side = proposals.party_side(user, case)
    gap = _gap(gap_percent)
    if current(case) is not None:
        raise Conflict(_("Blind bidding has already been proposed in this case."), code="bidding_exists")
    bidding = Bidding(case_id=case.id, status=BiddingStatus.PROPOSED, gap_percent=gap, round=1,
                      max_rounds=int(current_app.config.get("BIDDING_MAX_ROUNDS", DEFAULT_MAX_ROUNDS)))
    _agree(bidding, side, user)
    db.session.add(bidding)
    db.session.flush()
    record("bidding.proposed", actor=user, case=case, side=side, gap_percent=gap,
           max_rounds=bidding.max_rounds)
    _tell(case, bidding, lambda: _("Blind bidding was proposed with an agreed gap of %(gap)s%%.",
                                   gap=_percent(bidding.gap_percent)))
    return bidding


def agree(case, user, gap_percent) -> Bidding:
    """The other side agrees to the proposed gap (it must name the same figure): bidding opens."""
    proposals.ensure_open_case(case)
    side = proposals.party_side(user, case)
    bidding = current(case)
    if bidding is None or bidding.status != BiddingStatus.PROPOSED:
        raise Conflict(_("There is no blind bidding waiting for your agreement."), code="bidding_not_proposed")
    agreed_by = bidding.applicant_agreed_by_id if side == Side.APPLICANT else bidding.respondent_agreed_by_id
    if agreed_by is not None:
        raise Conflict(_("Your side has already agreed; the other side must agree now."),
                       code="bidding_not_proposed")
    if _gap(gap_percent) != bidding.gap_percent:
        message = _("The gap you agree to must be the one proposed (%(gap)s%%).",
                    gap=_percent(bidding.gap_percent))
        raise ValidationFailed(message, fields={"gap_percent": [message]})
    _agree(bidding, side, user)
    bidding.status = BiddingStatus.OPEN
    db.session.flush()
    record("bidding.agreed", actor=user, case=case, side=side, gap_percent=bidding.gap_percent)
    _tell(case, bidding, lambda: _("Both sides agreed to blind bidding. Round %(k)d is open.",
                                   k=bidding.round))
    return bidding


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _bids(bidding: Bidding) -> list[Bid]:
    return list(db.session.execute(
        select(Bid).where(Bid.bidding_id == bidding.id).order_by(Bid.round, Bid.id)
    ).scalars())


def commitment(salt: str, amount: Decimal) -> str:
    return hashlib.sha256(f"{salt}:{amount:.2f}".encode()).hexdigest()


def midpoint(low: Decimal, high: Decimal) -> Decimal:
    """Half-way between the two figures, rounded to the yuan (0.5 up)."""
    return ((low + high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def crosses(applicant_min: Decimal, respondent_max: Decimal, gap_percent: Decimal) -> bool:
    if respondent_max >= applicant_min:
        return True
    return applicant_min - respondent_max <= applicant_min * gap_percent / 100


def submit(case, user, amount) -> tuple[Bidding, Bid]:
    proposals.ensure_open_case(case)
    side = proposals.party_side(user, case)
    bidding = current(case)
    if bidding is None or bidding.status != BiddingStatus.OPEN:
        raise Conflict(_("Blind bidding is not open in this case."), code="bidding_closed")
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        message = _("The figure must be more than zero.")
        raise ValidationFailed(message, fields={"amount": [message]})
    round_bids = [b for b in _bids(bidding) if b.round == bidding.round]
    if any(b.side == side for b in round_bids):
        raise Conflict(_("Your side has already submitted its figure in this round."), code="already_bid")
    salt = secrets.token_hex(16)
    bid = Bid(bidding_id=bidding.id, round=bidding.round, side=side, user_id=user.id, amount=amount,
              salt=salt, commitment=commitment(salt, amount))
    db.session.add(bid)
    db.session.flush()
    record("bid.submitted", actor=user, case=case, round=bid.round, side=side, commitment=bid.commitment)
    round_bids.append(bid)
    if len(round_bids) == 2:
        _close_round(case, bidding, {b.side: b.amount for b in round_bids})
    else:
        _tell(case, bidding, lambda: _("Round %(k)d: one side has submitted its figure.", k=bid.round))
    return bidding, bid


def _close_round(case, bidding: Bidding, figures: dict) -> None:
    k = bidding.round
    if crosses(figures[Side.APPLICANT], figures[Side.RESPONDENT], bidding.gap_percent):
        amount = midpoint(figures[Side.APPLICANT], figures[Side.RESPONDENT])
        bidding.status = BiddingStatus.SETTLED
        bidding.settled_amount = amount
        proposal = proposals.record_bidding_result(case, amount, case.currency or "CNY")
        bidding.proposal_id = proposal.id
        db.session.flush()
        record("bidding.settled", case=case, round=k, amount=f"{amount:.2f}", proposal_id=proposal.id)
        _tell(case, bidding, lambda: _("Blind bidding, round %(k)d: agreement at %(amount)s %(currency)s.",
                                       k=k, amount=f"{amount:.2f}", currency=case.currency or "CNY"))
        return
    if k >= bidding.max_rounds:
        bidding.status = BiddingStatus.EXHAUSTED
        db.session.flush()
        record("bidding.no_agreement", case=case, round=k, last=True)
        _tell(case, bidding, lambda: _("Blind bidding, round %(k)d: no agreement. That was the last round.", k=k))
        return
    bidding.round = k + 1
    db.session.flush()
    record("bidding.no_agreement", case=case, round=k, last=False)
    _tell(case, bidding, lambda: _("Blind bidding, round %(k)d: no agreement. Round %(next)d is open.",
                                   k=k, next=k + 1))


def _tell(case, bidding: Bidding, text) -> None:
    with force_locale(case.language or "zh_CN"):
        proposals.post_system_message(case, text())
    broadcast.queue(case.id, "bid", public_state(bidding))


def public_state(bidding: Bidding | None) -> dict | None:
    """What everyone in the joint channel may know: never a figure (only the agreed midpoint)."""
    if bidding is None:
        return None
    bids = _bids(bidding)
    in_round = {b.side.value for b in bids if b.round == bidding.round}
    return {
        "case_id": bidding.case_id,
        "status": bidding.status.value,
        "gap_percent": f"{bidding.gap_percent:.2f}",
        "max_rounds": bidding.max_rounds,
        "round": bidding.round,
        "agreed": {"applicant": bidding.applicant_agreed_at is not None,
                   "respondent": bidding.respondent_agreed_at is not None},
        "submitted": {side.value: side.value in in_round for side in Side},
        "rounds": [{"round": k, "outcome": _outcome(bidding, k)} for k in range(1, bidding.round + 1)
                   if _outcome(bidding, k) is not None],
        "settled_amount": None if bidding.settled_amount is None else f"{bidding.settled_amount:.2f}",
        "proposal_id": bidding.proposal_id,
    }


def _outcome(bidding: Bidding, k: int) -> str | None:
    if k < bidding.round:
        return "no_agreement"
    if bidding.status == BiddingStatus.SETTLED:
        return "settled"
    if bidding.status == BiddingStatus.EXHAUSTED:
        return "no_agreement"
    return None


def view_for(case, user, bidding: Bidding | None) -> dict:
    """The public state plus the viewer's own side's figures (nobody else's; a mediator: none)."""
    state = public_state(bidding)
    if state is None:
        return {"bidding": None, "my_bids": []}
    roles = case_roles(user, case)
    sides = {side for side in Side if side.value in roles}
    mine = [{"round": b.round, "side": b.side.value, "amount": f"{b.amount:.2f}"}
            for b in _bids(bidding) if b.side in sides]
    return {"bidding": state, "my_bids": mine}
