"""Proposals and blind bidding over real sockets: gunicorn + gevent WebSocket worker and real
python-socketio clients (tests/roomserver.py). Every payload a client receives, events and acks,
is kept, so a figure that leaked anywhere would be found."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from odr.core.audit import AuditEvent
from odr.extensions import db

from .foundation_support import (
    _clean_database,  # noqa: F401  (the fast cleanup, see there)
    shows,
)
from .roomserver import NAMESPACE, RoomClient, cast_room
from .test_rooms_server import room_server  # noqa: F401, F811  (the module's real server)


@pytest.fixture()
def room(world, room_server):  # noqa: F811
    room_server.reset()
    return cast_room(world)


class Recorder(RoomClient):
    """A RoomClient that also keeps every other event (proposal, bid, agreement, ...) and every ack."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sio.on("*", self._any, namespace=NAMESPACE)
        self.acks: list[dict] = []

    def _any(self, event, data=None):
        self._keeper(event)(data)

    def call(self, event: str, data: dict) -> dict:
        reply = super().call(event, data)
        self.acks.append(reply)
        return reply

    def everything(self) -> str:
        with self._changed:
            return json.dumps([self.received, self.acks], ensure_ascii=False)


@pytest.fixture()
def people(room, room_server):  # noqa: F811
    clients = {}

    def connect(name):
        client = Recorder(room_server.url, token=room.tokens[name]).connect()
        clients[name] = client
        assert client.join(room.case.id)["ok"]
        return client

    yield connect
    for client in clients.values():
        client.close()


def test_a_proposal_flow_reaches_the_other_side_live(room, people):
    case_id = room.case.id
    applicant, respondent = people("applicant"), people("respondent")
    made = applicant.call("proposal:create", {"case_id": case_id, "amount": "9000.00",
                                              "terms": "道歉 / an apology"})
    assert made["ok"] and made["proposal"]["status"] == "offered"
    proposal_id = made["proposal"]["id"]
    assert respondent.wait_for(lambda c: c.events("proposal") and c.messages("joint"))
    assert respondent.events("proposal")[0]["id"] == proposal_id
    assert respondent.messages("joint")[0]["kind"] == "system"
    own = applicant.call("proposal:accept", {"case_id": case_id, "proposal_id": proposal_id})
    assert own["ok"] is False and own["error"]["code"] == "forbidden"
    accepted = respondent.call("proposal:accept", {"case_id": case_id, "proposal_id": proposal_id})
    assert accepted["ok"] and accepted["proposal"]["status"] == "accepted"
    assert applicant.wait_for(lambda c: any(p["status"] == "accepted" for p in c.events("proposal")))
    # A replay after reconnecting brings the system messages back, in order.
    history = respondent.call("history", {"case_id": case_id, "channel": "joint", "after_seq": 0})
    assert [m["seq"] for m in history["messages"]] == [1, 2]

    outsider = Recorder(respondent.url, token=room.tokens["other_applicant"]).connect()
    try:
        refused = outsider.call("proposal:create", {"case_id": case_id, "amount": "1"})
        assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    finally:
        outsider.close()
    db.session.rollback()
    denied = db.session.execute(select(AuditEvent.payload).where(
        AuditEvent.action == "access.denied", AuditEvent.actor_id == room.other_applicant.id)).scalars().all()
    assert [d["attempted"] for d in denied] == ["mediation.bargain"]


def test_blind_figures_never_reach_the_other_side_or_the_mediator(room, people):
    case_id = room.case.id
    applicant, respondent, mediator = people("applicant"), people("respondent"), people("mediator")
    assert applicant.call("bid:propose", {"case_id": case_id, "gap_percent": "0"})["ok"]
    assert respondent.call("bid:agree", {"case_id": case_id, "gap_percent": "0"})["ok"]
    assert mediator.call("bid:submit", {"case_id": case_id, "amount": "1"})["error"]["code"] == "forbidden"

    # Round 1: far apart. Round 2: they cross.
    first = applicant.call("bid:submit", {"case_id": case_id, "amount": "10317"})
    assert first["ok"] and first["my_bids"] == [{"round": 1, "side": "applicant", "amount": "10317.00"}]
    assert respondent.call("bid:submit", {"case_id": case_id, "amount": "5129"})["bidding"]["round"] == 2
    assert applicant.call("bid:submit", {"case_id": case_id, "amount": "7313"})["ok"]
    final = respondent.call("bid:submit", {"case_id": case_id, "amount": "9871"})
    assert final["bidding"]["status"] == "settled" and final["bidding"]["settled_amount"] == "8592.00"
    for client in (applicant, respondent, mediator):
        assert client.wait_for(lambda c: any(b["status"] == "settled" for b in c.events("bid")))
        assert client.wait_for(lambda c: any("8592" in m["body"] for m in c.messages("joint")))
        assert client.call("bid:status", {"case_id": case_id})["ok"]
        assert client.call("proposal:list", {"case_id": case_id})["ok"]
        assert client.call("history", {"case_id": case_id, "channel": "joint", "after_seq": 0})["ok"]

    applicant_saw, respondent_saw, mediator_saw = (c.everything() for c in (applicant, respondent, mediator))
    assert shows("10317", applicant_saw) and shows("7313", applicant_saw)  # its own figures, in its own acks
    for figure in ("5129", "9871"):
        assert not shows(figure, applicant_saw)
    for figure in ("10317", "7313"):
        assert not shows(figure, respondent_saw)
    for figure in ("10317", "7313", "5129", "9871"):
        assert not shows(figure, mediator_saw)
    rounds = [b["rounds"] for b in respondent.events("bid")][-1]
    assert rounds == [{"round": 1, "outcome": "no_agreement"}, {"round": 2, "outcome": "settled"}]
