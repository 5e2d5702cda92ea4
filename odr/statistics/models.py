"""Each stay of a case in a state, for the time per stage and the on-time rate.

The audit trail is the record of every step; this table is derived from it, written by a step
hook in the same transaction as the step (statistics/stages.py) and rebuilt from the audit trail
by `flask odr stages-rebuild`. It exists so that a median over hundreds of thousands of stays is
one indexed GROUP BY over plain columns, not a window over JSON payloads (docs/statistics.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.enums import CaseState
from ..core.models import UTCDateTime, str_enum
from ..extensions import db


class CaseStage(db.Model):
    __tablename__ = "case_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The state's clock when the case entered it (None: the state has none).
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Whole seconds from entering to leaving: set when the case leaves the state.
    seconds: Mapped[int | None] = mapped_column(Integer)
    # Left before its deadline (None while open or when the state has no clock).
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_case_stages_case_id", "case_id", "id"),
        # Finished stays by when they ended: the period filter of the time-per-stage table.
        Index("ix_case_stages_left_at", "left_at", sqlite_where=text("left_at IS NOT NULL"),
              postgresql_where=text("left_at IS NOT NULL")),
    )
