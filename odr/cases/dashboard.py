"""The dashboard: the cases a user may see, newest first, with sections for their role on top.

Every list is filtered by the policy's visible_cases_clause, so the dashboard never shows a case
the case page would refuse. Rows are paged by id (keyset: `?before=<id>`), and parties and the
organisation are loaded with the page in a fixed number of queries, whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import url_for
from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..core.enums import FINAL_STATES, PARTY_ROLES, CaseState, Category, RiskLevel, Role, Side
from ..core.i18n import is_chinese
from ..core.labels import label
from ..core.models import utcnow
from ..core.policy import visible_cases_clause
from ..extensions import db
from ..orgs.models import Organisation
from .models import Case, Party

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


@dataclass(slots=True, frozen=True)
class CaseRow:
    """One line of a case table, every text already translated and formatted: the template only
    prints it. (Rows are the hot path of every dashboard; building them here costs a fraction of
    the Jinja filters, per-row translations and date formatting they replace.)"""

    url: str
    title: str
    reference: str
    continue_url: str | None
    category: str
    applicants: str
    respondents: str
    state: str
    deadline: datetime | None
    deadline_text: str
    overdue: bool
    risk: str
    risk_tone: str  # "danger", "warning" or "" (nothing to draw attention to)
    organisation: str


RISK_TONES = {RiskLevel.MAJOR: "danger", RiskLevel.HIGH: "warning"}


class RowBuilder:
    """Turns cases into CaseRows for one request, translating each label, formatting each date
    and naming each organisation once, however many rows share them."""

    def __init__(self, user, now):
        self.user, self.now = user, now
        self.chinese = is_chinese()
        self.joiner = "、" if self.chinese else ", "
        self.timezone = get_timezone()
        self.labels: dict = {}
        self.days: dict = {}
        self.organisations: dict = {}
        # url_for for every row is a good part of a page's cost; the rule is fixed, so build it
        # once and put the id in (the marker cannot occur in a URL url_for builds otherwise).
        self.case_url = url_for("cases.show", case_id=999_999_999).replace("999999999", "{}")

    def label(self, value) -> str:
        if value not in self.labels:
            self.labels[value] = label(value)
        return self.labels[value]

    def day(self, moment: datetime) -> str:
        local_day = moment.astimezone(self.timezone).date()
        if local_day not in self.days:
            self.days[local_day] = format_date(local_day, "medium")
        return self.days[local_day]

    def organisation(self, row) -> str:
        if row.organisation_id is None:
            return "–"
        if row.organisation_id not in self.organisations:
            chosen = row.organisation_name_en if not self.chinese and row.organisation_name_en else None
            self.organisations[row.organisation_id] = chosen or row.organisation_name
        return self.organisations[row.organisation_id]

    def continue_url(self, row) -> str | None:
        """Drafts only: the filer may go on filling one in (few rows are drafts, so loading the case
        for the policy's answer costs nothing on the pages that matter)."""
        if row.state != CaseState.DRAFT:
            return None
        from ..intake.views import may_continue

        case = db.session.get(Case, row.id)
        return url_for("intake.resume", case_id=row.id) if may_continue(case) else None

    def row(self, row, names: tuple[list[str], list[str]]) -> CaseRow:
        final = row.state in FINAL_STATES
        deadline = row.state_deadline if not final else None
        applicants, respondents = names
        return CaseRow(
            url=self.case_url.format(row.id),
            title=row.title,
            reference=row.reference,
            continue_url=self.continue_url(row),
            category=self.label(row.category),
            applicants=self.joiner.join(applicants),
            respondents=self.joiner.join(respondents),
            state=self.label(row.state),
            deadline=deadline,
            deadline_text=self.day(deadline) if deadline else "",
            overdue=bool(deadline and deadline < self.now),
            risk=self.label(row.risk_level),
            risk_tone=RISK_TONES.get(row.risk_level, ""),
            organisation=self.organisation(row),
        )

    def rows(self, rows, names) -> list[CaseRow]:
        return [self.row(row, names[row.id]) for row in rows]


@dataclass
class Section:
    title: object
    where: list
    order_by: tuple
    more_args: dict
    rows: list = field(default_factory=list)
    has_more: bool = False


# The columns a case table shows: rows as plain tuples rather than ORM objects, because building
# 70 Case objects (25 columns each) and their 140 Party objects was half of the page's time.
ROW_COLUMNS = (Case.id, Case.title, Case.reference, Case.category, Case.state, Case.state_deadline,
               Case.risk_level, Organisation.id.label("organisation_id"), Organisation.name.label("organisation_name"),
               Organisation.name_en.label("organisation_name_en"))


def fetch(user, where, order_by, limit) -> list:
    """One page of visible cases as row tuples (see ROW_COLUMNS), in one query."""
    return list(db.session.execute(
        select(*ROW_COLUMNS)
        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
        .where(visible_cases_clause(user), *where)
        .order_by(*order_by)
        .limit(limit)
    ))


def party_names(case_ids) -> dict[int, tuple[list[str], list[str]]]:
    """Applicant and respondent names of these cases, in one query for every table of the page."""
    names: dict[int, tuple[list[str], list[str]]] = {case_id: ([], []) for case_id in case_ids}
    if names:
        query = (select(Party.case_id, Party.side, Party.name)
                 .where(Party.case_id.in_(list(names)))
                 .order_by(Party.case_id, Party.id))
        for case_id, side, name in db.session.execute(query):
            names[case_id][0 if side == Side.APPLICANT else 1].append(name)
    return names


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
    builder = RowBuilder(user, now)
    sections = [] if filters.active or filters.before else role_sections(user, now)
    for section in sections:
        rows = fetch(user, section.where, section.order_by, SECTION_SIZE + 1)
        section.rows, section.has_more = rows[:SECTION_SIZE], len(rows) > SECTION_SIZE
    where = filters.clauses(now)
    if filters.before:
        where.append(Case.id < filters.before)
    rows = fetch(user, where, (Case.id.desc(),), PAGE_SIZE + 1)
    cases, has_older = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    # The parties of every table on the page in one query.
    names = party_names({row.id for row in cases} | {row.id for section in sections for row in section.rows})
    for section in sections:
        section.rows = builder.rows(section.rows, names)
    return {
        "heading": HEADINGS.get(user.role, HEADINGS[Role.APPLICANT]),
        "sections": sections,
        "cases": builder.rows(cases, names),
        "older_args": filters.as_args(before=cases[-1].id) if has_older else None,
        "filters": filters,
        "staff_view": staff_view,
        "state_options": [(state.value, label(state)) for state in CaseState],
        "category_options": [(category.value, label(category)) for category in Category],
        "flag_options": [("overdue", _("Overdue"))] + ([("high_risk", _("High risk"))] if staff_view else []),
        "now": now,
    }
