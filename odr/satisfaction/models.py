"""A party's rating of a closed case: the process and the mediator, 1-5 each, and a comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, utcnow
from ..extensions import db

LOWEST, HIGHEST = 1, 5
# A score at or below this alerts the organisation's supervisor.
LOW_SCORE = 2


class Rating(db.Model):
    """One per party (a Party row) per case, final once given (docs/statistics.md says why)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    # Who gave it: the party's own account or their representative's.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The mediator rated (the case's mediator when the rating was given); None: no mediator,
    # and then no mediator score either.
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    process_score: Mapped[int] = mapped_column(SmallInteger)
    mediator_score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case", lazy="raise")
    party = relationship("Party", lazy="raise")
    mediator = relationship("User", foreign_keys=[mediator_id], lazy="raise")

    __table_args__ = (
        UniqueConstraint("case_id", "party_id", name="uq_rating_party"),
        db.CheckConstraint(f"process_score BETWEEN {LOWEST} AND {HIGHEST}", name="process_score_range"),
        db.CheckConstraint(
            f"mediator_score IS NULL OR mediator_score BETWEEN {LOWEST} AND {HIGHEST}",
            name="mediator_score_range",
        ),
        db.CheckConstraint("mediator_score IS NULL OR mediator_id IS NOT NULL", name="mediator_scored"),
        Index("ix_ratings_mediator_id", "mediator_id"),
        Index("ix_ratings_created_at", "created_at"),
    )

    @property
    def low(self) -> bool:
        return self.process_score <= LOW_SCORE or (self.mediator_score or HIGHEST) <= LOW_SCORE

