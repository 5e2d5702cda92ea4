"""notify(): the recipient's language, the channels, delivery after commit, SMTP, the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.core.enums import CaseState
from odr.extensions import db
from odr.notifications.models import Notification, OutboxMessage
from odr.notifications.operations import Contact, deliver_pending, notify

from .factories import make_user
from .foundation_support import build_case, last_event
from .notification_support import SmtpSink, free_port, outbox

NO_CASE = {"url": "/x", "reference": "ODR-X", "title": "T"}


@pytest.fixture()
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    try:
        yield sink
    finally:
        controller.stop()


def _case(world):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    return case


def test_notify_writes_in_the_recipients_language(world):
    case = _case(world)  # case language: zh_CN
    english = make_user("applicant", name="Ann", locale="en", phone="13911112222")
    notify(english, "respondent_declined", {"url": "/cases/1", "reason": "too far"}, case=case)
    notify(Contact(name="李四", email="li@example.test"), "respondent_declined",
           {"url": "/cases/1", "reason": "太远"}, case=case)
    db.session.commit()

    in_app = db.session.execute(select(Notification).where(Notification.user_id == english.id)).scalar_one()
    assert in_app.subject == f"The other party declined mediation (case {case.reference})"
    assert "Dear Ann" in in_app.body and "too far" in in_app.body and in_app.read_at is None
    en_mail, zh_mail = outbox(channel="email")
    assert (en_mail.to, en_mail.locale, en_mail.status) == (english.email, "en", "sent")
    assert en_mail.subject == in_app.subject
    assert "http://127.0.0.1:5000/cases/1" in en_mail.body  # links are absolute
    assert '<a href="http://127.0.0.1:5000/cases/1">' in en_mail.body_html
    assert (zh_mail.to, zh_mail.locale) == ("li@example.test", "zh_CN")
    assert "调解" in zh_mail.subject and case.reference in zh_mail.subject
    assert "李四" in zh_mail.body and "太远" in zh_mail.body
    [sms] = outbox(channel="sms")
    assert (sms.to, sms.locale, sms.subject) == ("13911112222", "en", "")
    assert sms.body.startswith("[ODR]") and len(sms.body) < 200
    event = last_event("notification.queued", case.id)
    assert event.payload["channels"] == ["email"] and event.payload["locale"] == "zh_CN"
    assert event.payload["user_id"] is None  # a bare contact: no account, no in-app message


def test_nothing_is_sent_before_the_commit_or_after_a_rollback(world, smtp):
    case = _case(world)
    notify(Contact(name="李四", email="li@example.test"), "consent_expired", {"url": "/x"}, case=case)
    [queued] = outbox()
    assert queued.status == "queued" and smtp.envelopes == []
    db.session.rollback()
    assert outbox() == [] and smtp.envelopes == []

    notify(Contact(name="李四", email="li@example.test"), "consent_expired", {"url": "/x"}, case=case)
    assert smtp.envelopes == []
    db.session.commit()
    assert len(smtp.envelopes) == 1
    [sent] = outbox()
    db.session.refresh(sent)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None


def test_smtp_sends_text_and_html_to_the_recipient(world, smtp):
    case = _case(world)
    user = make_user("applicant", name="Ann", locale="en")
    notify(user, "respondent_consented", {"url": f"/cases/{case.id}"}, case=case, channels=["email"])
    db.session.commit()
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [user.email]
    from email import message_from_bytes, policy

    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == f"The other party agreed to mediation (case {case.reference})"
    assert mail["To"] == user.email and "odr@localhost" in mail["From"]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Dear Ann" in text and "Dear Ann" in html and "<p>" in html and "<p>" not in text
    assert f"/cases/{case.id}" in html


def test_a_failed_delivery_is_logged_and_retried(world, app, monkeypatch):
    case = _case(world)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    notify(Contact(name="X", email="x@example.test"), "consent_expired", {"url": "/x"}, case=case)
    db.session.commit()  # the first attempt, inline: refused, queued again
    [message] = outbox()
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert deliver_pending() == {"sent": 0, "failed": 0, "queued": 0}  # not due again yet (back-off)
    assert deliver_pending(now=message.next_attempt_at) == {"sent": 0, "failed": 1, "queued": 0}
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 2)


def test_deferred_delivery_waits_for_the_worker(world, app, monkeypatch, runner):
    case = _case(world)
    monkeypatch.setitem(app.config, "OUTBOX_DELIVERY", "deferred")
    notify(Contact(name="X", phone="13800000009"), "consent_expired", {"url": "/x"}, case=case)
    db.session.commit()
    [message] = outbox()
    assert message.status == "queued"
    result = runner.invoke(args=["odr", "deliver-outbox"])
    assert "Sent: 1" in result.output
    db.session.refresh(message)
    assert message.status == "sent"


def test_bell_and_notifications_page(world, login):
    case = _case(world)
    notify(world.applicant, "consent_expired", {"url": f"/cases/{case.id}"}, case=case, channels=["in_app"])
    notify(world.stranger, "consent_expired", {"url": "/secret", "reference": "ODR-X", "title": "T"},
           channels=["in_app"])
    db.session.commit()
    client = login(world.applicant)
    page = client.get("/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert case.reference in html and "bell__count" in html and "/secret" not in html
    mine = db.session.execute(select(Notification).where(Notification.user_id == world.applicant.id)).scalar_one()
    theirs = db.session.execute(select(Notification).where(Notification.user_id == world.stranger.id)).scalar_one()
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    opened = client.post(f"/notifications/{mine.id}/open")
    assert opened.status_code == 303 and opened.location.endswith(f"/cases/{case.id}")
    db.session.refresh(mine)
    assert mine.read_at is not None
    assert "bell__count" not in client.get("/notifications").get_data(as_text=True)


@pytest.mark.parametrize("who, status", [("admin", 200), ("clerk", 200), ("mediator", 403),
                                         ("applicant", 403), ("respondent", 403)])
def test_outbox_is_for_admins_and_clerks(world, login, who, status):
    notify(Contact(name="李四", phone="13800000000"), "consent_expired", NO_CASE)
    db.session.commit()
    page = login(getattr(world, who)).get("/outbox")
    assert page.status_code == status
    html = page.get_data(as_text=True)
    assert ("13800000000" in html) == (status == 200)
    if status == 403:
        assert last_event("access.denied").payload["attempted"] == "outbox.view"


def test_outbox_lists_newest_first(world, login):
    for n in range(3):
        notify(Contact(name=f"P{n}", phone=f"1380000000{n}"), "consent_expired", NO_CASE)
    db.session.commit()
    html = login(world.clerk).get("/outbox?channel=sms").get_data(as_text=True)
    assert html.index("13800000002") < html.index("13800000001") < html.index("13800000000")
    assert OutboxMessage.__tablename__ == "outbox_messages"
    second = login(world.clerk).get("/outbox?channel=sms&page=2").get_data(as_text=True)
    assert "13800000000" not in second and "page=1" in second and "channel=sms" in second
