"""Proposals: structured offers between the sides of a case in mediation.

    offered -> accepted | rejected (by the other side) | withdrawn (by its side) | countered

Rules (docs/realtime.md, "Proposals"):
- Only a party (or their representative) proposes, for their own side; only the *other* side
  accepts, rejects or counters; only the proposing side withdraws, while it is open.
- One open proposal per side at a time: to change an offer, withdraw it (or counter theirs after
  withdrawing yours). So the table of open offers never has two conflicting lines from one side.
- An offer with an `expires_at` in the past can no longer be accepted; it shows as `expired` and
  no longer counts as the side's open proposal.
- Every step is audited (no amounts in the audit: the amounts are in the proposal row) and
  announced in the joint channel as a system message, in the case's language.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.audit import record
from ..core.enums import Side
from ..core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ..core.models import utcnow
from ..core.policy import case_roles
from ..extensions import db
from . import broadcast
from .models import Proposal, ProposalStatus
from .operations import WRITABLE_STATES, post_system_message

MAX_INSTALMENTS = 60
MAX_TERMS = 4000


def party_side(user, case) -> Side:
    """The side a party (or representative) speaks for; anyone else may not bargain."""
    roles = case_roles(user, case)
    sides = [side for side in Side if side.value in roles]
    if len(sides) != 1:
        raise NotAllowed(_("Only the parties make, accept or reject proposals."))
    return sides[0]


def ensure_open_case(case) -> None:
    if case.state not in WRITABLE_STATES:
        raise Conflict(_("Proposals and signatures are possible only while the case is in mediation."),
                       code="room_closed")


def is_expired(proposal: Proposal) -> bool:
    return proposal.expires_at is not None and proposal.expires_at <= utcnow()


def shown_status(proposal: Proposal) -> str:
    if proposal.status == ProposalStatus.OFFERED and is_expired(proposal):
        return "expired"
    return proposal.status.value


def case_proposals(case) -> list[Proposal]:
    return list(db.session.execute(
        select(Proposal).where(Proposal.case_id == case.id).order_by(Proposal.id)
    ).scalars())


def get_proposal(case, proposal_id) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None or proposal.case_id != case.id:
        raise NotFound(_("There is no such proposal in this case."))
    return proposal


def _open_of(case, side: Side) -> Proposal | None:
    for proposal in case_proposals(case):
        if proposal.side == side and proposal.status == ProposalStatus.OFFERED and not is_expired(proposal):
            return proposal
    return None


def check_terms(amount, currency, instalments, terms) -> tuple:
    """Validate an offer's content; returns (amount, instalments as stored, terms)."""
    terms = (terms or "").strip()
    if amount is None and not terms:
        message = _("Give an amount or describe the terms.")
        raise ValidationFailed(message, fields={"amount": [message]})
    if len(terms) > MAX_TERMS:
        message = _("At most %(n)d characters.", n=MAX_TERMS)
        raise ValidationFailed(message, fields={"terms": [message]})
    stored = []
    if instalments:
        if amount is None:
            message = _("Instalments need an amount.")
            raise ValidationFailed(message, fields={"instalments": [message]})
        if len(instalments) > MAX_INSTALMENTS:
            message = _("At most %(n)d instalments.", n=MAX_INSTALMENTS)
            raise ValidationFailed(message, fields={"instalments": [message]})
        total = sum((Decimal(i["amount"]) for i in instalments), Decimal(0))
        if total != Decimal(amount):
            message = _("The instalments must add up to the amount.")
            raise ValidationFailed(message, fields={"instalments": [message]})
        dates = [i["due_date"] for i in instalments]
        if dates != sorted(dates):
            message = _("List the instalments in the order of their dates.")
            raise ValidationFailed(message, fields={"instalments": [message]})
        stored = [{"amount": f"{Decimal(i['amount']):.2f}", "due_date": _iso(i["due_date"])}
                  for i in instalments]
    return (None if amount is None else Decimal(amount)), stored, terms


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _announce(case, text_fn, proposal: Proposal) -> None:
    with force_locale(case.language or "zh_CN"):
        post_system_message(case, text_fn(proposal))
    broadcast.queue(case.id, "proposal", proposal_payload(proposal))


def _summary(proposal: Proposal) -> str:
    parts = []
    if proposal.amount is not None:
        parts.append(f"{proposal.amount:.2f} {proposal.currency}")
        if proposal.instalments:
            parts.append(_("in %(n)d instalments", n=len(proposal.instalments)))
    if proposal.terms:
        parts.append(proposal.terms[:200])
    return "; ".join(parts)


def _side_name(side: Side | None) -> str:
    return {Side.APPLICANT: _("The applicant"), Side.RESPONDENT: _("The respondent")}.get(side, "")


def create(case, user, *, amount=None, currency=None, instalments=None, terms="", expires_at=None,
           answers: Proposal | None = None) -> Proposal:
    ensure_open_case(case)
    side = party_side(user, case)
    if expires_at is not None and expires_at <= utcnow():
        message = _("The expiry must be in the future.")
        raise ValidationFailed(message, fields={"expires_at": [message]})
    amount, stored, terms = check_terms(amount, currency, instalments, terms)
    if _open_of(case, side) is not None:
        raise Conflict(_("Your side already has an open proposal. Withdraw it before making another."),
                       code="open_proposal_exists")
    proposal = Proposal(case_id=case.id, side=side, author_id=user.id, amount=amount,
                        currency=currency or case.currency or "CNY", instalments=stored, terms=terms,
                        expires_at=expires_at, status=ProposalStatus.OFFERED,
                        answers_id=answers.id if answers is not None else None)
    db.session.add(proposal)
    db.session.flush()
    record("proposal.made", actor=user, case=case, proposal_id=proposal.id, side=side,
           answers=proposal.answers_id)
    if answers is None:
        _announce(case, lambda p: _("%(side)s proposes: %(what)s", side=_side_name(p.side),
                                    what=_summary(p)), proposal)
    else:
        _announce(case, lambda p: _("%(side)s answers with a counter-proposal: %(what)s",
                                    side=_side_name(p.side), what=_summary(p)), proposal)
    return proposal


def _open_for_answer(case, user, proposal: Proposal) -> None:
    ensure_open_case(case)
    side = party_side(user, case)
    if proposal.side == side or proposal.side is None:
        raise NotAllowed(_("Only the other side can answer this proposal."))
    if proposal.status != ProposalStatus.OFFERED:
        raise Conflict(_("This proposal is no longer open."), code="proposal_closed")
    if is_expired(proposal):
        raise Conflict(_("This proposal has expired."), code="proposal_expired")


def _decide(case, user, proposal: Proposal, status: ProposalStatus) -> None:
    proposal.status = status
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    db.session.flush()
    record(f"proposal.{status.value}", actor=user, case=case, proposal_id=proposal.id)


def accept(case, user, proposal: Proposal) -> Proposal:
    _open_for_answer(case, user, proposal)
    _decide(case, user, proposal, ProposalStatus.ACCEPTED)
    _announce(case, lambda p: _("%(side)s accepted the proposal: %(what)s",
                                side=_side_name(party_side(user, case)), what=_summary(p)), proposal)
    return proposal


def reject(case, user, proposal: Proposal) -> Proposal:
    _open_for_answer(case, user, proposal)
    _decide(case, user, proposal, ProposalStatus.REJECTED)
    _announce(case, lambda p: _("%(side)s rejected the proposal.",
                                side=_side_name(party_side(user, case))), proposal)
    return proposal


def withdraw(case, user, proposal: Proposal) -> Proposal:
    ensure_open_case(case)
    side = party_side(user, case)
    if proposal.side != side:
        raise NotAllowed(_("Only the side that made a proposal can withdraw it."))
    if proposal.status != ProposalStatus.OFFERED:
        raise Conflict(_("This proposal is no longer open."), code="proposal_closed")
    _decide(case, user, proposal, ProposalStatus.WITHDRAWN)
    _announce(case, lambda p: _("%(side)s withdrew their proposal.", side=_side_name(side)), proposal)
    return proposal


def counter(case, user, proposal: Proposal, **offer) -> Proposal:
    """Answer the other side's open proposal with one of one's own (the first becomes countered)."""
    _open_for_answer(case, user, proposal)
    _decide(case, user, proposal, ProposalStatus.COUNTERED)
    broadcast.queue(case.id, "proposal", proposal_payload(proposal))
    return create(case, user, answers=proposal, **offer)


def record_bidding_result(case, amount: Decimal, currency: str) -> Proposal:
    """The accepted proposal a settled blind bidding leads to (no author: both sides' figures)."""
    proposal = Proposal(case_id=case.id, side=None, author_id=None, amount=amount, currency=currency,
                        instalments=[], terms="", status=ProposalStatus.ACCEPTED, from_bidding=True,
                        decided_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    record("proposal.accepted", case=case, proposal_id=proposal.id, from_bidding=True)
    broadcast.queue(case.id, "proposal", proposal_payload(proposal))
    return proposal


def accepted_proposal(case) -> Proposal | None:
    accepted = [p for p in case_proposals(case) if p.status == ProposalStatus.ACCEPTED]
    return accepted[-1] if accepted else None


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def proposal_payload(proposal: Proposal) -> dict:
    return {
        "id": proposal.id,
        "case_id": proposal.case_id,
        "side": proposal.side.value if proposal.side else None,
        "author_id": proposal.author_id,
        "amount": None if proposal.amount is None else f"{proposal.amount:.2f}",
        "currency": proposal.currency,
        "instalments": list(proposal.instalments or []),
        "terms": proposal.terms,
        "expires_at": _time(proposal.expires_at),
        "status": shown_status(proposal),
        "answers_id": proposal.answers_id,
        "from_bidding": proposal.from_bidding,
        "decided_by_id": proposal.decided_by_id,
        "decided_at": _time(proposal.decided_at),
        "created_at": _time(proposal.created_at),
    }
