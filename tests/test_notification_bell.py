"""The live bell: a real gunicorn server (gevent WebSocket worker) and real python-socketio clients
on the /notifications namespace (docs/realtime.md)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio
from sqlalchemy import select

from odr.auth.operations import create_api_token
from odr.core.enums import CaseState
from odr.extensions import db
from odr.notifications.models import Notification
from odr.notifications.operations import notify

from .factories import make_case
from .roomserver import TIMEOUT, USER_AGENT, RoomServer

NAMESPACE = "/notifications"


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("bell"), name="bell")
    server.start()
    yield server
    server.stop()


class Bell:
    def __init__(self, url, token=None):
        self.events: list[tuple[str, dict]] = []
        self.changed = threading.Condition()
        self.refusal = None
        self.sio = socketio.Client(reconnection=False, request_timeout=TIMEOUT)
        for name in ("notification:unread", "notification:new"):
            self.sio.on(name, self._keep(name), namespace=NAMESPACE)
        self.sio.on("connect_error", self._refused, namespace=NAMESPACE)
        self.url, self.token = url, token

    def _keep(self, name):
        def keep(data):
            with self.changed:
                self.events.append((name, data))
                self.changed.notify_all()
        return keep

    def _refused(self, data=None):
        self.refusal = data

    def connect(self):
        self.sio.connect(self.url, headers={"User-Agent": USER_AGENT}, transports=["websocket"],
                         auth={"token": self.token} if self.token else None, namespaces=[NAMESPACE],
                         wait_timeout=TIMEOUT)
        return self

    def wait_for(self, name, count=1, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.of(name)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
        return self.of(name)

    def of(self, name):
        return [data for event, data in self.events if event == name]

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture()
def bells():
    opened = []

    def open_bell(url, token=None):
        bell = Bell(url, token)
        opened.append(bell)
        return bell.connect()

    yield open_bell
    for bell in opened:
        bell.close()


def _token(user):
    _, secret = create_api_token(user, "bell")
    db.session.commit()
    return secret


def test_the_bell_hears_a_new_notification_as_soon_as_it_is_stored(world, server, bells):
    case = make_case(world, CaseState.SUBMITTED)
    notify(world.applicant, "respondent_consented", {"url": "/x"}, case=case, channels=("in_app",))
    db.session.commit()
    applicant = bells(server.url, _token(world.applicant))
    bystander = bells(server.url, _token(world.respondent))
    assert applicant.wait_for("notification:unread") == [{"unread": 1}]
    assert bystander.wait_for("notification:unread") == [{"unread": 0}]
    # The clerk turns the application down through the API of the server: the applicant is told, live.
    response = requests.post(f"{server.url}/api/v1/cases/{case.id}/transitions",
                             json={"action": "reject", "reason": "不属于受理范围 out of scope"},
                             headers={"Authorization": f"Bearer {_token(world.clerk)}", "User-Agent": USER_AGENT},
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    [new] = applicant.wait_for("notification:new")
    stored = db.session.execute(select(Notification).where(Notification.id == new["id"])).scalar_one()
    assert (stored.user_id, stored.kind, new["subject"]) == (world.applicant.id, "case_rejected", stored.subject)
    assert case.reference in new["subject"]
    time.sleep(0.3)
    assert bystander.of("notification:new") == []  # only the recipient's room hears it
    assert applicant.sio.call("unread", {"token": applicant.token}, namespace=NAMESPACE, timeout=TIMEOUT) == {
        "ok": True, "unread": 2}


def test_a_connection_without_a_sign_in_is_refused(server, bells):
    with pytest.raises(socketio.exceptions.ConnectionError):
        bells(server.url)
    with pytest.raises(socketio.exceptions.ConnectionError):
        bells(server.url, "not-a-token")
