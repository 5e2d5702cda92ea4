"""Mediation rooms: the stored messages of each case's channels.

A message is stored and committed before anyone receives it, and carries a sequence number that
is gap-free per (case, channel): a client that reconnects asks for everything after the last
number it saw. Messages are the record of the mediation: rows are never updated or deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import Side
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db

MAX_BODY_CHARS = 4000


class Channel(StrEnum):
    """The joint channel everyone in the room shares, and one private (caucus) channel per side."""

    JOINT = "joint"
    CAUCUS_APPLICANT = "caucus:applicant"
    CAUCUS_RESPONDENT = "caucus:respondent"

    @property
    def side(self) -> Side | None:
        """The side whose private channel this is (None for the joint channel)."""
        if self is Channel.JOINT:
            return None
        return Side(self.value.removeprefix("caucus:"))


class MessageKind(StrEnum):
    TEXT = "text"  # written by a person
    SYSTEM = "system"  # written by the service (a session opened, a proposal made, ...)


class RoomMessage(db.Model):
    __tablename__ = "room_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=32))
    # 1, 2, 3, ... per (case, channel), taken from the counter "room:<case>:<channel>".
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, length=16), default=MessageKind.TEXT)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The sender's role in the case when the message was sent ("mediator", "applicant", ...).
    sender_role: Mapped[str | None] = mapped_column(String(40))
    # The sender's own id for the message: a resend with the same id is the same message.
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sender = relationship("User", lazy="raise")

    __table_args__ = (
        UniqueConstraint("case_id", "channel", "seq", name="uq_room_messages_seq"),
        UniqueConstraint("case_id", "sender_id", "client_msg_id", name="uq_room_messages_client_msg_id"),
        db.CheckConstraint("seq > 0", name="seq_positive"),
        db.CheckConstraint(f"length(body) BETWEEN 1 AND {MAX_BODY_CHARS}", name="body_length"),
        db.CheckConstraint(
            "kind <> 'text' OR (sender_id IS NOT NULL AND client_msg_id IS NOT NULL)",
            name="text_has_sender",
        ),
    )

    def __repr__(self) -> str:
        return f"<RoomMessage case={self.case_id} {self.channel} #{self.seq}>"


@event.listens_for(RoomMessage, "before_update")
@event.listens_for(RoomMessage, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("room messages are the record of the mediation: append-only")
