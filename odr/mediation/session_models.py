"""Scheduled mediation sessions and the mediator's record of each (调解笔录 notes).

A session is a meeting at a set time: joint (both sides and the mediator) or a caucus with one
side. Its time is stored in UTC together with the IANA time zone it was set in, so the invitation
(.ics) and the pages show the time where the meeting was arranged. The room is gated by sessions
(sessions.py, "The waiting room"): once a case has any session, parties talk only while one is open.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import Side
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class SessionKind(StrEnum):
    JOINT = "joint"
    CAUCUS = "caucus"  # the mediator with one side (`side`)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"  # the mediator let everyone in: parties may write
    CLOSED = "closed"
    CANCELLED = "cancelled"


class MediationSession(db.Model):
    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, length=16))
    side: Mapped[Side | None] = mapped_column(str_enum(Side, length=16))  # a caucus's side
    status: Mapped[SessionStatus] = mapped_column(str_enum(SessionStatus, length=16),
                                                  default=SessionStatus.SCHEDULED)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Asia/Shanghai
    agenda: Mapped[str] = mapped_column(Text)
    # The calendar identity: the same UID for the life of the session, SEQUENCE + 1 per change.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # When the reminders for the current start time went out (cleared by a reschedule).
    reminded_day_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_hour_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    notes: Mapped[SessionNotes | None] = relationship(back_populates="session", lazy="raise")

    __table_args__ = (
        Index("ix_mediation_sessions_case", "case_id", "starts_at"),
        Index("ix_mediation_sessions_due", "status", "starts_at"),
        db.CheckConstraint("(kind = 'caucus') = (side IS NOT NULL)", name="caucus_has_side"),
        db.CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration_range"),
        db.CheckConstraint("length(agenda) >= 1", name="agenda_not_empty"),
    )


class SessionNotes(db.Model):
    """The mediator's notes of one session: who attended, what was discussed, what came of it.

    Never shown to the parties (policy `mediation.notes.view`); printed only when the mediator
    issues the mediation record paper."""

    __tablename__ = "mediation_session_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mediation_sessions.id"))
    attendees: Mapped[str] = mapped_column(Text, default="")
    discussed: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[MediationSession] = relationship(back_populates="notes")

    __table_args__ = (UniqueConstraint("session_id", name="uq_mediation_session_notes_session"),)
