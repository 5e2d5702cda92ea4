"""Personal data: everything the service holds about a person, and anonymisation after retention.

The export is built from the person's own rows only: their account, the parties they are (or
represent) with their own particulars (the resident ID number in full: it is theirs), what they
uploaded, wrote, proposed, bid and signed, questions they asked, notifications sent to them and
the audit entries of what they did. Nothing of the other side (their caucus, their figures, their
contact details) is in it.

Anonymisation replaces a party's particulars in a closed case (name, contact details, address,
statement, real-name details, evidence descriptions) once the retention period an administrator
sets has passed since closure. Kept, and the person is told why (KEPT): issued papers (the signed
agreement above all), the audit chain, and the mediation record.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..core.audit import AuditEvent, record
from ..core.errors import NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from .models import AnonymisationRequest, ServiceSetting

EXPORT_FORMAT = 1
RETENTION_KEY = "retention_days"
# Three years: the general limitation period (Civil Code Art. 188); after it a claim from the
# dispute can no longer be enforced in court, so the file's particulars are rarely needed.
DEFAULT_RETENTION_DAYS = 3 * 365
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 30, 30 * 365
ANONYMISED_NAME = "（已匿名 anonymised）"

# What anonymisation leaves in place, and why (shown to the person before they ask).
KEPT = (
    (_l("Issued papers, above all the signed settlement agreement"),
     _l("The agreement binds the parties and may be enforced or confirmed by a court; the "
        "organisation must keep it with the case file (People's Mediation Law Arts. 29, 31, 33).")),
    (_l("The audit chain"),
     _l("It proves that nothing in the file was changed; its entries hold no names, contact details "
        "or message texts.")),
    (_l("The record of the mediation (room messages)"),
     _l("It is part of the mediation file the organisation keeps; it stays confidential and is "
        "seen only by those who could see it before.")),
)


# ---- retention ----------------------------------------------------------------------------

def retention_days() -> int:
    setting = db.session.get(ServiceSetting, RETENTION_KEY)
    return setting.value if setting else DEFAULT_RETENTION_DAYS


def set_retention_days(actor, days: int) -> None:
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        message = _("Between %(low)d and %(high)d days.", low=MIN_RETENTION_DAYS, high=MAX_RETENTION_DAYS)
        raise ValidationFailed(message, fields={"days": [message]})
    setting = db.session.get(ServiceSetting, RETENTION_KEY)
    before = setting.value if setting else DEFAULT_RETENTION_DAYS
    if setting is None:
        setting = ServiceSetting(key=RETENTION_KEY)
        db.session.add(setting)
    setting.value, setting.changed_by_id, setting.changed_at = days, actor.id, utcnow()
    record("privacy.retention_set", actor=actor, days=days, before=before)


# ---- the person's own parties ------------------------------------------------------------

def own_parties(user) -> list:
    from ..cases.models import Party

    return list(db.session.execute(
        select(Party).where(or_(Party.user_id == user.id, Party.representative_user_id == user.id))
        .options(joinedload(Party.case)).order_by(Party.case_id, Party.id)
    ).scalars())


def requests_of(user) -> dict[int, AnonymisationRequest]:
    rows = db.session.execute(select(AnonymisationRequest).where(AnonymisationRequest.user_id == user.id)).scalars()
    return {row.party_id: row for row in rows}


def request_anonymisation(user, party) -> AnonymisationRequest:
    """The person asks for their particulars in this closed case to be anonymised after retention."""
    if user.id != party.user_id:
        raise NotAllowed(_("Only the party themselves can ask for this."))
    case = party.case
    if not case.is_final or case.closed_at is None:
        raise ValidationFailed(_("Only the particulars of a closed case can be anonymised."))
    existing = db.session.execute(
        select(AnonymisationRequest).where(AnonymisationRequest.party_id == party.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    request = AnonymisationRequest(case_id=case.id, party_id=party.id, user_id=user.id,
                                   due_at=case.closed_at + timedelta(days=retention_days()))
    db.session.add(request)
    db.session.flush()
    record("privacy.anonymisation_requested", actor=user, case=case, party_id=party.id,
           due_at=request.due_at.isoformat())
    return request


def anonymise_party(party) -> None:
    from ..cases.models import Evidence
    from ..identity.models import PartyIdentity

    party.name = ANONYMISED_NAME
    for field in ("phone", "email", "address", "representative_name", "representative_phone", "statement"):
        setattr(party, field, None)
    identity = db.session.get(PartyIdentity, party.id)
    if identity is not None:
        db.session.delete(identity)
    if party.user_id is not None:
        for evidence in db.session.execute(
            select(Evidence).where(Evidence.case_id == party.case_id, Evidence.uploaded_by_id == party.user_id)
        ).scalars():
            evidence.description = ""


def anonymise_due(now=None) -> int:
    """Carry out every request whose retention period has passed (the due-jobs runner)."""
    from ..cases.models import Party

    now = now or utcnow()
    due = db.session.execute(
        select(AnonymisationRequest).where(AnonymisationRequest.done_at.is_(None), AnonymisationRequest.due_at <= now)
        .order_by(AnonymisationRequest.id)
    ).scalars().all()
    for request in due:
        party = db.session.get(Party, request.party_id)
        anonymise_party(party)
        request.done_at = now
        record("privacy.anonymised", case=party.case, party_id=party.id, request_id=request.id)
        db.session.commit()
    return len(due)


# ---- the export ---------------------------------------------------------------------------

def _at(value):
    return value.isoformat() if value else None


def personal_data(user) -> dict:
    """Everything the service holds about `user`, as plain JSON-ready data."""
    from ..cases.models import Case, Evidence
    from ..consultation.models import Question
    from ..identity.operations import full_number, identities_for
    from ..mediation.models import (
        Agreement,
        AgreementComment,
        Bid,
        Bidding,
        Proposal,
        RoomMessage,
        Signature,
    )
    from ..notifications.models import Notification

    parties = own_parties(user)
    identities = identities_for(parties)
    # Every case the export names, in one query (no lookup per row).
    mentioned = [
        select(Evidence.case_id).where(Evidence.uploaded_by_id == user.id),
        select(RoomMessage.case_id).where(RoomMessage.sender_id == user.id),
        select(Proposal.case_id).where(Proposal.author_id == user.id),
        select(AuditEvent.case_id).where(AuditEvent.actor_id == user.id),
    ]
    case_ids = select(Case.id).where(or_(Case.id.in_([p.case_id for p in parties] or [-1]),
                                         *(Case.id.in_(query) for query in mentioned)))
    references = dict(db.session.execute(
        select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())

    def reference(case_id):
        return references.get(case_id) or db.session.scalar(select(Case.reference).where(Case.id == case_id))

    def rows(query):
        return db.session.execute(query).all()

    requests = requests_of(user)
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": _at(utcnow()),
        "account": {
            "id": user.id, "name": user.name, "email": user.email, "phone": user.phone,
            "phone_verified_at": _at(getattr(user, "phone_verified_at", None)),
            "role": user.role.value, "locale": user.locale, "active": user.active,
            "created_at": _at(user.created_at), "last_login_at": _at(user.last_login_at),
        },
        "cases": [{
            "case": reference(p.case_id), "title": p.case.title, "state": p.case.state.value,
            "side": p.side.value, "as": "party" if p.user_id == user.id else "representative",
            "name": p.name, "phone": p.phone, "email": p.email, "address": p.address,
            "representative_name": p.representative_name, "representative_phone": p.representative_phone,
            "statement": p.statement, "statement_at": _at(p.statement_at),
            "resident_id": full_number(identities[p.id]) if p.id in identities and p.user_id == user.id
            else (identities[p.id].number_masked if p.id in identities else None),
            "anonymisation": ({"requested_at": _at(requests[p.id].requested_at), "due_at": _at(requests[p.id].due_at),
                               "done_at": _at(requests[p.id].done_at)} if p.id in requests else None),
        } for p in parties],
        "evidence": [{
            "case": reference(e.case_id), "filename": e.filename, "content_type": e.content_type, "size": e.size,
            "sha256": e.sha256, "description": e.description, "uploaded_at": _at(e.created_at),
        } for (e,) in rows(select(Evidence).where(Evidence.uploaded_by_id == user.id).order_by(Evidence.id))],
        "room_messages": [{
            "case": reference(m.case_id), "channel": str(m.channel.value), "seq": m.seq, "body": m.body,
            "sent_at": _at(m.created_at),
        } for (m,) in rows(select(RoomMessage).where(RoomMessage.sender_id == user.id).order_by(RoomMessage.id))],
        "proposals": [{
            "case": reference(p.case_id), "amount": str(p.amount) if p.amount is not None else None,
            "terms": p.terms, "made_at": _at(p.created_at),
        } for (p,) in rows(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))],
        "bids": [{
            "case": reference(case_id), "round": b.round, "amount": str(b.amount), "made_at": _at(b.created_at),
        } for b, case_id in rows(select(Bid, Bidding.case_id).join(Bidding, Bidding.id == Bid.bidding_id)
                                 .where(Bid.user_id == user.id).order_by(Bid.id))],
        "agreement_comments": [{
            "case": reference(case_id), "body": c.body, "written_at": _at(c.created_at),
        } for c, case_id in rows(select(AgreementComment, Agreement.case_id)
                                 .join(Agreement, Agreement.id == AgreementComment.agreement_id)
                                 .where(AgreementComment.author_id == user.id).order_by(AgreementComment.id))],
        "signatures": [{
            "case": reference(case_id), "name": s.name, "signed_at": _at(s.signed_at), "text_sha256": s.text_sha256,
        } for s, case_id in rows(select(Signature, Agreement.case_id).join(Agreement, Agreement.id == Signature.agreement_id)
                                 .where(Signature.user_id == user.id).order_by(Signature.id))],
        "questions": [{
            "asked_at": _at(q.created_at), "category": q.category.value, "status": q.status.value,
            "messages": [{"body": m.body, "by_consultant": m.by_consultant, "at": _at(m.created_at)}
                         for m in sorted(q.messages, key=lambda m: m.id)],
        } for (q,) in rows(select(Question).where(Question.asker_id == user.id)
                           .options(selectinload(Question.messages)).order_by(Question.id))],
        "notifications": [{
            "kind": n.kind, "subject": n.subject, "body": n.body, "sent_at": _at(n.created_at), "read_at": _at(n.read_at),
        } for (n,) in rows(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))],
        "activity": [{
            "action": a.action, "at": _at(a.created_at), "case": reference(a.case_id) if a.case_id else None,
        } for (a,) in rows(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id))],
    }
    return data
