"""Pages of statistics and assessment: /statistics (the dashboard), /statistics/scorecards (考核),
and every table as CSV or XLSX. Thin: the filters are parsed and authorised in filters.py, the
figures come from tables.py."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import NotFound, ValidationFailed
from ..core.policy import can
from ..extensions import db
from . import commands, stages  # noqa: F401 (the step hook that keeps case_stages, its CLI command)
from .charts import chart_for
from .exports import FORMATS
from .filters import as_args, default_period, parse, visible_organisations
from .tables import DASHBOARD, SCORECARDS

bp = Blueprint("statistics", __name__)


@bp.app_template_global()
def may_view_statistics() -> bool:
    return can(current_user, "statistics.view")


@bp.app_template_global()
def statistics_regions() -> list:
    """The regions to filter by: districts, streets and communities (grids are too many)."""
    from sqlalchemy import select

    from ..core.enums import RegionLevel
    from ..orgs.models import Region

    return list(db.session.scalars(select(Region).where(Region.level != RegionLevel.GRID).order_by(Region.path)))


def _page(builders: dict, title: str):
    try:
        filters = parse(request.args, current_user)
    except ValidationFailed as error:
        db.session.rollback()
        first, last = default_period()
        return render_template("statistics/dashboard.html", title=title, endpoint=request.endpoint, tables=[], error=error, values=request.args,
                               organisations=[], filters=None, args={}, chart_for=chart_for,
                               default_from=first, default_to=last), 422
    tables = [build(filters) for build in builders.values()]
    return render_template("statistics/dashboard.html", title=title, endpoint=request.endpoint, tables=tables, error=None, values=request.args,
                           organisations=visible_organisations(filters), filters=filters,
                           args=as_args(filters), chart_for=chart_for,
                           default_from=filters.start, default_to=filters.end)


@bp.get("/statistics")
@login_required
def dashboard():
    return _page(DASHBOARD, _("Statistics"))


@bp.get("/statistics/scorecards")
@login_required
def scorecards():
    return _page(SCORECARDS, _("Scorecards"))


@bp.get("/statistics/<name>.<fmt>")
@login_required
def export(name: str, fmt: str):
    builder = DASHBOARD.get(name) or SCORECARDS.get(name)
    if builder is None or fmt not in FORMATS:
        raise NotFound()
    filters = parse(request.args, current_user)
    table = builder(filters)
    write, content_type = FORMATS[fmt]
    filename = f"odr-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.{fmt}"
    return Response(write(table), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
