"""Where rendering runs: inline in the embedded default, in a Celery worker in production.

`issue()` is what views call. Without CELERY_BROKER_URL it issues the document in the request
(rendering takes about half a second) and returns it; the view commits. With a broker it sends
the task by name and returns None; a worker runs `issue_task`, the same operation in its own
transaction.

`issue_after_commit()` is for papers that follow a workflow step (the acceptance notice after
`accept`): it renders nothing inside the step's transaction. Once that transaction commits, the
job runs in a session of its own (embedded default) or is sent to the worker (with a broker);
a rollback drops it. DOCUMENT_JOBS=off skips these jobs (tests, the demo seed): the paper can
still be issued from the case page or the clerk desk.

The Celery application (`celery_for(app)`, configured from CELERY_BROKER_URL and CELERY_QUEUE,
with an application context around each task) is built on first use; `celery -A odr.tasks
worker` runs it.
"""

from __future__ import annotations

import logging

from flask import current_app

from ..extensions import db
from .models import Document

TASK_NAME = "odr.documents.issue"
log = logging.getLogger(__name__)


def celery_for(app):
    """The Celery application of this Flask application, made on first use (needs a broker)."""
    key = (app.config["CELERY_BROKER_URL"], app.config.get("CELERY_QUEUE") or "odr")
    made = app.extensions.setdefault("odr_celery", {})
    if key in made:
        return made[key]
    from celery import Celery, Task  # only the production extra installs Celery

    class AppContextTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, broker=key[0], task_cls=AppContextTask)
    celery.conf.update(
        task_default_queue=key[1],
        task_ignore_result=True,
        # A paper is issued once: redelivered only if the worker died before acknowledging it.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    register(celery)
    from ..notifications.tasks import register as register_jobs  # due jobs, outbox retries, beat

    register_jobs(celery, app.config)
    made[key] = celery
    return celery


def _job_args(case, doc_type, actor, lang: str, details: dict | None) -> list:
    return [case.id, str(getattr(doc_type, "value", doc_type)), getattr(actor, "id", None), lang, details or {}]


def issue(case, doc_type, actor, lang: str, details: dict | None = None) -> Document | None:
    """Issue now (embedded default) or queue it (production). The caller commits."""
    from .operations import issue_document

    if not current_app.config.get("CELERY_BROKER_URL"):
        return issue_document(case, doc_type, actor, lang, details)
    # Ids, not objects: the worker loads the case as it is when the task runs. Nothing of this
    # request has to be committed first: the task reads only the case, which exists already.
    celery_for(current_app).send_task(TASK_NAME, args=_job_args(case, doc_type, actor, lang, details))
    return None


def issue_after_commit(case, doc_type, actor, lang: str, details: dict | None = None) -> bool:
    """Queue a paper to be issued once the current transaction commits. False when
    DOCUMENT_JOBS=off skips it."""
    from ..mediation.broadcast import call_after_commit

    args = _job_args(case, doc_type, actor, lang, details)
    if current_app.config.get("DOCUMENT_JOBS", "after_commit") == "off":
        log.debug("DOCUMENT_JOBS=off: %s for case %s not issued", args[1], args[0])
        return False
    app = current_app._get_current_object()
    call_after_commit(lambda: run_job(app, args))
    return True


def run_job(app, args: list) -> None:
    """After the commit: send the task to the worker, or issue here in a session of our own
    (the session that just committed can emit no more SQL). A failure is logged, never raised:
    the step it follows is committed, and the clerk can still issue the paper by hand."""
    try:
        if app.config.get("CELERY_BROKER_URL"):
            celery_for(app).send_task(TASK_NAME, args=args)
            return
        with app.app_context():  # a new context is a new scoped session
            issue_task(*args)
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("document job %s for case %s failed", args[1], args[0])


def issue_task(case_id: int, doc_type: str, actor_id: int | None, lang: str,
               details: dict | None = None) -> int:
    """The worker's side: the same operation, committed once. Returns the document id."""
    from ..auth.models import User
    from ..cases.models import Case
    from .operations import issue_document

    case = db.session.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    try:
        document = issue_document(case, doc_type, actor, lang, details)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return document.id


def register(celery_app) -> None:
    """Makes `issue_task` runnable by workers (called by `celery_for`)."""
    celery_app.task(name=TASK_NAME)(issue_task)
