"""Inviting the respondent and what they do with the invitation.

The invitation goes out when a case takes the `invite_respondent` step, whoever takes it (page,
API): `invite_respondent` is registered as a step hook of that action (cases.operations.after_step)
and runs inside transition(), in its transaction. The applicant hears about the answer the same
way (consent, decline, consent_expired).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import User
from ..auth.operations import create_invitation, create_user, redeem_invitation
from ..cases import operations as case_ops
from ..cases.models import Case, Party
from ..core.audit import record
from ..core.enums import Role, Side
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from ..notifications.operations import Contact, notify
from ..orgs.models import Membership

STATEMENT_MAX = 10_000


def invite_url(secret: str) -> str:
    return f"/invite/{secret}"


def respond_url(case: Case) -> str:
    return f"/respond/{case.id}"


def case_url(case: Case) -> str:
    return f"/cases/{case.id}"


def applicant_names(case: Case) -> str:
    return "、".join(p.name for p in case.parties_on(Side.APPLICANT)) or case.title


def party_contact(party: Party) -> Contact:
    """The addresses the applicant gave for this party (the invitation goes there)."""
    return Contact(name=party.name, email=party.email, phone=party.phone)


def _invite_party(case: Case, party: Party, actor, kind: str) -> None:
    invitation, secret = create_invitation(case, party, actor)
    if case.state_deadline is not None:
        invitation.expires_at = case.state_deadline  # the link lives as long as the question
    context = {"applicant": applicant_names(case), "deadline": invitation.expires_at,
               "url": invite_url(secret)}
    notify(party_contact(party), kind, context, case=case, channels=("email", "sms"))
    if party.user_id is not None:
        notify(db.session.get(User, party.user_id), kind, context, case=case, channels=("in_app",))


@case_ops.after_step("invite_respondent")
def invite_respondent(case: Case, actor, reason=None) -> int:
    """Send every respondent who can be reached a fresh single-use link by e-mail and SMS."""
    invited = 0
    for party in case.parties_on(Side.RESPONDENT):
        if party.email or party.phone:
            _invite_party(case, party, actor, "invitation")
            invited += 1
        elif party.user_id is not None:
            notify(db.session.get(User, party.user_id), "invitation",
                   {"applicant": applicant_names(case), "deadline": case.state_deadline,
                    "url": respond_url(case)}, case=case)
            invited += 1
    return invited


def remind_respondent(case: Case) -> None:
    """The one reminder before the consent deadline: a fresh link for those who have not taken
    theirs, the answer page for those who have an account on the case."""
    for party in case.parties_on(Side.RESPONDENT):
        if party.user_id is not None:
            user = db.session.get(User, party.user_id)
            notify(user, "consent_reminder", {"deadline": case.state_deadline, "url": respond_url(case)},
                   case=case)
        elif party.email or party.phone:
            _invite_party(case, party, None, "consent_reminder")
    record("case.consent_reminder_sent", case=case, deadline=case.state_deadline)


def _tell_applicants(case: Case, kind: str, **context) -> None:
    for party in case.parties_on(Side.APPLICANT):
        user = db.session.get(User, party.user_id) if party.user_id else None
        notify(user or party_contact(party), kind, {"url": case_url(case), **context}, case=case)
    if case.filed_by_id and case.filed_by_id not in {p.user_id for p in case.parties_on(Side.APPLICANT)}:
        notify(db.session.get(User, case.filed_by_id), kind, {"url": case_url(case), **context},
               case=case, channels=("in_app",))


@case_ops.after_step("consent")
def _consented(case, actor, reason=None):
    _tell_applicants(case, "respondent_consented")


@case_ops.after_step("decline")
def _declined(case, actor, reason=None):
    _tell_applicants(case, "respondent_declined", reason=reason or "")


@case_ops.after_step("consent_expired")
def _expired(case, actor, reason=None):
    _tell_applicants(case, "consent_expired")


def ask_for_mediator(case: Case, actor) -> int:
    """The respondent wants to agree but nobody can mediate yet: tell the organisation's clerks."""
    clerks = db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == case.organisation_id, Membership.role == Role.CLERK,
               User.active.is_(True))
    ).scalars().all()
    for clerk in clerks:
        notify(clerk, "consent_needs_mediator", {"url": case_url(case)}, case=case, channels=("in_app",))
    record("case.consent_waiting_for_mediator", actor=actor, case=case)
    return len(clerks)


def party_of(case: Case, user, side: Side = Side.RESPONDENT) -> Party | None:
    for party in case.parties_on(side):
        if user.id in (party.user_id, party.representative_user_id):
            return party
    return None


def give_statement(case: Case, party: Party, actor, text: str) -> Party:
    """The party's own account of the dispute; a later one replaces it (the audit keeps both)."""
    text = (text or "").strip()
    if not text:
        message = _("Write your side of the story first.")
        raise ValidationFailed(message, fields={"statement": [message]})
    if len(text) > STATEMENT_MAX:
        message = _("At most %(n)d characters.", n=STATEMENT_MAX)
        raise ValidationFailed(message, fields={"statement": [message]})
    party.statement = text
    party.statement_at = utcnow()
    db.session.flush()
    record("party.statement_given", actor=actor, case=case, party_id=party.id, length=len(text))
    return party


def join_with_new_account(secret: str, invitation, *, name: str, email: str | None, phone: str | None,
                          password: str) -> User:
    user = create_user(name=name, role=Role.RESPONDENT, email=email, phone=phone, password=password)
    redeem_invitation(secret, user)
    return user


def join_with_link_only(secret: str, invitation) -> User:
    """No password: an account holding only this case, signed in by the link itself.

    A party already linked to a passwordless account (a second link, e.g. the reminder) signs
    that account in again. An account with a password must sign in with it: the link alone never
    opens it. If the party's address belongs to an existing account, that person signs in first.
    """
    party = db.session.get(Party, invitation.party_id)
    if party.user_id is not None:
        user = db.session.get(User, party.user_id)
        if user.password_hash:
            raise Conflict(_("You already have an account with a password. Sign in, then open the "
                             "link again."), code="sign_in_first")
    else:
        try:
            user = create_user(name=party.name, role=Role.RESPONDENT, email=party.email,
                               phone=party.phone)
        except Conflict:
            raise Conflict(_("An account with this e-mail address or number already exists. Sign "
                             "in, then open the link again."), code="sign_in_first") from None
    redeem_invitation(secret, user)
    return user
