"""Deadline jobs: `flask --app wsgi odr run-due-jobs`, from cron (or Celery beat) every few minutes.

run_due_jobs(now) is idempotent: a second run at the same moment does nothing more.
  (a) consent reminder: a case awaiting the respondent whose deadline is less than
      CONSENT_REMINDER_DAYS away gets one reminder (the audit event case.consent_reminder_sent,
      newer than the case's entry into the state, is the record that it was sent);
  (b) consent expiry: a case still awaiting the respondent past its deadline takes the
      `consent_expired` step as the system (actor None); the step hook tells the applicant.
  (d) mediation sessions: reminders 24 hours and 1 hour before each scheduled session.
  (e) the clocks of every state (odr/supervision/clocks.run_clocks): reminders before a deadline,
      escalations to the supervisors after it, unanswered instructions escalated.
  (c) terms of settlement agreements (odr/performance/operations.remind_and_flag): a reminder
      before a term's due date, a missed term flagged to the mediator and the party owed.
Each case is its own transaction: one failing case does not hold up the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.audit import AuditEvent
from ..core.enums import CaseState
from ..core.models import utcnow
from ..extensions import db

log = logging.getLogger(__name__)
REMINDER_EVENT = "case.consent_reminder_sent"


def _was_reminded(case: Case) -> bool:
    return db.session.execute(
        select(AuditEvent.id).where(AuditEvent.action == REMINDER_EVENT, AuditEvent.case_id == case.id,
                                    AuditEvent.created_at >= case.state_entered_at).limit(1)
    ).first() is not None


def _each(case_ids, work) -> int:
    done = 0
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        try:
            if work(case):
                done += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("deadline job failed for case %s", case_id)
    return done


def run_due_jobs(now=None) -> dict:
    from ..invitations.operations import remind_respondent

    now = now or utcnow()
    waiting = Case.state == CaseState.AWAITING_RESPONDENT
    expired_ids = db.session.execute(
        select(Case.id).where(waiting, Case.state_deadline < now).order_by(Case.id)
    ).scalars().all()

    def expire(case):
        if case.state != CaseState.AWAITING_RESPONDENT:
            return False  # answered in the meantime
        case_ops.transition(case, "consent_expired", None)
        return True

    expired = _each(expired_ids, expire)

    soon = now + timedelta(days=current_app.config["CONSENT_REMINDER_DAYS"])
    due_ids = db.session.execute(
        select(Case.id).where(waiting, Case.state_deadline >= now, Case.state_deadline <= soon)
        .order_by(Case.id)
    ).scalars().all()

    def remind(case):
        if case.state != CaseState.AWAITING_RESPONDENT or _was_reminded(case):
            return False
        remind_respondent(case)
        return True

    reminded = _each(due_ids, remind)
    from ..performance.operations import remind_and_flag  # terms of agreements (odr/performance)
    from ..privacy.operations import anonymise_due  # closed cases past retention (odr/privacy)
    from ..supervision.clocks import run_clocks  # every state's clock (odr/supervision)

    return {"reminded": reminded, "expired": expired, **remind_and_flag(now),
            "session_reminders": _session_reminders(now),
            "anonymised": anonymise_due(now),
            **run_clocks(now)}


def _session_reminders(now) -> int:
    """(d) mediation sessions: 24 h and 1 h before each (odr/mediation/sessions.remind_due)."""
    from ..mediation.sessions import remind_due

    return remind_due(now)
