"""Questions to a consultant (threads of messages) and the published, anonymised FAQ."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import Category
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class QuestionStatus(StrEnum):
    OPEN = "open"  # waiting for a consultant (the asker wrote last)
    ANSWERED = "answered"  # a consultant wrote last
    CLOSED = "closed"


class Question(db.Model):
    """A question a signed-in user asks; the organisation serving its region and category answers."""

    __tablename__ = "consult_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    status: Mapped[QuestionStatus] = mapped_column(str_enum(QuestionStatus), default=QuestionStatus.OPEN)
    lang: Mapped[str] = mapped_column(String(10), default="zh_CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When a consultant's answer is due (reset by each follow-up of the asker).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    asker = relationship("User", foreign_keys=[asker_id])
    organisation = relationship("Organisation")
    region = relationship("Region")
    case = relationship("Case")
    messages: Mapped[list[Message]] = relationship(
        back_populates="question", order_by="Message.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_consult_questions_inbox", "organisation_id", "status", "due_at"),)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status == QuestionStatus.OPEN and self.due_at < (now or utcnow())


class Message(db.Model):
    __tablename__ = "consult_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consult_questions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_consultant: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="messages")
    author = relationship("User")


class FaqEntry(db.Model):
    """A published question and answer, anonymised and reviewed by the consultant who published it."""

    __tablename__ = "consult_faq"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("consult_questions.id"), unique=True)
    category: Mapped[Category] = mapped_column(str_enum(Category))
    lang: Mapped[str] = mapped_column(String(10))
    question_text: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
