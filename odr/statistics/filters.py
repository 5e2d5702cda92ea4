"""Reading the statistics' filters from a query string, with clear errors and the viewer's scope.

    ?organisation=<id>&region=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD

Default period: the last twelve months (from the first day of the month eleven months ago to
today). At most ten years at a time.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ..core.audit import record
from ..core.errors import NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..core.policy import ALL_ORGANISATIONS, authorize, may_see_statistics_of, statistics_paths
from ..extensions import db
from ..orgs.models import Organisation, Region
from .queries import Filters

MAX_DAYS = 3660
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or utcnow().date()
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


def _day(args, name: str, default: date, problems: dict) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        problems[name] = [_("Enter a date as YYYY-MM-DD.")]
        return default
    if not EARLIEST <= day <= LATEST:
        problems[name] = [_("Choose a date between 1990 and 2100.")]
        return default
    return day


def _id(args, name: str, model, problems: dict, missing_message: str):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:  # beyond any id (and PostgreSQL's integer)
        problems[name] = [_("Choose one from the list.")]
        return None
    found = db.session.get(model, int(raw))
    if found is None:
        problems[name] = [missing_message]
    return found


def parse(args, user) -> Filters:
    """The filters for this viewer, or ValidationFailed (422) naming each bad field, or
    NotAllowed (403, audited) for a viewer without statistics or an organisation outside theirs."""
    authorize(user, "statistics.view")
    problems: dict[str, list[str]] = {}
    first, last = default_period()
    start = _day(args, "from", first, problems)
    end = _day(args, "to", last, problems)
    if not problems and start > end:
        problems["to"] = [_("The end of the period is before its start.")]
    elif not problems and (end - start).days > MAX_DAYS:
        problems["from"] = [_("Choose a period of at most ten years.")]
    organisation = _id(args, "organisation", Organisation, problems, _("No such organisation."))
    region = _id(args, "region", Region, problems, _("No such region."))
    if problems:
        raise ValidationFailed(_("Please correct the filters."), fields=problems)
    if organisation is not None and not may_see_statistics_of(user, organisation):
        # Refused like any other access, and recorded (policy.authorize does the same).
        db.session.rollback()
        record("access.denied", actor=user, attempted="statistics.view",
               target=f"Organisation:{organisation.id}")
        db.session.commit()
        raise NotAllowed(_("You may not see the statistics of this organisation."))
    paths = statistics_paths(user)
    scope = None if paths is ALL_ORGANISATIONS else tuple(paths)
    return Filters(start=start, end=end, organisation=organisation, region=region, scope=scope)


def as_args(f: Filters) -> dict:
    """The filters as query-string arguments (for links to exports and scorecards)."""
    args = {"from": f.start.isoformat(), "to": f.end.isoformat()}
    if f.organisation is not None:
        args["organisation"] = f.organisation.id
    if f.region is not None:
        args["region"] = f.region.id
    return args


def visible_organisations(f: Filters) -> list[Organisation]:
    """The organisations the viewer may choose from (for the filter's list)."""
    from sqlalchemy import or_, select

    stmt = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.path)
    if f.scope is not None:
        if not f.scope:
            return []
        stmt = stmt.where(or_(*[Organisation.path.startswith(p) for p in f.scope]))
    return list(db.session.scalars(stmt))
