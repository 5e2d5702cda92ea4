"""Supervision at scale: the clocks' runner and the supervisors' board at N cases (default 100,000).

    .venv/bin/python tests/benchmarks/bench_supervision.py                    # SQLite, 100,000 cases
    .venv/bin/python tests/benchmarks/bench_supervision.py --cases 20000 --db postgres

Builds the same data as bench_case_list.py (its `seed`: migrations, the demo world, N cases in
bulk with deadlines, some overdue), then, in the application process:

    run_clocks()  first run   the whole backlog: every overdue case escalated, every due reminder
    run_clocks()  second run  nothing left to send: what each periodic run costs from then on
    Board(...)    per view    the demo supervisor's board (overdue, high_risk, repeated,
                              instructions): rows + counts, p50 of 20, and the SQL statements

and prints the timings. Not collected by pytest (tests/benchmarks is in norecursedirs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event, func, select  # noqa: E402

from odr.extensions import db  # noqa: E402
from tests.benchmarks.bench_case_list import make_app, postgres_database, seed, sqlite_database  # noqa: E402


def run(url: str, cases: int) -> None:
    app = make_app(url)
    app.config["OUTBOX_DELIVERY"] = "deferred"  # the outbox is the delivery worker's business
    timings = seed(app, cases)
    print(f"seeded {cases} cases: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    from flask_login import login_user

    from odr import demo_content
    from odr.auth.models import User
    from odr.notifications.models import OutboxMessage
    from odr.supervision.board import VIEWS, Board, BoardFilters
    from odr.supervision.clocks import run_clocks
    from odr.supervision.models import ClockAlert

    with app.app_context():
        for label in ("first run (backlog)", "second run"):
            started = time.perf_counter()
            result = run_clocks()
            elapsed = time.perf_counter() - started
            print(f"run_clocks {label}: {elapsed:.2f} s  {result}")
        alerts = db.session.execute(select(func.count()).select_from(ClockAlert)).scalar_one()
        outbox = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        print(f"clock_alerts rows: {alerts}; outbox rows: {outbox}")
        supervisor = db.session.execute(
            select(User).where(User.email == demo_content.USERS["supervisor"][0])).scalar_one()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with app.test_request_context():
            login_user(supervisor)
            for view in VIEWS:
                board = Board(supervisor, BoardFilters(show=view))
                times = []
                for _ in range(20):
                    statements.clear()
                    started = time.perf_counter()
                    rows = board.rows()
                    counts = board.counts()
                    times.append((time.perf_counter() - started) * 1000)
                print(f"board {view:<13} rows {len(rows):>3} (of {counts[view]:>6})  p50 {statistics.median(times):7.1f} ms"
                      f"  max {max(times):7.1f} ms  SQL {len(statements)}")
                db.session.rollback()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    with (sqlite_database() if args.db == "sqlite" else postgres_database()) as url:
        run(url, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
