"""Business rules of the mediation rooms. The socket handlers (events.py) stay thin and call these.

Who may read or write a channel is the policy's answer (core/policy.py, `room.*` actions); when a
channel may be written is decided here: only while the case is in mediation. Operations flush and
audit, they never commit; the caller commits once and only then broadcasts.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core.audit import record
from ..core.enums import CaseState, Role
from ..core.errors import Conflict, NotAllowed, OperationError, ValidationFailed
from ..core.models import next_value
from ..core.policy import can
from ..extensions import db
from .models import MAX_BODY_CHARS, Channel, MessageKind, RoomMessage

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


def ensure_writable(case, channel: Channel) -> None:
    if case.state not in WRITABLE_STATES:
        raise Conflict(
            _("The mediation room is open for messages only while the case is in mediation."),
            code="room_closed",
        )


def post_message(case, channel, sender, body, client_msg_id) -> tuple[RoomMessage, bool]:
    """Store a message; returns (message, created).

    Idempotent on (case, sender, client_msg_id): a resend returns the stored message with
    created=False, even when two resends race in two processes (the unique constraint decides,
    the loser re-reads the winner's row). The sequence number comes from a counter row whose
    update serialises writers of the channel; taken inside a savepoint, a failed insert gives its
    number back, so the sequence has no gaps.
    """
    channel = parse_channel(channel)
    client_msg_id = check_client_msg_id(client_msg_id)
    text = clean_body(body)
    existing = find_sent(case, sender, client_msg_id)
    if existing is not None:
        return _same_message(existing, channel, text), False
    ensure_writable(case, channel)
    if not can(sender, write_action(channel), case):
        raise NotAllowed(_("You may not write in this channel."))
    try:
        with db.session.begin_nested():
            message = RoomMessage(
                case_id=case.id,
                channel=channel,
                seq=next_value(f"room:{case.id}:{channel.value}"),
                kind=MessageKind.TEXT,
                sender_id=sender.id,
                sender=sender,
                sender_role=role_in_case(sender, case),
                client_msg_id=client_msg_id,
                body=text,
            )
            db.session.add(message)
            db.session.flush()
            # The text stays out of the audit chain: the chain is read by staff who must not
            # read caucus talk, and its rows can never be removed.
            record("room.message", actor=sender, case=case, channel=channel, seq=message.seq,
                   message_id=message.id)
    except IntegrityError:
        existing = find_sent(case, sender, client_msg_id)
        if existing is None:
            raise
        return _same_message(existing, channel, text), False
    return message, True


def _same_message(existing: RoomMessage, channel: Channel, text: str) -> RoomMessage:
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


def message_payload(message: RoomMessage) -> dict:
    """A message as clients receive it (docs/realtime.md)."""
    # From the identity map (loaded with the message, or the sender of this request): no query.
    sender = db.session.get(User, message.sender_id) if message.sender_id is not None else None
    return {
        "id": message.id,
        "case_id": message.case_id,
        "channel": message.channel.value,
        "seq": message.seq,
        "kind": message.kind.value,
        "sender": None if sender is None else {
            "id": sender.id, "name": sender.name, "role_in_case": message.sender_role,
        },
        "body": message.body,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }


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
