"""Read receipts against a real server (gunicorn + gevent WebSocket worker, python-socketio
clients; tests/roomserver.py): stored per reader and channel, announced to the channel, returned
by `join`, coalesced, and never carried out of a caucus."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from odr.extensions import db
from odr.mediation.models import Channel, RoomReadMark

from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from .roomserver import Participants, RoomServer, cast_room

INTERVAL = 1.0  # ROOM_READ_MARK_SECONDS of the test server (tests/roomserver.py)


@pytest.fixture(scope="module")
def room_server(app, tmp_path_factory):
    server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("reads"))
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def room(world):
    return cast_room(world)


@pytest.fixture()
def connect(room_server, room):
    room_server.reset()
    participants = Participants(room, room_server.url)
    yield participants
    participants.close()


def read(client, case_id, seq, channel="joint"):
    return client.call("read", {"case_id": case_id, "channel": channel, "seq": seq})


def marks(case_id, channel="joint") -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(
        select(RoomReadMark.user_id, RoomReadMark.seq)
        .where(RoomReadMark.case_id == case_id, RoomReadMark.channel == Channel(channel))
    ).all())


def reads(client, channel="joint") -> list[tuple[str, int]]:
    return [(r["user"]["name"], r["seq"]) for r in client.events("read") if r["channel"] == channel]


def test_a_read_mark_is_stored_announced_and_returned_by_join(room, connect):
    case_id, world = room.case.id, room.world
    applicant, respondent = connect("applicant"), connect("respondent")
    for client in (applicant, respondent):
        assert client.join(case_id)["ok"]
    for n in range(3):
        assert applicant.send(case_id, f"message {n}")["ok"]
    assert respondent.wait_for(lambda c: len(c.messages()) == 3)

    ack = read(respondent, case_id, 3)
    assert ack == {"ok": True, "seq": 3}
    assert applicant.wait_for(lambda c: reads(c) == [("李四", 3)])
    event = applicant.events("read")[0]
    assert event == {"case_id": case_id, "channel": "joint", "seq": 3,
                     "user": {"id": world.respondent.id, "name": "李四", "role_in_case": "respondent"}}
    assert marks(case_id) == {world.respondent.id: 3}

    # Whoever joins later gets the others' marks with the messages (not their own).
    mediator = connect("mediator")
    reply = mediator.join(case_id)
    assert reply["ok"] and reply["read_marks"] == [event]
    assert respondent.join(case_id, last_seq=3)["read_marks"] == []
    # A mark never goes back, and never past the channel's last message.
    assert read(respondent, case_id, 2) == {"ok": True, "seq": 3}
    assert applicant.send(case_id, "message 4")["ok"]
    time.sleep(INTERVAL + 0.2)
    assert read(respondent, case_id, 99) == {"ok": True, "seq": 99}  # as reported ...
    assert applicant.wait_for(lambda c: len(reads(c)) == 2)
    assert reads(applicant) == [("李四", 3), ("李四", 4)]  # ... stored as far as there is
    assert marks(case_id) == {world.respondent.id: 4}


def test_reading_a_busy_channel_is_not_a_write_per_message(room, connect):
    case_id = room.case.id
    applicant, respondent = connect("applicant"), connect("respondent")
    for client in (applicant, respondent):
        assert client.join(case_id)["ok"]
    for n in range(8):
        assert applicant.send(case_id, f"message {n}")["ok"]
    assert respondent.wait_for(lambda c: len(c.messages()) == 8)
    started = time.monotonic()
    for seq in range(1, 9):  # a reader scrolling through: a mark per message
        assert read(respondent, case_id, seq)["seq"] == seq
    assert time.monotonic() - started < INTERVAL, "the test needs the marks inside one interval"
    # The first mark at once, the last one after the interval; nothing in between.
    assert applicant.wait_for(lambda c: reads(c) and reads(c)[-1] == ("李四", 8), timeout=INTERVAL + 3)
    time.sleep(0.3)
    assert reads(applicant) == [("李四", 1), ("李四", 8)]
    assert marks(case_id) == {room.world.respondent.id: 8}


def test_a_caucus_read_mark_stays_in_the_caucus(room, connect):
    case_id, world = room.case.id, room.world
    applicant, respondent, mediator = connect("applicant"), connect("respondent"), connect("mediator")
    for client, channels in ((applicant, ["joint", "caucus:applicant"]),
                             (respondent, ["joint", "caucus:respondent"]),
                             (mediator, ["joint", "caucus:applicant", "caucus:respondent"])):
        for channel in channels:
            assert client.join(case_id, channel)["ok"]
    assert mediator.send(case_id, "只对申请人 / for the applicant", "caucus:applicant")["ok"]
    assert mediator.send(case_id, "只对被申请人 / for the respondent", "caucus:respondent")["ok"]
    assert mediator.send(case_id, "together", "joint")["ok"]
    assert read(applicant, case_id, 1, "caucus:applicant")["ok"]
    assert read(respondent, case_id, 1, "caucus:respondent")["ok"]
    # The other side cannot even report a mark in a caucus it has not joined (and may not).
    assert read(respondent, case_id, 1, "caucus:applicant")["error"]["code"] == "not_joined"
    # Barrier: a joint mark, announced after the caucus ones.
    assert read(applicant, case_id, 1, "joint")["ok"]
    assert respondent.wait_for(lambda c: reads(c, "joint"))
    assert mediator.wait_for(lambda c: reads(c, "caucus:applicant") and reads(c, "caucus:respondent"))
    time.sleep(0.2)
    # Each side hears its own caucus's marks (its own, here) and the joint one, never the other's.
    assert {r["channel"] for r in respondent.events("read")} == {"joint", "caucus:respondent"}
    assert {r["channel"] for r in applicant.events("read")} == {"joint", "caucus:applicant"}
    # join returns the marks of that channel only.
    again = connect("respondent")
    assert again.join(case_id, "caucus:respondent")["read_marks"] == []  # only their own mark there
    assert [m["channel"] for m in again.join(case_id, "joint")["read_marks"]] == ["joint"]
    assert [m["user"]["id"] for m in mediator.join(case_id, "caucus:applicant")["read_marks"]] == [
        world.applicant.id]


def test_malformed_read_requests(room, connect):
    client = connect("applicant")
    assert client.join(room.case.id)["ok"]
    for data in ({"case_id": room.case.id, "channel": "joint", "seq": -1},
                 {"case_id": room.case.id, "channel": "joint", "seq": "x"},
                 {"case_id": room.case.id, "channel": "nowhere", "seq": 1}):
        assert client.call("read", data)["error"]["code"] == "invalid_request", data
    assert read(client, room.other_case.id, 1)["error"]["code"] == "not_joined"
    # Nothing was said yet: a mark of an empty channel is not stored.
    assert read(client, room.case.id, 5)["ok"]
    time.sleep(0.3)
    assert marks(room.case.id) == {}


def test_read_marks_are_coalesced_per_reader_and_channel():
    """ReadMarks with a clock of our own: the first mark is stored at once, later ones wait for
    one delayed store at the end of the interval; other readers are not held up."""
    from odr.mediation.realtime import ReadMarks

    now = [100.0]
    marks = ReadMarks(2.0, clock=lambda: now[0])
    key, other = (1, Channel.JOINT, 7), (1, Channel.JOINT, 8)
    assert marks.report(key, 1) == 0.0 and marks.take(key) == 1
    now[0] += 0.5
    assert marks.report(key, 2) == pytest.approx(1.5)  # schedule one store ...
    assert marks.report(key, 3) is None  # ... which will take this one too
    assert marks.report(key, 3) is None and marks.report(key, 1) is None  # not newer
    assert marks.report(other, 4) == 0.0  # someone else's mark is not held up
    now[0] += 1.5
    assert marks.take(key) == 3 and marks.take(key) is None
    now[0] += 2.0
    assert marks.report(key, 4) == 0.0 and marks.take(key) == 4
