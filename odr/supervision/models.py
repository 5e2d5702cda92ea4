from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import CaseState
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db

# Levels of a clock's alerts: before the deadline, then after it, then further up.
REMINDER, ESCALATED, ESCALATED_UP = 0, 1, 2


class ClockAlert(db.Model):
    """One reminder or escalation sent for one clock: the case's stay in a state, which began
    at `clock_started_at`. Unique per clock and level: a level is never sent twice."""

    __tablename__ = "clock_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState))
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    # [{"user_id", "role"} or {"contact", "role"}]: who was told (empty: nobody to tell).
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "state", "clock_started_at", "level", name="uq_clock_alert"),
        db.CheckConstraint("level IN (0, 1, 2)", name="clock_alert_level"),
        Index("ix_clock_alerts_sent_at", "sent_at"),
    )


class Instruction(db.Model):
    """A supervisor's instruction (督办) to the person handling a case, with a deadline for the
    answer. Unanswered past its deadline it shows on the board and escalates once."""

    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handler_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case = relationship("Case")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    handler = relationship("User", foreign_keys=[handler_id])

    __table_args__ = (
        Index("ix_instructions_case_id", "case_id"),
        Index("ix_instructions_open", "answered_at", "due_at"),
        Index("ix_instructions_handler", "handler_id", "answered_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


__all__ = ["ClockAlert", "Instruction", "REMINDER", "ESCALATED", "ESCALATED_UP"]
