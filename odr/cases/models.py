from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import (
    FINAL_STATES,
    CaseState,
    Category,
    Outcome,
    PartyKind,
    RiskLevel,
    Side,
)
from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db

_FINAL_SQL = ", ".join(f"'{s.value}'" for s in sorted(FINAL_STATES))


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), default=CaseState.DRAFT)
    category: Mapped[Category] = mapped_column(str_enum(Category))
    title: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text, default="")
    claims: Mapped[str] = mapped_column(Text, default="")
    claim_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # What the case settled for (set with the settlement; read by odr/evaluation/similar.py).
    settled_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    risk_level: Mapped[RiskLevel] = mapped_column(str_enum(RiskLevel), default=RiskLevel.LOW)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome))

    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # The body a case is referred to, or the court asked for judicial confirmation.
    target_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When whoever must act in this state has to have acted (事事有回音).
    state_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic concurrency: two clerks acting on the same case cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    parties: Mapped[list[Party]] = relationship(
        back_populates="case", order_by="Party.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="case", order_by="Evidence.id", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[CaseAssignment]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    target_organisation = relationship("Organisation", foreign_keys=[target_organisation_id])
    region = relationship("Region")
    filed_by = relationship("User", foreign_keys=[filed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # A finished case carries an outcome code, and only a finished case does.
        db.CheckConstraint(
            f"(state IN ({_FINAL_SQL})) = (outcome IS NOT NULL)", name="outcome_iff_final"
        ),
        db.CheckConstraint("claim_amount IS NULL OR claim_amount >= 0", name="claim_not_negative"),
        db.CheckConstraint("length(currency) = 3", name="currency_code"),
        Index("ix_cases_org_id", "organisation_id", "id"),
        Index("ix_cases_state_deadline", "state", "state_deadline"),
        Index("ix_cases_filed_by", "filed_by_id"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_category", "category"),
    )

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def parties_on(self, side: Side) -> list[Party]:
        return [p for p in self.parties if p.side == side]

    @property
    def mediator_ids(self) -> set[int]:
        """The mediators working the case. One who declared a relation to a party is held back
        until a clerk decides (CaseAssignment.conflict_status "pending")."""
        return {a.user_id for a in self.assignments if a.removed_at is None and a.is_effective}

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.state}>"


class Party(db.Model):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    side: Mapped[Side] = mapped_column(str_enum(Side))
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind), default=PartyKind.PERSON)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    representative_name: Mapped[str | None] = mapped_column(String(120))
    representative_phone: Mapped[str | None] = mapped_column(String(32))
    representative_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The party's own account of the dispute (a respondent's side, given through the invitation).
    statement: Mapped[str | None] = mapped_column(Text)
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="parties")

    __table_args__ = (
        Index("ix_parties_case_id", "case_id"),
        # Partial: most parties have no account, and SQLite's statistics count all those NULLs
        # as one value, which made the planner scan every party for "the cases of this user"
        # (docs/benchmarks.md). Indexing only the linked rows keeps the lookup selective.
        Index("ix_parties_user_id", "user_id", sqlite_where=text("user_id IS NOT NULL"),
              postgresql_where=text("user_id IS NOT NULL")),
        Index("ix_parties_representative_user_id", "representative_user_id",
              sqlite_where=text("representative_user_id IS NOT NULL"),
              postgresql_where=text("representative_user_id IS NOT NULL")),
        Index("ix_parties_name", "name"),
    )


class Evidence(db.Model):
    """An uploaded file. The bytes live in content-addressed storage under their SHA-256."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the file belongs to one side's private (caucus) material.
    private_to_side: Mapped[Side | None] = mapped_column(str_enum(Side))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="evidence")
    uploaded_by = relationship("User")

    __table_args__ = (db.CheckConstraint("size > 0", name="not_empty"),)


CONFLICT_PENDING = "pending"


class CaseAssignment(db.Model):
    """A mediator working a case. Removed assignments are kept for the record."""

    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The mediator's declaration of any relation to the parties (conflict of interest), made
    # once on the case page after the assignment (cases/operations.declare_relation).
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    has_relation: Mapped[bool | None] = mapped_column(Boolean)
    relation_details: Mapped[str | None] = mapped_column(Text)
    # None: no conflict declared; "pending": declared, the mediator is held back until a clerk
    # decides; "allowed": a clerk let the assignment stand (with a reason); "replaced": removed.
    conflict_status: Mapped[str | None] = mapped_column(String(16))
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    conflict_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    conflict_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="assignments")
    user = relationship("User", lazy="joined", foreign_keys=[user_id])

    __table_args__ = (
        db.CheckConstraint(
            "conflict_status IS NULL OR conflict_status IN ('pending', 'allowed', 'replaced')",
            name="conflict_status_values",
        ),
    )

    @property
    def is_effective(self) -> bool:
        return self.conflict_status != CONFLICT_PENDING


def list_load_options() -> tuple:
    """How a list of cases (the API list) loads: only the columns a list item shows, parties in
    one extra query, the organisation's name by join. (Each column left out is work the ORM does
    not do for every row; at 50 rows a page that was a third of the request.)"""
    from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

    from ..orgs.models import Organisation

    return (
        load_only(Case.id, Case.reference, Case.state, Case.category, Case.title, Case.claim_amount,
                  Case.currency, Case.organisation_id, Case.created_at, Case.state_deadline),
        selectinload(Case.parties).load_only(Party.id, Party.case_id, Party.side, Party.kind, Party.name),
        joinedload(Case.organisation).options(
            load_only(Organisation.id, Organisation.name, Organisation.name_en),
            lazyload(Organisation.region), lazyload(Organisation.categories),
        ),
    )
