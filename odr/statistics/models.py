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

from ..cases.models import Case
from ..core.enums import CaseState
from ..core.models import UTCDateTime, str_enum
from ..extensions import db


class CaseStage(db.Model):
    __tablename__ = "case_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # Who handled the case and where, when it entered the state: the statistics filter and group
    # stays by these without joining every stay to its case (and a stay counts for the body that
    # had the case then, not for one it was referred to later).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
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
        # Finished stays by when they ended, with every column the statistics read: the time per
        # stage and the on-time rate come from this index alone (an index-only scan), not from
        # a lookup of each stay's row.
        Index("ix_case_stages_left_at", "left_at", "organisation_id", "region_id", "state", "seconds",
              "on_time", sqlite_where=text("left_at IS NOT NULL"), postgresql_where=text("left_at IS NOT NULL")),
        # The same stays in order of length per state: SQLite's median walks it to the middle
        # row (statistics/queries._medians) instead of sorting every stay.
        Index("ix_case_stages_state_seconds", "state", "seconds", "left_at", "organisation_id", "region_id",
              sqlite_where=text("left_at IS NOT NULL"), postgresql_where=text("left_at IS NOT NULL")),
    )


# The statistics count cases by when they were received and closed (a period is a range on these
# columns), by organisation, region, state, category and outcome. These indexes hold all of those
# columns, so each count reads only the index entries of the period, not every case's row (at
# 100,000 cases a count that looked up each row was ten times slower than the index alone).
# Declared here, with the statistics that need them, on the cases table.
Index("ix_cases_submitted_at", Case.submitted_at, Case.organisation_id, Case.region_id, Case.state,
      Case.category)
Index("ix_cases_closed_at", Case.closed_at, Case.organisation_id, Case.region_id, Case.outcome)
