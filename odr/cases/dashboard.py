"""The dashboard: the cases a user may see, newest first, with sections for their role on top.

Every list is filtered by the policy's visible_cases_clause, so the dashboard never shows a case
the case page would refuse. Rows are paged by id (keyset: `?before=<id>`), and parties and the
organisation are loaded with the page in a fixed number of queries, whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..core.enums import FINAL_STATES, PARTY_ROLES, CaseState, Category, RiskLevel, Role
from ..core.labels import label
from ..core.models import utcnow
from ..core.policy import visible_cases_clause
from ..extensions import db
from .models import Case, Party, list_load_options

PAGE_SIZE = 50
SECTION_SIZE = 20
MAX_QUERY = 100
ATTENTION_RISKS = (RiskLevel.HIGH, RiskLevel.MAJOR)
FLAGS = ("overdue", "high_risk")

HEADINGS = {
    Role.APPLICANT: _l("My cases"),
    Role.RESPONDENT: _l("My cases"),
    Role.REPRESENTATIVE: _l("My cases"),
    Role.GRID_WORKER: _l("Cases I filed"),
    Role.MEDIATOR: _l("Assigned to me"),
    Role.CLERK: _l("Cases of my organisation"),
    Role.CONSULTANT: _l("Cases of my organisation"),
    Role.SUPERVISOR: _l("Cases under my supervision"),
    Role.ADMIN: _l("All cases"),
}


def is_open():
    return Case.state.not_in(FINAL_STATES)


def is_overdue(case, now=None) -> bool:
    return bool(case.state_deadline and not case.is_final and case.state_deadline < (now or utcnow()))


def _enum_or_none(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    state: CaseState | None = None
    category: Category | None = None
    flag: str = ""
    q: str = ""
    before: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        before = args.get("before", "")
        flag = args.get("flag", "")
        return cls(
            state=_enum_or_none(CaseState, args.get("state")),
            category=_enum_or_none(Category, args.get("category")),
            flag=flag if flag in FLAGS else "",
            q=(args.get("q") or "").strip()[:MAX_QUERY],
            before=int(before) if before.isdigit() else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.state or self.category or self.flag or self.q)

    def as_args(self, **override) -> dict:
        args = {"state": self.state and self.state.value, "category": self.category and self.category.value,
                "flag": self.flag, "q": self.q}
        args.update(override)
        return {k: v for k, v in args.items() if v}

    def clauses(self, now) -> list:
        where = []
        if self.state:
            where.append(Case.state == self.state)
        if self.category:
            where.append(Case.category == self.category)
        if self.flag == "overdue":
            where += [is_open(), Case.state_deadline < now]
        if self.flag == "high_risk":
            where += [is_open(), Case.risk_level.in_(ATTENTION_RISKS)]
        if self.q:
            named = select(Party.case_id).where(Party.name.icontains(self.q, autoescape=True))
            where.append(or_(Case.reference.icontains(self.q, autoescape=True), Case.id.in_(named)))
        return where


@dataclass
class Section:
    title: object
    where: list
    order_by: tuple
    more_args: dict
    rows: list = field(default_factory=list)
    has_more: bool = False


def fetch(user, where, order_by, limit) -> list[Case]:
    """One page of visible cases with their parties and organisation: three queries in all."""
    return list(db.session.execute(
        select(Case)
        .where(visible_cases_clause(user), *where)
        .options(*list_load_options())
        .order_by(*order_by)
        .limit(limit)
    ).scalars())


def role_sections(user, now) -> list[Section]:
    """What each role looks at first."""
    by_deadline = (Case.state_deadline.asc().nulls_last(), Case.id.asc())
    if user.role == Role.CLERK:
        return [Section(_l("Waiting for acceptance"), [Case.state == CaseState.SUBMITTED], by_deadline,
                        {"state": CaseState.SUBMITTED.value})]
    if user.role == Role.SUPERVISOR:
        return [
            Section(_l("Overdue"), [is_open(), Case.state_deadline < now], by_deadline, {"flag": "overdue"}),
            Section(_l("High risk"), [is_open(), Case.risk_level.in_(ATTENTION_RISKS)], by_deadline,
                    {"flag": "high_risk"}),
        ]
    if user.role == Role.CONSULTANT:
        return [Section(_l("In consultation"), [Case.state == CaseState.CONSULTATION], by_deadline,
                        {"state": CaseState.CONSULTATION.value})]
    return []


def works_cases(user) -> bool:
    """Staff see who handles each case and its risk level; parties and grid workers do not."""
    return user.role not in PARTY_ROLES and user.role != Role.GRID_WORKER


def dashboard_context(user, args) -> dict:
    now = utcnow()
    filters = Filters.from_args(args)
    staff_view = works_cases(user)
    if not staff_view and filters.flag == "high_risk":
        filters = replace(filters, flag="")  # filtering by risk would tell a party what the level is
    sections = [] if filters.active or filters.before else role_sections(user, now)
    for section in sections:
        rows = fetch(user, section.where, section.order_by, SECTION_SIZE + 1)
        section.rows, section.has_more = rows[:SECTION_SIZE], len(rows) > SECTION_SIZE
    where = filters.clauses(now)
    if filters.before:
        where.append(Case.id < filters.before)
    rows = fetch(user, where, (Case.id.desc(),), PAGE_SIZE + 1)
    cases, has_older = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return {
        "heading": HEADINGS.get(user.role, HEADINGS[Role.APPLICANT]),
        "sections": sections,
        "cases": cases,
        "older_args": filters.as_args(before=cases[-1].id) if has_older else None,
        "filters": filters,
        "staff_view": staff_view,
        "state_options": [(state.value, label(state)) for state in CaseState],
        "category_options": [(category.value, label(category)) for category in Category],
        "flag_options": [("overdue", _("Overdue"))] + ([("high_risk", _("High risk"))] if staff_view else []),
        "now": now,
    }
