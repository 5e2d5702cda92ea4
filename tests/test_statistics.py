"""Statistics and scorecards (odr/statistics): every figure checked against counts this test
computes itself, in Python, from the rows in the database; exports parsed back; who may see
what; bad filters. Runs on SQLite and PostgreSQL (the median has a query for each)."""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from odr.cases.models import Case, CaseAssignment
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category, Outcome
from odr.core.labels import label
from odr.extensions import db
from odr.satisfaction import operations as satisfaction
from odr.satisfaction.models import Rating
from odr.statistics import queries, stages, tables
from odr.statistics.filters import default_period
from odr.statistics.models import CaseStage

from . import factories

S = CaseState


def _cases(w):
    """A spread of cases: two organisations, several categories and states."""
    made = []
    plan = [
        (S.CLOSED, Category.LABOUR, "committee"), (S.CLOSED, Category.FAMILY, "committee"),
        (S.MEDIATION, Category.LABOUR, "committee"), (S.REJECTED, Category.TENANCY, "committee"),
        (S.SETTLED, Category.FAMILY, "committee"), (S.AWAITING_RESPONDENT, Category.LABOUR, "committee"),
        (S.MEDIATION_FAILED, Category.NEIGHBOURHOOD, "other"), (S.CLOSED, Category.LABOUR, "other"),
        (S.SUBMITTED, Category.CONSUMER, "other"), (S.DRAFT, Category.LABOUR, "committee"),
    ]
    for state, category, where in plan:
        case = factories.make_case(w, state, category=category)
        if where == "other":
            case.organisation_id = w.other_committee.id
            case.region_id = w.other_grid.id
        made.append(case)
    db.session.commit()
    return made


def _filters(w, **kw):
    start, end = default_period()
    return queries.Filters(start=kw.pop("start", start), end=kw.pop("end", end), **kw)


def _expected_received(w, column, org_ids=None):
    rows = db.session.scalars(select(Case)).all()
    return Counter(getattr(c, column) for c in rows if c.state != S.DRAFT and c.submitted_at is not None
                   and (org_ids is None or c.organisation_id in org_ids))


def test_received_by_category_state_and_month_match_the_rows(world):
    w = world
    _cases(w)
    f = _filters(w)
    assert dict(queries.received_by(f, Case.category)) == dict(_expected_received(w, "category"))
    assert dict(queries.received_by(f, Case.state)) == dict(_expected_received(w, "state"))
    months = queries.received_by_month(f)
    this_month = datetime.now(UTC).strftime("%Y-%m")
    rows = db.session.scalars(select(Case)).all()
    expected_received = sum(1 for c in rows if c.submitted_at and c.submitted_at.strftime("%Y-%m") == this_month)
    expected_closed = sum(1 for c in rows if c.closed_at and c.closed_at.strftime("%Y-%m") == this_month)
    assert dict((m, (r, c)) for m, r, c in months)[this_month] == (expected_received, expected_closed)
    assert len(months) == 12 and sum(r for _, r, _ in months) == expected_received


def test_period_organisation_and_region_filters(world):
    w = world
    made = _cases(w)
    # A case received before the period is left out.
    old = made[0]
    db.session.execute(update(Case).where(Case.id == old.id).values(
        submitted_at=datetime(2020, 1, 5, tzinfo=UTC)))
    db.session.commit()
    f = _filters(w)
    expected = _expected_received(w, "category")
    expected[old.category] -= 1
    assert dict(queries.received_by(f, Case.category)) == {k: v for k, v in expected.items() if v}

    committee = _filters(w, organisation=w.district_committee)  # the committee is below it
    assert sum(queries.received(committee).values()) == sum(expected.values())
    own = _filters(w, organisation=w.other_committee)
    assert queries.received(own) == {0: sum(_expected_received(w, "category", {w.other_committee.id}).values())}
    by_region = _filters(w, region=w.other_street)
    assert queries.received(by_region)[0] == sum(
        1 for c in db.session.scalars(select(Case)) if c.region_id == w.other_grid.id and c.state != S.DRAFT)
    # Regions one level below the district: the two streets, counted by the regions' paths.
    rows = dict(queries.received_by_region(_filters(w, region=w.district)))
    assert rows[w.other_street] == queries.received(by_region)[0]
    assert rows[w.street] == sum(expected.values()) - rows[w.other_street]
    # A grid has no regions below it: it is its own row.
    assert queries.received_by_region(_filters(w, region=w.other_grid)) == [(w.other_grid, rows[w.other_street])]


def test_settlement_rate_counts_finished_cases_without_rejected_and_withdrawn(world):
    w = world
    _cases(w)
    f = _filters(w)
    rows = db.session.scalars(select(Case).where(Case.closed_at.is_not(None))).all()
    finished = [c for c in rows if c.outcome not in (Outcome.REJECTED, Outcome.WITHDRAWN)]
    settled = [c for c in finished if c.outcome in (Outcome.SETTLED, Outcome.CONFIRMED)]
    assert queries.settlement(f) == {0: (len(finished), len(settled))}
    assert dict(queries.closed_by_outcome(f)) == dict(Counter(c.outcome for c in rows))
    by_org = queries.settlement(f, "organisation")
    for org_id, (n, s) in by_org.items():
        assert n == sum(1 for c in finished if c.organisation_id == org_id)
        assert s == sum(1 for c in settled if c.organisation_id == org_id)


def test_stages_follow_the_workflow_and_rebuild_from_the_audit_trail(world, runner):
    w = world
    case = factories.make_case(w, S.CLOSED)
    db.session.commit()
    stays = db.session.scalars(select(CaseStage).where(CaseStage.case_id == case.id).order_by(CaseStage.id)).all()
    path = [S.SUBMITTED, S.ACCEPTED, S.CONSULTATION, S.EVALUATION, S.AWAITING_RESPONDENT, S.MEDIATION, S.SETTLED]
    assert [s.state for s in stays] == path
    assert all(s.left_at is not None and s.seconds is not None and s.on_time is True for s in stays)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "case.transition").order_by(AuditEvent.id)).all()
    assert [e.payload["to_state"] for e in events][:-1] == [s.value for s in path]

    before = [(s.case_id, s.state, s.on_time, s.deadline) for s in stays]
    db.session.commit()
    result = runner.invoke(args=["odr", "stages-rebuild"])
    assert result.exit_code == 0 and "stays rebuilt" in result.output
    after = db.session.scalars(select(CaseStage).where(CaseStage.case_id == case.id).order_by(CaseStage.id)).all()
    assert [(s.case_id, s.state, s.on_time, s.deadline) for s in after] == before


def test_late_stay_is_not_on_time(world):
    w = world
    case = factories.make_case(w, S.ACCEPTED)
    db.session.commit()
    stay = db.session.scalar(select(CaseStage).where(CaseStage.case_id == case.id, CaseStage.left_at.is_(None)))
    stay.deadline = stay.entered_at + timedelta(seconds=1)
    case.state_entered_at = stay.entered_at + timedelta(days=3)  # what transition() would see
    stages.close_stay(stay, stay.entered_at + timedelta(days=3))
    assert stay.on_time is False and stay.seconds == 3 * 86_400


@pytest.mark.parametrize("count", [1, 4, 5])
def test_median_and_on_time_per_stage_match_python(world, count):
    w = world
    made = [factories.make_case(w, S.EVALUATION) for _ in range(count)]
    db.session.commit()
    # Give the finished stays different lengths and outcomes on their clocks.
    finished = db.session.scalars(select(CaseStage).where(CaseStage.left_at.is_not(None))
                                  .order_by(CaseStage.id)).all()
    for index, stay in enumerate(finished):
        stay.seconds = (index * 7919) % 50_000 + index
        stay.on_time = index % 3 != 0
    db.session.commit()
    rows = {r["state"]: r for r in queries.stage_times(_filters(w))}
    for state in {s.state for s in finished}:
        mine = [s for s in finished if s.state == state]
        assert rows[state]["stays"] == len(mine) == count
        assert float(rows[state]["median_seconds"]) == pytest.approx(stats.median(s.seconds for s in mine))
        assert rows[state]["in_time"] == sum(1 for s in mine if s.on_time)
    assert queries.on_time(_filters(w)) == {0: (len(finished), sum(1 for s in finished if s.on_time))}
    assert len(made) == count


def _rate(w, case, user, process, mediator, comment=""):
    rating = satisfaction.rate(case, user, process_score=process, mediator_score=mediator, comment=comment)
    db.session.commit()
    return rating


def test_satisfaction_and_scorecards_match_the_rows(world):
    w = world
    made = _cases(w)
    closed = [c for c in made if c.state == S.CLOSED]
    _rate(w, closed[0], w.applicant, 5, 4)
    _rate(w, closed[0], w.respondent, 2, 1, "太慢 too slow")
    _rate(w, closed[1], w.applicant, 4, 5)
    f = _filters(w)
    ratings = db.session.scalars(select(Rating)).all()
    overall = queries.satisfaction(f)[0]
    assert overall.ratings == len(ratings) == 3
    assert float(overall.process) == pytest.approx(stats.mean(r.process_score for r in ratings))
    assert float(overall.mediator) == pytest.approx(stats.mean(r.mediator_score for r in ratings))
    assert overall.low == sum(1 for r in ratings if r.low) == 1

    card = tables.mediator_scorecard(f)
    row = next(r for r in card.rows if r[0] == w.mediator.name)
    columns = [k for k, _ in card.columns]
    mediated = {a.case_id for a in db.session.scalars(select(CaseAssignment).where(
        CaseAssignment.user_id == w.mediator.id, CaseAssignment.removed_at.is_(None)))}
    received = [c for c in db.session.scalars(select(Case)) if c.id in mediated and c.submitted_at]
    assert row[columns.index("received")] == len(received)
    assert row[columns.index("ratings")] == 3
    assert row[columns.index("mediator_score")] == pytest.approx(round(stats.mean([4, 1, 5]), 2))

    orgs = tables.organisation_scorecard(f)
    by_name = {r[0]: r for r in orgs.rows}
    committee = by_name[w.committee.name]
    rows = db.session.scalars(select(Case)).all()
    assert committee[columns.index("received") - 0] == sum(
        1 for c in rows if c.organisation_id == w.committee.id and c.submitted_at)
    assert committee[[k for k, _ in orgs.columns].index("ratings")] == 3


def test_dashboard_page_and_exports_parse_back(world, login):
    w = world
    _cases(w)
    client = login(w.supervisor)
    page = client.get("/statistics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    assert label(Category.LABOUR) in html

    expected = dict(_expected_received(w, "category"))
    response = client.get("/statistics/categories.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {r[0]: int(r[1]) for r in rows[1:]} == {label(k): v for k, v in expected.items()}

    response = client.get("/statistics/categories.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert {r[0]: r[1] for r in values[1:]} == {label(k): v for k, v in expected.items()}

    for name in list(tables.DASHBOARD) + list(tables.SCORECARDS):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/statistics/{name}.{fmt}").status_code == 200, (name, fmt)
    assert client.get("/statistics/scorecards").status_code == 200
    assert client.get("/statistics/nothing.csv").status_code == 404

    api = client.get("/api/v1/statistics")
    assert api.status_code == 200
    categories = next(t for t in api.get_json()["tables"] if t["key"] == "categories")
    assert {r["category"]: r["cases"] for r in categories["rows"]} == {label(k): v for k, v in expected.items()}


def test_who_may_see_which_statistics(world, login):
    w = world
    _cases(w)
    for user in (w.applicant, w.respondent, w.mediator, w.grid_worker):
        assert login(user).get("/statistics").status_code == 403
        assert login(user).get("/statistics/categories.csv").status_code == 403
        assert login(user).get("/api/v1/statistics").status_code == 403
    # A clerk of another organisation: not the committee's figures, only their own.
    other = login(w.other_clerk)
    assert other.get(f"/statistics?organisation={w.committee.id}").status_code == 403
    assert other.get(f"/statistics/categories.csv?organisation={w.committee.id}").status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert any(e.payload.get("target") == f"Organisation:{w.committee.id}" for e in denied)
    data = other.get("/api/v1/statistics").get_json()
    summary = next(t for t in data["tables"] if t["key"] == "summary")
    received = summary["rows"][0]["value"]
    assert received == sum(_expected_received(w, "category", {w.other_committee.id}).values())
    # The district's supervisor sees both committees below it; the committee's clerk only its own.
    assert login(w.supervisor).get(f"/statistics?organisation={w.other_committee.id}").status_code == 200
    assert login(w.clerk).get(f"/statistics?organisation={w.other_committee.id}").status_code == 403
    assert login(w.admin).get(f"/statistics?organisation={w.other_committee.id}").status_code == 200


@pytest.mark.parametrize("query, field", [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-05-01&to=2026-04-01", "to"),
    ("from=2000-01-01&to=2026-01-01", "from"), ("organisation=abc", "organisation"),
    ("organisation=999999999", "organisation"), ("region=-1", "region"),
    ("organisation=99999999999999999999", "organisation"), ("to=9999-12-31", "to"), ("from=0001-01-01", "from"),
])
def test_bad_filters_are_clear_errors(world, login, query, field):
    client = login(world.supervisor)
    page = client.get(f"/statistics?{query}")
    assert page.status_code == 422
    assert "field__error" in page.get_data(as_text=True)
    api = client.get(f"/api/v1/statistics?{query}", headers={"Accept-Language": "en"})
    assert api.status_code == 422
    assert field in api.get_json()["error"]["fields"]
    assert client.get(f"/statistics/categories.csv?{query}").status_code == 422
    zh = client.get(f"/api/v1/statistics?{query}", headers={"Accept-Language": "zh-CN"})
    assert zh.get_json()["error"]["fields"][field][0] != api.get_json()["error"]["fields"][field][0]


def test_dashboard_queries_stay_flat(world, login, app):
    """The number of SQL statements does not grow with the number of cases."""
    from sqlalchemy import event

    w = world
    client = login(w.supervisor)
    counted = []

    def count(*args):
        counted.append(1)

    def statements():
        counted.clear()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert client.get("/statistics").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    factories.make_case(w, S.CLOSED)
    db.session.commit()
    few = statements()
    for _ in range(4):
        factories.make_case(w, S.CLOSED, category=Category.FAMILY)
    db.session.commit()
    assert statements() == few


def test_demo_data_shows_ratings_and_stage_times_in_the_scorecards(app):
    from odr.demo import seed_demo

    seed_demo(case_count=40)
    ratings = db.session.scalars(select(Rating)).all()
    assert ratings, "the demo's closed cases are rated"
    f = _filters(None)
    card = tables.organisation_scorecard(f)
    column = [k for k, _ in card.columns].index("ratings")
    assert sum(row[column] for row in card.rows) == len(ratings)
    stays = {r["state"]: r for r in queries.stage_times(f)}
    assert any((r["median_seconds"] or 0) > 3600 for r in stays.values())
