"""Benchmark of the mediation rooms (issue 4, item 10). A script, not a test (pytest does not
collect tests/benchmarks/); results and how to read them: docs/benchmarks.md.

    .venv/bin/python tests/benchmarks/bench_rooms.py              # everything, ~2 minutes
    .venv/bin/python tests/benchmarks/bench_rooms.py --db sqlite --messages 200 --skip-rss

In one run, each served the production way (gunicorn, one GeventWebSocketWorker, 127.0.0.1):
- **service**: odr's /mediation namespace, persistence on (every message stored and committed
  before it is broadcast), on SQLite and on PostgreSQL;
- **bare**: a python-socketio server with the same events and no storage, no policy, no audit.

For each: a 10-participant room, (1) fan-out latency, one message at a time (each of the 9 others
receives it: 9 samples per message), p50/p99; (2) throughput, all 10 sending at once in a closed
loop (next message after the ack), delivered messages per second; the same two with 500 other
connected idle clients. Then 1,000 participants connected to the service at once (100 rooms of
10), the worker's VmRSS from /proc. The clients are python-socketio AsyncClients in this process
(the clock is shared: latency = receipt - send time). Loopback only, bounded counts and times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMESPACE = "/mediation"
PARTICIPANTS = 10
STEP_TIMEOUT = 30.0  # no single wait in this script takes longer


# --- the servers gunicorn imports -----------------------------------------------------------------

def service_app():
    """The real app (tests/roomserver.py) with a rate limit no benchmark sender reaches."""
    from odr.mediation.realtime import TokenBucket
    from tests.roomserver import server_app

    app = server_app()
    app.extensions["odr_rooms"].send_limit = TokenBucket(10**9, 1.0)
    return app


def bare_app():
    """python-socketio alone: the same join/send/message events, nothing stored or checked."""
    import socketio

    sio = socketio.Server(async_mode="gevent", cors_allowed_origins="*")
    heads: dict[str, int] = {}

    @sio.on("connect", namespace=NAMESPACE)
    def connect(sid, environ, auth=None):
        return True

    @sio.on("join", namespace=NAMESPACE)
    def join(sid, data):
        room = f"case:{data['case_id']}:{data['channel']}"
        sio.enter_room(sid, room, namespace=NAMESPACE)
        return {"ok": True, "messages": [], "last_seq": heads.get(room, 0), "more": False}

    @sio.on("send", namespace=NAMESPACE)
    def send(sid, data):
        room = f"case:{data['case_id']}:{data['channel']}"
        heads[room] = seq = heads.get(room, 0) + 1
        message = {"case_id": data["case_id"], "channel": data["channel"], "seq": seq,
                   "body": data["body"], "client_msg_id": data["client_msg_id"]}
        sio.emit("message", message, to=room, skip_sid=sid, namespace=NAMESPACE)
        return {"ok": True, "message": message, "duplicate": False}

    def health(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return socketio.WSGIApp(sio, health)


# --- running a server ---------------------------------------------------------------------------

class Server:
    def __init__(self, name: str, spec: str, env: dict, log_dir: Path) -> None:
        from tests.roomserver import child_options, free_port

        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (log_dir / f"{name}.log").open("ab")
        command = [str(Path(sys.executable).parent / "gunicorn"),
                   "-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker", "-w", "1",
                   "--no-control-socket", "--graceful-timeout", "2", "--log-level", "warning",
                   "-b", f"127.0.0.1:{self.port}", spec]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, **child_options())  # dies with us
        self._wait_ready()

    def _wait_ready(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (see {self.log.name})")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start in 60 s")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0])

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.log.close()


# --- the data the service needs -------------------------------------------------------------------

@contextmanager
def database(kind: str):
    """A fresh database URL (SQLite file or PostgreSQL database), removed at the end."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="odr-bench-rooms-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    name = f"odr_bench_rooms_{os.getpid()}"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://{server.removeprefix('postgresql://')}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def seed(url: str, rooms: int) -> dict:
    """The schema (migrations), the test world, `rooms` cases in mediation whose parties are the
    same 10 people (applicant, respondent, mediator and 7 more applicant-side parties), and an
    API token for each of them and for an idle outsider."""
    import logging

    from flask_migrate import upgrade

    from odr import create_app
    from odr.auth.operations import create_api_token
    from odr.cases.models import Party
    from odr.core.enums import CaseState, Side
    from odr.extensions import db
    from tests.factories import build_world, make_case, make_user

    # SERVER_NAME: the workflow hooks write notices with links, outside any request here.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost"})
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        world = build_world()
        extra = [make_user("applicant", name=f"参与人 {i}") for i in range(PARTICIPANTS - 3)]
        people = [world.applicant, world.respondent, world.mediator, *extra]
        case_ids = []
        for _ in range(rooms):
            case = make_case(world, CaseState.MEDIATION)
            for user in extra:
                case.parties.append(Party(side=Side.APPLICANT, name=user.name, user_id=user.id))
            case_ids.append(case.id)
        tokens = [create_api_token(user, "bench")[1] for user in people]
        idle = create_api_token(world.stranger, "bench idle")[1]
        db.session.commit()
        db.engine.dispose()
    return {"case_ids": case_ids, "tokens": tokens, "idle_token": idle}


# --- the clients ----------------------------------------------------------------------------------

class Participant:
    def __init__(self, bench: Bench, index: int, token: str | None) -> None:
        import socketio

        self.bench = bench
        self.index = index
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("message", self.on_message, namespace=NAMESPACE)

    async def connect(self, url: str) -> None:
        await self.sio.connect(url, transports=["websocket"], namespaces=[NAMESPACE],
                               auth={"token": self.token} if self.token else None, wait_timeout=STEP_TIMEOUT)

    async def call(self, event: str, data: dict) -> dict:
        ack = await self.sio.call(event, data, namespace=NAMESPACE, timeout=STEP_TIMEOUT)
        if not ack.get("ok"):
            raise RuntimeError(f"{event} refused: {ack}")
        return ack

    async def on_message(self, message) -> None:
        now = time.perf_counter()
        sent = float(message["body"].split(" ", 1)[0])
        self.bench.received(now - sent)


class Bench:
    """Counts deliveries and their latencies; wakes whoever waits for a count."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.target = 0
        self.done = asyncio.Event()

    def expect(self, count: int) -> None:
        self.latencies = []
        self.target = count
        self.done = asyncio.Event()

    def received(self, latency: float) -> None:
        self.latencies.append(latency)
        if len(self.latencies) >= self.target:
            self.done.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self.done.wait(), STEP_TIMEOUT)


async def connect_all(clients, url: str, batch: int = 50) -> None:
    for start in range(0, len(clients), batch):
        await asyncio.gather(*(c.connect(url) for c in clients[start:start + batch]))


async def close_all(clients) -> None:
    await asyncio.gather(*(c.sio.disconnect() for c in clients), return_exceptions=True)


def body(number: int) -> str:
    return f"{time.perf_counter()!r} message {number}"


async def run_room(url: str, seeded: dict, messages: int, burst: int, idle: int) -> dict:
    """One 10-participant room: paced latency, then a closed-loop burst from all 10."""
    bench = Bench()
    case_id = seeded["case_ids"][0]
    people = [Participant(bench, i, seeded["tokens"][i]) for i in range(PARTICIPANTS)]
    idlers = [Participant(bench, -1, seeded["idle_token"]) for _ in range(idle)]
    try:
        await connect_all(idlers, url)
        await connect_all(people, url)
        for person in people:
            await person.call("join", {"case_id": case_id, "channel": "joint", "last_seq": 0})
        counter = 0

        async def send(person) -> None:
            nonlocal counter
            counter += 1
            await person.call("send", {"case_id": case_id, "channel": "joint", "body": body(counter),
                                       "client_msg_id": f"b{os.getpid()}-{idle}-{counter}"})

        # Warm-up: a few messages (connections, the first queries, caches).
        bench.expect(20 * (PARTICIPANTS - 1))
        for i in range(20):
            await send(people[i % PARTICIPANTS])
        await bench.wait()

        paced: list[float] = []
        for i in range(messages):
            bench.expect(PARTICIPANTS - 1)
            await send(people[i % PARTICIPANTS])
            await bench.wait()
            paced.extend(bench.latencies)

        bench.expect(burst * PARTICIPANTS * (PARTICIPANTS - 1))
        started = time.perf_counter()

        async def sender(person) -> None:
            for _ in range(burst):
                await send(person)

        await asyncio.gather(*(sender(p) for p in people))
        await bench.wait()
        elapsed = time.perf_counter() - started
        loaded = sorted(bench.latencies)
    finally:
        await close_all(people + idlers)
    paced.sort()
    return {
        "p50": percentile(paced, 50), "p99": percentile(paced, 99),
        "rate": len(loaded) / elapsed, "loaded_p99": percentile(loaded, 99),
        "samples": len(paced), "deliveries": len(loaded),
    }


async def connect_many(url: str, seeded: dict, count: int) -> list:
    """`count` participants connected at once, 10 per room, each joined to its room's joint
    channel; returns once all are in (the caller reads the RSS meanwhile)."""
    bench = Bench()
    clients = [Participant(bench, i, seeded["tokens"][i % PARTICIPANTS]) for i in range(count)]
    await connect_all(clients, url)
    for start in range(0, count, 50):
        await asyncio.gather(*(
            c.call("join", {"case_id": seeded["case_ids"][c.index // PARTICIPANTS], "channel": "joint",
                            "last_seq": 0})
            for c in clients[start:start + 50]))
    return clients


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(pct / 100 * (len(values) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# --- main -----------------------------------------------------------------------------------------

def measure(name: str, spec: str, env: dict, seeded: dict, args, log_dir: Path) -> dict:
    server = Server(name, spec, env, log_dir)
    try:
        results = {}
        for idle in (0, args.idle):
            results[idle] = asyncio.run(run_room(server.url, seeded, args.messages, args.burst, idle))
            r = results[idle]
            print(f"  {name:<18} idle={idle:<4} p50 {ms(r['p50']):>6} ms  p99 {ms(r['p99']):>6} ms  "
                  f"{r['rate']:>8.0f} deliveries/s  (p99 under load {ms(r['loaded_p99'])} ms)", flush=True)
        return results
    finally:
        server.stop()


def measure_rss(url_env: dict, seeded: dict, count: int, log_dir: Path) -> tuple[float, float]:
    server = Server("service-rss", "tests.benchmarks.bench_rooms:service_app()", url_env, log_dir)
    try:
        before = server.rss_mb()

        async def scenario():
            clients = await connect_many(server.url, seeded, count)
            try:
                await asyncio.sleep(1)
                return server.rss_mb()
            finally:
                await close_all(clients)

        return before, asyncio.run(scenario())
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=300, help="paced messages (latency)")
    parser.add_argument("--burst", type=int, default=100, help="messages per participant in the burst")
    parser.add_argument("--idle", type=int, default=500, help="other connected idle clients")
    parser.add_argument("--participants", type=int, default=1000, help="connected at once for the RSS")
    parser.add_argument("--skip-rss", action="store_true")
    args = parser.parse_args()
    args.messages = max(10, min(args.messages, 5000))
    args.burst = max(5, min(args.burst, 1000))
    args.idle = max(0, min(args.idle, 2000))
    args.participants = max(PARTICIPANTS, min(args.participants, 3000))

    log_dir = Path(tempfile.mkdtemp(prefix="odr-bench-rooms-logs-"))
    print(f"odr mediation rooms benchmark: {os.cpu_count()} CPUs, logs in {log_dir}", flush=True)
    rooms = max(1, args.participants // PARTICIPANTS)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    bare = measure("bare python-socketio", "tests.benchmarks.bench_rooms:bare_app()", {},
                   {"case_ids": [1], "tokens": [None] * PARTICIPANTS, "idle_token": None}, args, log_dir)
    ok = True
    for kind in kinds:
        with database(kind) as url:
            seeded = seed(url, rooms)
            env = {"ODR_TEST_DATABASE_URL": url, "ODR_TEST_MESSAGE_QUEUE": "", "SECRET_KEY": "room-test-secret"}
            service = measure(f"service ({kind})", "tests.benchmarks.bench_rooms:service_app()", env, seeded,
                              args, log_dir)
            for idle in (0, args.idle):
                s, b = service[idle], bare[idle]
                p99_ratio, rate_ratio = s["p99"] / b["p99"], s["rate"] / b["rate"]
                met = p99_ratio <= 1.5 and rate_ratio >= 0.5
                ok &= met
                print(f"  ratio {kind:<8} idle={idle:<4} p99 {p99_ratio:.2f}x bare (target <= 1.5x), "
                      f"throughput {rate_ratio:.2f}x bare (target >= 0.5x)  {'met' if met else 'MISSED'}",
                      flush=True)
            if not args.skip_rss:
                before, after = measure_rss(env, seeded, args.participants, log_dir)
                met = after < 300
                ok &= met
                print(f"  rss {kind:<8} {args.participants} participants connected: worker VmRSS "
                      f"{after:.0f} MB (idle {before:.0f} MB; target < 300 MB)  {'met' if met else 'MISSED'}",
                      flush=True)
    print("all targets met" if ok else "some targets missed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
