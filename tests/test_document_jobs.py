"""Papers that follow a workflow step: the API's and the page's `accept` both issue the acceptance
notice, as a job queued by the step hook (odr/intake/operations.after_decision). Embedded default:
the job runs after the commit, in a session of its own, and a rollback drops it; DOCUMENT_JOBS=off
skips it. With a broker: a real Celery worker on Redis issues it (a subprocess, its own queue)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.documents.models import Document, DocumentType
from odr.extensions import db

from .api_support import bearer
from .foundation_support import build_case

ROOT = Path(__file__).resolve().parent.parent
NOTICE = DocumentType.ACCEPTANCE_NOTICE


def _papers(case_id: int) -> list[tuple]:
    db.session.rollback()  # read what is committed now, not what this session saw before
    rows = db.session.execute(select(Document).where(Document.case_id == case_id)).scalars()
    return [(d.type, d.lang, d.issued_by_id) for d in rows]


def _told(case_id: int) -> list[str]:
    rows = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                       AuditEvent.action == "intake.told")).scalars()
    return [e.payload["kind"] for e in rows]


@pytest.fixture()
def jobs_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_JOBS", "after_commit")


def test_the_api_accept_issues_the_acceptance_notice_and_tells_the_applicant(world, client, jobs_on):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    case_id, clerk_id = case.id, world.clerk.id
    response = client.post(f"/api/v1/cases/{case_id}/transitions", json={"action": "accept"},
                           headers=bearer(world.clerk))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "accepted"
    assert _papers(case_id) == [(NOTICE, "zh_CN", clerk_id)]
    assert _told(case_id) == ["case_accepted"]


def test_the_page_accept_issues_it_once_in_the_case_language(world, login, jobs_on):
    case = build_case(world, CaseState.SUBMITTED)
    case.language = "en"
    db.session.commit()
    response = login(world.clerk).post(f"/cases/{case.id}/transition",
                                       data={"action": "accept", "expected_version": case.version})
    assert response.status_code == 303
    assert _papers(case.id) == [(NOTICE, "en", world.clerk.id)]


def test_the_job_runs_after_the_commit_and_a_rollback_drops_it(world, jobs_on):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    case_id = case.id
    case_ops.transition(case, "accept", world.clerk)
    db.session.flush()
    # Inside the step's transaction nothing is rendered yet.
    assert db.session.execute(select(Document).where(Document.case_id == case_id)).first() is None
    db.session.rollback()
    assert _papers(case_id) == []  # the step and its job went together

    case = db.session.get(type(case), case_id)
    case_ops.transition(case, "accept", world.clerk)
    db.session.commit()
    assert _papers(case_id) == [(NOTICE, "zh_CN", world.clerk.id)]


def test_a_reject_issues_no_paper(world, client, jobs_on):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "reject", "reason": "不属于调解范围"},
                           headers=bearer(world.clerk))
    assert response.status_code == 200
    assert _papers(case.id) == [] and _told(case.id) == ["case_rejected"]


def test_with_jobs_off_the_step_is_taken_and_no_paper_rendered(world, client, app):
    assert app.config["DOCUMENT_JOBS"] == "off"  # the test suite's setting
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"},
                           headers=bearer(world.clerk))
    assert response.status_code == 200 and response.get_json()["state"] == "accepted"
    assert _papers(case.id) == [] and _told(case.id) == ["case_accepted"]


def test_a_failing_job_leaves_the_committed_step_alone(world, app, jobs_on, monkeypatch, caplog):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    case_id = case.id
    case_ops.transition(case, "accept", world.clerk)
    # The notice is in Chinese; a service without Chinese papers refuses to issue it.
    monkeypatch.setitem(app.config, "LANGUAGES", ["en"])
    db.session.commit()
    assert _papers(case_id) == []
    assert db.session.get(type(case), case_id).state == CaseState.ACCEPTED
    assert f"document job acceptance_notice for case {case_id} failed" in caplog.text


# ---- with a broker: a real Celery worker on Redis ------------------------------------------

@pytest.fixture(scope="module")
def celery_worker_process(app, redis_url, tmp_path_factory):
    pytest.importorskip("celery")
    queue = f"odr-test-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "SIGNING_CERT_DIR": app.config["SIGNING_CERT_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "CELERY_BROKER_URL": redis_url,
        "CELERY_QUEUE": queue,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [str(Path(sys.executable).parent / "celery"), "-A", "odr.tasks", "worker", "--pool", "solo",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
               "--loglevel", "INFO"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield {"queue": queue, "url": redis_url, "log": log_path}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        import redis

        with redis.Redis.from_url(redis_url) as client:
            client.delete(queue)


def _wait_for_papers(case_id: int, log_path: Path, timeout: float = 60.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        papers = _papers(case_id)
        if papers:
            return papers
        time.sleep(0.2)
    pytest.fail(f"no paper after {timeout} s; the worker said:\n{log_path.read_text(errors='replace')[-3000:]}")


@pytest.mark.redis
def test_with_celery_a_real_worker_issues_the_notice_after_the_api_accept(
        world, client, app, monkeypatch, celery_worker_process, jobs_on):
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", celery_worker_process["url"])
    monkeypatch.setitem(app.config, "CELERY_QUEUE", celery_worker_process["queue"])
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    case_id, clerk_id = case.id, world.clerk.id
    response = client.post(f"/api/v1/cases/{case_id}/transitions", json={"action": "accept"},
                           headers=bearer(world.clerk))
    assert response.status_code == 200
    assert _wait_for_papers(case_id, celery_worker_process["log"]) == [(NOTICE, "zh_CN", clerk_id)]
    [issued] = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                           AuditEvent.action == "document.issued")).scalars()
    assert issued.payload["type"] == "acceptance_notice" and issued.actor_id == clerk_id


@pytest.mark.redis
def test_with_celery_the_case_page_sends_the_paper_to_the_worker(
        world, login, app, monkeypatch, celery_worker_process):
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", celery_worker_process["url"])
    monkeypatch.setitem(app.config, "CELERY_QUEUE", celery_worker_process["queue"])
    case = build_case(world, CaseState.ACCEPTED)
    db.session.commit()
    case_id, clerk_id = case.id, world.clerk.id
    response = login(world.clerk).post(f"/cases/{case_id}/documents", data={"type": "acceptance_notice", "lang": "en"})
    assert response.status_code in (302, 303)
    assert _wait_for_papers(case_id, celery_worker_process["log"]) == [(NOTICE, "en", clerk_id)]
