"""Mediation rooms: the stored messages of each case's channels.

A message is stored and committed before anyone receives it, and carries a sequence number that
is gap-free per (case, channel): a client that reconnects asks for everything after the last
number it saw. Messages are the record of the mediation: rows are never updated or deleted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
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


class RoomReadMark(db.Model):
    """How far one person has read one channel: the highest seq they said they read (read
    receipts, docs/realtime.md). Not the record of the mediation: a courtesy to the others, kept
    per person and channel, moved forward only, stored at most every few seconds."""

    __tablename__ = "room_read_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # How the reader follows the case ("mediator", "respondent", "clerk", ...), shown with the mark.
    role_in_case: Mapped[str | None] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "channel", "user_id", name="uq_room_read_marks_reader"),
        db.CheckConstraint("seq >= 0", name="seq_not_negative"),
    )


# ---- proposals, blind bidding, the settlement agreement (docs/realtime.md, "Settling") ---------

class ProposalStatus(StrEnum):
    OFFERED = "offered"  # open: the other side may accept, reject or counter it
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    COUNTERED = "countered"  # answered by another proposal (answers_id on that one)


class Proposal(db.Model):
    """A structured offer from one side: money (optionally in instalments) and/or other terms."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The side offering; None for the result of a blind bidding (both sides' figures met).
    side: Mapped[Side | None] = mapped_column(str_enum(Side, length=16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # [{"amount": "1000.00", "due_date": "2026-12-31"}, ...], summing to `amount`; [] = at once.
    instalments: Mapped[list] = mapped_column(JSON, default=list)
    terms: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, length=16),
                                                   default=ProposalStatus.OFFERED)
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))  # a counter-proposal
    from_bidding: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        db.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )


class BiddingStatus(StrEnum):
    PROPOSED = "proposed"  # one side proposed the gap; the other has not agreed yet
    OPEN = "open"
    SETTLED = "settled"
    EXHAUSTED = "exhausted"  # every round ended without agreement


class Bidding(db.Model):
    """Double-blind bidding in one case (one per case). The figures live in `bids` only."""

    __tablename__ = "biddings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    status: Mapped[BiddingStatus] = mapped_column(str_enum(BiddingStatus, length=16))
    # Settle when the figures are this close, in per cent of the applicant's minimum.
    gap_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=0)
    max_rounds: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)  # the current (or last) round
    applicant_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    respondent_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    respondent_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bid(db.Model):
    """One sealed figure: never sent to the other side or the mediator, never audited in clear."""

    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    bidding_id: Mapped[int] = mapped_column(ForeignKey("biddings.id"))
    round: Mapped[int] = mapped_column(Integer)
    side: Mapped[Side] = mapped_column(str_enum(Side, length=16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # SHA-256 of "<salt>:<amount>", audited instead of the figure (a plain hash of a small
    # number could be reversed by trying every amount; the salt stays here).
    salt: Mapped[str] = mapped_column(String(32))
    commitment: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("bidding_id", "round", "side", name="uq_bids_round_side"),)


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    LOCKED = "locked"  # the final text: only signatures from now on
    SIGNED = "signed"  # everyone has signed


class Agreement(db.Model):
    """The settlement agreement (人民调解协议书) of a case while it is drafted and signed."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    status: Mapped[AgreementStatus] = mapped_column(str_enum(AgreementStatus, length=16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    clauses: Mapped[dict] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)  # the canonical text of `clauses` (agreement.py)
    lang: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    text_sha256: Mapped[str | None] = mapped_column(String(64))  # set when locked
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgreementVersion(db.Model):
    """Every version of the draft's text, as written (comments refer to these)."""

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    version: Mapped[int] = mapped_column(Integer)
    clauses: Mapped[dict] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("agreement_id", "version", name="uq_agreement_versions"),)


class AgreementComment(db.Model):
    __tablename__ = "agreement_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Signature(db.Model):
    """One person's signature of the locked text (Electronic Signature Law Arts. 13, 14)."""

    __tablename__ = "agreement_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(40))  # applicant, respondent, mediator, <side>_representative
    name: Mapped[str] = mapped_column(String(200))
    typed_signature: Mapped[str] = mapped_column(String(200))
    drawn_signature: Mapped[str | None] = mapped_column(Text)  # a PNG data URL, or None
    method: Mapped[str] = mapped_column(String(20))  # how they re-authenticated: "password"
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    text_sha256: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("agreement_id", "user_id", name="uq_signatures_signer"),)
