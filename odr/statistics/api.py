"""JSON API of the statistics and scorecards: the same tables as the pages and exports."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from marshmallow import fields

from ..core.api import ApiBlueprint
from ..core.schemas import Schema
from .filters import parse
from .tables import DASHBOARD, SCORECARDS

blp = ApiBlueprint("statistics_api", __name__, description="Statistics and scorecards (统计、考核)")


class FilterArgsSchema(Schema):
    # Strings here: filters.parse checks them and answers with the field's own message.
    from_ = fields.String(data_key="from", metadata={"description": "First day, YYYY-MM-DD."})
    to = fields.String(metadata={"description": "Last day, YYYY-MM-DD (inclusive)."})
    organisation = fields.String(metadata={"description": "An organisation id (with those below it)."})
    region = fields.String(metadata={"description": "A region id (with the regions below it)."})


class ColumnSchema(Schema):
    key = fields.String()
    title = fields.String()


class TableSchema(Schema):
    key = fields.String()
    title = fields.String()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.Dict(), metadata={"description": "One object per row, keyed by column."})


class StatisticsSchema(Schema):
    start = fields.String(metadata={"description": "The period's first day."})
    end = fields.String(metadata={"description": "The period's last day."})
    tables = fields.List(fields.Nested(TableSchema))


def _answer(builders) -> dict:
    filters = parse(request.args, current_user)
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
            "tables": [build(filters).as_dict() for build in builders.values()]}


@blp.route("/statistics")
@blp.arguments(FilterArgsSchema, location="query")
@blp.response(200, StatisticsSchema)
@blp.errors(401, 403, 422)
def statistics(_args):
    """Cases by category, state, region and month, outcomes, time per stage, satisfaction."""
    return _answer(DASHBOARD)


@blp.route("/statistics/scorecards")
@blp.arguments(FilterArgsSchema, location="query")
@blp.response(200, StatisticsSchema)
@blp.errors(401, 403, 422)
def scorecards(_args):
    """The scorecards of organisations and mediators for the period (考核)."""
    return _answer(SCORECARDS)
