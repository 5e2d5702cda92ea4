"""Two server processes sharing rooms through the Redis message queue (issue 4, item 7).

Both run under gunicorn against the same test database; a client on one receives what a client on
the other sent, and a client that comes back on the other process gets what it missed (from the
database: Redis pub/sub keeps nothing for a subscriber that is away).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from odr.extensions import db
from odr.mediation.models import RoomMessage

from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from .roomserver import Participants, RoomServer, cast_room, start_all, stop_all

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def queue_url(redis_url):
    """The Redis of the other Redis tests (conftest skips, or fails in CI, if it is unreachable),
    database 14. (Pub/sub ignores the database number: the servers get a channel of their own.)"""
    return redis_url.rsplit("/", 1)[0] + "/14"


@pytest.fixture(scope="module")
def two_servers(app, queue_url, tmp_path_factory):
    logs = tmp_path_factory.mktemp("rooms-mq")
    channel = f"odr-rooms-test-{uuid.uuid4().hex[:12]}"
    servers = [
        RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], logs, message_queue=queue_url,
                   channel=channel, name=name)
        for name in ("a", "b")
    ]
    start_all(servers)
    yield servers
    stop_all(servers)


@pytest.fixture()
def servers(two_servers):
    for server in two_servers:
        server.reset()
    return two_servers


@pytest.fixture()
def room(world):
    return cast_room(world)


@pytest.fixture()
def connect(servers, room):
    participants = Participants(room, servers[0].url)
    yield participants
    participants.close()


def test_a_message_sent_on_one_process_arrives_on_the_other(servers, room, connect):
    a, b = servers
    case_id = room.case.id
    respondent, applicant = connect("respondent", a), connect("applicant", b)
    respondent.join(case_id)
    applicant.join(case_id)
    sent = applicant.send(case_id, "from process B")["message"]
    assert respondent.wait_for(lambda c: c.messages())
    assert respondent.messages() == [sent]
    answer = respondent.send(case_id, "from process A")["message"]
    assert applicant.wait_for(lambda c: c.messages())
    assert applicant.messages() == [answer]


def test_coming_back_on_the_other_process_replays_what_was_missed(servers, room, connect):
    a, b = servers
    case_id = room.case.id
    applicant = connect("applicant", b)
    applicant.join(case_id)
    respondent = connect("respondent", a)
    respondent.join(case_id)
    applicant.send(case_id, "seen on A")
    assert respondent.wait_for(lambda c: c.messages())
    last_seen = respondent.messages()[-1]["seq"]
    respondent.drop()

    missed = [applicant.send(case_id, f"missed {n}")["message"] for n in range(3)]

    back = connect("respondent", b)
    reply = back.join(case_id, last_seq=last_seen)
    assert reply["messages"] == missed and reply["last_seq"] == missed[-1]["seq"]


def test_writers_on_both_processes_get_one_gap_free_sequence(servers, room, connect):
    a, b = servers
    case_id = room.case.id
    mediator = connect("mediator", a)
    mediator.join(case_id)
    writers = [connect("applicant", a), connect("respondent", b)]
    replies: list[dict] = []

    def write(client, who):
        for n in range(8):
            replies.append(client.send(case_id, f"{who} {n}"))

    threads = [threading.Thread(target=write, args=(c, w)) for c, w in zip(writers, "AB", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r["ok"] for r in replies) and len(replies) == 16
    db.session.rollback()
    stored = db.session.execute(
        select(RoomMessage.seq).where(RoomMessage.case_id == case_id).order_by(RoomMessage.seq)
    ).scalars().all()
    assert stored == list(range(1, 17))
    # Live delivery may interleave the two processes' events; the seqs put them in order.
    assert mediator.wait_for(lambda c: len(c.messages()) == 16, timeout=10)
    assert sorted(m["seq"] for m in mediator.messages()) == stored
