"""/notifications (a user's in-app messages) and /outbox (the delivery log, admins and clerks)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..core.errors import NotFound
from ..core.policy import authorize, can
from ..extensions import db
from . import operations, preferences, realtime, tasks
from .models import FAILED, QUEUED, SENDING, SENT, Notification, OutboxMessage

bp = Blueprint("notifications", __name__)
PAGE = 50
OUTBOX_STATUSES = (QUEUED, SENDING, SENT, FAILED)


@bp.record_once
def _set_up(state) -> None:
    realtime.init_app(state.app)  # the /notifications Socket.IO namespace (the live bell)


@bp.before_app_request
def _start_scheduler() -> None:
    """With JOBS_SCHEDULER=thread the periodic jobs start with the first request (any server);
    `python wsgi.py` starts them itself (tasks.start_scheduler)."""
    if "odr_scheduler" not in current_app.extensions and current_app.config.get("JOBS_SCHEDULER") == "thread":
        tasks.start_scheduler(current_app._get_current_object())


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
    else:
        channel = None
    status = request.args.get("status")
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    else:
        status = None
    kind = (request.args.get("kind") or "").strip()[:40] or None
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    case_ref = (request.args.get("case") or "").strip()[:20] or None
    if case_ref:
        from ..cases.models import Case

        query = query.where(OutboxMessage.case_id.in_(select(Case.id).where(Case.reference == case_ref)))
    items = db.session.execute(query.offset((page - 1) * PAGE).limit(PAGE + 1)).scalars().all()
    filters = {k: v for k, v in {"channel": channel, "status": status, "kind": kind, "case": case_ref}.items() if v}
    return render_template("notifications/outbox.html", items=items[:PAGE], page=page,
                           more=len(items) > PAGE, channel=channel, status=status, kind=kind, case_ref=case_ref,
                           filters=filters, statuses=OUTBOX_STATUSES,
                           kinds=sorted(db.session.execute(select(OutboxMessage.kind).distinct()).scalars()))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences_page():
    """Which e-mails and text messages the user wants, per group of kinds (in-app is always on)."""
    authorize(current_user, "notifications.preferences")
    if request.method == "POST":
        enabled = {(group, channel) for group in preferences.GROUPS for channel in preferences.OPTIONAL_CHANNELS
                   if request.form.get(f"{group}:{channel}") == "on"}
        preferences.save(current_user, enabled)
        db.session.commit()
        flash(_("Your notification settings were saved."), "success")
        return redirect(url_for("notifications.preferences_page"), code=303)
    off = preferences.opted_out(current_user.id)
    db.session.rollback()
    return render_template("notifications/preferences.html", groups=preferences.GROUPS, off=off,
                           channels=preferences.OPTIONAL_CHANNELS,
                           has={"email": bool(current_user.email), "sms": bool(getattr(current_user, "phone", None))})
