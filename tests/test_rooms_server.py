"""The /mediation namespace against a real server: gunicorn + gevent WebSocket worker, real
python-socketio clients, the test database (see tests/roomserver.py)."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import func, select

from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.extensions import db
from odr.mediation.models import RoomMessage

from .factories import PASSWORD, make_case
from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from .roomserver import (
    PUBLIC_BASE_URL,
    USER_AGENT,
    Participants,
    Refused,
    RoomClient,
    RoomServer,
    cast_room,
)


@pytest.fixture(scope="module")
def room_server(app, tmp_path_factory):
    server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("rooms"))
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def server(room_server):
    room_server.reset()
    return room_server


@pytest.fixture()
def room(world):
    return cast_room(world)


@pytest.fixture()
def connect(server, room):
    """connect("applicant") -> a connected RoomClient for that person; all closed afterwards."""
    participants = Participants(room, server.url)
    yield participants
    participants.close()


def _denied(user) -> list[str]:
    db.session.rollback()
    return db.session.execute(
        select(AuditEvent.payload).where(AuditEvent.action == "access.denied", AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id)
    ).scalars().all()


def _stored(case_id) -> int:
    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(RoomMessage).where(RoomMessage.case_id == case_id)
    ).scalar_one()


# --- connecting ----------------------------------------------------------------------------------

def test_connections_without_a_valid_sign_in_are_refused(server, room):
    for token in (None, "odr_not-a-real-token", "nonsense"):
        with pytest.raises(Refused) as refused:
            RoomClient(server.url, token=token).connect()
        assert refused.value.error["code"] == "unauthorized", token
        assert refused.value.error["message"]


def test_the_origin_must_be_ours(server, room, connect):
    evil = "http://evil.example"
    for transports in (["websocket"], ["polling"]):
        headers = {"Origin": evil} if transports == ["polling"] else None  # websocket: its own option
        client = RoomClient(server.url, token=room.tokens["applicant"], transports=transports,
                            origin=evil, headers=headers)
        with pytest.raises(Refused) as refused:
            client.connect()
        assert refused.value.error["code"] == "bad_origin", transports
    for origin in (PUBLIC_BASE_URL, server.url):  # the configured address, and the same host
        assert connect("applicant", origin=origin).join(room.case.id)["ok"], origin


def test_the_login_session_cookie_is_enough(server, room):
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT  # the session is bound to the browser that signed in
    response = http.post(server.url + "/login", data={"login": room.world.respondent.email, "password": PASSWORD},
                         allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text[:300]
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    client = RoomClient(server.url, headers={"Cookie": cookie}, transports=["polling"]).connect()
    try:
        reply = client.join(room.case.id)
        assert reply["ok"] and reply["channel"] == "joint"
    finally:
        client.close()


# --- who may follow what -------------------------------------------------------------------------

def test_a_caucus_never_reaches_the_other_side(room, connect):
    case_id = room.case.id
    applicant, respondent, mediator = connect("applicant"), connect("respondent"), connect("mediator")
    assert applicant.join(case_id, "caucus:applicant")["ok"]
    assert mediator.join(case_id, "caucus:applicant")["ok"]
    assert mediator.join(case_id, "joint")["ok"]
    assert respondent.join(case_id, "joint")["ok"]

    refused = respondent.join(case_id, "caucus:applicant")
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden" and refused["error"]["message"]
    assert respondent.call("history", {"case_id": case_id, "channel": "caucus:applicant"})["error"]["code"] == "forbidden"
    assert respondent.send(case_id, "let me in", "caucus:applicant")["error"]["code"] == "forbidden"

    secret = applicant.send(case_id, "我们最多接受8000元 / 8000 at most", "caucus:applicant")
    assert secret["ok"] and secret["message"]["seq"] == 1
    assert mediator.wait_for(lambda c: c.messages("caucus:applicant"))
    # A joint message after it, as a barrier: once it has arrived, so would the caucus one have.
    assert mediator.send(case_id, "let us continue together")["ok"]
    assert respondent.wait_for(lambda c: c.messages("joint"))
    time.sleep(0.2)
    assert [m["channel"] for m in respondent.messages()] == ["joint"]
    assert all(p["channel"] == "joint" for p in respondent.events("presence"))
    assert [p["attempted"] for p in _denied(room.world.respondent)] == ["room.caucus.applicant"] * 3


def test_strangers_and_other_cases_get_not_found(room, connect):
    stranger, other = connect("stranger"), connect("other_applicant")
    for client in (stranger, other):
        for channel in ("joint", "caucus:applicant"):
            reply = client.join(room.case.id, channel)
            assert reply["ok"] is False and reply["error"]["code"] == "not_found"
        assert client.send(room.case.id, "hello")["error"]["code"] == "not_found"
    assert stranger.join(999999)["error"]["code"] == "not_found"
    assert other.join(room.other_case.id)["ok"]  # their own case is fine
    assert [p["attempted"] for p in _denied(room.world.stranger)] == [
        "room.joint.read", "room.caucus.applicant", "room.joint.read", "room.joint.read"]
    assert [p["target"] for p in _denied(room.other_applicant)] == [f"Case:{room.case.id}"] * 3
    assert _stored(room.case.id) == 0


def test_a_clerk_follows_the_joint_channel_only_and_silently(room, connect):
    clerk = connect("clerk")
    assert clerk.join(room.case.id)["ok"]
    assert clerk.join(room.case.id, "caucus:respondent")["error"]["code"] == "forbidden"
    assert clerk.send(room.case.id, "hello")["error"]["code"] == "forbidden"
    assert clerk.call("typing", {"case_id": room.case.id, "channel": "joint"})["error"]["code"] == "not_joined"


def test_a_deactivated_account_is_cut_off(room, connect):
    client = connect("applicant")
    assert client.join(room.case.id)["ok"]
    room.world.applicant.active = False
    db.session.commit()
    assert client.send(room.case.id, "still here?")["error"]["code"] == "unauthorized"
    assert client.wait_for(lambda c: not c.sio.connected)
    assert _stored(room.case.id) == 0


def test_malformed_requests(room, connect):
    client = connect("applicant")
    for data in ({}, {"case_id": "x", "channel": "joint"}, {"case_id": -1, "channel": "joint"},
                 {"case_id": room.case.id, "channel": "caucus:mediator"},
                 {"case_id": room.case.id, "channel": "joint", "last_seq": -5}):
        reply = client.call("join", data)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid_request", data
    assert client.call("send", "not an object")["error"]["code"] == "invalid_request"


# --- nothing lost, nothing twice -----------------------------------------------------------------

def test_replay_after_a_dropped_connection(room, connect):
    case_id = room.case.id
    applicant, respondent = connect("applicant"), connect("respondent")
    applicant.join(case_id)
    respondent.join(case_id)
    applicant.send(case_id, "message 1")
    assert respondent.wait_for(lambda c: len(c.messages()) == 1)
    last_seen = respondent.messages()[-1]["seq"]
    respondent.drop()

    sent = [applicant.send(case_id, f"while you were away {n}")["message"] for n in range(2, 7)]

    back = connect("respondent")
    reply = back.join(case_id, last_seq=last_seen)
    assert reply["ok"] and reply["last_seq"] == 6 and reply["more"] is False
    assert reply["messages"] == sent  # exactly the missed ones, in order
    applicant.send(case_id, "welcome back")
    assert back.wait_for(lambda c: c.messages())
    time.sleep(0.1)
    assert [m["seq"] for m in back.messages()] == [7]  # live from here on, nothing replayed twice
    assert _stored(case_id) == 7
    # A long absence comes back in pages: `more` says there is another one.
    page = back.call("history", {"case_id": case_id, "channel": "joint", "after_seq": 2, "limit": 3})
    assert [m["seq"] for m in page["messages"]] == [3, 4, 5] and page["more"] is True
    page = back.call("history", {"case_id": case_id, "channel": "joint", "after_seq": 5, "limit": 3})
    assert [m["seq"] for m in page["messages"]] == [6, 7] and page["more"] is False


def test_a_resend_is_stored_and_broadcast_once(room, connect):
    case_id = room.case.id
    applicant, respondent = connect("applicant"), connect("respondent")
    applicant.join(case_id)
    respondent.join(case_id)
    first = applicant.send(case_id, "hello", client_msg_id="phone-1")
    again = applicant.send(case_id, "hello", client_msg_id="phone-1")
    assert first["ok"] and again["ok"] and (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["message"] == first["message"]
    applicant.send(case_id, "barrier", client_msg_id="phone-2")
    assert respondent.wait_for(lambda c: len(c.messages()) == 2)
    time.sleep(0.1)
    assert [m["client_msg_id"] for m in respondent.messages()] == ["phone-1", "phone-2"]
    assert applicant.messages() == []  # the sender has it from the ack
    assert _stored(case_id) == 2


# --- abuse ---------------------------------------------------------------------------------------

def test_a_flooder_is_throttled_without_slowing_the_others(room, connect):
    case_id = room.case.id
    flooder, other = connect("applicant"), connect("respondent")
    replies = [flooder.send(case_id, f"spam {n}") for n in range(13)]
    assert all(r["ok"] for r in replies[:10])
    limited = replies[10:]
    assert {r["ok"] for r in limited} == {False}
    assert {r["error"]["code"] for r in limited} == {"rate_limited"}
    assert all(0 < r["error"]["retry_after"] <= 6 for r in limited)
    # The limit is per person: the other side is answered at once, not throttled (how fast the
    # server answers under load is the benchmark's business, tests/benchmarks/bench_rooms.py).
    assert other.send(case_id, "I am not slowed down")["ok"]
    # A resend of a stored message is an answer, not a new message: never limited.
    again = flooder.send(case_id, "spam 0", client_msg_id=replies[0]["message"]["client_msg_id"])
    assert again["ok"] and again["duplicate"]
    assert _stored(case_id) == 11


def test_message_size_limit(room, connect):
    client = connect("applicant")
    too_long = client.send(room.case.id, "长" * 4001)
    assert too_long["ok"] is False and too_long["error"]["code"] == "too_long"
    assert "4000" in too_long["error"]["message"]
    assert client.send(room.case.id, "长" * 4000)["ok"]
    assert client.send(room.case.id, "   ")["error"]["code"] == "empty"
    assert client.send(room.case.id, "x", client_msg_id="no spaces")["error"]["code"] == "bad_client_msg_id"
    assert _stored(room.case.id) == 1


def test_error_messages_follow_the_users_language(server, room, connect):
    room.world.applicant.locale = "en"
    room.world.respondent.locale = "zh_CN"
    db.session.commit()
    applicant, respondent = connect("applicant"), connect("respondent")
    assert applicant.join(room.case.id, "caucus:respondent")["error"]["message"] == "You are not allowed to do this."
    assert respondent.join(room.case.id, "caucus:applicant")["error"]["message"] == "您无权进行此操作。"
    assert applicant.send(room.case.id, "x" * 4001)["error"]["message"] == "A message may have at most 4000 characters."
    # Before signing in, the browser's language decides.
    for language, expected in (("zh-CN,zh;q=0.9", "请先登录。"), ("en-GB,en;q=0.8", "Please sign in first.")):
        with pytest.raises(Refused) as refused:
            RoomClient(server.url, headers={"Accept-Language": language}).connect()
        assert refused.value.error["message"] == expected


def test_the_room_is_closed_outside_mediation(world, room, connect):
    settled = make_case(world, CaseState.SETTLED, title="已调解 settled")
    db.session.commit()
    client = connect("applicant")
    reply = client.join(settled.id)
    assert reply["ok"] and reply["messages"] == []
    assert client.send(settled.id, "too late")["error"]["code"] == "room_closed"


# --- presence and typing -------------------------------------------------------------------------

def test_presence_and_typing(room, connect):
    case_id = room.case.id
    applicant, respondent = connect("applicant"), connect("respondent")
    applicant.join(case_id)
    respondent.join(case_id)
    names = lambda event: [u["name"] for u in event["users"]]  # noqa: E731
    assert applicant.wait_for(lambda c: c.events("presence") and names(c.events("presence")[-1]) == ["张三", "李四"])
    assert applicant.call("typing", {"case_id": case_id, "channel": "joint"})["ok"]
    assert respondent.wait_for(lambda c: c.events("typing"))
    assert respondent.events("typing")[0]["user"]["name"] == "张三"
    assert applicant.events("typing") == []
    respondent.close()
    assert applicant.wait_for(lambda c: names(c.events("presence")[-1]) == ["张三"])
    assert applicant.call("leave", {"case_id": case_id, "channel": "joint"})["ok"]
    assert applicant.call("typing", {"case_id": case_id, "channel": "joint"})["error"]["code"] == "not_joined"
