"""Socket.IO namespace /notifications: the bell in the header, updated live (docs/realtime.md).

A signed-in user's page connects (the login session, or an API token in the auth data); the
connection joins the user's personal room `user:<id>` and is told the unread count
(`notification:unread`). notify() queues a `notification:new` event for each in-app message it
writes; the event is emitted only after the transaction commits (nothing is announced that
was not stored), through the Redis message queue when there is one, so a user's tabs on any
server process all hear it. Clients only listen: the namespace has no requests besides `unread`.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room
from sqlalchemy import func, select

from ..extensions import db, socketio

NAMESPACE = "/notifications"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def unread_count(user_id: int) -> int:
    from .models import Notification

    return db.session.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


class NotificationsNamespace(Namespace):
    def on_connect(self, auth=None):
        from ..mediation.access import authenticated_user, locale_for, origin_allowed

        with force_locale(locale_for(None)):
            origin = request.headers.get("Origin")
            if origin and not origin_allowed(origin):
                raise ConnectionRefusedError(_("This page may not connect."), {"code": "bad_origin"})
            user = authenticated_user(auth)
            if user is None or not user.is_active:
                raise ConnectionRefusedError(_("Please sign in first."), {"code": "unauthorized"})
        join_room(user_room(user.id))
        count = unread_count(user.id)
        db.session.rollback()  # nothing to keep: end the read transaction
        emit("notification:unread", {"unread": count})

    def on_unread(self, data=None):
        """Ask again for the count (after marking messages read in another tab)."""
        from ..mediation.access import authenticated_user

        user = authenticated_user(data if isinstance(data, dict) else None)
        if user is None:
            return {"ok": False, "error": {"code": "unauthorized"}}
        count = unread_count(user.id)
        db.session.rollback()
        return {"ok": True, "unread": count}


def init_app(app) -> None:
    socketio.on_namespace(NotificationsNamespace(NAMESPACE))


def announce_after_commit(rows) -> None:
    """Queue `notification:new` for each in-app row; sent once the transaction commits."""
    from ..mediation.broadcast import call_after_commit

    payloads = [(row.user_id, {"id": row.id, "kind": row.kind, "subject": row.subject, "url": row.url or "",
                               "case_id": row.case_id}) for row in rows]
    if not payloads:
        return
    app = current_app._get_current_object()

    def send():
        if getattr(socketio, "server", None) is None:
            return
        try:
            for user_id, payload in payloads:
                socketio.emit("notification:new", payload, to=user_room(user_id), namespace=NAMESPACE)
        except Exception:  # noqa: BLE001 - a live update must never break what committed
            app.logger.exception("announcing notifications failed")

    call_after_commit(send)
