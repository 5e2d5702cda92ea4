"""/notifications (a user's in-app messages) and /outbox (the delivery log, admins and clerks)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..core.errors import NotFound
from ..core.policy import authorize, can
from ..extensions import db
from . import operations
from .models import Notification, OutboxMessage

bp = Blueprint("notifications", __name__)
PAGE = 50


@bp.app_template_global()
def unread_notifications() -> int:
    """The number on the bell in the header."""
    if not current_user.is_authenticated:
        return 0
    return db.session.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    ).scalar_one()


@bp.app_template_global()
def may_view_outbox() -> bool:
    return can(current_user, "outbox.view")


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/notifications")
@login_required
def index():
    page = _page()
    items = db.session.execute(
        select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)
    ).scalars().all()
    return render_template("notifications/index.html", items=items[:PAGE], page=page,
                           more=len(items) > PAGE)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != current_user.id:
        raise NotFound()  # somebody else's message does not exist for you
    operations.mark_read(item)
    db.session.commit()
    return redirect(item.url or url_for("notifications.index"), code=303)


@bp.post("/notifications/read")
@login_required
def read_all():
    operations.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"), code=303)


@bp.get("/outbox")
@login_required
def outbox():
    authorize(current_user, "outbox.view")
    page = _page()
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    channel = request.args.get("channel")
    if channel in ("email", "sms"):
        query = query.where(OutboxMessage.channel == channel)
    items = db.session.execute(query.offset((page - 1) * PAGE).limit(PAGE + 1)).scalars().all()
    return render_template("notifications/outbox.html", items=items[:PAGE], page=page,
                           more=len(items) > PAGE, channel=channel)
