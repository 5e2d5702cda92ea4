"""Where rendering runs: inline in the embedded default, in a Celery worker in production.

`issue()` is what views call. Without CELERY_BROKER_URL it issues the document in the request
(rendering takes about half a second) and returns it; the view commits. With a broker it sends
the task by name and returns None; a worker runs `issue_task`, the same operation in its own
transaction. The Celery application (configured from CELERY_BROKER_URL, with an app context
around each task) registers the task with `register(celery_app)`; until it exists, production
deployments leave CELERY_BROKER_URL unset and render inline.
"""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from .models import Document

TASK_NAME = "odr.documents.issue"


def issue(case, doc_type, actor, lang: str, details: dict | None = None) -> Document | None:
    """Issue now (embedded default) or queue it (production). The caller commits."""
    from .operations import issue_document

    if not current_app.config.get("CELERY_BROKER_URL"):
        return issue_document(case, doc_type, actor, lang, details)
    from celery import current_app as celery_app  # only the production extra installs Celery

    # Ids, not objects: the worker loads the case as it is when the task runs. Nothing of this
    # request has to be committed first: the task reads only the case, which exists already.
    celery_app.send_task(TASK_NAME, args=[case.id, str(doc_type), getattr(actor, "id", None), lang,
                                         details or {}])
    return None


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
    """Called by the Celery application factory to make `issue_task` runnable by workers."""
    celery_app.task(name=TASK_NAME)(issue_task)
