"""A joint application for judicial confirmation, from its start by one side to the court's ruling.

    open (one side started it) -> filed (both sides joined, or a clerk filed the parties' joint
    written application: the case goes to the court's inbox) -> confirmed | refused

People's Mediation Law Art. 33 and Civil Procedure Law Arts. 205-206: the parties apply jointly
within 30 days of the agreement taking effect; the court confirms the agreement or dismisses the
application, with reasons.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import Side
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class ApplicationStatus(StrEnum):
    OPEN = "open"
    FILED = "filed"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


class ConfirmationApplication(db.Model):
    __tablename__ = "confirmation_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One application per case: a refused one ends judicial confirmation for this agreement.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, length=16))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_side: Mapped[Side | None] = mapped_column(str_enum(Side, length=16))
    applicant_joined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    respondent_joined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    respondent_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Filed by the committee's clerk on the parties' joint written application (申请书 on paper).
    filed_by_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_note: Mapped[str] = mapped_column(String(500), default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reasons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    court = relationship("Organisation", lazy="joined")
    case = relationship("Case", lazy="raise")

    __table_args__ = (
        db.Index("ix_confirmation_applications_court_status", "court_id", "status"),
        db.CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)", name="decided_together"),
    )

    def joined(self, side: Side) -> bool:
        return (self.applicant_joined_at if side == Side.APPLICANT else self.respondent_joined_at) is not None

    @property
    def is_joint(self) -> bool:
        return self.filed_by_clerk_id is not None or (
            self.applicant_joined_at is not None and self.respondent_joined_at is not None)
