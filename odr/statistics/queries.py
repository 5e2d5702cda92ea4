"""The statistics as GROUP BY queries, shared by the dashboard, the exports, the API and the
scorecards (docs/statistics.md says what each figure counts).

Every function takes the parsed Filters and, where a scorecard needs it, a grouping: None (one
row for everything in the filter), "organisation" (the handling organisation) or "mediator" (the
mediator assigned to the case; a case with two mediators counts for both). Nothing here loops
over cases in Python: each figure is one statement whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, literal_column, or_, select
from sqlalchemy.orm import aliased

from ..cases.models import Case, CaseAssignment
from ..core.enums import CaseState, Outcome
from ..extensions import db
from ..orgs.models import Organisation, Region
from ..satisfaction.models import LOW_SCORE, Rating
from .models import CaseStage

# The outcomes that count as settled for the settlement rate, and the ones left out of its
# denominator: a rejected application never reached the service's help, a withdrawn one was
# taken back by the applicant.
SETTLED_OUTCOMES = (Outcome.SETTLED, Outcome.CONFIRMED)
NOT_COUNTED_OUTCOMES = (Outcome.REJECTED, Outcome.WITHDRAWN)
GROUPS = (None, "organisation", "mediator")


@dataclass(frozen=True)
class Filters:
    start: date  # first day of the period
    end: date  # last day of the period (inclusive)
    organisation: Organisation | None = None  # with every organisation below it
    region: Region | None = None  # with every region below it
    # The organisations the viewer may see (paths, each with its subtree); None: all.
    scope: tuple[str, ...] | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, UTC)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def month_of(column):
    """'YYYY-MM' of a timestamp column (UTC), in each database's own words."""
    if _is_postgres():
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _scope_terms(f: Filters, organisation_column, region_column) -> list:
    """WHERE terms: the viewer's organisations, the chosen organisation and region (subtrees)."""
    terms = []
    if f.scope is not None:
        terms.append(organisation_column.in_(
            select(Organisation.id).where(or_(*[Organisation.path.startswith(p) for p in f.scope]))
            if f.scope else select(Organisation.id).where(literal(False))
        ))
    if f.organisation is not None:
        terms.append(organisation_column.in_(
            select(Organisation.id).where(Organisation.path.startswith(f.organisation.path))))
    if f.region is not None:
        terms.append(region_column.in_(select(Region.id).where(Region.path.startswith(f.region.path))))
    return terms


def case_filter(f: Filters) -> list:
    """WHERE terms selecting the cases the filter covers (any time: periods are per figure)."""
    return [Case.state != CaseState.DRAFT, *_scope_terms(f, Case.organisation_id, Case.region_id)]


def _within(column, f: Filters):
    return and_(column >= f.since, column < f.until)


def _group_key(group):
    if group is None:
        return literal_column("0").label("key")
    if group == "organisation":
        return Case.organisation_id.label("key")
    if group == "mediator":
        return CaseAssignment.user_id.label("key")
    raise ValueError(group)


def _with_group(stmt, group):
    """The case's mediators joined in (grouping by mediator); the statement selects from Case."""
    if group == "mediator":
        return stmt.join(CaseAssignment, and_(CaseAssignment.case_id == Case.id,
                                              CaseAssignment.removed_at.is_(None)))
    return stmt


def _group_by(stmt, group, key):
    # Without a grouping the whole filter is one row (no GROUP BY: a constant there would be read
    # as a column position by PostgreSQL).
    return stmt if group is None else stmt.group_by(key)


def _grouped(rows) -> dict:
    return {row.key: row for row in rows}


# -- cases received -------------------------------------------------------------------------------
def received_by(f: Filters, column) -> list[tuple]:
    """Cases received (submitted) in the period, counted by one column of the case."""
    stmt = (select(column.label("value"), func.count().label("n"))
            .where(*case_filter(f), _within(Case.submitted_at, f))
            .group_by(column).order_by(func.count().desc(), column))
    return [(row.value, row.n) for row in db.session.execute(stmt)]


def received_by_month(f: Filters) -> list[tuple[str, int, int]]:
    """(month, received, closed) for every month of the period, empty months included."""
    received_month = month_of(Case.submitted_at)
    closed_month = month_of(Case.closed_at)
    received = dict(db.session.execute(
        select(received_month, func.count()).where(*case_filter(f), _within(Case.submitted_at, f))
        .group_by(received_month)).all())
    closed = dict(db.session.execute(
        select(closed_month, func.count()).where(*case_filter(f), _within(Case.closed_at, f))
        .group_by(closed_month)).all())
    rows = []
    year, month = f.start.year, f.start.month
    while (year, month) <= (f.end.year, f.end.month):
        key = f"{year:04d}-{month:02d}"
        rows.append((key, received.get(key, 0), closed.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def received_by_region(f: Filters) -> list[tuple[Region | None, int]]:
    """Cases received in the period per region one level below the chosen one (or per top
    region), by the regions' paths; cases without a region or outside the tree are one row."""
    counts = (select(Case.region_id.label("region_id"), func.count().label("n"))
              .where(*case_filter(f), _within(Case.submitted_at, f))
              .group_by(Case.region_id).subquery())
    parent_id = f.region.id if f.region is not None else None
    children = list(db.session.scalars(
        select(Region).where(Region.parent_id == parent_id if parent_id else Region.parent_id.is_(None))
        .order_by(Region.code)))
    if not children and f.region is not None:
        children = [f.region]  # a grid: the region itself is the one row
    leaf = aliased(Region)
    child = aliased(Region)
    per_child = dict(db.session.execute(
        select(child.id, func.sum(counts.c.n))
        .select_from(counts)
        .join(leaf, leaf.id == counts.c.region_id)
        .join(child, leaf.path.startswith(child.path))
        .where(child.id.in_([c.id for c in children] or [-1]))
        .group_by(child.id)).all())
    total = db.session.scalar(select(func.coalesce(func.sum(counts.c.n), 0)))
    rows = [(region, int(per_child.get(region.id) or 0)) for region in children]
    rest = int(total) - sum(n for _, n in rows)
    if rest:
        rows.append((None, rest))
    return rows


# -- outcomes and settlement ------------------------------------------------------------------
def closed_by_outcome(f: Filters) -> list[tuple[Outcome, int]]:
    stmt = (select(Case.outcome, func.count()).where(*case_filter(f), _within(Case.closed_at, f))
            .group_by(Case.outcome).order_by(func.count().desc(), Case.outcome))
    return [(row[0], row[1]) for row in db.session.execute(stmt)]


def settlement(f: Filters, group=None) -> dict:
    """{key: (finished, settled)}: cases finished in the period (not rejected, not withdrawn)
    and how many of them settled."""
    key = _group_key(group)
    settled = func.sum(case((Case.outcome.in_(SETTLED_OUTCOMES), 1), else_=0))
    stmt = _with_group(select(key, func.count().label("finished"), settled.label("settled"))
                       .select_from(Case), group)
    stmt = _group_by(stmt.where(*case_filter(f), _within(Case.closed_at, f),
                                Case.outcome.notin_(NOT_COUNTED_OUTCOMES)), group, key)
    return {row.key: (row.finished, int(row.settled or 0)) for row in db.session.execute(stmt)}


def received(f: Filters, group=None) -> dict:
    """{key: cases received in the period}."""
    key = _group_key(group)
    stmt = _with_group(select(key, func.count().label("n")).select_from(Case), group)
    stmt = _group_by(stmt.where(*case_filter(f), _within(Case.submitted_at, f)), group, key)
    return {row.key: row.n for row in db.session.execute(stmt)}


# -- time per stage and on-time rate ----------------------------------------------------------
def _stays(f: Filters, group=None):
    """Stays that ended in the period, filtered and grouped by the organisation and region the
    stay was recorded with (no join to the cases: see statistics/models.py)."""
    if group is None:
        key = literal_column("0").label("key")
    elif group == "organisation":
        key = CaseStage.organisation_id.label("key")
    else:
        key = CaseAssignment.user_id.label("key")
    stmt = select(CaseStage.state, CaseStage.seconds, CaseStage.on_time, key).select_from(CaseStage)
    if group == "mediator":
        stmt = stmt.join(CaseAssignment, and_(CaseAssignment.case_id == CaseStage.case_id,
                                              CaseAssignment.removed_at.is_(None)))
    return stmt.where(CaseStage.left_at.is_not(None), _within(CaseStage.left_at, f),
                      *_scope_terms(f, CaseStage.organisation_id, CaseStage.region_id))


def on_time(f: Filters, group=None) -> dict:
    """{key: (stays with a clock that ended in the period, of them ended by their deadline)}."""
    stays = _stays(f, group).where(CaseStage.on_time.is_not(None)).subquery()
    stmt = select(stays.c.key, func.count().label("n"),
                  func.sum(case((stays.c.on_time.is_(True), 1), else_=0)).label("in_time"))
    stmt = stmt.group_by(stays.c.key)
    return {row.key: (row.n, int(row.in_time or 0)) for row in db.session.execute(stmt)}


def stage_times(f: Filters) -> list[dict]:
    """Per state: stays ended in the period, their median length in seconds, and how many of
    those with a clock ended in time."""
    stays = _stays(f).subquery()
    counts = {row.state: row for row in db.session.execute(
        select(stays.c.state, func.count().label("n"),
               func.sum(case((stays.c.on_time.is_not(None), 1), else_=0)).label("clocked"),
               func.sum(case((stays.c.on_time.is_(True), 1), else_=0)).label("in_time"))
        .group_by(stays.c.state))}
    medians = _medians(f, stays, {state: row.n for state, row in counts.items()})
    order = {state: index for index, state in enumerate(CaseState)}
    rows = []
    for state in sorted(counts, key=lambda s: order[CaseState(s)]):
        row = counts[state]
        rows.append({"state": CaseState(state), "stays": row.n, "median_seconds": medians.get(state),
                     "clocked": int(row.clocked or 0), "in_time": int(row.in_time or 0)})
    return rows


def _medians(f: Filters, stays, counts: dict) -> dict:
    """{state: median seconds}. PostgreSQL: percentile_cont(0.5) in one statement. SQLite has no
    median: knowing each state's count n, the middle row (n odd) or the two middle rows (n even)
    are read in order of length with LIMIT/OFFSET, walking ix_case_stages_state_seconds instead of
    sorting every stay (one short statement per state that has stays: at most one per state)."""
    if _is_postgres():
        return dict(db.session.execute(
            select(stays.c.state, func.percentile_cont(0.5).within_group(stays.c.seconds))
            .group_by(stays.c.state)).all())
    medians = {}
    for state, n in counts.items():
        middle = db.session.scalars(
            select(CaseStage.seconds)
            .where(CaseStage.state == state, CaseStage.left_at.is_not(None), _within(CaseStage.left_at, f),
                   *_scope_terms(f, CaseStage.organisation_id, CaseStage.region_id))
            .order_by(CaseStage.seconds).offset((n - 1) // 2).limit(1 if n % 2 else 2)).all()
        medians[state] = sum(middle) / len(middle) if middle else None
    return medians


# -- satisfaction -------------------------------------------------------------------------------
def satisfaction(f: Filters, group=None) -> dict:
    """{key: row(ratings, process, mediator, low)}: ratings given in the period on cases in the
    filter: their number, the average scores, how many were low (a score of 2 or less).
    Grouped by mediator, the mediator rated counts (Rating.mediator_id), not today's assignment."""
    key = Rating.mediator_id.label("key") if group == "mediator" else _group_key(group)
    low = or_(Rating.process_score <= LOW_SCORE, Rating.mediator_score <= LOW_SCORE)
    stmt = (select(key, func.count().label("ratings"),
                   func.avg(Rating.process_score).label("process"),
                   func.avg(Rating.mediator_score).label("mediator"),
                   func.sum(case((low, 1), else_=0)).label("low"))
            .select_from(Rating).join(Case, Case.id == Rating.case_id)
            .where(*case_filter(f), _within(Rating.created_at, f)))
    if group == "mediator":
        stmt = stmt.where(Rating.mediator_id.is_not(None))
    return _grouped(db.session.execute(_group_by(stmt, group, key)))


def performance(f: Filters, group=None) -> dict | None:
    """{key: (terms due in the period, of them performed)}: the agreements' terms
    (odr/performance), or None where that domain is not installed."""
    try:
        from ..performance.models import Obligation, ObligationStatus
    except ImportError:  # pragma: no cover - the domain ships with the service
        return None
    key = _group_key(group)
    performed = func.sum(case((Obligation.status == ObligationStatus.PERFORMED, 1), else_=0))
    stmt = _with_group(select(key, func.count().label("due"), performed.label("performed"))
                       .select_from(Obligation).join(Case, Case.id == Obligation.case_id), group)
    stmt = _group_by(stmt.where(*case_filter(f), Obligation.due_on >= f.start, Obligation.due_on <= f.end),
                     group, key)
    return {row.key: (row.due, int(row.performed or 0)) for row in db.session.execute(stmt)}


def ratio(part, whole) -> float | None:
    return None if not whole else part / whole
