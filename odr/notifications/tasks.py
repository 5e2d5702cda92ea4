"""Periodic background jobs: the due jobs (reminders, expiries, the clocks' escalations:
odr/notifications/jobs.run_due_jobs) and the delivery of queued e-mail and SMS with their retries
(operations.deliver_pending, exponential back-off).

Production (CELERY_BROKER_URL set): two Celery tasks on the project's one Celery application
(documents.tasks.celery_for registers them with `register`), run every JOBS_INTERVAL_SECONDS and
OUTBOX_RETRY_INTERVAL_SECONDS by Celery beat:

    celery -A odr.tasks worker --concurrency 1      # the tasks
    celery -A odr.tasks beat                         # the clock that sends them (one per site)

Embedded default (no broker): a simple in-process scheduler, one daemon thread started with the
embedded server (`python wsgi.py`, which scripts/demo.sh runs; or by the first request of any
server with JOBS_SCHEDULER=thread), runs the same two jobs at the same intervals. It is off in
tests, with a broker (Celery beat's job) and under other servers unless JOBS_SCHEDULER=thread. Both jobs are idempotent:
running them twice, or from two places at once, sends nothing twice.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

DUE_JOBS_TASK = "odr.jobs.run_due_jobs"
DELIVER_TASK = "odr.notifications.deliver_outbox"


def run_due_jobs_task() -> dict:
    from .jobs import run_due_jobs

    return run_due_jobs()


def deliver_outbox_task() -> dict:
    from .operations import deliver_pending

    return deliver_pending()


def intervals(config) -> tuple[float, float]:
    return (float(config.get("JOBS_INTERVAL_SECONDS", 300)), float(config.get("OUTBOX_RETRY_INTERVAL_SECONDS", 60)))


def register(celery_app, config) -> None:
    """The two tasks and their beat schedule (intervals from the Flask `config`), on the
    project's Celery application."""
    celery_app.task(name=DUE_JOBS_TASK)(run_due_jobs_task)
    celery_app.task(name=DELIVER_TASK)(deliver_outbox_task)
    due, deliver = intervals(config)
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule.update({
        "odr-due-jobs": {"task": DUE_JOBS_TASK, "schedule": due},
        "odr-deliver-outbox": {"task": DELIVER_TASK, "schedule": deliver},
    })
    celery_app.conf.beat_schedule = schedule


class Scheduler(threading.Thread):
    """The embedded default's clock: runs the due jobs and the outbox every interval until stopped."""

    def __init__(self, app):
        super().__init__(name="odr-scheduler", daemon=True)
        self.app = app
        self.stopped = threading.Event()
        self.due_every, self.deliver_every = intervals(app.config)
        self.runs = 0

    def run(self) -> None:
        import time

        next_due = next_delivery = time.monotonic()
        while not self.stopped.is_set():
            now = time.monotonic()
            if now >= next_due:
                self._job(run_due_jobs_task)
                next_due = now + self.due_every
            if now >= next_delivery:
                self._job(deliver_outbox_task)
                next_delivery = now + self.deliver_every
            self.runs += 1
            self.stopped.wait(max(min(next_due, next_delivery) - time.monotonic(), 0.05))

    def _job(self, job) -> None:
        try:
            with self.app.app_context():
                job()
        except Exception:  # noqa: BLE001 - the clock goes on; the next run tries again
            log.exception("scheduled job %s failed", job.__name__)

    def stop(self) -> None:
        self.stopped.set()


def start_scheduler(app, default: str = "off") -> Scheduler | None:
    """Start the in-process scheduler once per application, if this deployment wants it:
    JOBS_SCHEDULER=thread|off, else `default` ("thread" from the embedded server, `python
    wsgi.py`), but never in tests or with a broker unless asked for by name."""
    mode = app.config.get("JOBS_SCHEDULER") or (
        "off" if app.config.get("CELERY_BROKER_URL") or app.config.get("TESTING") else default)
    if mode != "thread":
        return None
    with _lock:
        scheduler = app.extensions.get("odr_scheduler")
        if scheduler is None:
            scheduler = app.extensions["odr_scheduler"] = Scheduler(app)
            scheduler.start()
            log.info("in-process scheduler started: due jobs every %ss, outbox every %ss",
                     scheduler.due_every, scheduler.deliver_every)
    return scheduler


_lock = threading.Lock()
