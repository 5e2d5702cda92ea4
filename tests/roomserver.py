"""Real servers and real clients for the mediation-room tests.

`RoomServer` runs the app the way production does: gunicorn with the gevent WebSocket worker, one
worker, on 127.0.0.1 and a free port, against the test database (the test commits what the server
must see). gunicorn imports `tests.roomserver:server_app()`, configured from ODR_TEST_* variables.
`RoomClient` is a python-socketio client that records what it receives.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "/mediation"
SECRET_KEY = "room-test-secret"
USER_AGENT = "odr-room-tests"
# The configured public address is deliberately not the servers' own: both must be accepted.
PUBLIC_BASE_URL = "https://odr.example.test"
TIMEOUT = 5.0


def server_app():
    """The WSGI app gunicorn serves in these tests (never imported by the test process)."""
    from flask import Blueprint

    from odr import create_app
    from odr.extensions import socketio as flask_socketio

    channel = os.environ.get("ODR_TEST_SOCKETIO_CHANNEL")
    if channel:  # a pub/sub channel of its own, so parallel test runs on one Redis never mix
        flask_socketio.server_options["channel"] = channel
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["ODR_TEST_DATABASE_URL"],
            "SECRET_KEY": SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": os.environ.get("ODR_TEST_MESSAGE_QUEUE") or None,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            # 10 messages, then one more every 6 s: a slow machine cannot refill the bucket while
            # a test floods it (the refill itself is tested with a clock of our own).
            "ROOM_RATE_LIMIT_MESSAGES": 10,
            "ROOM_RATE_LIMIT_SECONDS": 60,
            # Read marks are stored at most once a second per reader and channel (2 s by default).
            "ROOM_READ_MARK_SECONDS": 1,
        }
    )
    test_only = Blueprint("room_tests", __name__)

    @test_only.post("/_test/reset")
    def reset():
        """Forget per-process state (rate buckets, presence) between tests: ids are reused."""
        app.extensions["odr_rooms"].reset()
        return {"ok": True}

    app.register_blueprint(test_only)
    return app


# A test room server must not outlive the test run, however it ends: the running servers are
# stopped at interpreter exit (atexit), and each one is started with a parent-death signal, so the
# kernel stops it even when pytest is killed outright (SIGKILL: no atexit, no fixture teardown).
_RUNNING: set[RoomServer] = set()
_PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: the child only calls it
except (OSError, AttributeError):  # not Linux: atexit is all there is
    _prctl = None


def _die_with(parent_pid: int) -> None:
    """preexec_fn (runs in the child between fork and exec): SIGQUIT (gunicorn's quick shutdown
    of master and worker) when the parent dies. The signal survives the exec of gunicorn."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop()


def child_options() -> dict:
    """Popen options that tie a server process to this one (also used by the benchmark)."""
    options = {"start_new_session": True}
    if _prctl is not None:
        options["preexec_fn"] = functools.partial(_die_with, os.getpid())
    return options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RoomServer:
    def __init__(self, database_url: str, log_dir: Path, *, message_queue: str | None = None,
                 channel: str | None = None, name: str = "server") -> None:
        self.database_url = database_url
        self.message_queue = message_queue
        self.channel = channel
        self.log_path = log_dir / f"{name}.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> RoomServer:
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "ODR_TEST_DATABASE_URL": self.database_url,
            "ODR_TEST_MESSAGE_QUEUE": self.message_queue or "",
            "ODR_TEST_SOCKETIO_CHANNEL": self.channel or "",
            "SECRET_KEY": SECRET_KEY,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
            "-w", "1", "--no-control-socket", "--graceful-timeout", "2",
            "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
            "tests.roomserver:server_app()",
        ]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, **child_options())
        _RUNNING.add(self)

    def wait_ready(self, timeout: float = 30.0) -> RoomServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the room server exited at start:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the room server did not answer in {timeout} s:\n{self.log_tail()}")

    def reset(self) -> None:
        requests.post(self.url + "/_test/reset", timeout=TIMEOUT).raise_for_status()

    def stop(self) -> None:
        _RUNNING.discard(self)
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # gunicorn: quick shutdown of master and worker
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own process group (start_new_session)
            process.wait(timeout=5)
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_all(servers: list[RoomServer]) -> None:
    """Start several servers side by side (each takes a few seconds to import the app)."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
    except BaseException:
        stop_all(servers)
        raise


def stop_all(servers: list[RoomServer]) -> None:
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGQUIT)
    for server in servers:
        server.stop()


class Refused(Exception):
    """The server refused the connection; `.error` is its {"code", "message"}."""

    def __init__(self, error: dict | None) -> None:
        super().__init__(error)
        self.error = error or {}


class RoomClient:
    """One participant's socket. Keeps every `message`, `presence`, `typing` and `read` event."""

    def __init__(self, url: str, *, token: str | None = None, headers: dict | None = None,
                 transports=("websocket",), origin: str | None = None) -> None:
        self.url = url
        self.token = token
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.transports = list(transports)
        options = {"origin": origin} if origin else {}
        self.sio = socketio.Client(reconnection=False, request_timeout=TIMEOUT,
                                   websocket_extra_options=options)
        self.received: list[tuple[str, dict]] = []
        self._changed = threading.Condition()
        self._refusal: dict | None = None
        for event in ("message", "presence", "typing", "read"):
            self.sio.on(event, self._keeper(event), namespace=NAMESPACE)
        self.sio.on("connect_error", self._refused, namespace=NAMESPACE)

    def _keeper(self, event):
        def keep(data):
            with self._changed:
                self.received.append((event, data))
                self._changed.notify_all()

        return keep

    def _refused(self, data=None):
        self._refusal = data.get("data", data) if isinstance(data, dict) else {"message": data}

    def connect(self) -> RoomClient:
        try:
            self.sio.connect(self.url, headers=self.headers, transports=self.transports,
                             auth={"token": self.token} if self.token else None,
                             namespaces=[NAMESPACE], wait_timeout=TIMEOUT)
        except socketio.exceptions.ConnectionError:
            self.close()
            self.sio.eio.disconnect()  # the transport may still be open after a refused namespace
            raise Refused(self._refusal) from None
        return self

    def call(self, event: str, data: dict) -> dict:
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=TIMEOUT)

    def join(self, case_id: int, channel: str = "joint", last_seq: int = 0) -> dict:
        return self.call("join", {"case_id": case_id, "channel": channel, "last_seq": last_seq})

    def send(self, case_id: int, body: str, channel: str = "joint", client_msg_id: str | None = None) -> dict:
        return self.call("send", {"case_id": case_id, "channel": channel, "body": body,
                                  "client_msg_id": client_msg_id or uuid.uuid4().hex})

    def events(self, name: str) -> list[dict]:
        with self._changed:
            return [data for event, data in self.received if event == name]

    def messages(self, channel: str | None = None) -> list[dict]:
        return [m for m in self.events("message") if channel is None or m["channel"] == channel]

    def wait_for(self, predicate, timeout: float = TIMEOUT) -> bool:
        """Wait until predicate(self) is true; False on time-out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def drop(self) -> None:
        """Lose the connection abruptly, as a phone going out of coverage: no goodbye."""
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None and ws.sock is not None:
            ws.sock.shutdown(socket.SHUT_RDWR)  # wakes the client's reader: it sees the loss
        deadline = time.monotonic() + TIMEOUT
        while self.sio.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        if ws is not None:
            ws.shutdown()  # and close the file descriptor (no ResourceWarning later)
        self.close()

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        self.sio.shutdown()


def cast_room(world, state=None):
    """A case in mediation with its people, another case with other parties, and an API token
    for everyone the tests connect as. Committed, so that the servers see it."""
    from types import SimpleNamespace

    from odr.auth.operations import create_api_token
    from odr.core.enums import CaseState
    from odr.extensions import db

    from .factories import make_case, make_user

    room = SimpleNamespace(world=world)
    room.case = make_case(world, state or CaseState.MEDIATION)
    room.other_applicant = make_user("applicant", name="王五")
    room.other_respondent = make_user("respondent", name="赵六")
    room.other_case = make_case(world, CaseState.MEDIATION, title="另一案 another case",
                                applicant=room.other_applicant, respondent_user=room.other_respondent)
    people = {
        "applicant": world.applicant, "respondent": world.respondent, "mediator": world.mediator,
        "clerk": world.clerk, "stranger": world.stranger, "other_applicant": room.other_applicant,
    }
    room.users = people
    room.tokens = {name: create_api_token(user, "room tests")[1] for name, user in people.items()}
    db.session.commit()
    return room


class Participants:
    """connect(name[, server], **options) -> a connected RoomClient for one of the cast room's
    people (on the default server or the one given); every socket is closed at the end."""

    def __init__(self, room, default_url: str) -> None:
        self.room = room
        self.default_url = default_url
        self.clients: list[RoomClient] = []

    def __call__(self, name: str, server: RoomServer | None = None, **options) -> RoomClient:
        client = RoomClient(server.url if server else self.default_url, token=self.room.tokens[name], **options)
        self.clients.append(client)
        return client.connect()

    def close(self) -> None:
        for client in self.clients:
            client.close()
