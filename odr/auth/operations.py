"""Accounts, sign-in with lockout, invitation links and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.audit import record
from ..core.enums import MEMBER_ROLES, Role
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from ..orgs.models import Membership, Organisation
from .models import ApiToken, Invitation, User

MIN_PASSWORD_LENGTH = 10
# A real hash to compare against when the login is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_login(login: str) -> str:
    login = (login or "").strip()
    return login.lower() if "@" in login else login.replace(" ", "").replace("-", "")


def find_user(login: str) -> User | None:
    login = normalise_login(login)
    if not login:
        return None
    return db.session.execute(select(User).where(or_(User.email == login, User.phone == login))).scalar()


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        raise ValidationFailed(message, fields={"password": [message]})


def create_user(*, name: str, role: Role, email: str | None = None, phone: str | None = None,
                password: str | None = None, locale: str | None = None, actor=None,
                memberships: list[tuple[Organisation, Role]] = ()) -> User:
    email = normalise_login(email) if email else None
    phone = normalise_login(phone) if phone else None
    if not (email or phone):
        raise ValidationFailed(_("Give an e-mail address or a mobile number."),
                               fields={"email": [_("Give an e-mail address or a mobile number.")]})
    if find_user(email or "") or find_user(phone or ""):
        raise Conflict(_("An account with this e-mail address or number already exists."), code="duplicate")
    if password is not None:
        check_password_strength(password)
    user = User(
        name=name.strip(), role=Role(role), email=email, phone=phone, locale=locale,
        password_hash=generate_password_hash(password) if password else None,
    )
    db.session.add(user)
    for organisation, member_role in memberships:
        if Role(member_role) not in MEMBER_ROLES:
            raise ValidationFailed(_("This role is not held through an organisation."))
        user.memberships.append(Membership(organisation=organisation, role=Role(member_role)))
    db.session.flush()
    record("user.created", actor=actor, user_id=user.id, role=user.role,
           memberships=[[m.organisation_id, m.role.value] for m in user.memberships])
    return user


def set_password(user: User, password: str, actor=None) -> None:
    check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    db.session.flush()
    record("user.password_set", actor=actor or user, user_id=user.id)


def authenticate(login: str, password: str) -> User:
    """Check a login. Repeated failures lock the account for a while; every attempt is audited.

    Raises NotAllowed with a message that never says whether the account exists.
    """
    user = find_user(login)
    now = utcnow()
    failed = NotAllowed(_("Wrong login or password."), code="bad_credentials")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        record("auth.login_failed", reason="unknown_login")
        raise failed
    if user.locked_until is not None and user.locked_until > now:
        record("auth.login_refused", actor=user, reason="locked")
        raise NotAllowed(_("Too many failed attempts. Try again in a few minutes."), code="locked")
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        locked = user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]
        if locked:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
        db.session.flush()
        record("auth.login_failed", actor=user, reason="bad_password", locked=locked)
        raise failed
    if not user.active:
        record("auth.login_refused", actor=user, reason="inactive")
        raise failed
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    record("auth.login", actor=user)
    return user


def create_api_token(user: User, name: str, *, days: int | None = None, actor=None) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is never stored and shown only now."""
    secret = "odr_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:80] or "token", prefix=secret[:12],
        token_hash=token_digest(secret),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    record("auth.api_token_created", actor=actor or user, user_id=user.id, token_id=token.id)
    return token, secret


def user_for_api_token(secret: str) -> User | None:
    if not secret or not secret.startswith("odr_"):
        return None
    token = db.session.execute(select(ApiToken).where(ApiToken.token_hash == token_digest(secret))).scalar()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at < now):
        return None
    if not token.user.active:
        return None
    # Writing last_used_at on every call would make each read a write; once a minute is enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def revoke_api_token(token: ApiToken, actor) -> None:
    token.revoked_at = utcnow()
    db.session.flush()
    record("auth.api_token_revoked", actor=actor, token_id=token.id, user_id=token.user_id)


def create_invitation(case, party, actor, *, days: int | None = None) -> tuple[Invitation, str]:
    """A single-use link for one party of one case. Only the token's hash is stored."""
    if party.case_id != case.id:
        raise ValidationFailed(_("This person is not a party to this case."))
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        case_id=case.id, party_id=party.id, token_hash=token_digest(secret),
        sent_to=party.email or party.phone, created_by_id=getattr(actor, "id", None),
        expires_at=utcnow() + timedelta(days=days or current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    record("invitation.created", actor=actor, case=case, party_id=party.id, invitation_id=invitation.id,
           expires_at=invitation.expires_at)
    return invitation, secret


class InvitationInvalid(NotAllowed):
    code = "invitation_invalid"


def check_invitation(secret: str) -> Invitation:
    invitation = db.session.execute(
        select(Invitation).where(Invitation.token_hash == token_digest(secret or ""))
    ).scalar()
    if invitation is None:
        raise InvitationInvalid(_("This invitation link is not valid. Check that you copied all of it."))
    if invitation.used_at is not None:
        raise InvitationInvalid(_("This invitation link has already been used. Please sign in instead."),
                                code="invitation_used")
    if invitation.expires_at < utcnow():
        raise InvitationInvalid(
            _("This invitation link has expired. Ask the mediation organisation for a new one."),
            code="invitation_expired")
    return invitation


def redeem_invitation(secret: str, user: User) -> Invitation:
    """Link the invited party to a user account and spend the link."""
    from ..cases.models import Party

    invitation = check_invitation(secret)
    party = db.session.get(Party, invitation.party_id)
    if party.user_id is not None and party.user_id != user.id:
        raise InvitationInvalid(_("This party is already linked to another account."), code="invitation_used")
    party.user_id = user.id
    invitation.used_at = utcnow()
    invitation.used_by_id = user.id
    db.session.flush()
    record("invitation.redeemed", actor=user, case=invitation.case_id, party_id=party.id,
           invitation_id=invitation.id)
    return invitation
