"""Keeping case_stages (statistics/models.py) in step with the workflow.

A hook after every workflow step closes the stay the case is leaving (its length, whether it
ended before its deadline) and opens one for the state it enters. A step that keeps the state
(choosing where to refer) is no new stay. Stays start at submission: a draft is the filer's own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ..cases import workflow
from ..cases.models import Case
from ..cases.operations import after_step
from ..core.audit import AuditEvent
from ..core.enums import FINAL_STATES, CaseState
from ..extensions import db
from .models import CaseStage


def close_stay(stay: CaseStage, left_at: datetime) -> None:
    stay.left_at = left_at
    stay.seconds = max(0, int((left_at - stay.entered_at).total_seconds()))
    stay.on_time = None if stay.deadline is None else left_at <= stay.deadline


@after_step(*workflow.ACTIONS)
def _track_stage(case, actor, **_):
    open_stay = db.session.scalar(
        select(CaseStage).where(CaseStage.case_id == case.id, CaseStage.left_at.is_(None))
        .order_by(CaseStage.id.desc()).limit(1)
    )
    if open_stay is not None and open_stay.state == case.state:
        return  # the step kept the state
    now = case.state_entered_at
    if open_stay is not None:
        close_stay(open_stay, now)
    if case.state not in FINAL_STATES:
        db.session.add(CaseStage(case_id=case.id, organisation_id=case.organisation_id,
                                 region_id=case.region_id, state=case.state, entered_at=now,
                                 deadline=case.state_deadline))


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def rebuild_from_audit(batch: int = 5000) -> int:
    """Rebuild case_stages from the audit trail's `case.transition` events; returns the stays.
    The organisation and region of each stay are the case's as they are now (the trail does not
    repeat them at every step)."""
    db.session.execute(delete(CaseStage))
    where = dict(db.session.execute(select(Case.id, Case.organisation_id)).all())
    regions = dict(db.session.execute(select(Case.id, Case.region_id)).all())
    open_by_case: dict[int, CaseStage] = {}
    last_id, written = 0, 0
    while True:
        rows = db.session.execute(
            select(AuditEvent.id, AuditEvent.case_id, AuditEvent.created_at, AuditEvent.payload)
            .where(AuditEvent.action == "case.transition", AuditEvent.id > last_id)
            .order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            last_id = row.id
            payload = row.payload or {}
            source, target = payload.get("from_state"), payload.get("to_state")
            if row.case_id is None or not target or source == target:
                continue
            stay = open_by_case.pop(row.case_id, None)
            if stay is not None:
                close_stay(stay, row.created_at)
            if CaseState(target) not in FINAL_STATES:
                stay = CaseStage(case_id=row.case_id, organisation_id=where.get(row.case_id),
                                 region_id=regions.get(row.case_id), state=CaseState(target),
                                 entered_at=row.created_at, deadline=_parse(payload.get("deadline")))
                db.session.add(stay)
                open_by_case[row.case_id] = stay
                written += 1
        db.session.flush()
    return written
