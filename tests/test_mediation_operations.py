"""Mediation rooms, the rules without sockets: sequence numbers, idempotent resends, validation,
who sees which channel, and what the audit chain keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import CaseState
from odr.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from odr.core.models import Counter
from odr.core.policy import authorize
from odr.extensions import db
from odr.mediation import operations as ops
from odr.mediation import realtime
from odr.mediation.models import MAX_BODY_CHARS, Channel, RoomMessage

from .factories import make_case

J, CA, CR = Channel.JOINT, Channel.CAUCUS_APPLICANT, Channel.CAUCUS_RESPONDENT


@pytest.fixture()
def case(world):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    return case


def _count(**where) -> int:
    stmt = select(func.count()).select_from(RoomMessage)
    for name, value in where.items():
        stmt = stmt.where(getattr(RoomMessage, name) == value)
    return db.session.execute(stmt).scalar_one()


def test_sequence_numbers_are_per_case_and_channel(world, case):
    other = make_case(world, CaseState.MEDIATION, title="另一案 another case")
    posted = [
        ops.post_message(case, "joint", world.applicant, "你好 hello", "a1")[0],
        ops.post_message(case, "joint", world.respondent, "hello", "r1")[0],
        ops.post_message(case, "caucus:applicant", world.applicant, "just us", "a2")[0],
        ops.post_message(case, "joint", world.mediator, "welcome", "m1")[0],
        ops.post_message(other, "joint", world.applicant, "other case", "a1")[0],
    ]
    db.session.commit()
    assert [(m.case_id, m.channel, m.seq) for m in posted] == [
        (case.id, J, 1), (case.id, J, 2), (case.id, CA, 1), (case.id, J, 3), (other.id, J, 1),
    ]
    assert [m.sender_role for m in posted] == ["applicant", "respondent", "applicant", "mediator", "applicant"]
    assert [m.seq for m in ops.messages_since(case, "joint", 1)] == [2, 3]
    assert [m.seq for m in ops.messages_since(case, "joint", 0, limit=2)] == [1, 2]
    assert ops.head_seq(case, "joint") == 3
    assert ops.head_seq(case, "caucus:respondent") == 0


def test_resend_returns_the_stored_message(world, case):
    first, created = ops.post_message(case, "joint", world.applicant, "hello", "same-id")
    db.session.commit()
    again, created_again = ops.post_message(case, "joint", world.applicant, " hello\r\n", "same-id")
    db.session.commit()
    assert created and not created_again
    assert again.id == first.id and again.seq == 1
    assert _count() == 1
    assert db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "room.message")
    ).scalar_one() == 1
    # Another sender may use the same id: ids belong to their sender.
    other, created_other = ops.post_message(case, "joint", world.respondent, "hello", "same-id")
    assert created_other and other.seq == 2
    # The same id for something else is a client's bug, not a resend.
    for channel, text in (("joint", "something else"), ("caucus:applicant", "hello")):
        with pytest.raises(Conflict) as refused:
            ops.post_message(case, channel, world.applicant, text, "same-id")
        assert refused.value.code == "client_msg_id_reused"


def test_a_lost_race_rereads_the_winner_and_leaves_no_gap(world, case, monkeypatch):
    """Two processes store the same resend at once: the unique constraint decides; the loser's
    savepoint gives back its sequence number and it answers with the winner's row."""
    winner, _ = ops.post_message(case, "joint", world.applicant, "hello", "racy")
    db.session.commit()
    real_find = ops.find_sent
    calls = []

    def find_misses_once(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)

    monkeypatch.setattr(ops, "find_sent", find_misses_once)
    loser, created = ops.post_message(case, "joint", world.applicant, "hello", "racy")
    db.session.commit()
    assert not created and loser.id == winner.id and len(calls) == 2
    monkeypatch.setattr(ops, "find_sent", real_find)
    following, _ = ops.post_message(case, "joint", world.applicant, "next", "after-race")
    db.session.commit()
    assert following.seq == 2  # the loser's number was given back
    assert db.session.get(Counter, f"room:{case.id}:joint").value == 2
    assert verify_chain().ok


REFUSED_BODIES = [("", "empty"), ("  \n\t ", "empty"), ("\x00\x01", "empty"),
                  ("x" * (MAX_BODY_CHARS + 1), "too_long"), ("x" * (5 * MAX_BODY_CHARS), "too_long"),
                  (None, "invalid_request"), (42, "invalid_request")]
REFUSED_IDS = ["", "a" * 65, "has space", "é", "a/b", None, 7]


def test_what_a_message_may_be(world, case):
    # (One test, not a parametrised family: every test pays for a fresh world and a clean-up.)
    for body, code in REFUSED_BODIES:
        with pytest.raises(ValidationFailed) as refused:
            ops.post_message(case, "joint", world.applicant, body, "m1")
        assert refused.value.code == code, body
    for client_msg_id in REFUSED_IDS:
        with pytest.raises(ValidationFailed) as refused:
            ops.post_message(case, "joint", world.applicant, "hello", client_msg_id)
        assert refused.value.code == "bad_client_msg_id", client_msg_id
    with pytest.raises(ValidationFailed) as refused:
        ops.post_message(case, "caucus:mediator", world.mediator, "hello", "m1")
    assert refused.value.code == "invalid_request"
    assert _count() == 0

    for client_msg_id in ("a" * 64, "A-b_9", "0"):
        assert ops.post_message(case, "joint", world.applicant, "hello " + client_msg_id, client_msg_id)[1]
    longest, _ = ops.post_message(case, "joint", world.applicant, "é" * MAX_BODY_CHARS, "m1")
    odd, _ = ops.post_message(case, "joint", world.applicant, "  <b>a</b>\x00\r\nb\x1b\tc \n", "m2")
    db.session.commit()
    assert len(longest.body) == MAX_BODY_CHARS
    assert odd.body == "<b>a</b>\nb\tc"  # stored as text; escaping is the display's job


def test_the_room_takes_messages_only_in_mediation(world):
    for state in (CaseState.EVALUATION, CaseState.AWAITING_RESPONDENT, CaseState.SETTLED,
                  CaseState.MEDIATION_FAILED, CaseState.CLOSED):
        case = make_case(world, state)
        with pytest.raises(Conflict) as refused:
            ops.post_message(case, "joint", world.applicant, "hello", "m1")
        assert refused.value.code == "room_closed", state
        assert ops.channels_for(world.applicant, case) == [J, CA]  # still readable: the record


def test_readers_may_not_write(world, case):
    with pytest.raises(NotAllowed):
        ops.post_message(case, "joint", world.clerk, "I am only watching", "c1")
    with pytest.raises(NotAllowed):
        ops.post_message(case, "caucus:applicant", world.respondent, "let me in", "r1")
    assert _count() == 0


def test_who_sees_which_channel(world, case):
    representative = world.representative
    case.parties_on("respondent")[0].representative_user_id = representative.id
    db.session.flush()
    expected = {
        "applicant": [J, CA],
        "respondent": [J, CR],
        "representative": [J, CR],
        "mediator": [J, CA, CR],
        "clerk": [J],
        "supervisor": [J],
        "consultant": [],
        "admin": [],
        "grid_worker": [],
        "stranger": [],
        "other_mediator": [],
        "other_clerk": [],
    }
    seen = {name: ops.channels_for(getattr(world, name), case) for name in expected}
    assert seen == expected
    assert ops.role_in_case(representative, case) == "respondent_representative"
    assert ops.role_in_case(world.clerk, case) == "clerk"
    representative.active = False
    assert ops.channels_for(representative, case) == []


def test_refusals_are_audited_and_hide_other_cases(world, case):
    with pytest.raises(NotAllowed):
        authorize(world.respondent, ops.read_action(CA), case)
    with pytest.raises(NotFound):
        authorize(world.stranger, ops.read_action(J), case)
    denied = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.id)
    ).scalars().all()
    assert [(e.actor_id, e.payload["attempted"]) for e in denied] == [
        (world.respondent.id, "room.caucus.applicant"), (world.stranger.id, "room.joint.read"),
    ]


def test_the_audit_chain_keeps_the_fact_not_the_text(world, case):
    message, _ = ops.post_message(case, "caucus:applicant", world.applicant, "我们最多接受8000元", "a1")
    db.session.commit()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "room.message")).scalar_one()
    assert event.payload == {"channel": "caucus:applicant", "seq": 1, "message_id": message.id}
    assert event.case_id == case.id and event.actor_id == world.applicant.id
    assert verify_chain().ok


def test_messages_are_append_only(world, case):
    message, _ = ops.post_message(case, "joint", world.applicant, "hello", "a1")
    db.session.commit()
    message.body = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(RoomMessage, message.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_payload(world, case):
    message, _ = ops.post_message(case, "joint", world.mediator, "欢迎 welcome", "m-1")
    db.session.commit()
    payload = ops.message_payload(message)
    created_at = payload.pop("created_at")
    assert created_at.endswith("Z") and created_at.startswith(str(message.created_at.year))
    assert payload == {
        "id": message.id, "case_id": case.id, "channel": "joint", "seq": 1, "kind": "text",
        "sender": {"id": world.mediator.id, "name": "陈调解", "role_in_case": "mediator"},
        "body": "欢迎 welcome", "client_msg_id": "m-1",
    }


def test_the_token_bucket():
    """10 messages at once, then 2 a second; one user's bucket is not another's."""
    now = [1000.0]
    bucket = realtime.TokenBucket(10, 5, clock=lambda: now[0])
    assert [bucket.take("flooder") for _ in range(10)] == [0.0] * 10
    assert bucket.take("flooder") == pytest.approx(0.5)
    assert bucket.take("someone else") == 0.0
    now[0] += 0.5
    assert bucket.take("flooder") == 0.0
    assert bucket.take("flooder") == pytest.approx(0.5)
    bucket.give_back("flooder")
    assert bucket.take("flooder") == 0.0
    now[0] += 3600
    assert [bucket.take("flooder") for _ in range(11)].count(0.0) == 10  # never more than capacity
