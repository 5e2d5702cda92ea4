"""The waiting room on a real server (gunicorn + gevent, python-socketio clients; see
tests/roomserver.py): a party's send is refused with session_not_open until the mediator opens
the session over the socket, which lets everyone in live; closing it ends that again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.core.models import utcnow
from odr.extensions import db
from odr.mediation import sessions
from odr.mediation.models import RoomMessage

from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from .roomserver import NAMESPACE, Participants, RoomServer, cast_room


@pytest.fixture(scope="module")
def room_server(app, tmp_path_factory):
    server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("sessions"))
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def room(world, room_server):
    room_server.reset()
    room = cast_room(world)
    case_ops.declare_relation(room.case, world.mediator, has_relation=False)
    start = (utcnow() + timedelta(days=1)).astimezone(sessions.ZoneInfo("Asia/Shanghai"))
    room.session = sessions.schedule(room.case, world.mediator,
                                     starts_at=datetime(start.year, start.month, start.day, 10, 0),
                                     agenda="核对工资 the wages owed")
    db.session.commit()
    return room


@pytest.fixture()
def connect(room_server, room):
    participants = Participants(room, room_server.url)
    yield participants
    participants.close()


def _listen(client, event="session"):
    client.sio.on(event, client._keeper(event), namespace=NAMESPACE)
    return client


def _stored(case_id) -> int:
    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(RoomMessage).where(RoomMessage.case_id == case_id)).scalar_one()


def test_parties_wait_until_the_mediator_opens_the_session(room, connect):
    case_id, session_id = room.case.id, room.session.id
    applicant, respondent, mediator = (_listen(connect(name)) for name in ("applicant", "respondent", "mediator"))
    for client in (applicant, respondent, mediator):
        assert client.join(case_id)["ok"]

    refused = applicant.send(case_id, "可以开始了吗？ may we start?")
    assert refused["ok"] is False and refused["error"]["code"] == "session_not_open"
    assert refused["error"]["message"]
    caucus = applicant.send(case_id, "私下说 privately", channel="caucus:applicant")
    assert caucus["error"]["code"] == "session_not_open"
    assert _stored(case_id) == 0
    # The mediator is never held back (e.g. to greet those waiting).
    assert mediator.send(case_id, "请稍候 please wait a moment")["ok"]
    # Only the mediator opens it.
    not_theirs = applicant.call("session:open", {"case_id": case_id, "session_id": session_id})
    assert not_theirs["ok"] is False and not_theirs["error"]["code"] == "forbidden"

    opened = mediator.call("session:open", {"case_id": case_id, "session_id": session_id})
    assert opened["ok"] and opened["session"]["status"] == "open"
    for client in (applicant, respondent):
        assert client.wait_for(lambda c: any(e["session"]["status"] == "open" for e in c.events("session")))
    assert applicant.send(case_id, "我方要求支付工资 we ask for the wages")["ok"]
    assert respondent.wait_for(lambda c: any("we ask for the wages" in m["body"] for m in c.messages()))
    listed = respondent.call("session:list", {"case_id": case_id})
    assert listed["ok"] and listed["waiting"] is False and listed["sessions"][0]["status"] == "open"

    closed = mediator.call("session:close", {"case_id": case_id, "session_id": session_id})
    assert closed["ok"] and closed["session"]["status"] == "closed"
    assert applicant.wait_for(lambda c: any(e["session"]["status"] == "closed" for e in c.events("session")))
    again = respondent.send(case_id, "还有一句 one more thing")
    assert again["ok"] is False and again["error"]["code"] == "session_not_open"
    assert _stored(case_id) == 2  # the mediator's greeting and the applicant's message


def test_the_other_side_never_hears_of_a_caucus_session(room, connect):
    case_id = room.case.id
    start = room.session.starts_at.astimezone(sessions.ZoneInfo("Asia/Shanghai")) + timedelta(hours=2)
    caucus = sessions.schedule(room.case, room.world.mediator, starts_at=start.replace(tzinfo=None),
                               agenda="与申请人单独 with the applicant alone", kind="caucus", side="applicant")
    db.session.commit()
    applicant, respondent, mediator = (_listen(connect(name)) for name in ("applicant", "respondent", "mediator"))
    assert applicant.join(case_id, "caucus:applicant")["ok"] and respondent.join(case_id)["ok"]
    assert mediator.call("session:open", {"case_id": case_id, "session_id": caucus.id})["ok"]
    assert applicant.wait_for(lambda c: c.events("session"))
    assert applicant.send(case_id, "底线是八千 our floor", channel="caucus:applicant")["ok"]
    assert respondent.send(case_id, "我们等着 waiting")["error"]["code"] == "session_not_open"
    listed = respondent.call("session:list", {"case_id": case_id})
    assert [s["kind"] for s in listed["sessions"]] == ["joint"]
    assert not respondent.wait_for(lambda c: c.events("session"), timeout=0.5)
