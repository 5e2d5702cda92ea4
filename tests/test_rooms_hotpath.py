"""The send path of the mediation rooms, in process (Flask-SocketIO's test client): how many SQL
statements a message costs, and that the rights decided at join are asked again as soon as
something they depend on changes (docs/realtime.md, "Rights on the send path")."""

from __future__ import annotations

import uuid

import pytest
from flask import g
from sqlalchemy import event, func, select

from odr.auth.operations import create_api_token
from odr.cases import operations as case_ops
from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import Role, Side
from odr.core.policy import CASE_RULES
from odr.extensions import db, socketio
from odr.mediation import operations as ops
from odr.mediation.models import Channel, RoomMessage

from .factories import make_user
from .roomserver import NAMESPACE, cast_room

# What one new message costs (operations.send_context, append_message; events.on_send):
#   1 SELECT  the account, the rights stamp (case state and version, the user's party rows and
#             mediator assignment) and whether the client_msg_id was used already
#   1 UPDATE  counters ... RETURNING: the channel's next seq
#   1 INSERT  room_messages ... RETURNING id
#   3         the audit entry: UPDATE counters ... RETURNING, SELECT the previous hash, INSERT
# It was 17 before the send path was rebuilt (docs/benchmarks.md). A change that adds a statement
# to every message has to change this number on purpose.
SEND_STATEMENTS = 6


@pytest.fixture()
def room(world):
    return cast_room(world)


@pytest.fixture()
def sockets(app, room):
    """sockets(name) -> a connected test client for that person; the room state is reset."""
    app.extensions["odr_rooms"].reset()
    # The test client's events run in the tests' app context (conftest's `app`), so its `g` is
    # shared: drop a signed-in user an earlier test left there (Flask-Login keeps it in g).
    g.pop("_login_user", None)
    opened = []

    def connect(name, token=None):
        client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token or room.tokens[name]})
        assert client.is_connected(NAMESPACE)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        if client.is_connected(NAMESPACE):
            client.disconnect(namespace=NAMESPACE)
    app.extensions["odr_rooms"].reset()
    g.pop("_login_user", None)


def call(client, event_name, data):
    reply = client.emit(event_name, data, namespace=NAMESPACE, callback=True)
    db.session.rollback()  # the handler committed in this thread's session: read afresh
    return reply


def join(client, case_id, channel="joint"):
    return call(client, "join", {"case_id": case_id, "channel": channel, "last_seq": 0})


def send(client, case_id, body, channel="joint", client_msg_id=None):
    return call(client, "send", {"case_id": case_id, "channel": channel, "body": body,
                                 "client_msg_id": client_msg_id or uuid.uuid4().hex})


def code(reply) -> str | None:
    return None if reply["ok"] else reply["error"]["code"]


class Statements:
    """The SQL statements sent to the database while counting."""

    def __init__(self):
        self.sent: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._keep)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._keep)

    def _keep(self, conn, cursor, statement, parameters, context, executemany):
        self.sent.append(statement)


def _denied(user) -> list[str]:
    return db.session.execute(
        select(AuditEvent.payload["attempted"].as_string()).where(
            AuditEvent.action == "access.denied", AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
    ).scalars().all()


def _stored(case_id) -> int:
    return db.session.execute(
        select(func.count()).select_from(RoomMessage).where(RoomMessage.case_id == case_id)
    ).scalar_one()


def test_statements_per_message(room, sockets):
    applicant = sockets("applicant")
    case_id = room.case.id
    assert join(applicant, case_id)["ok"]
    assert send(applicant, case_id, "the first message of a channel creates its counter")["ok"]
    counts = []
    for n in range(3):
        with Statements() as statements:
            reply = send(applicant, case_id, f"message {n}")
        assert reply["ok"] and not reply["duplicate"], reply
        counts.append(len(statements.sent))
    assert counts == [SEND_STATEMENTS] * 3, statements.sent
    # A resend is answered from that one SELECT plus the stored row; nothing is written.
    with Statements() as statements:
        again = send(applicant, case_id, "message 2", client_msg_id=reply["message"]["client_msg_id"])
    assert again["duplicate"] and again["message"] == reply["message"]
    assert len(statements.sent) == 2, statements.sent
    # A send without a join asks the policy once, then it is as cheap.
    mediator = sockets("mediator")
    assert send(mediator, case_id, "no join needed")["ok"]
    with Statements() as statements:
        assert send(mediator, case_id, "and again")["ok"]
    assert len(statements.sent) == SEND_STATEMENTS
    assert [m.seq for m in ops.messages_since(room.case, "joint")] == [1, 2, 3, 4, 5, 6]
    assert verify_chain().ok


def test_the_stamp_covers_every_role_that_may_write():
    """send_context's stamp holds the party rows (own, as representative) and the mediator
    assignments; a write rule naming another role (staff by membership, the filer, ...) would
    need that role's inputs in the stamp, or a removed one could go on writing."""
    covered = {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, Role.MEDIATOR.value}
    for channel in Channel:
        assert CASE_RULES[ops.write_action(channel)] <= covered, channel


def test_a_case_leaving_mediation_closes_the_room_at_once(room, sockets):
    case_id = room.case.id
    applicant = sockets("applicant")
    assert join(applicant, case_id)["ok"] and send(applicant, case_id, "before")["ok"]
    case_ops.transition(room.case, "fail", room.world.mediator, reason="no agreement in sight")
    db.session.commit()
    assert code(send(applicant, case_id, "after")) == "room_closed"
    assert _stored(case_id) == 1


def test_a_deactivated_account_is_cut_off_at_its_next_send(room, sockets):
    applicant = sockets("applicant")
    assert join(applicant, room.case.id)["ok"] and send(applicant, room.case.id, "before")["ok"]
    room.world.applicant.active = False
    db.session.commit()
    assert code(send(applicant, room.case.id, "after")) == "unauthorized"
    assert _stored(room.case.id) == 1


def test_an_unassigned_mediator_can_no_longer_write(room, sockets):
    case_id = room.case.id
    mediator = sockets("mediator")
    for channel in ("joint", "caucus:applicant"):
        assert join(mediator, case_id, channel)["ok"] and send(mediator, case_id, "hello", channel)["ok"]
    for assignment in room.case.assignments:
        assignment.removed_at = db.func.now()
    db.session.commit()
    for channel in ("joint", "caucus:applicant"):
        assert code(send(mediator, case_id, "still here", channel)) == "not_found", channel
    assert _denied(room.world.mediator) == ["room.joint.read", "room.caucus.applicant"]
    assert _stored(case_id) == 2


def test_a_removed_party_or_replaced_representative_can_no_longer_write(room, sockets):
    case_id = room.case.id
    representative = room.world.representative
    respondent_party = room.case.parties_on(Side.RESPONDENT)[0]
    respondent_party.representative_user_id = representative.id
    db.session.commit()
    rep_token = create_api_token(representative, "room tests")[1]
    db.session.commit()
    agent, respondent = sockets("representative", token=rep_token), sockets("respondent")
    for client in (agent, respondent):
        assert join(client, case_id, "caucus:respondent")["ok"]
        assert send(client, case_id, "ours", "caucus:respondent")["ok"]

    respondent_party.representative_user_id = make_user("respondent", name="新代理人").id
    db.session.commit()
    assert code(send(agent, case_id, "still their agent?", "caucus:respondent")) == "not_found"
    assert send(respondent, case_id, "the respondent still is", "caucus:respondent")["ok"]

    # The party's account taken off the case (a wrong account linked, say).
    respondent_party.user_id = None
    db.session.commit()
    assert code(send(respondent, case_id, "and now?", "caucus:respondent")) == "not_found"
    assert _stored(case_id) == 3


def test_a_new_right_is_seen_at_once_too(room, sockets):
    """The stamp changes when a right is given as well: a representative added after the first
    refusal may write with their next send."""
    case_id = room.case.id
    representative = room.world.representative
    rep_token = create_api_token(representative, "room tests")[1]
    db.session.commit()
    agent = sockets("representative", token=rep_token)
    assert code(send(agent, case_id, "may I?")) == "not_found"
    room.case.parties_on(Side.APPLICANT)[0].representative_user_id = representative.id
    db.session.commit()
    reply = send(agent, case_id, "now I may")
    assert reply["ok"] and reply["message"]["sender"]["role_in_case"] == "applicant_representative"
