"""The statistics as tables: a title, columns and rows of plain values. The page draws them (with
a chart beside each), the exports write them as CSV and XLSX, the API returns them as JSON; the
scorecards are tables too. One builder per table, each from queries.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..cases.models import Case
from ..core.i18n import localized_name
from ..core.labels import label
from ..extensions import db
from ..orgs.models import Organisation
from . import queries
from .queries import Filters, ratio

DAY = 86_400


@dataclass
class Table:
    key: str
    title: object
    columns: list[tuple[str, object]]  # (key, heading)
    rows: list[list] = field(default_factory=list)
    chart: str | None = None  # "bars" (label column 0, value column chart_value) or "months"
    chart_value: int = 1
    note: object = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "title": str(self.title),
                "columns": [{"key": k, "title": str(t)} for k, t in self.columns],
                "rows": [dict(zip([k for k, _ in self.columns], row, strict=True)) for row in self.rows]}


def percent(part, whole) -> float | None:
    value = ratio(part, whole)
    return None if value is None else round(100 * value, 1)


def _average(value) -> float | None:
    return None if value is None else round(float(value), 2)


def by_category(f: Filters) -> Table:
    return Table("categories", _l("Cases received by category"),
                 [("category", _l("Category")), ("cases", _l("Cases"))],
                 [[label(value), n] for value, n in queries.received_by(f, Case.category)], chart="bars")


def by_state(f: Filters) -> Table:
    return Table("states", _l("Cases received, by their state now"),
                 [("state", _l("State")), ("cases", _l("Cases"))],
                 [[label(value), n] for value, n in queries.received_by(f, Case.state)], chart="bars")


def by_region(f: Filters) -> Table:
    rows = [[localized_name(region) if region is not None else str(_l("Other or unknown region")), n]
            for region, n in queries.received_by_region(f)]
    return Table("regions", _l("Cases received by region"),
                 [("region", _l("Region")), ("cases", _l("Cases"))], rows, chart="bars")


def by_month(f: Filters) -> Table:
    return Table("months", _l("Cases received and closed by month"),
                 [("month", _l("Month")), ("received", _l("Received")), ("closed", _l("Closed"))],
                 [list(row) for row in queries.received_by_month(f)], chart="months",
                 note=_l("Months in UTC."))


def outcomes(f: Filters) -> Table:
    return Table("outcomes", _l("Cases closed by outcome"),
                 [("outcome", _l("Outcome")), ("cases", _l("Cases"))],
                 [[label(value), n] for value, n in queries.closed_by_outcome(f)], chart="bars")


def stages(f: Filters) -> Table:
    rows = []
    for row in queries.stage_times(f):
        median = row["median_seconds"]
        rows.append([label(row["state"]), row["stays"],
                     None if median is None else round(float(median) / DAY, 1),
                     row["clocked"], row["in_time"], percent(row["in_time"], row["clocked"])])
    return Table("stages", _l("Time per stage"),
                 [("state", _l("Stage")), ("stays", _l("Stays ended")), ("median_days", _l("Median days")),
                  ("with_deadline", _l("With a deadline")), ("on_time", _l("Ended on time")),
                  ("on_time_percent", _l("On time (%)"))],
                 rows, chart="bars", chart_value=2,
                 note=_l("Each stay of a case in a state that ended in the period, from entering the "
                         "state to leaving it (the audit trail's steps)."))


def summary(f: Filters) -> Table:
    received = queries.received(f).get(0, 0)
    finished, settled = queries.settlement(f).get(0, (0, 0))
    clocked, in_time = queries.on_time(f).get(0, (0, 0))
    sat = queries.satisfaction(f).get(0)
    rows = [
        [str(_l("Cases received")), received],
        [str(_l("Cases finished (not rejected or withdrawn)")), finished],
        [str(_l("Of them settled")), settled],
        [str(_l("Settlement rate (%)")), percent(settled, finished)],
        [str(_l("Stages ended on time (%)")), percent(in_time, clocked)],
        [str(_l("Ratings")), sat.ratings if sat else 0],
        [str(_l("Average score: process (1-5)")), _average(sat.process) if sat else None],
        [str(_l("Average score: mediator (1-5)")), _average(sat.mediator) if sat else None],
        [str(_l("Low ratings (2 or less)")), int(sat.low or 0) if sat else 0],
    ]
    return Table("summary", _l("Summary"), [("figure", _l("Figure")), ("value", _l("Value"))], rows)


DASHBOARD: dict[str, Callable[[Filters], Table]] = {
    "summary": summary,
    "categories": by_category,
    "states": by_state,
    "regions": by_region,
    "months": by_month,
    "outcomes": outcomes,
    "stages": stages,
}


# -- scorecards (考核) ---------------------------------------------------------------------------
SCORE_COLUMNS = [
    ("received", _l("Cases received")), ("finished", _l("Finished")), ("settled", _l("Settled")),
    ("settlement_percent", _l("Settlement rate (%)")), ("on_time_percent", _l("Stages on time (%)")),
    ("ratings", _l("Ratings")), ("process_score", _l("Process score")),
    ("mediator_score", _l("Mediator score")), ("low_ratings", _l("Low ratings")),
    ("terms_due", _l("Agreement terms due")), ("terms_performed_percent", _l("Terms performed (%)")),
]


def _scores(f: Filters, group: str) -> dict:
    """Every scorecard figure per key, from the same queries as the dashboard."""
    received = queries.received(f, group)
    settlement = queries.settlement(f, group)
    on_time = queries.on_time(f, group)
    sat = queries.satisfaction(f, group)
    perf = queries.performance(f, group) or {}
    keys = set(received) | set(settlement) | set(on_time) | set(sat) | set(perf)
    scores = {}
    for key in keys:
        finished, settled = settlement.get(key, (0, 0))
        clocked, in_time = on_time.get(key, (0, 0))
        rating = sat.get(key)
        due, performed = perf.get(key, (0, 0))
        scores[key] = [received.get(key, 0), finished, settled, percent(settled, finished),
                       percent(in_time, clocked), rating.ratings if rating else 0,
                       _average(rating.process) if rating else None,
                       _average(rating.mediator) if rating else None,
                       int(rating.low or 0) if rating else 0, due, percent(performed, due)]
    return scores


def organisation_scorecard(f: Filters) -> Table:
    scores = _scores(f, "organisation")
    names = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(
        [k for k in scores if k is not None] or [-1])))}
    rows = sorted(([localized_name(names.get(key)) if key in names else str(_l("No organisation")),
                    *values] for key, values in scores.items()), key=lambda r: (-r[1], r[0]))
    return Table("organisations", _l("Scorecard by organisation"),
                 [("organisation", _l("Organisation")), *SCORE_COLUMNS], rows)


def mediator_scorecard(f: Filters) -> Table:
    scores = _scores(f, "mediator")
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        [k for k in scores if k is not None] or [-1])))}
    rows = sorted(([people[key].name if key in people else "-", *values] for key, values in scores.items()),
                  key=lambda r: (-r[1], r[0]))
    return Table("mediators", _l("Scorecard by mediator"),
                 [("mediator", _l("Mediator")), *SCORE_COLUMNS], rows)


SCORECARDS: dict[str, Callable[[Filters], Table]] = {
    "organisations": organisation_scorecard,
    "mediators": mediator_scorecard,
}
