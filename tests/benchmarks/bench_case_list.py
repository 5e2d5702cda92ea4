"""Case lists at 100,000 cases: the JSON API and the clerk's dashboard, through the real WSGI stack.

    .venv/bin/python tests/benchmarks/bench_case_list.py                 # 100,000 cases, both databases
    .venv/bin/python tests/benchmarks/bench_case_list.py --cases 20000 --db sqlite

For each database (a temporary SQLite file; a fresh PostgreSQL database `odr_bench_<random>`,
dropped at the end) it builds the schema with the migrations, seeds the demo world (regions,
organisations, accounts) through the real operations, then bulk-inserts N cases with two parties
each (SQLAlchemy Core `insert()` with lists of dicts, in batches), spread over states,
organisations, categories, dates and deadlines. It then serves the app with werkzeug's WSGI
server on 127.0.0.1 in a child process and times requests from this one with http.client:

    GET /healthz                          the stack's floor (no database)
    GET /api/v1/cases?limit=50            first keyset page, as the clerk (API token)
    GET /api/v1/cases?limit=50&cursor=... a deep page (half-way through the list) via next_cursor
    GET /dashboard                        the clerk's dashboard page (login session)

and prints p50, p95, the ratio to /healthz and the SQL statements per request. Target: p95 <= 50 ms.
See docs/benchmarks.md. Not collected by pytest (tests/benchmarks is in norecursedirs).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from odr import create_app  # noqa: E402
from odr.extensions import db  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BATCH = 5000
TARGET_P95_MS = 50.0


# -- databases ----------------------------------------------------------------------------------
@contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="odr_bench_") as folder:
        yield f"sqlite:///{folder}/bench.sqlite3"


@contextmanager
def postgres_database():
    name = f"odr_bench_{secrets.token_hex(4)}"
    admin_url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secrets.token_hex(16),
        "RATELIMIT_ENABLED": False,  # hundreds of requests a second from one address
        "STORAGE_DIR": tempfile.mkdtemp(prefix="odr_bench_storage_"),
    })
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    return app


# -- seeding ------------------------------------------------------------------------------------
def seed(app, case_count: int) -> dict:
    """Schema by the migrations, the demo world by the operations, the cases in bulk."""
    from flask_migrate import upgrade

    from odr.demo import seed_demo

    timings = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        timings["migrate"] = time.perf_counter() - started

        started = time.perf_counter()
        seed_demo(case_count=0)
        world = _more_organisations()
        db.session.commit()
        timings["world"] = time.perf_counter() - started

        started = time.perf_counter()
        _bulk_cases(world, case_count)
        timings["cases"] = time.perf_counter() - started

        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        timings["analyze"] = time.perf_counter() - started
    return timings


# Street committees of the demo district beyond the demo's two, and a second district whose cases
# the demo clerk does not see.
MORE_XIHU_STREETS = ("灵隐街道", "翠苑街道", "文新街道", "古荡街道", "转塘街道", "留下街道")
SHANGCHENG_STREETS = ("湖滨街道", "清波街道", "小营街道", "望江街道")


def _more_organisations() -> dict:
    from odr.core.enums import Category, OrgType, RegionLevel
    from odr.orgs.models import Organisation, Region
    from odr.orgs.operations import add_organisation, add_region

    def by_name(model, name):
        return db.session.scalar(select(model).where(model.name == name))

    local = [c for c in Category if c not in (Category.LABOUR, Category.CONSUMER)]
    xihu = by_name(Region, "西湖区")
    xihu_committee = by_name(Organisation, "西湖区人民调解委员会")
    handling = list(db.session.scalars(select(Organisation).where(
        Organisation.type.notin_([OrgType.COURT, OrgType.ARBITRATION_COMMISSION]))))
    for number, name in enumerate(MORE_XIHU_STREETS, start=5):
        street = add_region(f"3301060{number:02d}", name, RegionLevel.STREET, xihu)
        handling.append(add_organisation(f"{name}人民调解委员会", OrgType.PEOPLES_MEDIATION_COMMITTEE,
                                         parent=xihu_committee, regions=[street], categories=local))
    shangcheng = add_region("330102", "上城区", RegionLevel.DISTRICT)
    committee = add_organisation("上城区人民调解委员会", OrgType.PEOPLES_MEDIATION_COMMITTEE,
                                 regions=[shangcheng], categories=list(Category))
    handling.append(committee)
    for number, name in enumerate(SHANGCHENG_STREETS, start=1):
        street = add_region(f"3301020{number:02d}", name, RegionLevel.STREET, shangcheng)
        handling.append(add_organisation(f"{name}人民调解委员会", OrgType.PEOPLES_MEDIATION_COMMITTEE,
                                         parent=committee, regions=[street], categories=local))
    db.session.flush()
    regions = list(db.session.scalars(select(Region.id).where(Region.level == RegionLevel.GRID)))
    regions += [r.region_id for r in handling if r.region_id]

    from odr.auth.models import User

    users = {u.email.split("@")[0]: u.id for u in db.session.scalars(select(User).where(User.email.like("%@demo.odr")))}
    targets = {o.type: o.id for o in db.session.scalars(select(Organisation).where(
        Organisation.type.in_([OrgType.COURT, OrgType.ARBITRATION_COMMISSION])))}
    return {"orgs": [o.id for o in handling], "regions": regions, "users": users, "targets": targets}


def _bulk_people(world: dict, count: int) -> dict:
    """Accounts in realistic numbers, so that no user owns an unrealistic share of the cases
    (the planners' statistics depend on it): residents with accounts, respondents who answered
    their invitation, grid workers, mediators and clerks of the handling organisations."""
    from odr.auth.models import User
    from odr.core.enums import Role
    from odr.orgs.models import Membership

    rng = random.Random(7)
    next_id = db.session.scalar(select(func.max(User.id))) + 1
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1200)
    groups = {"residents": (Role.APPLICANT, count // 3), "respondents": (Role.RESPONDENT, count // 10),
              "grid_workers": (Role.GRID_WORKER, 150), "mediators": (Role.MEDIATOR, 300),
              "clerks": (Role.CLERK, 60)}
    people, users, memberships = {}, [], []
    for group, (role, size) in groups.items():
        people[group] = list(range(next_id, next_id + size))
        for user_id in people[group]:
            users.append({"id": user_id, "email": f"{group}{user_id}@bench.odr", "phone": None,
                          "name": f"{group} {user_id}", "role": role.value, "password_hash": None,
                          "locale": "zh_CN", "active": True, "failed_logins": 0, "created_at": created})
            if role in (Role.MEDIATOR, Role.CLERK):
                memberships.append({"user_id": user_id, "organisation_id": rng.choice(world["orgs"]),
                                    "role": role.value})
        next_id += size
    _flush_rows(User, users, Membership, memberships)
    demo = world["users"]
    # The demo accounts take part like any other: one grid worker, mediator or clerk among many.
    people["grid_workers"].append(demo["grid_worker"])
    people["mediators"].append(demo["mediator"])
    people["clerks"].append(demo["clerk"])
    return people


def _bulk_cases(world: dict, count: int) -> None:
    """N cases, 2N parties and a mediator assignment for most cases that reached mediation."""
    from odr.cases.models import Case, CaseAssignment, Party
    from odr.cases.workflow import DEFAULT_DEADLINE_DAYS
    from odr.core.enums import (
        FINAL_STATES,
        CaseState,
        Category,
        OrgType,
        Outcome,
        PartyKind,
        RiskLevel,
        Side,
    )
    from odr.demo import STATE_WEIGHTS
    from odr.demo_content import GIVEN, STORIES_ZH, SURNAMES

    rng = random.Random(100_000)
    S = CaseState
    states = list(CaseState)
    weights = [STATE_WEIGHTS[s] for s in states]
    mediated = {S.MEDIATION, S.MEDIATION_FAILED, S.SETTLED, S.CONFIRMATION_REQUESTED, S.CONFIRMED,
                S.CONFIRMATION_REFUSED, S.REFERRAL_OFFERED, S.REFERRED, S.CLOSED}
    # States in which the respondent has answered the invitation (and so has an account).
    answered = mediated | {S.AWAITING_RESPONDENT}
    outcomes = {S.REJECTED: Outcome.REJECTED, S.WITHDRAWN: Outcome.WITHDRAWN}
    closing = (Outcome.SETTLED, Outcome.SETTLED, Outcome.RESOLVED_IN_CONSULTATION, Outcome.CONFIRMED,
               Outcome.REFERRED, Outcome.NOT_PURSUED)
    risks, risk_weights = list(RiskLevel), (85, 10, 4, 1)
    org_weights = [rng.randint(1, 10) for _ in world["orgs"]]
    users = world["users"]
    people = _bulk_people(world, count)
    # The demo applicant and respondent are parties in a few dozen cases, as a busy person might be.
    demo_share = 30 / count
    first_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    now = datetime.now(UTC).replace(microsecond=0)
    per_year: dict[int, int] = {}

    cases, parties, assignments = [], [], []
    for case_id in range(first_id, first_id + count):
        state = rng.choices(states, weights)[0]
        category, title, _facts, _claims, amounts, other = rng.choice(STORIES_ZH)
        # Older cases are more often finished: ages up to three years.
        age = rng.randint(0, 1095) if state in FINAL_STATES or state == S.CLOSED else rng.randint(0, 60)
        created = now - timedelta(days=age, seconds=rng.randint(0, 86_399))
        entered = created + timedelta(days=rng.randint(0, max(0, age // 2)))
        days = DEFAULT_DEADLINE_DAYS.get(state)
        year = created.year
        per_year[year] = per_year.get(year, 0) + 1
        final = state in FINAL_STATES
        # Filed by the resident (40 %), by a grid worker for them (35 %) or at a clerk's counter.
        applicant_user = None
        pick = rng.random()
        if pick < demo_share:
            filer = applicant_user = users["applicant"]
        elif pick < 0.40:
            filer = applicant_user = rng.choice(people["residents"])
        else:
            filer = rng.choice(people["grid_workers"] if pick < 0.75 else people["clerks"])
        target = None
        if state in (S.REFERRED, S.CONFIRMATION_REQUESTED, S.CONFIRMED, S.CONFIRMATION_REFUSED):
            target = world["targets"][OrgType.COURT if category != Category.LABOUR or state != S.REFERRED
                                      else OrgType.ARBITRATION_COMMISSION]
        cases.append({
            "id": case_id,
            "reference": f"ODR-{year}-{per_year[year]:06d}",
            "state": state.value,
            "category": category.value,
            "title": title,
            "facts": f"{title}。批量生成的基准测试案件 {case_id}。",
            "claims": "",
            "claim_amount": Decimal(rng.randrange(*amounts, 100)) if amounts else None,
            "currency": "CNY",
            "language": "en" if rng.random() < 0.05 else "zh_CN",
            "risk_level": rng.choices(risks, risk_weights)[0].value,
            "outcome": (outcomes.get(state) or rng.choice(closing)).value if final else None,
            "region_id": rng.choice(world["regions"]),
            "organisation_id": rng.choices(world["orgs"], org_weights)[0],
            "target_organisation_id": target,
            "filed_by_id": filer,
            "created_at": created,
            "updated_at": entered,
            "submitted_at": created if state != S.DRAFT else None,
            "settled_at": entered if state in (S.SETTLED, S.CONFIRMATION_REQUESTED, S.CONFIRMED) else None,
            "closed_at": entered if final else None,
            "state_entered_at": entered,
            "state_deadline": entered + timedelta(days=days) if days else None,
            "version": 1,
        })
        respondent_user = None
        if state in answered:
            respondent_user = users["respondent"] if rng.random() < demo_share else rng.choice(people["respondents"])
        for side, user_id, kind in ((Side.APPLICANT, applicant_user, PartyKind.PERSON),
                                    (Side.RESPONDENT, respondent_user,
                                     PartyKind.ORGANISATION if other == "company" else PartyKind.PERSON)):
            parties.append({
                "case_id": case_id, "side": side.value, "kind": kind.value,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": f"138{rng.randint(0, 99_999_999):08d}",
                "email": None, "address": None, "user_id": user_id, "representative_name": None,
                "representative_phone": None, "representative_user_id": None, "created_at": created,
            })
        if state in mediated and (state != S.CLOSED or rng.random() < 0.7):
            assignments.append({"case_id": case_id, "user_id": rng.choice(people["mediators"]), "assigned_at": entered,
                                "removed_at": None})
        if len(cases) >= BATCH:
            _flush_rows(Case, cases, Party, parties, CaseAssignment, assignments)
    _flush_rows(Case, cases, Party, parties, CaseAssignment, assignments)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for table in ("users", "memberships", "cases", "parties", "case_assignments"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))


def _flush_rows(*pairs) -> None:
    for model, rows in zip(pairs[::2], pairs[1::2], strict=True):
        if rows:
            db.session.connection().execute(insert(model.__table__), rows)
            rows.clear()


# -- serving and timing -------------------------------------------------------------------------
class Server:
    """The app on 127.0.0.1 (werkzeug's threaded WSGI server) in a child process of its own, so the
    timing client here never competes with it for the interpreter lock (in one process a thread
    switch alone could add up to 5 ms, `sys.getswitchinterval()`, to a request)."""

    def __init__(self, app):
        import multiprocessing

        from werkzeug.serving import make_server

        with app.app_context():
            db.engine.dispose()  # no pooled connection may cross the fork
        Meter(app)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.process = multiprocessing.get_context("fork").Process(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.process.start()
        self.server.socket.close()  # the child listens; this process only connects
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.join()


class Meter:
    """In the server: counts the SQL statements of each request and its CPU time (which, unlike
    wall time, hardly moves when other processes compete for the machine's cores), and reports
    both in response headers for the client to collect."""

    def __init__(self, app):
        self.queries = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._statement)
        self.wsgi_app = app.wsgi_app
        app.wsgi_app = self

    def _statement(self, *args):
        self.queries += 1

    def __call__(self, environ, start_response):
        started, queries_before = time.thread_time(), self.queries
        response = {}

        def hold(status, headers, exc_info=None):
            response.update(status=status, headers=headers)
            return lambda data: None

        body = list(self.wsgi_app(environ, hold))  # the body is built inside the timing
        cpu_ms = (time.thread_time() - started) * 1000
        start_response(response["status"], response["headers"] + [
            ("X-Bench-CPU-ms", f"{cpu_ms:.3f}"), ("X-Bench-SQL", str(self.queries - queries_before))])
        return body


class Client:
    """One keep-alive HTTP/1.1 connection with a small cookie jar (the login session)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        self.last_cpu_ms = float(response.getheader("X-Bench-CPU-ms") or 0)
        self.last_sql = int(response.getheader("X-Bench-SQL") or 0)
        for header in response.msg.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, data


def login(client: Client, login_name: str, password: str) -> None:
    status, page = client.request("GET", "/login")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    fields = {"login": login_name, "password": password}
    if match:
        fields["csrf_token"] = match.group(1).decode()
    status, _ = client.request("POST", "/login", urlencode(fields),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    if status not in (302, 303):
        text_only = re.sub(r"<[^>]+>|\s+", " ", _.decode())
        raise RuntimeError(f"login failed with {status}: {text_only[-600:]}")


def api_token(app, email: str) -> str:
    from odr.auth.models import User
    from odr.auth.operations import create_api_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        _, secret = create_api_token(user, "benchmark")
        db.session.commit()
    return secret


def time_requests(client, path, headers, n, warmup=20):
    for _ in range(warmup):
        status, _ = client.request("GET", path, headers=headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    times, queries, cpu = [], [], []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = client.request("GET", path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(client.last_sql)
        cpu.append(client.last_cpu_ms)
        assert status == 200, (path, status)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": statistics.median(times), "p95": cuts[94], "queries": statistics.median(queries),
            "cpu": statistics.median(cpu)}


def deep_cursor(client, headers, depth_rows: int) -> str:
    """Follow next_cursor until about `depth_rows` rows into the clerk's list."""
    cursor, seen = None, 0
    while seen < depth_rows:
        query = {"limit": 100}
        if cursor:
            query["cursor"] = cursor
        status, body = client.request("GET", f"/api/v1/cases?{urlencode(query)}", headers=headers)
        if status != 200:
            raise RuntimeError(f"cursor walk answered {status}: {body[:200]!r}")
        page = json.loads(body)
        seen += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return cursor


def deep_case_id(app, case_count: int) -> int:
    """An id half-way down the list, for the dashboard's own keyset link (?before=<id>)."""
    from odr.cases.models import Case

    with app.app_context():
        return db.session.scalar(select(func.max(Case.id))) - case_count // 2


def measure(app, requests: int, case_count: int) -> list[tuple]:
    from odr.demo import DEMO_PASSWORD

    tokens = {who: {"Authorization": f"Bearer {api_token(app, f'{who}@demo.odr')}"}
              for who in ("clerk", "mediator", "applicant")}
    clerk = tokens["clerk"]
    rows = []
    with Server(app) as server:
        api = Client(server.port)
        pages = Client(server.port)
        login(pages, "clerk@demo.odr", DEMO_PASSWORD)
        plan = [("GET /healthz", api, "/healthz", {})]
        if api.request("GET", "/api/v1/cases?limit=1", headers=clerk)[0] == 404:
            print("  (GET /api/v1/cases is not there yet: skipped)")
        else:
            cursor = deep_cursor(api, clerk, case_count // 2)
            plan += [
                ("GET /api/v1/cases?limit=50", api, "/api/v1/cases?limit=50", clerk),
                ("  deep page (cursor)", api, "/api/v1/cases?" + urlencode({"limit": 50, "cursor": cursor}), clerk),
            ]
        plan += [
            ("GET /dashboard (clerk)", pages, "/dashboard", {}),
            ("  older page (?before=)", pages, f"/dashboard?before={deep_case_id(app, case_count)}", {}),
        ]
        if len(plan) > 3:
            # Not the clerk: the list of a mediator (~150 assignments) and of an applicant (~30 cases).
            plan += [
                ("  API as mediator", api, "/api/v1/cases?limit=50", tokens["mediator"]),
                ("  API as applicant", api, "/api/v1/cases?limit=50", tokens["applicant"]),
            ]
        for label, client, path, headers in plan:
            rows.append((label, time_requests(client, path, headers, requests)))
    return rows


def print_table(title: str, rows, timings: dict) -> None:
    floor = rows[0][1]["p50"]
    load = os.getloadavg()[0]
    print(f"\n{title}  (load average {load:.1f} on {os.cpu_count()} cores)")
    print("  seeding: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"  {'request':<30} {'p50 ms':>8} {'p95 ms':>8} {'p50/healthz':>12} {'SQL/req':>8} {'CPU ms':>7}"
          f"  target p95 <= {TARGET_P95_MS:.0f} ms")
    for label, r in rows:
        mark = "ok" if r["p95"] <= TARGET_P95_MS else "MISS"
        print(f"  {label:<30} {r['p50']:8.2f} {r['p95']:8.2f} {r['p50'] / floor:11.1f}x {r['queries']:8.0f}"
              f" {r['cpu']:7.2f}  {mark}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint (>= 200)")
    parser.add_argument("--seed-only", action="store_true", help="only build and time the data")
    args = parser.parse_args(argv)
    databases = {"sqlite": sqlite_database, "postgres": postgres_database}
    chosen = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for name in chosen:
        with databases[name]() as url:
            app = make_app(url)
            timings = seed(app, args.cases)
            title = f"{name}: {args.cases:,} cases, {2 * args.cases:,} parties"
            if args.seed_only:
                print(f"\n{title}\n  seeding: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
            else:
                print_table(title, measure(app, args.requests, args.cases), timings)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
