"""Obligations (the agreement's terms with due dates) and follow-up visits.

    pending -> reported (the obliged side says it is done) -> performed (the other side confirms)
                                                          \\-> disputed (with a reason) -> reported ...

An obligation is missed when its due date has passed and it is pending or disputed; the due-jobs
remind the obliged side before the date and flag a missed term to the mediator once
(`reminded_at`, `flagged_at` are the records that they did).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.enums import Side
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class ObligationStatus(StrEnum):
    PENDING = "pending"
    REPORTED = "reported"
    PERFORMED = "performed"
    DISPUTED = "disputed"


OPEN_STATUSES = (ObligationStatus.PENDING, ObligationStatus.DISPUTED)


class Obligation(db.Model):
    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the case
    obligor_side: Mapped[Side] = mapped_column(str_enum(Side, length=16))
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ObligationStatus] = mapped_column(str_enum(ObligationStatus, length=16),
                                                     default=ObligationStatus.PENDING)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_note: Mapped[str] = mapped_column(String(1000), default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispute_reason: Mapped[str] = mapped_column(String(1000), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "number", name="uq_obligations_case_number"),
        # The due-jobs look for open terms by date.
        db.Index("ix_obligations_status_due_on", "status", "due_on"),
        db.CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    )


class FollowUpMethod(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    ONLINE = "online"


class FollowUp(db.Model):
    """A follow-up visit (回访记录): how, when, and each party's answers."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[FollowUpMethod] = mapped_column(str_enum(FollowUpMethod, length=16))
    visited_on: Mapped[date] = mapped_column(Date)
    # [{"party_id", "name", "side", "satisfied": bool, "remaining_issues": str}, ...]
    answers: Mapped[list] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
