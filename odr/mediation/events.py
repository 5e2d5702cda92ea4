"""Socket.IO namespace /mediation: the mediation rooms. The contract is docs/realtime.md.

Handlers stay thin: who is connected -> parse -> ask the policy -> call an operation -> commit ->
only then emit. Every answer to a client request is an acknowledgement, either
{"ok": true, ...} or {"ok": false, "error": {"code", "message"}} in the user's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, partial, wraps

from babel import Locale
from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_socketio import (
    ConnectionRefusedError,
    Namespace,
    emit,
    join_room,
    leave_room,
)
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..cases.models import Case
from ..core.audit import record
from ..core.errors import NotFound, OperationError, ValidationFailed
from ..core.policy import authorize, can
from ..extensions import db, socketio
from . import broadcast, sessions
from . import operations as ops
from .access import authenticated_user, locale_for, origin_allowed
from .realtime import Connection, Decided, Joined, ReadMarks, Registry, TokenBucket

NAMESPACE = "/mediation"


@dataclass
class RoomState:
    """The per-process state of the rooms (see realtime.py)."""

    registry: Registry
    send_limit: TokenBucket
    read_marks: ReadMarks

    def reset(self) -> None:
        self.registry.clear()
        self.send_limit.clear()
        self.read_marks.clear()
        sessions.GATE.clear()


def init_app(app) -> None:
    """Register the namespace on the app's Socket.IO server (called by create_app)."""
    app.extensions["odr_rooms"] = RoomState(
        Registry(),
        TokenBucket(int(app.config.get("ROOM_RATE_LIMIT_MESSAGES", 10)),
                    float(app.config.get("ROOM_RATE_LIMIT_SECONDS", 5))),
        ReadMarks(float(app.config.get("ROOM_READ_MARK_SECONDS", 2))),
    )
    socketio.on_namespace(MediationNamespace(NAMESPACE))
    broadcast.install()  # proposals, bids, agreement: announced once their transaction commits


def _state() -> RoomState:
    return current_app.extensions["odr_rooms"]


def _error(code: str, message: str, **extra) -> dict:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def _default_message(code: str) -> str:
    return {
        "not_found": _("Not found."),
        "forbidden": _("You are not allowed to do this."),
    }.get(code, _("The request could not be understood."))


def _refuse(code: str, message: str):
    current_app.logger.warning("mediation socket refused: %s (%s)", code, request.remote_addr)
    raise ConnectionRefusedError(message, {"code": code, "message": message})


def _positive_int(value, name: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationFailed(_("The field %(name)s must be a whole number.", name=name),
                               code="invalid_request")
    return value


def _load_case(user, data: dict, action: str) -> Case:
    """The case named in the request, if the policy lets `user` do `action` on it.

    A refusal is audited (access.denied); an unknown case and a case the user has nothing to do
    with give the same answer, not_found."""
    case_id = _positive_int(data.get("case_id"), "case_id")
    case = db.session.get(Case, case_id) if case_id else None
    if case is None:
        db.session.rollback()
        record("access.denied", actor=user, attempted=action, target=f"Case:{case_id}")
        db.session.commit()
        raise NotFound()
    authorize(user, action, case)
    return case


def _hang_up(sid: str) -> None:
    socketio.sleep(0.1)
    socketio.server.disconnect(sid, namespace=NAMESPACE)


@cache
def _babel_locale(tag: str) -> Locale:
    """Parsed once per language: Babel's parse reads its locale directory each time (~1 ms)."""
    return Locale.parse(tag)


class AccountGone(Exception):
    """The connection's account no longer exists or was deactivated."""


def _handler(fn=None, *, load_user: bool = True):
    """Run an event for a connected user, in their language, turning errors into error acks.

    With load_user=False the handler gets user=None and checks the account itself (the send
    path reads it in its one statement), raising AccountGone."""
    if fn is None:
        return partial(_handler, load_user=load_user)

    @wraps(fn)
    def wrapper(self, data=None, *, sid=None):
        sid = sid or request.sid  # given on the lean path (no request context, see trigger_event)
        connection = _state().registry.get(sid)
        if connection is None:
            return _error("unauthorized", _("Please sign in first."))
        with force_locale(_babel_locale(connection.locale)):
            try:
                user = None
                if load_user:
                    user = db.session.get(User, connection.user_id)
                    if user is None or not user.is_active:
                        raise AccountGone()
                return fn(self, user, connection, data if isinstance(data, dict) else {})
            except AccountGone:
                db.session.rollback()
                # Answer first, then hang up (a disconnect now would swallow the answer).
                socketio.start_background_task(_hang_up, sid)
                return _error("unauthorized", _("Please sign in first."))
            except OperationError as exc:
                db.session.rollback()
                message = exc.message if exc.message != exc.code else _default_message(exc.code)
                extra = {"retry_after": exc.retry_after} if isinstance(exc, ops.RateLimited) else {}
                extra.update(exc.extra)
                if exc.fields:
                    extra["fields"] = exc.fields
                return _error(exc.code, message, **extra)
            except Exception:
                db.session.rollback()
                current_app.logger.exception("mediation room: %s failed", fn.__name__)
                return _error("server_error", _("Something went wrong on our side. Nothing was saved."))

    return wrapper


def _decide(user, connection, case_id: int, channel, stamp: tuple) -> tuple[Decided, Case]:
    """Ask the policy about one channel: may follow it (a refusal is audited and raised), may
    write in it, as whom. Kept for the socket with the rights stamp read *before* asking, so a
    change that lands meanwhile makes the next send ask again."""
    user = user or db.session.get(User, connection.user_id)
    case = _load_case(user, {"case_id": case_id}, ops.read_action(channel))
    decided = Decided(stamp, can(user, ops.write_action(channel), case), ops.role_in_case(user, case))
    connection.decided[ops.room_name(case_id, channel)] = decided
    return decided, case


def _store_read(key: tuple, role: str | None, name: str) -> None:
    """Store the reader's newest mark and tell the channel (every process, through the queue)."""
    case_id, channel, user_id = key
    seq = _state().read_marks.take(key)
    if seq is None:
        return
    stored = ops.store_read_mark(case_id, channel, user_id, role, seq)
    db.session.commit()
    if stored is not None:
        socketio.emit("read", ops.read_payload(case_id, channel, user_id, name, role, stored),
                      to=ops.room_name(case_id, channel), namespace=NAMESPACE)


def _store_read_later(app, wait: float, key: tuple, role: str | None, name: str) -> None:
    socketio.sleep(wait)
    with app.app_context():
        try:
            _store_read(key, role, name)
        except Exception:
            db.session.rollback()
            app.logger.exception("mediation room: storing a read mark failed")


def _history(case, channel, after_seq: int, limit: int = ops.HISTORY_LIMIT) -> dict:
    messages = ops.messages_since(case, channel, after_seq, limit)
    head = ops.head_seq(case, channel)
    return {
        "ok": True,
        "case_id": case.id,
        "channel": channel.value,
        "messages": [ops.message_payload(m) for m in messages],
        "last_seq": head,
        "more": bool(messages) and messages[-1].seq < head,
    }


def _announce(room: str, case_id: int, channel: str, skip_sid=None) -> None:
    payload = {"case_id": case_id, "channel": channel, "users": _state().registry.present(room)}
    emit("presence", payload, to=room, namespace=NAMESPACE, skip_sid=skip_sid)


# Events run in an app context only, without Flask's request context: building one (a Request
# object, URL matching, the cookie session opened) and tearing it down took 2.4 ms here against
# 0.6 ms for an app context, as much as the rest of a message. Their handlers use the
# connection's sid, never `request`.
LEAN_EVENTS = frozenset({"send"})


class MediationNamespace(Namespace):
    def trigger_event(self, event, *args):
        # "proposal:create" is handled by on_proposal_create (settlement_events.py adds those).
        name = (event or "").replace(":", "_")
        if name in LEAN_EVENTS:
            sid, *data = args
            environ = self.socketio.server.get_environ(sid, namespace=self.namespace)
            if not environ:
                return None
            with environ["flask.app"].app_context():
                return getattr(self, "on_" + name)(*data[:1], sid=sid)
        return super().trigger_event(name, *args)

    def on_connect(self, auth=None):
        with force_locale(locale_for(None)):
            origin = request.headers.get("Origin")
            if origin and not origin_allowed(origin):
                _refuse("bad_origin", _("This page may not connect to the mediation rooms."))
            user = authenticated_user(auth)
            if user is None or not user.is_active:
                _refuse("unauthorized", _("Please sign in first."))
        _state().registry.add(request.sid, Connection(user.id, user.name, locale_for(user), request.sid))
        db.session.rollback()  # nothing to keep: end the read transaction

    def on_disconnect(self, reason=None):
        connection = _state().registry.remove(request.sid)
        if connection is None:
            return
        for room in connection.rooms:
            _, case_id, channel = room.split(":", 2)
            _announce(room, int(case_id), channel, skip_sid=request.sid)

    @_handler
    def on_join(self, user, connection, data):
        """Follow a channel: authorised by the policy, then the messages after `last_seq`."""
        channel = ops.parse_channel(data.get("channel"))
        case_id = _positive_int(data.get("case_id"), "case_id")
        stamp = ops.rights_stamp(case_id, user.id)
        decided, case = _decide(user, connection, case_id, channel, stamp)
        after = _positive_int(data.get("last_seq", 0), "last_seq")
        room = ops.room_name(case.id, channel)
        # Enter the room before reading: a message committed meanwhile arrives live, in the
        # reply, or both (the client drops the second copy by its seq), never in neither.
        join_room(room)
        connection.rooms[room] = Joined(decided.role_in_case, decided.may_write)
        reply = _history(case, channel, after)
        reply["read_marks"] = ops.read_marks(case.id, channel, besides=user.id)
        db.session.rollback()
        _announce(room, case.id, channel.value)
        return reply

    @_handler
    def on_history(self, user, connection, data):
        """Messages after `after_seq` (for a reply with more=true, or to fill a gap)."""
        channel = ops.parse_channel(data.get("channel"))
        case = _load_case(user, data, ops.read_action(channel))
        after = _positive_int(data.get("after_seq", 0), "after_seq")
        limit = _positive_int(data.get("limit", ops.HISTORY_LIMIT), "limit")
        reply = _history(case, channel, after, limit)
        db.session.rollback()
        return reply

    @_handler
    def on_leave(self, user, connection, data):
        channel = ops.parse_channel(data.get("channel"))
        case_id = _positive_int(data.get("case_id"), "case_id")
        room = ops.room_name(case_id, channel)
        if connection.rooms.pop(room, None) is not None:
            leave_room(room)
            _announce(room, case_id, channel.value)
        return {"ok": True}

    @_handler(load_user=False)
    def on_send(self, _user, connection, data):
        """Store and commit, then broadcast to the others in the channel; the sender gets the
        stored message in the ack. A resend (same client_msg_id) is answered, not broadcast.

        The hot path (docs/realtime.md, "Rights on the send path"): one SELECT for the account,
        the rights stamp and the client_msg_id; the policy is asked only when the stamp differs
        from the one its last answer for this socket and channel was given under; then the
        sequence number, the insert, the audit entry, one commit."""
        channel = ops.parse_channel(data.get("channel"))
        case_id = _positive_int(data.get("case_id"), "case_id")
        client_msg_id = ops.check_client_msg_id(data.get("client_msg_id"))
        body = ops.clean_body(data.get("body"))
        context = ops.send_context(case_id, connection.user_id, client_msg_id)
        if not context.active:
            raise AccountGone()
        decided = connection.decided.get(ops.room_name(case_id, channel))
        if decided is None or decided.stamp != context.stamp:
            decided, _case = _decide(None, connection, case_id, channel, context.stamp)
        if context.sent_id is not None:
            return self._resent(context.sent_id, channel, body, context.name)
        # A closed room says so to everyone who can read it; then who may write in it.
        ops.ensure_open(context.state)
        if not decided.may_write:
            user = db.session.get(User, connection.user_id)
            authorize(user, ops.write_action(channel), db.session.get(Case, case_id))  # audited
        sessions.refuse_if_waiting(case_id, channel, decided.role_in_case)  # the waiting room (cached)
        limits = _state().send_limit
        wait = limits.take(connection.user_id)
        if wait:
            raise ops.RateLimited(
                _("You are sending messages too fast. Wait %(s)d s and send again.", s=math.ceil(wait)),
                retry_after=round(wait, 2))
        try:
            stored = ops.append_message(case_id, channel, connection.user_id, decided.role_in_case,
                                        body, client_msg_id)
            db.session.commit()
        except IntegrityError:
            # Lost a race to its own resend (another process stored it first): nothing new.
            db.session.rollback()
            limits.give_back(connection.user_id)
            sent_id = ops.send_context(case_id, connection.user_id, client_msg_id).sent_id
            if sent_id is None:
                raise
            return self._resent(sent_id, channel, body, context.name)
        except Exception:
            limits.give_back(connection.user_id)
            raise
        payload = ops.stored_payload(stored, context.name)
        socketio.emit("message", payload, to=ops.room_name(case_id, channel), skip_sid=connection.sid,
                      namespace=NAMESPACE)
        return {"ok": True, "message": payload, "duplicate": False}

    @staticmethod
    def _resent(message_id: int, channel, body: str, sender_name: str) -> dict:
        message = ops.same_message(ops.stored_message(message_id), channel, body)
        payload = ops.message_payload(message, sender_name)
        db.session.rollback()
        return {"ok": True, "message": payload, "duplicate": True}

    @_handler
    def on_read(self, user, connection, data):
        """The reader has read the channel up to `seq`: stored and announced to the channel as
        `read`, at most every ROOM_READ_MARK_SECONDS per reader and channel (ReadMarks)."""
        channel = ops.parse_channel(data.get("channel"))
        case_id = _positive_int(data.get("case_id"), "case_id")
        seq = _positive_int(data.get("seq"), "seq")
        joined = connection.rooms.get(ops.room_name(case_id, channel))
        if joined is None:
            return _error("not_joined", _("Join this channel first."))
        db.session.rollback()  # end the read transaction before a store (now or later)
        marks = _state().read_marks
        key = (case_id, channel, user.id)
        wait = marks.report(key, seq)
        reader = (key, joined.role_in_case, connection.name)
        if wait == 0:
            _store_read(*reader)
        elif wait is not None:
            socketio.start_background_task(_store_read_later, current_app._get_current_object(),
                                           wait, *reader)
        return {"ok": True, "seq": marks.reported(key)}

    @_handler
    def on_typing(self, user, connection, data):
        """Tell the others in a channel this user is writing (not stored)."""
        channel = ops.parse_channel(data.get("channel"))
        case_id = _positive_int(data.get("case_id"), "case_id")
        room = ops.room_name(case_id, channel)
        joined = connection.rooms.get(room)
        if joined is None or not joined.may_write:
            return _error("not_joined", _("Join this channel before writing in it."))
        emit("typing", {"case_id": case_id, "channel": channel.value,
                        "user": {"id": user.id, "name": user.name}},
             to=room, skip_sid=request.sid)
        return {"ok": True}


from . import session_events  # noqa: E402, F401, I001  (session:list, session:open, session:close)
from . import settlement_events  # noqa: E402, F401  (proposals, bids, agreement: on_<event>)
