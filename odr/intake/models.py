"""How a case came in (channel, a resident's consent, the grid) and which grids a worker serves."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class Channel(StrEnum):
    SELF = "self"  # the applicant files for themselves
    GRID_WORKER = "grid_worker"  # a grid worker files for a resident, with the resident's consent
    QR = "qr"  # opened from a grid's or an organisation's QR code (扫码受理)


class IntakeRecord(db.Model):
    """One per case filed through /file: what the case model itself has no column for."""

    __tablename__ = "intake_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.SELF)
    # Filing for a resident: when the worker confirmed that the resident agreed.
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grid_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    # Set from a QR code: the case goes to this organisation instead of being routed.
    preset_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    dispute_started_on: Mapped[date | None] = mapped_column(Date())
    # The steps already saved, comma-separated ("category,facts"): where "continue" resumes.
    steps_done: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case")
    grid_region = relationship("Region")

    def done(self) -> set[str]:
        return {s for s in (self.steps_done or "").split(",") if s}


class GridAssignment(db.Model):
    """A grid worker serves a region (usually a grid): they follow the cases filed there."""

    __tablename__ = "grid_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    region = relationship("Region", lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "region_id", name="uq_grid_assignment"),)
