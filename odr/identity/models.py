from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class PartyIdentity(db.Model):
    """A party's real-name details for one case: the ID number encrypted (crypto.py), and its
    masked form, which is what everyone but the party sees and so needs no decryption to show."""

    __tablename__ = "party_identities"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="resident_id")
    number_encrypted: Mapped[str] = mapped_column(Text)
    number_masked: Mapped[str] = mapped_column(String(32))
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    party = relationship("Party", lazy="raise")


class OneTimeCode(db.Model):
    """A six-digit code sent by SMS, for one purpose (verifying a phone number, confirming a
    signature). Stored as a keyed hash; single use, expires, and only a few guesses are allowed."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(32))  # the phone number it was sent to
    code_digest: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
