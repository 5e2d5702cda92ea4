"""Referral and delegation: the rules. Like every operation: check, act, flush, audit; the caller
commits once. State changes go through cases.operations.transition(); what follows a step
(the referral row, notifications, the referral letter) runs in the step hooks registered below,
so a step taken through the generic transitions API has the same effect as one taken here.

    choose_referral  -> a pending Referral to the chosen body; its clerks and the parties told
    refer            -> the Referral accepted; the referral letter (zh_CN, en) issued after commit
    return_referral  -> the Referral returned with the reason; parties and the sender told
    close / withdraw -> a pending Referral withdrawn
    settle, fail ... -> a court's delegation reported: the court is told the result
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, lazyload

from ..auth.models import User
from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.audit import record
from ..core.enums import CaseState, Role, Side
from ..core.errors import NotAllowed, ValidationFailed
from ..core.i18n import localized_name
from ..core.labels import label
from ..core.models import utcnow
from ..extensions import db
from ..notifications.operations import notify
from ..orgs.models import Membership, Organisation
from . import texts, timeline  # noqa: F401  (add the notification kinds and timeline words)
from .models import RecordConsent, Referral, ReferralKind, ReferralRoute, ReferralStatus
from .routes import route_of

# The steps after which a court's delegated mediation has a result to report.
DELEGATION_RESULT_STEPS = ("settle", "fail", "end_mediation", "decline", "consent_expired", "withdraw")
LETTER_LANGUAGES = ("zh_CN", "en")


def case_url(case) -> str:
    return f"/cases/{case.id}/referral"


def pending_referral(case) -> Referral | None:
    return db.session.execute(
        select(Referral).where(Referral.case_id == case.id, Referral.kind == ReferralKind.REFERRAL,
                               Referral.status == ReferralStatus.PENDING)
        .order_by(Referral.id.desc()).limit(1)
    ).scalar()


def referrals_of(case) -> list[Referral]:
    """Every referral and delegation of the case, oldest first, with both organisations."""
    from sqlalchemy.orm import joinedload

    return list(db.session.execute(
        select(Referral).where(Referral.case_id == case.id)
        .options(joinedload(Referral.from_organisation), joinedload(Referral.to_organisation))
        .order_by(Referral.id)
    ).scalars())


def clerks_of(organisation_id: int) -> list[User]:
    """The active clerks of exactly this organisation (the ones who answer for it)."""
    return list(db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.role == Role.CLERK,
               User.active.is_(True))
        .order_by(User.id)
    ).scalars().unique())


def party_users(case) -> list[User]:
    """Everyone who speaks for a party, with an account, once each."""
    ids = []
    for party in case.parties:
        ids.extend(i for i in (party.user_id, party.representative_user_id) if i)
    if case.filed_by_id:
        ids.append(case.filed_by_id)
    return [user for user in (db.session.get(User, i) for i in dict.fromkeys(ids)) if user is not None]


def _tell(users, kind: str, case, url: str | None = None, **context) -> None:
    for user in users:
        if user is None:
            continue
        # Names of bodies and states in the recipient's own language.
        from ..notifications.operations import locale_for

        with force_locale(locale_for(user, case)):
            values = {key: (value() if callable(value) else value) for key, value in context.items()}
        notify(user, kind, {"url": url or case_url(case), **values}, case=case)


def _name(organisation):
    return lambda: localized_name(organisation)


def acceptance_days(case) -> int:
    """How long the receiving body has to answer: the clock of the referral_offered state (the
    organisation's own setting, else the default in cases/workflow.py)."""
    return case_ops.deadline_days(case, CaseState.REFERRAL_OFFERED) or 15


def issue_letters_after_commit(case) -> bool:
    """The referral letter (zh_CN and en), issued once the accepting step commits: in a session
    of its own, or by the worker when there is a broker (documents.tasks.issue_after_commit).
    A rolled-back step issues nothing; DOCUMENT_JOBS=off skips it (tests, the demo seed), and a
    clerk can issue it from the case's documents page."""
    from ..documents.models import DocumentType
    from ..documents.tasks import issue_after_commit

    return all([issue_after_commit(case, DocumentType.REFERRAL_LETTER, None, lang) for lang in LETTER_LANGUAGES])


# ---- step hooks ------------------------------------------------------------------------------

@case_ops.after_step("choose_referral")
def referral_chosen(case, actor, reason=None) -> Referral:
    now = utcnow()
    previous = pending_referral(case)
    if previous is not None:
        if previous.to_organisation_id == case.target_organisation_id:
            return previous  # the same body chosen again: nothing new to answer
        previous.status = ReferralStatus.WITHDRAWN
        previous.decided_at = now
    target = case.target_organisation
    referral = Referral(
        case_id=case.id, kind=ReferralKind.REFERRAL, route=route_of(target),
        status=ReferralStatus.PENDING, from_organisation_id=case.organisation_id,
        to_organisation_id=target.id, created_by_id=getattr(actor, "id", None), created_at=now,
        due_at=now + timedelta(days=acceptance_days(case)),
    )
    db.session.add(referral)
    db.session.flush()
    record("referral.sent", actor=actor, case=case, referral_id=referral.id, route=referral.route,
           to_organisation_id=target.id, due_at=referral.due_at,
           replaces=previous.id if previous is not None else None)
    sender = case.organisation
    _tell(clerks_of(target.id), "referral_received", case, organisation=_name(sender), deadline=referral.due_at)
    _tell(party_users(case), "referral_sent", case, organisation=_name(target), deadline=referral.due_at)
    return referral


@case_ops.after_step("refer")
def referral_accepted(case, actor, reason=None) -> None:
    now = utcnow()
    referral = pending_referral(case)
    if referral is None:
        # Chosen before referrals were recorded (or by a court's own delegation): record it now.
        referral = Referral(
            case_id=case.id, kind=ReferralKind.REFERRAL, route=route_of(case.target_organisation),
            status=ReferralStatus.PENDING, from_organisation_id=case.organisation_id,
            to_organisation_id=case.target_organisation_id, created_by_id=getattr(actor, "id", None),
            created_at=now,
        )
        db.session.add(referral)
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_at = now
    referral.decided_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("referral.accepted", actor=actor, case=case, referral_id=referral.id,
           organisation_id=referral.to_organisation_id, overdue=bool(referral.due_at and now > referral.due_at))
    if referral.route == ReferralRoute.TRANSFER:
        transfer(case, actor, db.session.get(Organisation, referral.to_organisation_id))
    # The sending body's letter (移送函), in both languages, rendered once the step is committed.
    issue_letters_after_commit(case)
    _tell(party_users(case), "referral_accepted", case, organisation=_name(case.target_organisation))


def transfer(case, actor, organisation) -> Case:
    """A transfer to another mediation organisation, once accepted: the case file goes there the
    way a bundle goes to another instance (odr/referral/bundle.py: exported, checked, opened), and
    the new case is accepted at once by the clerk who accepted the transfer. The parties keep
    their accounts; the new case records where it came from and this case where it went."""
    from .bundle import build_bundle, open_case, read_bundle

    data, _manifest = build_bundle(case, actor)
    manifest, files = read_bundle(data)
    new = open_case(actor, manifest, files, organisation)
    unmatched = list(case.parties)
    for copy in new.parties:
        source = next(p for p in unmatched if (p.side, p.name) == (copy.side, copy.name))
        unmatched.remove(source)
        copy.user_id = source.user_id
        copy.representative_user_id = source.representative_user_id
    db.session.flush()
    case_ops.transition(new, "accept", actor)
    record("referral.transferred", actor=actor, case=case, new_case_id=new.id, reference=new.reference,
           organisation_id=organisation.id)
    return new


@case_ops.after_step("return_referral")
def referral_returned(case, actor, reason=None) -> None:
    referral = pending_referral(case)
    receiver = None
    if referral is not None:
        referral.status = ReferralStatus.RETURNED
        referral.reason = reason
        referral.decided_at = utcnow()
        referral.decided_by_id = getattr(actor, "id", None)
        receiver = db.session.get(Organisation, referral.to_organisation_id)
        db.session.flush()
    record("referral.returned", actor=actor, case=case, referral_id=getattr(referral, "id", None),
           organisation_id=getattr(receiver, "id", None), reason=reason)
    users = party_users(case)
    if case.organisation_id is not None:
        users += [u for u in clerks_of(case.organisation_id) if u not in users]
    _tell(users, "referral_returned", case, organisation=_name(receiver), reason=reason or "")


@case_ops.after_step("close", "withdraw")
def referral_dropped(case, actor, reason=None) -> None:
    referral = pending_referral(case)
    if referral is not None:
        referral.status = ReferralStatus.WITHDRAWN
        referral.decided_at = utcnow()
        db.session.flush()
        record("referral.withdrawn", actor=actor, case=case, referral_id=referral.id)


@case_ops.after_step(*DELEGATION_RESULT_STEPS)
def delegation_reported(case, actor, reason=None) -> None:
    delegation = db.session.execute(
        select(Referral).where(Referral.case_id == case.id, Referral.kind == ReferralKind.DELEGATION,
                               Referral.status == ReferralStatus.PENDING)
    ).scalar()
    if delegation is None:
        return
    delegation.status = ReferralStatus.REPORTED
    delegation.result = case.state.value
    delegation.decided_at = utcnow()
    db.session.flush()
    record("referral.delegation_reported", actor=actor, case=case, referral_id=delegation.id,
           result=delegation.result, court_id=delegation.from_organisation_id)
    mediator_org = db.session.get(Organisation, delegation.to_organisation_id)
    _tell(clerks_of(delegation.from_organisation_id), "delegation_result", case, url=f"/cases/{case.id}",
          organisation=_name(mediator_org), result=lambda: label(case.state))


# ---- a court sends a case into mediation (委派/委托调解) ------------------------------------------

def court_of(user) -> Organisation | None:
    """The court this user is a clerk of (the first, by id), or None."""
    from ..core.enums import OrgType

    courts = sorted((m.organisation for m in user.memberships
                     if m.role == Role.CLERK and m.organisation.type == OrgType.COURT), key=lambda o: o.id)
    return courts[0] if courts else None


def delegate(actor, *, organisation_id: int, category, title: str, facts: str, claims: str = "",
             claim_amount=None, region_id=None, applicant: dict, respondent: dict) -> Case:
    """A court's clerk files a dispute with a mediation organisation for the parties; the case
    is submitted there at once and works as usual. The court follows it as its receiving body
    (target organisation) and is told the result."""
    court = court_of(actor)
    if court is None:
        raise NotAllowed(_("Only a court's clerk can delegate a case to mediation."))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not organisation.active or organisation.type not in case_ops.MEDIATING_TYPES:
        message = _("Choose a mediation organisation.")
        raise ValidationFailed(message, fields={"organisation_id": [message]})
    case = case_ops.create_case(
        actor, category=category, title=title, facts=facts, claims=claims, claim_amount=claim_amount,
        region_id=region_id, organisation_id=organisation.id, applicant=applicant, on_behalf=True,
    )
    case_ops.add_party(case, actor, side=Side.RESPONDENT, **respondent)
    # The court stays with the case: its clerks follow it and can take it back if mediation fails.
    case.target_organisation_id = court.id
    case.target_organisation = court
    case_ops.transition(case, "submit", actor)
    now = utcnow()
    delegation = Referral(
        case_id=case.id, kind=ReferralKind.DELEGATION, route=ReferralRoute.MEDIATION,
        status=ReferralStatus.PENDING, from_organisation_id=court.id, to_organisation_id=organisation.id,
        created_by_id=actor.id, created_at=now,
        due_at=now + timedelta(days=case_ops.deadline_days(case, CaseState.MEDIATION) or 30),
    )
    db.session.add(delegation)
    db.session.flush()
    record("referral.delegated", actor=actor, case=case, referral_id=delegation.id, court_id=court.id,
           organisation_id=organisation.id, due_at=delegation.due_at)
    _tell(clerks_of(organisation.id), "delegation_received", case, url=f"/cases/{case.id}",
          organisation=_name(court), deadline=delegation.due_at)
    return case


# ---- consent to share the mediation record ---------------------------------------------------

def own_parties(case, user) -> list:
    return [p for p in case.parties if user.id in (p.user_id, p.representative_user_id)]


def consents(case) -> dict[int, bool]:
    """party id -> consented, for every party of the case (no answer counts as no)."""
    rows = db.session.execute(select(RecordConsent).where(RecordConsent.case_id == case.id)).scalars()
    given = {row.party_id: row.consented for row in rows}
    return {p.id: given.get(p.id, False) for p in case.parties}


def record_shared(case) -> bool:
    """May the mediation record go to the receiving body? Only when every party said yes."""
    answers = consents(case)
    return bool(answers) and all(answers.values())


def set_record_consent(case, actor, consented: bool) -> dict[int, bool]:
    """The actor's own side(s) say yes or no to sharing the mediation record; either can change
    until the bundle is made."""
    if case.is_final:
        raise NotAllowed(_("This case is closed and can no longer be changed."))
    parties = own_parties(case, actor)
    if not parties:
        raise NotAllowed(_("Only a party can give this consent."))
    now = utcnow()
    for party in parties:
        row = db.session.get(RecordConsent, (case.id, party.id))
        if row is None:
            row = RecordConsent(case_id=case.id, party_id=party.id)
            db.session.add(row)
        row.consented = bool(consented)
        row.by_user_id = actor.id
        row.at = now
    db.session.flush()
    record("referral.record_consent", actor=actor, case=case, party_ids=[p.id for p in parties],
           consented=bool(consented))
    return consents(case)


# ---- the receiving body's inbox --------------------------------------------------------------

def _clerk_org_clause(user, column):
    from sqlalchemy import false, or_

    paths = [m.organisation.path for m in user.memberships if m.role == Role.CLERK]
    if not paths:
        return false()
    return column.in_(select(Organisation.id).where(or_(*[Organisation.path.startswith(p) for p in paths])))


def inbox(user, *, limit: int = 100) -> dict:
    """What a clerk's body has to answer, and what it has sent into mediation:

    incoming   pending referrals to the clerk's organisation (or one below it), soonest due first
    decided    the latest accepted or returned ones
    delegated  the court's delegations, newest first, with their result
    Each item is (referral, case, sending organisation, receiving organisation), one query per list.
    """
    sender = aliased(Organisation)
    receiver = aliased(Organisation)

    def rows(where, order):
        return db.session.execute(
            select(Referral, Case, sender, receiver).join(Case, Case.id == Referral.case_id)
            .outerjoin(sender, sender.id == Referral.from_organisation_id)
            .join(receiver, receiver.id == Referral.to_organisation_id)
            .where(*where).order_by(*order).limit(limit)
            # A list row shows the bodies' names only: not their categories or regions.
            .options(lazyload(sender.categories), lazyload(receiver.categories),
                     lazyload(sender.region), lazyload(receiver.region))
        ).all()

    incoming = _clerk_org_clause(user, Referral.to_organisation_id)
    return {
        "incoming": rows((incoming, Referral.kind == ReferralKind.REFERRAL,
                          Referral.status == ReferralStatus.PENDING),
                         (Referral.due_at, Referral.id)),
        "decided": rows((incoming, Referral.kind == ReferralKind.REFERRAL,
                         Referral.status.in_([ReferralStatus.ACCEPTED, ReferralStatus.RETURNED])),
                        (Referral.decided_at.desc(), Referral.id.desc())),
        "delegated": rows((_clerk_org_clause(user, Referral.from_organisation_id),
                           Referral.kind == ReferralKind.DELEGATION),
                          (Referral.created_at.desc(), Referral.id.desc())),
    }


def is_overdue(referral, now=None) -> bool:
    return (referral.status == ReferralStatus.PENDING and referral.due_at is not None
            and (now or utcnow()) > referral.due_at)


# ---- what the page and the API show ------------------------------------------------------------

def referral_dump(referral, now=None, *, sender=None, receiver=None) -> dict:
    """Plain data of a referral; `sender`/`receiver` given when loaded with it (the inbox),
    else read from the referral's relationships (loaded by referrals_of)."""
    return {
        "id": referral.id, "kind": referral.kind, "route": referral.route, "status": referral.status,
        "from_organisation": sender if sender is not None else (
            referral.from_organisation if referral.from_organisation_id else None),
        "to_organisation": receiver if receiver is not None else referral.to_organisation,
        "created_at": referral.created_at, "due_at": referral.due_at, "decided_at": referral.decided_at,
        "overdue": is_overdue(referral, now), "reason": referral.reason, "result": referral.result,
        "result_label": label(referral.result) if referral.result else None,
    }


def inbox_dump(user) -> dict:
    now = utcnow()
    lists = inbox(user)

    def item(referral, case, sender, receiver):
        return {**referral_dump(referral, now, sender=sender, receiver=receiver), "case": case}

    return {name: [item(*row) for row in rows] for name, rows in lists.items()}


def allowed_here(case, user) -> list[str]:
    from ..core.policy import can

    checks = {
        "choose": "case.transition.choose_referral",
        "accept": "case.transition.refer",
        "return": "case.transition.return_referral",
        "consent": "case.referral.consent",
        "export": "case.bundle.export",
    }
    return [name for name, action in checks.items() if can(user, action, case)]


def state_for(case, user) -> dict:
    """The referral part of a case for `user` (who may view the case)."""
    from .routes import options

    now = utcnow()
    allowed = allowed_here(case, user)
    history = referrals_of(case)
    pending = next((r for r in reversed(history)
                    if r.kind == ReferralKind.REFERRAL and r.status == ReferralStatus.PENDING), None)
    found = options(case) if "choose" in allowed else {}
    return {
        "case_id": case.id, "state": case.state, "version": case.version,
        "target_organisation": case.target_organisation,
        "pending": referral_dump(pending, now) if pending else None,
        "history": [referral_dump(r, now) for r in history],
        "options": {route.value: orgs for route, orgs in found.items()},
        "record_consents": {str(k): v for k, v in consents(case).items()},
        "record_shared": record_shared(case),
        "allowed": allowed,
    }
