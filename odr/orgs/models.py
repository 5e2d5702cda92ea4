from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import CaseState, Category, OrgType, RegionLevel, Role
from ..core.models import str_enum
from ..extensions import db


class Region(db.Model):
    """A node of the region tree. `path` ("/1/4/9/") makes "everything below" one LIKE query."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")

    parent: Mapped[Region | None] = relationship(remote_side=[id], lazy="joined", join_depth=3)

    def __str__(self) -> str:  # named in lists and choices (the admin pages) in the user's language
        from ..core.i18n import localized_name

        return localized_name(self)


organisation_regions = db.Table(
    "organisation_regions",
    db.Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
    db.Column("region_id", ForeignKey("regions.id"), primary_key=True, index=True),
)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[OrgType] = mapped_column(str_enum(OrgType))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Parties of its cases must give real-name details (a resident ID number) before signing.
    requires_real_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=db.false())
    # Its seal as a PNG (content-addressed in storage), printed in the seal area of its papers.
    seal_sha256: Mapped[str | None] = mapped_column(String(64))

    region: Mapped[Region | None] = relationship(lazy="joined")
    parent: Mapped[Organisation | None] = relationship(remote_side=[id], lazy="select")
    regions_served: Mapped[list[Region]] = relationship(secondary=organisation_regions)
    categories: Mapped[list[OrganisationCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    deadlines: Mapped[list[DeadlineSetting]] = relationship(cascade="all, delete-orphan")

    @property
    def category_codes(self) -> set[Category]:
        return {c.category for c in self.categories}

    def __str__(self) -> str:  # named in lists and choices (the admin pages) in the user's language
        from ..core.i18n import localized_name

        return localized_name(self)


class OrganisationCategory(db.Model):
    """A dispute category an organisation handles."""

    __tablename__ = "organisation_categories"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(str_enum(Category), primary_key=True)


class Membership(db.Model):
    """A staff member's role in an organisation (and, through its path, in the ones below it)."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))

    user = relationship("User", back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role", name="uq_membership"),
        db.CheckConstraint(
            "role IN ('mediator', 'clerk', 'consultant', 'supervisor')", name="member_role"
        ),
    )


class DeadlineSetting(db.Model):
    """An organisation's own number of days for a state's clock (defaults in cases/workflow.py)."""

    __tablename__ = "deadline_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)

    __table_args__ = (db.CheckConstraint("days > 0 AND days <= 365", name="days_range"),)


__all__ = ["Region", "Organisation", "OrganisationCategory", "Membership", "DeadlineSetting", "Role"]
