"""Business rules of the mediation rooms. The socket handlers (events.py) stay thin and call these.

Who may read or write a channel is the policy's answer (core/policy.py, `room.*` actions); when a
channel may be written is decided here: only while the case is in mediation. Operations flush and
audit, they never commit; the caller commits once and only then broadcasts.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..cases.models import Case, CaseAssignment, Party
from ..core.audit import record
from ..core.enums import CaseState, Role, Side
from ..core.errors import Conflict, NotAllowed, OperationError, ValidationFailed
from ..core.models import next_value, utcnow
from ..core.policy import can
from ..extensions import db
from .models import MAX_BODY_CHARS, Channel, MessageKind, RoomMessage, RoomReadMark

# The room takes messages only while the case is being mediated; before and after, it is a record.
WRITABLE_STATES = frozenset({CaseState.MEDIATION})
HISTORY_LIMIT = 500
CLIENT_MSG_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
# C0 control characters and DEL, except tab and newline. PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class RateLimited(OperationError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def parse_channel(value) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationFailed(_("There is no such channel in this room."), code="invalid_request") from None


def read_action(channel: Channel) -> str:
    """The policy action for following a channel (joining it, reading its history)."""
    return "room.joint.read" if channel is Channel.JOINT else f"room.caucus.{channel.side.value}"


def write_action(channel: Channel) -> str:
    return "room.joint.write" if channel is Channel.JOINT else f"room.caucus.{channel.side.value}"


def room_name(case_id: int, channel: Channel) -> str:
    """The Socket.IO room of one channel of one case."""
    return f"case:{case_id}:{channel.value}"


def channels_for(user, case) -> list[Channel]:
    """The channels of this case's room that `user` may follow, as the policy says.

    A party: joint and their own side's caucus. A mediator: all. The organisation's clerks and
    supervisors: joint only (read). Anyone else: none.
    """
    return [channel for channel in Channel if can(user, read_action(channel), case)]


def role_in_case(user, case) -> str | None:
    """How the user speaks in this case: mediator, applicant, respondent, <side>_representative,
    or a staff role."""
    if user.id in case.mediator_ids:
        return Role.MEDIATOR.value
    for party in case.parties:
        if party.user_id == user.id:
            return party.side.value
    for party in case.parties:
        if party.representative_user_id == user.id:
            return f"{party.side.value}_representative"
    from ..core.policy import case_roles

    staff = sorted(case_roles(user, case) & {Role.CLERK.value, Role.SUPERVISOR.value})
    return staff[0] if staff else None


def clean_body(body) -> str:
    """The text as stored: line ends normalised, control characters dropped, outer blanks trimmed.

    It is stored and sent as plain text; whoever displays it escapes it.
    """
    if not isinstance(body, str):
        raise ValidationFailed(_("The message must be text."), code="invalid_request")
    if len(body) > 4 * MAX_BODY_CHARS:  # refuse a flood before spending time on it
        raise _too_long()
    text = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ValidationFailed(_("Write something before sending."), code="empty")
    if len(text) > MAX_BODY_CHARS:
        raise _too_long()
    return text


def _too_long() -> ValidationFailed:
    return ValidationFailed(
        _("A message may have at most %(n)d characters.", n=MAX_BODY_CHARS), code="too_long"
    )


def check_client_msg_id(value) -> str:
    if not isinstance(value, str) or not CLIENT_MSG_ID.match(value):
        raise ValidationFailed(
            _("Each message needs its own id of 1 to 64 letters, digits, '-' or '_'."),
            code="bad_client_msg_id",
        )
    return value


def find_sent(case, sender, client_msg_id: str) -> RoomMessage | None:
    """The message this sender already sent in this case under this id, if any."""
    return db.session.execute(
        select(RoomMessage)
        .options(joinedload(RoomMessage.sender))
        .where(
            RoomMessage.case_id == case.id,
            RoomMessage.sender_id == sender.id,
            RoomMessage.client_msg_id == client_msg_id,
        )
    ).scalar()


def stored_message(message_id: int) -> RoomMessage:
    """A stored message (for answering a resend; its sender is not loaded)."""
    return db.session.get(RoomMessage, message_id)


def ensure_writable(case, channel: Channel) -> None:
    ensure_open(case.state)


def ensure_open(state) -> None:
    """The room takes messages only while the case is in mediation (`room_closed` otherwise)."""
    if state not in WRITABLE_STATES:
        raise Conflict(
            _("The mediation room is open for messages only while the case is in mediation."),
            code="room_closed",
        )


def post_message(case, channel, sender, body, client_msg_id) -> tuple[RoomMessage, bool]:
    """Store a message; returns (message, created). For callers with other work in the same
    transaction (the socket's `send` uses the pieces below directly, see events.py).

    Idempotent on (case, sender, client_msg_id): a resend returns the stored message with
    created=False, even when two resends race in two processes (the unique constraint decides,
    the loser re-reads the winner's row). The insert runs in a savepoint: a failed insert gives
    its sequence number back (the sequence has no gaps) and leaves the caller's work alone.
    """
    channel = parse_channel(channel)
    client_msg_id = check_client_msg_id(client_msg_id)
    text = clean_body(body)
    existing = find_sent(case, sender, client_msg_id)
    if existing is not None:
        return same_message(existing, channel, text), False
    ensure_writable(case, channel)
    if not can(sender, write_action(channel), case):
        raise NotAllowed(_("You may not write in this channel."))
    try:
        with db.session.begin_nested():
            stored = append_message(case.id, channel, sender.id, role_in_case(sender, case), text,
                                    client_msg_id)
    except IntegrityError:
        existing = find_sent(case, sender, client_msg_id)
        if existing is None:
            raise
        return same_message(existing, channel, text), False
    return db.session.get(RoomMessage, stored.id), True


class Stored(NamedTuple):
    """A message just inserted, as a row (no ORM object: the send path stays lean)."""

    id: int
    case_id: int
    channel: Channel
    seq: int
    sender_id: int
    sender_role: str | None
    client_msg_id: str
    body: str
    created_at: object


def append_message(case_id: int, channel: Channel, sender_id: int, sender_role: str | None,
                   text: str, client_msg_id: str) -> Stored:
    """Insert a checked text message (body cleaned, id valid, rights and state decided by the
    caller) with the channel's next sequence number, and its audit entry. Three kinds of
    statement: the counter (UPDATE ... RETURNING, which also serialises the channel's writers
    until commit), the INSERT, the audit chain's entry. Raises IntegrityError if the same
    (sender, client_msg_id) was stored meanwhile: the caller rolls back and re-reads."""
    now = utcnow()
    seq = next_value(f"room:{case_id}:{channel.value}")
    message_id = db.session.connection().execute(_INSERT_MESSAGE, {
        "case_id": case_id, "channel": channel, "seq": seq, "kind": MessageKind.TEXT, "sender_id": sender_id,
        "sender_role": sender_role, "client_msg_id": client_msg_id, "body": text, "created_at": now,
    }).scalar_one()
    # The text stays out of the audit chain: the chain is read by staff who must not read caucus
    # talk, and its rows can never be removed.
    record("room.message", actor=sender_id, case=case_id, channel=channel, seq=seq,
           message_id=message_id)
    return Stored(message_id, case_id, channel, seq, sender_id, sender_role, client_msg_id, text, now)


# Built once (building a statement costs more than running it here); run with Core parameters.
_INSERT_MESSAGE = insert(RoomMessage.__table__).returning(RoomMessage.__table__.c.id)


def _send_context_statement():
    party, assignment = Party.__table__, CaseAssignment.__table__
    cases, users, messages = Case.__table__, User.__table__, RoomMessage.__table__
    case_id, user_id = bindparam("case_id"), bindparam("user_id")

    def parties(side: Side, column):
        return (select(func.count()).where(party.c.case_id == case_id, party.c.side == side,
                                           column == user_id).scalar_subquery())

    return (
        select(
            users.c.active, users.c.name, cases.c.state, cases.c.version,
            parties(Side.APPLICANT, party.c.user_id),
            parties(Side.APPLICANT, party.c.representative_user_id),
            parties(Side.RESPONDENT, party.c.user_id),
            parties(Side.RESPONDENT, party.c.representative_user_id),
            select(func.count()).where(assignment.c.case_id == case_id, assignment.c.user_id == user_id,
                                       assignment.c.removed_at.is_(None)).scalar_subquery(),
            select(messages.c.id).where(messages.c.case_id == case_id, messages.c.sender_id == user_id,
                                        messages.c.client_msg_id == bindparam("client_msg_id"))
            .scalar_subquery(),
        )
        .select_from(users.outerjoin(cases, cases.c.id == case_id))
        .where(users.c.id == user_id)
    )


_SEND_CONTEXT = _send_context_statement()


def stored_payload(stored: Stored, sender_name: str) -> dict:
    """The client payload of a message just appended (the same shape as message_payload)."""
    return {
        "id": stored.id,
        "case_id": stored.case_id,
        "channel": stored.channel.value,
        "seq": stored.seq,
        "kind": MessageKind.TEXT.value,
        "sender": {"id": stored.sender_id, "name": sender_name, "role_in_case": stored.sender_role},
        "body": stored.body,
        "client_msg_id": stored.client_msg_id,
        "created_at": _timestamp(stored.created_at),
    }


def rights_stamp(case_id: int, user_id: int) -> tuple:
    """The rights stamp alone (see send_context)."""
    return send_context(case_id, user_id, "").stamp


class SendContext(NamedTuple):
    """What a `send` must know before it writes, read in one statement (rights_stamp)."""

    stamp: tuple  # every input of the policy's write decision for this user in this case
    active: bool | None  # the account (None: no such user)
    name: str | None  # the sender's current name
    state: CaseState | None  # the case's state (None: no such case)
    sent_id: int | None  # the message this sender already stored under this client_msg_id


def send_context(case_id: int, user_id: int, client_msg_id: str) -> SendContext:
    """One SELECT: the account, the case's state and version, the user's party rows (own and as
    representative, per side) and active mediator assignments in the case, and whether this
    client_msg_id was used already.

    The first five are the *rights stamp*: everything the policy's room write decision depends
    on (policy.case_roles for the roles that may write: the sides, representatives, mediators;
    the case state for is_final). A socket keeps the policy's decision together with the stamp it
    was made under and asks the policy again whenever the stamp differs (docs/realtime.md,
    "Rights on the send path"). tests/test_rooms_hotpath.py checks the write rules still name no
    other role; a rule that did would need its inputs here.
    """
    row = db.session.connection().execute(
        _SEND_CONTEXT, {"case_id": case_id, "user_id": user_id, "client_msg_id": client_msg_id}
    ).first()
    if row is None:
        return SendContext((), None, None, None, None)
    active, name, state, version, *roles, sent_id = row
    return SendContext((active, state, version, *roles), active, name, state, sent_id)


def same_message(existing: RoomMessage, channel: Channel, text: str) -> RoomMessage:
    if existing.channel != channel or existing.body != text:
        raise Conflict(
            _("This message id was already used for another message."), code="client_msg_id_reused"
        )
    return existing


def messages_since(case, channel, after_seq: int = 0, limit: int = HISTORY_LIMIT) -> list[RoomMessage]:
    """The channel's messages with a sequence number above `after_seq`, oldest first."""
    channel = parse_channel(channel)
    return list(
        db.session.execute(
            select(RoomMessage)
            .options(joinedload(RoomMessage.sender))
            .where(
                RoomMessage.case_id == case.id,
                RoomMessage.channel == channel,
                RoomMessage.seq > after_seq,
            )
            .order_by(RoomMessage.seq)
            .limit(max(1, min(limit, HISTORY_LIMIT)))
        ).scalars()
    )


def head_seq(case, channel) -> int:
    """The highest sequence number stored in the channel (0 when it is empty)."""
    channel = parse_channel(channel)
    return db.session.execute(
        select(func.coalesce(func.max(RoomMessage.seq), 0)).where(
            RoomMessage.case_id == case.id, RoomMessage.channel == channel
        )
    ).scalar_one()


def message_payload(message: RoomMessage, sender_name: str | None = None) -> dict:
    """A message as clients receive it (docs/realtime.md). `sender_name`: the sender's name when
    the caller has it already (the send path), so the sender is not loaded."""
    sender = None
    if message.sender_id is not None:
        if sender_name is None:
            # From the identity map (loaded with the message, or the sender of this request).
            sender_name = db.session.get(User, message.sender_id).name
        sender = {"id": message.sender_id, "name": sender_name, "role_in_case": message.sender_role}
    return {
        "id": message.id,
        "case_id": message.case_id,
        "channel": message.channel.value,
        "seq": message.seq,
        "kind": message.kind.value,
        "sender": sender,
        "body": message.body,
        "client_msg_id": message.client_msg_id,
        "created_at": _timestamp(message.created_at),
    }


def _timestamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def store_read_mark(case_id: int, channel: Channel, user_id: int, role: str | None, seq: int) -> int | None:
    """Move a reader's mark in a channel forward to `seq` (at most the channel's last seq).
    Returns the stored mark, or None when the stored one was already as far (nothing changed).
    One upsert that never moves a mark back, so two processes storing at once cannot either."""
    seq = min(seq, db.session.execute(
        select(func.coalesce(func.max(RoomMessage.seq), 0))
        .where(RoomMessage.case_id == case_id, RoomMessage.channel == channel)
    ).scalar_one())
    if seq <= 0:
        return None
    table = RoomReadMark.__table__
    insert_for = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert_for(table).values(case_id=case_id, channel=channel, user_id=user_id,
                                    role_in_case=role, seq=seq, updated_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.case_id, table.c.channel, table.c.user_id],
        set_={"seq": stmt.excluded.seq, "role_in_case": stmt.excluded.role_in_case,
              "updated_at": stmt.excluded.updated_at},
        where=table.c.seq < stmt.excluded.seq,
    ).returning(table.c.seq)
    return db.session.execute(stmt).scalar()


def read_marks(case_id: int, channel: Channel, *, besides: int | None = None) -> list[dict]:
    """The readers' marks in a channel (others than `besides`), as `read` events carry them."""
    rows = db.session.execute(
        select(RoomReadMark.user_id, User.name, RoomReadMark.role_in_case, RoomReadMark.seq)
        .join(User, User.id == RoomReadMark.user_id)
        .where(RoomReadMark.case_id == case_id, RoomReadMark.channel == channel,
               RoomReadMark.user_id != (besides or 0))
        .order_by(RoomReadMark.user_id)
    ).all()
    return [read_payload(case_id, channel, user_id, name, role, seq) for user_id, name, role, seq in rows]


def read_payload(case_id: int, channel: Channel, user_id: int, name: str, role: str | None, seq: int) -> dict:
    return {"case_id": case_id, "channel": channel.value,
            "user": {"id": user_id, "name": name, "role_in_case": role}, "seq": seq}


def post_system_message(case, body: str) -> RoomMessage:
    """A message from the service in the joint channel (a proposal made, a bidding round ended):
    sequenced like every message, so it is replayed to whoever reconnects. It is queued for
    broadcast to the joint channel once the caller commits (broadcast.py)."""
    from . import broadcast

    message = RoomMessage(
        case_id=case.id,
        channel=Channel.JOINT,
        seq=next_value(f"room:{case.id}:{Channel.JOINT.value}"),
        kind=MessageKind.SYSTEM,
        body=clean_body(body),
    )
    db.session.add(message)
    db.session.flush()
    record("room.message", case=case, channel=Channel.JOINT, seq=message.seq, message_id=message.id)
    broadcast.queue(case.id, "message", message_payload(message))
    return message
