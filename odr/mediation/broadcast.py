"""Room events that operations produce, sent only after the transaction that made them commits.

An operation calls `queue(case_id, event, payload)` after its flush; the payload is final then.
When the session commits, every queued event is emitted to the case's joint channel (through the
message queue when there is one, so every process delivers it); when it rolls back, they are
dropped. So nothing is announced that was not stored, whether the change came through a socket
event or the JSON API.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "odr_room_broadcasts"


def queue(case_id: int, name: str, payload: dict) -> None:
    from ..extensions import db

    db.session().info.setdefault(_KEY, []).append((case_id, name, payload))


def call_after_commit(fn) -> None:
    """Run `fn()` once the current transaction has committed (dropped on rollback)."""
    queue(0, fn, {})


def _emit_after_commit(session) -> None:
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    for _case, name, _payload in pending:
        if callable(name):
            name()
    pending = [item for item in pending if not callable(item[1])]
    from ..extensions import socketio
    from .events import NAMESPACE
    from .models import Channel
    from .operations import room_name

    if getattr(socketio, "server", None) is None:
        return
    for case_id, name, payload in pending:
        socketio.emit(name, payload, to=room_name(case_id, Channel.JOINT), namespace=NAMESPACE)


def _forget(session, *args) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    if not event.contains(Session, "after_commit", _emit_after_commit):
        event.listen(Session, "after_commit", _emit_after_commit)
        event.listen(Session, "after_rollback", _forget)
