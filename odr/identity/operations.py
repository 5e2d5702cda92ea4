"""Real-name details and one-time codes: the rules. Views and the API stay thin around these.

Who sees what (the policy, odr/core/policy.py `sees_full_identity`): a party's ID number in full
only to that party (their account, or their representative's); everyone else who may see the
party sees the masked form. Every change is audited, never with the number itself.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..core.audit import record
from ..core.errors import NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import crypto
from .models import OneTimeCode, PartyIdentity
from .resident_id import InvalidResidentId, parse

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
PURPOSES = ("phone", "sign")


# ---- real-name details ------------------------------------------------------------------

def identity_of(party) -> PartyIdentity | None:
    return db.session.get(PartyIdentity, party.id)


def give_identity(party, actor, number_text: str) -> PartyIdentity:
    """Record (or replace) `party`'s resident ID number; raises ValidationFailed with the reason."""
    try:
        resident_id = parse(number_text)
    except InvalidResidentId as error:
        raise ValidationFailed(str(error.message), fields={"id_number": [str(error.message)]}) from None
    identity = identity_of(party)
    replaced = identity is not None
    if identity is None:
        identity = PartyIdentity(party_id=party.id)
        db.session.add(identity)
    identity.kind = "resident_id"
    identity.number_encrypted = crypto.encrypt(resident_id.number)
    identity.number_masked = resident_id.masked
    identity.given_by_id = getattr(actor, "id", None)
    identity.given_at = utcnow()
    db.session.flush()
    record("party.identity_given", actor=actor, case=party.case, party_id=party.id,
           kind=identity.kind, masked=identity.number_masked, replaced=replaced)
    return identity


def lacks_identity(case, user) -> bool:
    """Has `user` (a party of `case`, or their representative) not given the real-name details of
    the party they sign for? Organisations with `requires_real_name` ask for them before signing."""
    parties = [p for p in case.parties if user.id in (p.user_id, p.representative_user_id)]
    if not parties:
        return False
    given = identities_for(parties)
    return any(p.id not in given for p in parties)


def full_number(identity: PartyIdentity) -> str:
    return crypto.decrypt(identity.number_encrypted)


def identities_for(parties) -> dict[int, PartyIdentity]:
    """The identities of these parties in one query (the case page shows them all)."""
    ids = [party.id for party in parties]
    if not ids:
        return {}
    rows = db.session.execute(select(PartyIdentity).where(PartyIdentity.party_id.in_(ids))).scalars()
    return {row.party_id: row for row in rows}


def rotate_keys(batch: int = 500) -> int:
    """Re-encrypt every stored number with the current (first) key; returns how many rows."""
    done, last = 0, 0
    while True:
        rows = db.session.execute(
            select(PartyIdentity).where(PartyIdentity.party_id > last)
            .order_by(PartyIdentity.party_id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            row.number_encrypted = crypto.rotate(row.number_encrypted)
            last = row.party_id
        done += len(rows)
        db.session.commit()
    record("identity.keys_rotated", rows=done)
    db.session.commit()
    return done


# ---- one-time codes ---------------------------------------------------------------------

def send_code(user, purpose: str, phone: str | None = None) -> OneTimeCode:
    """Make a new code for `purpose`, send it by SMS to `phone` (or the account's number) and
    cancel any earlier unused one for the same purpose."""
    from ..notifications.operations import Contact, notify

    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    target = phone or user.phone
    if not target:
        raise ValidationFailed(_("Add a mobile number to your account first."),
                               fields={"phone": [_("Add a mobile number to your account first.")]})
    now = utcnow()
    db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = OneTimeCode(user_id=user.id, purpose=purpose, target=target, created_at=now,
                      code_digest=crypto.code_digest(code, purpose, user.id),
                      expires_at=now + timedelta(minutes=CODE_MINUTES))
    db.session.add(row)
    db.session.flush()
    notify(Contact(name=user.name, phone=target, locale=user.locale), f"code_{purpose}",
           {"code": code, "minutes": CODE_MINUTES}, channels=("sms",))
    record("code.sent", actor=user, purpose=purpose, code_id=row.id)
    return row


def check_code(user, purpose: str, code_text: str) -> OneTimeCode:
    """Use up the current code for `purpose` if `code_text` is it; otherwise count the attempt and
    raise ValidationFailed (wrong, expired, used up) with a message for the person."""
    now = utcnow()
    row = db.session.execute(
        select(OneTimeCode)
        .where(OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
        .order_by(OneTimeCode.id.desc()).limit(1)
    ).scalar_one_or_none()

    def refuse(message):
        raise ValidationFailed(message, fields={"code": [message]})

    if row is None or row.expires_at <= now:
        refuse(_("This code has expired or was already used. Ask for a new one."))
    if row.attempts >= CODE_ATTEMPTS:
        refuse(_("Too many wrong codes. Ask for a new one."))
    entered = "".join((code_text or "").split())
    row.attempts += 1
    if not secrets.compare_digest(crypto.code_digest(entered, purpose, user.id), row.code_digest):
        record("code.rejected", actor=user, purpose=purpose, code_id=row.id, attempts=row.attempts)
        left = CODE_ATTEMPTS - row.attempts
        refuse(_("That is not the code we sent. %(left)d tries left.", left=left) if left
               else _("Too many wrong codes. Ask for a new one."))
    row.used_at = now
    record("code.used", actor=user, purpose=purpose, code_id=row.id)
    return row


def verify_phone(user, phone: str, code_text: str):
    """The person proved they hold `phone`: it becomes the account's verified number."""
    row = check_code(user, "phone", code_text)
    if row.target != phone:
        raise NotAllowed(_("The code was sent to another number."))
    from ..auth.models import User

    taken = db.session.execute(select(User.id).where(User.phone == phone, User.id != user.id)).first()
    if taken:
        message = _("This number belongs to another account.")
        raise ValidationFailed(message, fields={"phone": [message]})
    user.phone = phone
    user.phone_verified_at = utcnow()
    record("user.phone_verified", actor=user, user_id=user.id)
    return user
