"""The supervisors' board (/supervision): the open cases that need a supervisor's eye, in the
cases the policy lets them see (visible_cases_clause: their organisation and everything below).

Views (`show`):
  overdue       past the deadline of their state (the clock), most late first;
  high_risk     risk level high or major;
  repeated      "repeatedly complained": escalated or instructed at least twice (clock alerts of
                level 1 or 2 plus instructions), or a party who is a party to several open cases
                (same account or same phone number);
  instructions  instructions (督办) not yet answered, those past their deadline first.
Each row says who must act (roles from the workflow table, names from the assignments and the
organisations' staff) and how late. The page runs a fixed number of queries whatever the rows
(tests/test_supervision.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal, or_, select, union_all

from ..cases.models import Case, Party
from ..core.enums import FINAL_STATES, CaseState, Category, RiskLevel
from ..core.i18n import localized_name
from ..core.labels import label
from ..core.models import utcnow
from ..core.policy import visible_cases_clause
from ..extensions import db
from ..orgs.models import Organisation
from .clocks import Actor, People, case_rows
from .models import ESCALATED, ClockAlert, Instruction

VIEWS = ("overdue", "high_risk", "repeated", "instructions")
LIMIT = 100
REPEAT_THRESHOLD = 2


@dataclass(frozen=True)
class BoardFilters:
    show: str = "overdue"
    organisation_id: int | None = None
    state: CaseState | None = None
    category: Category | None = None

    @classmethod
    def from_args(cls, args) -> BoardFilters:
        def enum(kind, value):
            try:
                return kind(value) if value else None
            except ValueError:
                return None

        show = args.get("show", "overdue")
        org = args.get("organisation", "")
        return cls(show=show if show in VIEWS else "overdue",
                   organisation_id=int(org) if org.isdigit() else None,
                   state=enum(CaseState, args.get("state")), category=enum(Category, args.get("category")))

    def as_args(self, **override) -> dict:
        args = {"show": self.show, "organisation": self.organisation_id,
                "state": self.state and self.state.value, "category": self.category and self.category.value}
        args.update(override)
        return {k: v for k, v in args.items() if v}


@dataclass
class BoardRow:
    case_id: int
    reference: str
    title: str
    state: str
    organisation: str
    deadline: datetime | None
    days_late: int
    risk: str
    risk_level: str
    must_act: list[Actor]
    escalations: int = 0
    instructions: list = field(default_factory=list)  # open ones: (handler name, due_at, overdue)


def repeated_case_ids():
    """Cases escalated or instructed at least twice, or with a party in several open cases."""
    complaints = union_all(
        select(ClockAlert.case_id.label("case_id")).where(ClockAlert.level >= ESCALATED),
        select(Instruction.case_id.label("case_id")),
    ).subquery()
    complained = select(complaints.c.case_id).group_by(complaints.c.case_id).having(func.count() >= REPEAT_THRESHOLD)
    open_party = select(Party.case_id, Party.user_id, Party.phone).join(Case, Case.id == Party.case_id).where(
        Case.state.not_in(FINAL_STATES), Case.state != CaseState.DRAFT).subquery()
    busy_users = select(open_party.c.user_id).where(open_party.c.user_id.is_not(None)).group_by(
        open_party.c.user_id).having(func.count(func.distinct(open_party.c.case_id)) >= REPEAT_THRESHOLD)
    busy_phones = select(open_party.c.phone).where(open_party.c.phone.is_not(None), open_party.c.phone != "").group_by(
        open_party.c.phone).having(func.count(func.distinct(open_party.c.case_id)) >= REPEAT_THRESHOLD)
    with_busy_party = select(Party.case_id).where(or_(Party.user_id.in_(busy_users), Party.phone.in_(busy_phones)))
    return union_all(complained, with_busy_party)


class Board:
    def __init__(self, user, filters: BoardFilters, now: datetime | None = None):
        self.user = user
        self.filters = filters
        self.now = now or utcnow()

    def _scope(self) -> list:
        where = [visible_cases_clause(self.user), Case.state.not_in(FINAL_STATES), Case.state != CaseState.DRAFT]
        f = self.filters
        if f.organisation_id:
            org = db.session.get(Organisation, f.organisation_id)
            subtree = select(Organisation.id).where(Organisation.path.startswith(org.path)) if org else select(literal(0))
            where.append(Case.organisation_id.in_(subtree))
        if f.state:
            where.append(Case.state == f.state)
        if f.category:
            where.append(Case.category == f.category)
        return where

    def _view_clause(self, show: str) -> list:
        if show == "overdue":
            return [Case.state_deadline < self.now]
        if show == "high_risk":
            return [Case.risk_level.in_((RiskLevel.HIGH, RiskLevel.MAJOR))]
        if show == "repeated":
            return [Case.id.in_(repeated_case_ids())]
        return [Case.id.in_(select(Instruction.case_id).where(Instruction.answered_at.is_(None)))]

    def counts(self) -> dict[str, int]:
        scope = self._scope()
        return {show: db.session.execute(
            select(func.count()).select_from(Case).where(*scope, *self._view_clause(show))).scalar_one()
            for show in VIEWS}

    def rows(self) -> list[BoardRow]:
        where = self._scope() + self._view_clause(self.filters.show)
        cases = case_rows(where + [Case.id.in_(
            select(Case.id).where(*where).order_by(Case.state_deadline.asc().nulls_last(), Case.id).limit(LIMIT))])
        cases.sort(key=lambda c: (c.state_deadline is None, c.state_deadline or self.now, c.id))
        if not cases:
            return []
        ids = [c.id for c in cases]
        people = People(cases)
        names = {o.id: localized_name(o) for o in db.session.execute(
            select(Organisation).where(Organisation.id.in_({c.organisation_id for c in cases if c.organisation_id}))
        ).scalars()} if any(c.organisation_id for c in cases) else {}
        escalations = dict(db.session.execute(
            select(ClockAlert.case_id, func.count()).where(ClockAlert.case_id.in_(ids), ClockAlert.level >= ESCALATED)
            .group_by(ClockAlert.case_id)).all())
        instructions: dict[int, list] = {}
        from ..auth.models import User

        for case_id, name, due_at in db.session.execute(
            select(Instruction.case_id, User.name, Instruction.due_at).join(User, User.id == Instruction.handler_id)
            .where(Instruction.case_id.in_(ids), Instruction.answered_at.is_(None)).order_by(Instruction.due_at)
        ).all():
            instructions.setdefault(case_id, []).append((name, due_at, due_at < self.now))
        rows = []
        for c in cases:
            late = max((self.now - c.state_deadline).days, 0) if c.state_deadline and c.state_deadline < self.now else 0
            rows.append(BoardRow(c.id, c.reference, c.title, label(c.state), names.get(c.organisation_id, ""),
                                 c.state_deadline, late, label(c.risk_level), c.risk_level.value,
                                 people.must_act(c), escalations.get(c.id, 0), instructions.get(c.id, [])))
        if self.filters.show == "overdue":
            rows.sort(key=lambda r: (-r.days_late, r.case_id))
        if self.filters.show == "instructions":
            rows.sort(key=lambda r: (not any(i[2] for i in r.instructions), r.instructions[0][1] if r.instructions else self.now))
        return rows

    def organisations(self) -> list:
        """The organisations the filter offers: those whose cases this user may see."""
        from ..core.enums import Role
        from ..core.policy import _member_orgs

        if self.user.role == Role.ADMIN:
            orgs = db.session.execute(select(Organisation).order_by(Organisation.path)).scalars().all()
        else:
            paths = [o.path for o in _member_orgs(self.user, {Role.SUPERVISOR.value, Role.CLERK.value})]
            if not paths:
                return []
            orgs = db.session.execute(select(Organisation).where(
                or_(*[Organisation.path.startswith(p) for p in paths])).order_by(Organisation.path)).scalars().all()
        return orgs
