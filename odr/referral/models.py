"""Rows of the referral domain: referrals (out to another body, or a court's delegation into
mediation), each party's consent to share the mediation record, and where an imported case
came from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class ReferralKind(StrEnum):
    REFERRAL = "referral"  # a mediation organisation sends a case on (People's Mediation Law Art. 26)
    DELEGATION = "delegation"  # a court sends a case into mediation (委派/委托调解)


class ReferralRoute(StrEnum):
    ARBITRATION = "arbitration"  # 仲裁委员会
    COURT = "court"  # 人民法院 (online filing)
    ADMINISTRATIVE = "administrative"  # 行政机关 (administrative mediation or decision)
    TRANSFER = "transfer"  # another mediation organisation
    MEDIATION = "mediation"  # a court's delegation to a mediation organisation


class ReferralStatus(StrEnum):
    PENDING = "pending"  # waiting for the receiving body
    ACCEPTED = "accepted"
    RETURNED = "returned"  # the receiving body sent it back, with a reason
    WITHDRAWN = "withdrawn"  # another body was chosen, or the case ended, before an answer
    REPORTED = "reported"  # a delegation whose mediation has ended: the court has the result


class Referral(db.Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[ReferralKind] = mapped_column(str_enum(ReferralKind, length=16))
    route: Mapped[ReferralRoute] = mapped_column(str_enum(ReferralRoute, length=16))
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, length=16))
    from_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    to_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the receiving body has to have answered (a referral), or the mediation to have ended
    # (a delegation).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    # A delegation's result: the state the mediation ended in (settled, mediation_failed, ...).
    result: Mapped[str | None] = mapped_column(String(40))

    case = relationship("Case", lazy="raise")
    from_organisation = relationship("Organisation", foreign_keys=[from_organisation_id], lazy="raise")
    to_organisation = relationship("Organisation", foreign_keys=[to_organisation_id], lazy="raise")

    __table_args__ = (
        Index("ix_referrals_inbox", "to_organisation_id", "status", "due_at"),
        Index("ix_referrals_from", "from_organisation_id", "kind", "status"),
        Index("ix_referrals_case_id", "case_id"),
        db.CheckConstraint("(status = 'returned') = (reason IS NOT NULL)", name="reason_iff_returned"),
    )


class RecordConsent(db.Model):
    """One party's answer to: may the mediation record go to the receiving body? (Mediation is
    confidential: without every party's yes, the record stays out of the bundle.)"""

    __tablename__ = "record_consents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseOrigin(db.Model):
    """A case imported from another instance's bundle: where it came from and the manifest as
    received (with the source's audit trail), kept as it was."""

    __tablename__ = "case_origins"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    source_url: Mapped[str] = mapped_column(String(255))
    source_reference: Mapped[str] = mapped_column(String(40))
    source_case_id: Mapped[int | None] = mapped_column(Integer)
    source_organisation: Mapped[str] = mapped_column(String(200), default="")
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict] = mapped_column(JSON)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
