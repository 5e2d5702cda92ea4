"""Notifications: preferences (e-mail/SMS opt-out, never for required notices), retries with
exponential back-off, the delivery log's filters, and the periodic jobs: the in-process scheduler
and a real Celery worker with beat on Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.core.models import utcnow
from odr.extensions import db
from odr.notifications.models import Notification, OutboxMessage
from odr.notifications.operations import deliver_pending, notify, retry_delay
from odr.notifications.preferences import NotificationOptOut, group_of
from odr.notifications.tasks import Scheduler, start_scheduler
from odr.supervision.models import ClockAlert

from .factories import make_case, make_user

ROOT = Path(__file__).resolve().parent.parent
EN = {"Accept-Language": "en"}


class FailingSms:
    """An SMS adapter whose provider is down."""

    def __init__(self, config):
        pass

    def send(self, message):
        raise ConnectionError("the SMS provider did not answer")


def channels_of(kind, user):
    rows = db.session.execute(select(OutboxMessage.channel).where(OutboxMessage.kind == kind,
                                                                  OutboxMessage.to.in_([user.email, user.phone or ""])))
    in_app = db.session.execute(select(Notification.id).where(Notification.kind == kind,
                                                              Notification.user_id == user.id)).first()
    return sorted(rows.scalars()) + (["in_app"] if in_app else [])


# --- preferences ---------------------------------------------------------------------------------


def test_kinds_fall_into_groups():
    assert [group_of(k) for k in ("clock_escalated", "instruction_issued", "session_reminder", "case_accepted",
                                  "referral_sent", "something_new")] == [
        "supervision", "supervision", "mediation", "case", "case", "other"]


def test_a_user_switches_email_off_for_a_group_and_keeps_the_bell(world, login):
    user = world.mediator
    user.phone = "13700000001"
    db.session.commit()
    client = login(user)
    page = client.get("/notifications/preferences", headers=EN).get_data(as_text=True)
    assert 'name="supervision:email" checked' in page
    # Everything on except supervision by e-mail and other messages by SMS.
    form = {f"{g}:{c}": "on" for g in ("case", "mediation", "supervision", "other") for c in ("email", "sms")}
    del form["supervision:email"], form["other:sms"]
    assert client.post("/notifications/preferences", data=form).status_code == 303
    assert {(o.kind_group, o.channel) for o in db.session.execute(select(NotificationOptOut)).scalars()} == {
        ("supervision", "email"), ("other", "sms")}
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "notification.preferences")).first()
    case = make_case(world, CaseState.MEDIATION)
    notify(user, "clock_reminder", {"url": "/x", "state": "x", "deadline": utcnow(), "since": utcnow(),
                                    "role": "x"}, case=case)
    db.session.commit()
    assert channels_of("clock_reminder", user) == ["sms", "in_app"]
    page = client.get("/notifications/preferences", headers=EN).get_data(as_text=True)
    assert 'name="supervision:email">' in page  # shown unticked


def test_legally_required_notices_ignore_the_preferences(world):
    user = world.respondent
    db.session.add_all([NotificationOptOut(user_id=user.id, kind_group="case", channel="email")])
    db.session.commit()
    case = make_case(world, CaseState.AWAITING_RESPONDENT)
    notify(user, "consent_reminder", {"url": "/x", "deadline": utcnow()}, case=case)
    db.session.commit()
    assert "email" in channels_of("consent_reminder", user)


def test_preferences_need_a_sign_in(client):
    response = client.get("/notifications/preferences")
    assert response.status_code in (302, 401)


# --- retries with back-off ------------------------------------------------------------------------


def test_retry_delays_double_up_to_the_ceiling(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_MAX_SECONDS", 600)
    assert [retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_a_failed_sms_is_retried_with_back_off_then_marked_failed(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_BACKEND", "tests.test_notification_jobs:FailingSms")
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_SECONDS", 60)
    from odr.notifications.operations import Contact

    case = make_case(world, CaseState.SUBMITTED)
    notify(Contact(name="X", phone="13600000000"), "consent_expired", {"url": "/x"}, case=case, channels=("sms",))
    db.session.commit()  # first attempt inline: fails
    [message] = db.session.execute(select(OutboxMessage)).scalars().all()
    db.session.refresh(message)
    first = message.next_attempt_at
    assert (message.status, message.attempts) == ("queued", 1) and "provider did not answer" in message.last_error
    assert timedelta(seconds=55) < first - utcnow() <= timedelta(seconds=60)
    assert deliver_pending(now=first - timedelta(seconds=1)) == {"sent": 0, "failed": 0, "queued": 0}
    assert deliver_pending(now=first) == {"sent": 0, "failed": 0, "queued": 1}
    db.session.refresh(message)
    assert message.attempts == 2 and message.next_attempt_at - first == timedelta(seconds=120)
    assert deliver_pending(now=message.next_attempt_at) == {"sent": 0, "failed": 1, "queued": 0}
    db.session.refresh(message)
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)


def test_the_delivery_log_filters_by_status_and_kind(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.add_all([
        OutboxMessage(channel="email", kind="clock_reminder", to="a@example.test", subject="REMINDER-A", body="x",
                      locale="en", status="sent", case_id=case.id),
        OutboxMessage(channel="sms", kind="clock_escalated", to="13500000000", subject="", body="ESCALATED-B",
                      locale="en", status="failed", attempts=5, last_error="down"),
    ])
    db.session.commit()
    client = login(world.clerk)
    text = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "ESCALATED-B" in text and "REMINDER-A" not in text
    text = client.get("/outbox?kind=clock_reminder").get_data(as_text=True)
    assert "REMINDER-A" in text and "ESCALATED-B" not in text
    text = client.get(f"/outbox?case={case.reference}").get_data(as_text=True)
    assert "REMINDER-A" in text and "ESCALATED-B" not in text
    assert login(world.applicant).get("/outbox").status_code == 403


# --- the periodic jobs --------------------------------------------------------------------------------


def _overdue_case(world):
    supervisor = make_user("supervisor", world.committee)
    case = make_case(world, CaseState.SUBMITTED)
    case.state_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    return case, supervisor


def _wait_for(query, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        found = db.session.execute(query).all()
        if found:
            return found
        time.sleep(0.2)
    return []


def test_the_scheduler_is_off_in_tests_and_with_a_broker(app, monkeypatch):
    assert start_scheduler(app) is None
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    assert start_scheduler(app) is None


def test_the_in_process_scheduler_runs_the_clocks_and_the_retries(world, app, monkeypatch):
    case, supervisor = _overdue_case(world)
    waiting = OutboxMessage(channel="email", kind="clock_reminder", to="w@example.test", subject="s", body="b",
                            locale="en", status="queued", attempts=1, next_attempt_at=utcnow() - timedelta(seconds=1))
    db.session.add(waiting)
    db.session.commit()
    monkeypatch.setitem(app.config, "JOBS_INTERVAL_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_INTERVAL_SECONDS", 0.2)
    scheduler = Scheduler(app)
    scheduler.start()
    try:
        alerts = _wait_for(select(ClockAlert.level).where(ClockAlert.case_id == case.id))
        sent = _wait_for(select(OutboxMessage.id).where(OutboxMessage.id == waiting.id, OutboxMessage.status == "sent"))
    finally:
        scheduler.stop()
        scheduler.join(5)
    assert alerts == [(1,)] and sent
    assert not scheduler.is_alive()
    assert db.session.execute(select(Notification.user_id).where(Notification.kind == "clock_escalated")).scalars().all() == [supervisor.id]


@pytest.fixture()
def celery_worker(app, redis_url, tmp_path):
    pytest.importorskip("celery")
    queue = f"odr-test-{uuid.uuid4().hex[:8]}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": redis_url, "CELERY_QUEUE": queue,
           "JOBS_INTERVAL_SECONDS": "1", "OUTBOX_RETRY_INTERVAL_SECONDS": "1", "SECRET_KEY": "celery-test",
           "DOCUMENT_JOBS": "off", "PYTHONDONTWRITEBYTECODE": "1"}
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).parent / "celery"), "-A", "odr.tasks", "worker", "--beat", "--pool", "solo",
               "--loglevel", "INFO", "-Q", queue, "--schedule", str(tmp_path / "beat-schedule"),
               "--without-heartbeat", "--without-gossip", "--without-mingle"]
    from .roomserver import child_options

    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   **child_options())
    try:
        yield {"log": log, "process": process}
    finally:
        # The worker and its embedded beat process: the whole process group (its own session),
        # so no job of this worker runs on into the next test.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        time.sleep(0.5)


def test_celery_beat_runs_the_due_jobs_and_the_retries_in_a_real_worker(world, celery_worker):
    case, supervisor = _overdue_case(world)
    waiting = OutboxMessage(channel="sms", kind="clock_reminder", to="13500000001", subject="", body="b",
                            locale="zh_CN", status="queued", attempts=1, next_attempt_at=utcnow() - timedelta(seconds=1))
    db.session.add(waiting)
    db.session.commit()
    alerts = _wait_for(select(ClockAlert.level).where(ClockAlert.case_id == case.id), timeout=60)
    sent = _wait_for(select(OutboxMessage.id).where(OutboxMessage.id == waiting.id, OutboxMessage.status == "sent"),
                     timeout=30)
    log = celery_worker["log"].read_text(errors="replace")
    assert alerts == [(1,)], log[-3000:]
    assert sent, log[-3000:]
    assert "odr.jobs.run_due_jobs" in log and "odr.notifications.deliver_outbox" in log
    told = db.session.execute(select(Notification.user_id).where(Notification.kind == "clock_escalated")).scalars()
    assert list(told) == [supervisor.id]
