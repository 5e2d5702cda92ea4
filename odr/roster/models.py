from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class MediatorProfile(db.Model):
    """What a party reads before choosing a mediator, and what conflict detection compares."""

    __tablename__ = "mediator_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    specialties: Mapped[list] = mapped_column(JSON, default=list)  # Category values
    languages: Mapped[list] = mapped_column(JSON, default=list)  # LANGUAGES keys
    qualifications: Mapped[str] = mapped_column(Text, default="")
    years_of_practice: Mapped[int] = mapped_column(Integer, default=0)
    availability: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # A mediator studio (个人调解工作室) has a public page when it is named and published.
    studio_name: Mapped[str | None] = mapped_column(String(200))
    studio_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Never shown: compared with the parties' particulars to detect conflicts of interest.
    home_address: Mapped[str | None] = mapped_column(String(255))
    employer: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user = relationship("User", lazy="joined")


class MediatorRequest(db.Model):
    """A party asks for a particular mediator from the roster, or for a different one; a clerk
    grants or refuses it with a reason."""

    __tablename__ = "mediator_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    side: Mapped[str] = mapped_column(String(20))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: "someone else"
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, granted, refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mediator = relationship("User", foreign_keys=[mediator_id], lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
