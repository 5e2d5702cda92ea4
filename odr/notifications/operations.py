"""notify(): the one way the service tells somebody something.

A notification is written in the caller's transaction: a `Notification` row for a user's in-app
bell, an `OutboxMessage` row (status `queued`) per e-mail or SMS. Nothing leaves the service
until that transaction commits: an after-commit hook then calls deliver_pending() (inline, the
embedded default) or leaves the rows to a worker (OUTBOX_DELIVERY=deferred: the Celery task
or the in-process scheduler of odr/notifications/tasks.py, or `flask odr deliver-outbox` from
cron). A rolled-back transaction sends nothing. A failed send is retried with exponential
back-off (retry_delay). In-app messages are announced live to the user's open pages after the
commit (odr/notifications/realtime.py). A user's preferences switch e-mail or SMS off per group
of kinds, never for legally required notices (odr/notifications/preferences.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from markupsafe import Markup, escape
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from ..core.audit import record
from ..core.models import utcnow
from ..extensions import db
from .channels import backend_for
from .models import FAILED, QUEUED, SENDING, SENT, Notification, OutboxMessage
from .preferences import wanted_channels
from .realtime import announce_after_commit
from .texts import KINDS

log = logging.getLogger(__name__)
CHANNELS = ("in_app", "email", "sms")
_PENDING = "odr_outbox_pending"


@dataclass(frozen=True)
class Contact:
    """Somebody without an account (a respondent before they answer): a name and addresses."""

    name: str
    email: str | None = None
    phone: str | None = None
    locale: str | None = None
    id = None  # not a user: no in-app messages


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str
    sms: str


def locale_for(recipient, case=None) -> str:
    supported = current_app.config["LANGUAGES"]
    for choice in (getattr(recipient, "locale", None), getattr(case, "language", None)):
        if choice in supported:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def absolute(url: str | None) -> str:
    if not url or "://" in url:
        return url or ""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url


def render(kind: str, context: dict, locale: str) -> Rendered:
    """The texts of `kind` in `locale`. Dates in the context are written the locale's way."""
    texts = KINDS[kind]
    with force_locale(locale):
        values = {
            key: format_date(value, "long") if isinstance(value, date | datetime) else value
            for key, value in context.items()
        }
        values["url"] = absolute(values.get("url"))
        subject, body, sms = (str(t) % values for t in (texts.subject, texts.body, texts.sms))
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        html = render_template(
            "notifications/email.html", subject=subject, url=values["url"], lang=locale,
            paragraphs=[_linkify(p, values["url"]) for p in paragraphs],
        )
    return Rendered(subject, body, html, sms)


def _linkify(paragraph: str, url: str) -> Markup:
    text = escape(paragraph).replace("\n", Markup("<br>"))
    if url and paragraph.strip() == url:
        return Markup('<a href="{0}">{0}</a>').format(url)
    return text


def notify(recipient, kind: str, context: dict, *, case=None, channels=None, attachments=None) -> list:
    """Tell `recipient` (a User or a Contact) about `kind`, on every channel they can be reached
    by (or only `channels`). Returns the rows written; flushes, audits, never commits.

    `attachments`: text files for the e-mail, [{"filename", "content_type", "text"}]."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    # E-mail and SMS the recipient switched off are left out (never a legally required notice).
    wanted = wanted_channels(recipient, kind, tuple(channels or CHANNELS))
    locale = locale_for(recipient, case)
    context = {"name": recipient.name, **context}
    if case is not None:
        context.setdefault("reference", case.reference)
        context.setdefault("title", case.title)
    text = render(kind, context, locale)
    case_id = getattr(case, "id", None)
    rows: list = []
    if "in_app" in wanted and recipient.id is not None:
        rows.append(Notification(user_id=recipient.id, case_id=case_id, kind=kind,
                                 subject=text.subject[:200], body=text.body,
                                 url=context.get("url")))
    if "email" in wanted and recipient.email:
        rows.append(OutboxMessage(channel="email", kind=kind, to=recipient.email, locale=locale,
                                  subject=text.subject[:200], body=text.body, body_html=text.html,
                                  attachments=list(attachments) if attachments else None,
                                  case_id=case_id, status=QUEUED))
    if "sms" in wanted and recipient.phone:
        rows.append(OutboxMessage(channel="sms", kind=kind, to=recipient.phone, locale=locale,
                                  subject="", body=text.sms, case_id=case_id, status=QUEUED))
    if not rows:
        return rows
    db.session.add_all(rows)
    db.session.flush()
    if any(isinstance(row, OutboxMessage) for row in rows):
        db.session.info[_PENDING] = True
    announce_after_commit([row for row in rows if isinstance(row, Notification)])  # the live bell
    record("notification.queued", case=case_id, kind=kind, user_id=recipient.id, locale=locale,
           channels=sorted({"in_app" if isinstance(r, Notification) else r.channel for r in rows}),
           outbox_ids=[r.id for r in rows if isinstance(r, OutboxMessage)])
    return rows


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


# --- delivery -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """How long a message that failed `attempts` times waits: OUTBOX_RETRY_SECONDS doubled for
    each further failure (60 s, 2 min, 4 min, ...), at most OUTBOX_RETRY_MAX_SECONDS."""
    config = current_app.config
    base = float(config.get("OUTBOX_RETRY_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), float(config.get("OUTBOX_RETRY_MAX_SECONDS", 3600))))


def deliver_pending(limit: int = 200, now=None) -> dict:
    """Send queued e-mail/SMS that are due, each in its own short transaction on a separate session.

    A row is claimed (queued -> sending, attempts + 1) before it is sent, so two workers never
    send the same message. A failure puts it back in the queue with `next_attempt_at` set by
    retry_delay (exponential back-off) until OUTBOX_MAX_ATTEMPTS, then marks it failed;
    last_error says why. Background jobs (Celery beat, the in-process scheduler, `flask odr
    deliver-outbox`) pick the retries up when they are due.
    """
    counts = {SENT: 0, FAILED: 0, QUEUED: 0}
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    now = now or utcnow()
    with Session(db.engine) as session:
        ids = session.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.status == QUEUED,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
            .order_by(OutboxMessage.id).limit(limit)
        ).scalars().all()
        for message_id in ids:
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == QUEUED)
                .values(status=SENDING, attempts=OutboxMessage.attempts + 1)
            ).rowcount
            session.commit()
            if claimed != 1:
                continue
            message = session.get(OutboxMessage, message_id)
            try:
                backend_for(message.channel).send(message)
            except Exception as error:  # noqa: BLE001 - any failure of a back-end is logged on the row
                log.warning("outbox %s: %s failed: %s", message.id, message.channel, error)
                message.status = FAILED if message.attempts >= max_attempts else QUEUED
                message.next_attempt_at = now + retry_delay(message.attempts) if message.status == QUEUED else None
                message.last_error = f"{type(error).__name__}: {error}"[:500]
            else:
                message.status = SENT
                message.sent_at = utcnow()
                message.next_attempt_at = None
                message.last_error = None
            counts[message.status] += 1
            session.commit()
    return counts


def schedule_delivery() -> None:
    """The seam: inline now, or left for a worker (OUTBOX_DELIVERY=deferred: Celery beat's
    delivery job, the in-process scheduler, or `flask odr deliver-outbox` from cron)."""
    if current_app.config.get("OUTBOX_DELIVERY", "inline") == "inline":
        try:
            deliver_pending()
        except Exception:  # delivery must never break the request that already committed
            log.exception("delivering the outbox failed; the messages stay queued")


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session) -> None:
    if session.info.pop(_PENDING, False):
        schedule_delivery()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(_PENDING, None)
