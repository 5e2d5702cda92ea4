"""Statistics and scorecards at 100,000 cases, through the real WSGI stack, on both databases.

    .venv/bin/python tests/benchmarks/bench_statistics.py                  # 100,000 cases, both
    .venv/bin/python tests/benchmarks/bench_statistics.py --cases 20000 --db sqlite --requests 10

Seeds like bench_case_list.py (schema by the migrations, the demo world by the operations, the
cases, parties and assignments in bulk), then adds in bulk what the statistics read besides the
cases: each case's stays in the states on its path (case_stages: lengths around each state's
clock, about one in five late) and ratings for most closed cases. Then it serves the app in a
child process on 127.0.0.1 and times, as the demo supervisor (the whole demo district) and the
administrator (everything):

    GET /statistics                         the dashboard: 7 tables, each a GROUP BY or two
    GET /statistics?organisation=<street>   one street committee
    GET /statistics/scorecards              organisations and mediators
    GET /statistics/stages.csv | .xlsx      an export (medians per stage)
    GET /statistics/mediators.xlsx          the mediators' scorecard as XLSX
    GET /api/v1/statistics (admin)          every table as JSON, all organisations

and prints p50, p95, SQL statements and server CPU per request. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_case_list as base  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from odr.extensions import db  # noqa: E402

BATCH = 5000


def seed_statistics(app) -> dict:
    """case_stages along each case's path, ratings for ~60 % of the closed cases' parties."""
    from odr.cases.models import Case, CaseAssignment, Party
    from odr.cases.paths import STEPS
    from odr.cases.workflow import DEFAULT_DEADLINE_DAYS
    from odr.core.enums import FINAL_STATES, CaseState
    from odr.satisfaction.models import Rating
    from odr.statistics.models import CaseStage

    rng = random.Random(42)
    started = time.perf_counter()
    stays_written = ratings_written = 0
    with app.app_context():
        conn = db.session.connection()
        rows = conn.execute(select(Case.id, Case.state, Case.submitted_at, Case.organisation_id, Case.region_id)
                            .where(Case.state != CaseState.DRAFT)).all()
        stays = []
        for case_id, state, submitted, organisation_id, region_id in rows:
            targets = []
            walk = CaseState(state)
            while walk != CaseState.DRAFT:  # the states on the case's path, last one first
                targets.insert(0, walk)
                walk = STEPS[walk][0]
            t = submitted
            for index, stay_state in enumerate(targets):
                if stay_state in FINAL_STATES:
                    break
                days = DEFAULT_DEADLINE_DAYS.get(stay_state)
                is_last = index == len(targets) - 1
                row = {"case_id": case_id, "organisation_id": organisation_id, "region_id": region_id,
                       "state": stay_state.value, "entered_at": t,
                       "deadline": t + timedelta(days=days) if days else None,
                       "left_at": None, "seconds": None, "on_time": None}
                if not is_last:
                    length = timedelta(hours=rng.uniform(0.05, 1.25) * (days or 5) * 24)
                    row.update(left_at=t + length, seconds=int(length.total_seconds()),
                               on_time=None if days is None else length <= timedelta(days=days))
                    t = t + length
                stays.append(row)
            if len(stays) >= BATCH:
                conn.execute(insert(CaseStage.__table__), stays)
                stays_written += len(stays)
                stays.clear()
        if stays:
            conn.execute(insert(CaseStage.__table__), stays)
            stays_written += len(stays)
        mediators = dict(conn.execute(select(CaseAssignment.case_id, CaseAssignment.user_id)).all())
        fallback = conn.execute(select(func.min(text("id"))).select_from(text("users"))).scalar()
        parties = conn.execute(select(Party.id, Party.case_id, Party.user_id, Case.closed_at)
                               .join(Case, Case.id == Party.case_id)
                               .where(Case.state == CaseState.CLOSED)).all()
        ratings = []
        for party_id, case_id, user_id, closed in parties:
            if rng.random() > 0.6:
                continue
            mediator = mediators.get(case_id)
            process = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 13, 8, 4))[0]
            ratings.append({"case_id": case_id, "party_id": party_id, "user_id": user_id or fallback,
                            "mediator_id": mediator, "process_score": process,
                            "mediator_score": max(1, min(5, process + rng.choice((-1, 0, 1)))) if mediator else None,
                            "comment": "", "created_at": closed + timedelta(days=rng.randint(0, 10))})
            if len(ratings) >= BATCH:
                conn.execute(insert(Rating.__table__), ratings)
                ratings_written += len(ratings)
                ratings.clear()
        if ratings:
            conn.execute(insert(Rating.__table__), ratings)
            ratings_written += len(ratings)
        db.session.commit()
        with db.engine.begin() as c:
            c.execute(text("ANALYZE"))
    return {"stays": stays_written, "ratings": ratings_written, "seconds": time.perf_counter() - started}


def measure(app, requests: int) -> list[tuple]:
    from odr.demo import DEMO_PASSWORD
    from odr.orgs.models import Organisation

    with app.app_context():
        street = db.session.scalar(select(Organisation.id).where(Organisation.name == "北山街道人民调解委员会"))
    admin = {"Authorization": f"Bearer {base.api_token(app, 'admin@demo.odr')}"}
    rows = []
    with base.Server(app) as server:
        api = base.Client(server.port)
        pages = base.Client(server.port)
        for client in (api, pages):
            client.conn.timeout = 600  # a loaded machine: a slow answer is a number, not a failure
        base.login(pages, "supervisor@demo.odr", DEMO_PASSWORD)
        plan = [
            ("GET /healthz", api, "/healthz", {}),
            ("GET /statistics (supervisor)", pages, "/statistics", {}),
            ("  ?organisation=<street>", pages, f"/statistics?organisation={street}", {}),
            ("GET /statistics/scorecards", pages, "/statistics/scorecards", {}),
            ("GET /statistics/stages.csv", pages, "/statistics/stages.csv", {}),
            ("GET /statistics/stages.xlsx", pages, "/statistics/stages.xlsx", {}),
            ("GET /statistics/mediators.xlsx", pages, "/statistics/mediators.xlsx", {}),
            ("GET /api/v1/statistics (admin)", api, "/api/v1/statistics", admin),
        ]
        for label, client, path, headers in plan:
            rows.append((label, base.time_requests(client, path, headers, requests, warmup=3)))
    return rows


def print_table(title: str, rows, timings: dict) -> None:
    print(f"\n{title}  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("  seeding: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                    for k, v in timings.items()))
    print(f"  {'request':<34} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8} {'CPU ms':>8}")
    for label, r in rows:
        print(f"  {label:<34} {r['p50']:8.1f} {r['p95']:8.1f} {r['queries']:8.0f} {r['cpu']:8.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per endpoint")
    args = parser.parse_args(argv)
    databases = {"sqlite": base.sqlite_database, "postgres": base.postgres_database}
    chosen = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for name in chosen:
        with databases[name]() as url:
            app = base.make_app(url)
            timings = base.seed(app, args.cases)
            extra = seed_statistics(app)
            timings.update({"stays": extra["stays"], "ratings": extra["ratings"],
                            "statistics rows": extra["seconds"]})
            print_table(f"{name}: {args.cases:,} cases", measure(app, args.requests), timings)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
