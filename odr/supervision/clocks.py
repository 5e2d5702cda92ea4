"""Clocks: every open case has one per state, running from `state_entered_at` to `state_deadline`
(days per state from cases/workflow.DEFAULT_DEADLINE_DAYS or the organisation's own settings).

    run_clocks(now) -> {"reminders", "escalations", "escalations_up", "instructions_escalated"}

Run by the due-jobs runner (`flask odr run-due-jobs`, the in-process scheduler, Celery beat).
For each clock, at most once per level (table clock_alerts, unique per clock and level):
  level 0, reminder: CLOCK_REMINDER_HOURS before the deadline, to whoever must act (who_must_act);
  level 1, escalation: once the deadline has passed, to the supervisors of the case's
           organisation (or the nearest organisation above it that has supervisors);
  level 2, escalation up: CLOCK_ESCALATE_UP_DAYS after the deadline, to the supervisors one
           level up the region tree from the level-1 organisation's region.
Each alert is a row, an audit event (on the case timeline) and notifications, in one
transaction per case. The consent clock (awaiting_respondent) is reminded by the invitation's
own consent reminder and ends at its deadline by itself (notifications/jobs.py), so it is left
out here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..cases import workflow
from ..cases.models import Case, CaseAssignment, Party
from ..core.audit import record
from ..core.enums import FINAL_STATES, CaseState, Role, Side
from ..core.labels import LABELS
from ..core.models import utcnow
from ..core.policy import RECEIVING_CLERK, SYSTEM
from ..extensions import db
from ..orgs.models import Membership, Organisation, Region
from . import texts  # noqa: F401  (the notification kinds used here)
from .models import ESCALATED, ESCALATED_UP, REMINDER, ClockAlert

log = logging.getLogger(__name__)

CLERK, MEDIATOR, CONSULTANT = Role.CLERK.value, Role.MEDIATOR.value, Role.CONSULTANT.value
APPLICANT, RESPONDENT = Side.APPLICANT.value, Side.RESPONDENT.value
STAFF_ACTORS = frozenset({CLERK, MEDIATOR, CONSULTANT, RECEIVING_CLERK})
PARTY_ACTORS = frozenset({APPLICANT, RESPONDENT})
# Clocks this module does not run (see the module's docstring).
NOT_SUPERVISED = frozenset({CaseState.DRAFT, CaseState.AWAITING_RESPONDENT}) | FINAL_STATES

ROLE_LABELS = {
    CLERK: LABELS["clerk"], MEDIATOR: LABELS["mediator"], CONSULTANT: LABELS["consultant"],
    APPLICANT: LABELS["applicant"], RESPONDENT: LABELS["respondent"],
    RECEIVING_CLERK: _l("Clerk of the receiving body"),
    "supervisor": LABELS["supervisor"],
}
ALERT_EVENTS = {REMINDER: "supervision.reminder_sent", ESCALATED: "supervision.escalated",
                ESCALATED_UP: "supervision.escalated_up"}
ALERT_KINDS = {REMINDER: "clock_reminder", ESCALATED: "clock_escalated", ESCALATED_UP: "clock_escalated_up"}


@dataclass(frozen=True)
class Actor:
    """Somebody who must act on a case now: a user, or a party without an account."""

    role: str
    name: str
    user_id: int | None = None
    party_id: int | None = None

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))


@dataclass(frozen=True)
class WhoMustAct:
    """"陈调解 (调解员), 周婷 (书记员)": written when the notification is rendered, so the roles
    come out in the recipient's language."""

    actors: tuple

    def __str__(self) -> str:
        return ", ".join(f"{a.name} ({a.role_label})" for a in self.actors) or "-"


def acting_roles(case) -> frozenset[str]:
    """The roles that can take the next step in the case's state (the workflow table), staff
    before the parties: when staff can move the case on, the clock is theirs."""
    roles: set[str] = set()
    for step in workflow.from_state(case.state):
        if step.action != "withdraw":
            roles |= step.roles
    roles.discard(SYSTEM)
    if case.state == CaseState.REFERRAL_OFFERED:
        # With a body chosen, it is that body's turn to accept or return the case.
        if case.target_organisation_id is not None:
            return frozenset({RECEIVING_CLERK})
        roles.discard(RECEIVING_CLERK)
    staff = roles & STAFF_ACTORS
    return frozenset(staff or roles & PARTY_ACTORS)


def _ancestor_ids(path: str | None) -> list[int]:
    """"/1/4/9/" -> [9, 4, 1]: the organisation and those above it, nearest first."""
    return [int(part) for part in reversed((path or "").strip("/").split("/")) if part]


class People:
    """Who must act on a set of cases, loaded in a fixed number of queries (the board's rows and
    the clock runner's batches)."""

    def __init__(self, cases: list):
        self.cases = cases
        ids = [c.id for c in cases]
        org_paths = {c.organisation_id: c.organisation_path for c in cases if c.organisation_id}
        org_paths.update({c.target_organisation_id: c.target_path for c in cases if c.target_organisation_id})
        org_ids = {i for path in org_paths.values() for i in _ancestor_ids(path)}
        self.org_paths = org_paths
        self.members: dict[tuple[int, str], list[Actor]] = {}
        if org_ids:
            rows = db.session.execute(
                select(Membership.organisation_id, Membership.role, User.id, User.name)
                .join(User, User.id == Membership.user_id)
                .where(Membership.organisation_id.in_(org_ids), User.active.is_(True),
                       Membership.role.in_((Role.CLERK, Role.CONSULTANT, Role.SUPERVISOR)))
                .order_by(User.id)
            ).all()
            for org_id, role, user_id, name in rows:
                self.members.setdefault((org_id, role.value), []).append(Actor(role.value, name, user_id))
        self.mediators: dict[int, list[Actor]] = {}
        self.parties: dict[int, list[Actor]] = {}
        if ids:
            for case_id, user_id, name in db.session.execute(
                select(CaseAssignment.case_id, User.id, User.name).join(User, User.id == CaseAssignment.user_id)
                .where(CaseAssignment.case_id.in_(ids), CaseAssignment.removed_at.is_(None),
                       (CaseAssignment.conflict_status.is_(None)) | (CaseAssignment.conflict_status != "pending"))
                .order_by(CaseAssignment.id)
            ).all():
                self.mediators.setdefault(case_id, []).append(Actor(MEDIATOR, name, user_id))
            for case_id, party_id, side, name, user_id in db.session.execute(
                select(Party.case_id, Party.id, Party.side, Party.name, Party.user_id)
                .where(Party.case_id.in_(ids)).order_by(Party.id)
            ).all():
                self.parties.setdefault(case_id, []).append(Actor(side.value, name, user_id, party_id))

    def staff_of(self, organisation_id: int | None, role: str) -> list[Actor]:
        """Members with `role` of the organisation, else of the nearest one above it that has any."""
        for org_id in _ancestor_ids(self.org_paths.get(organisation_id)):
            found = self.members.get((org_id, role))
            if found:
                return list(found)
        return []

    def must_act(self, case) -> list[Actor]:
        found: list[Actor] = []
        for role in sorted(acting_roles(case)):
            if role == MEDIATOR:
                found += self.mediators.get(case.id, [])
            elif role in (CLERK, CONSULTANT):
                found += self.staff_of(case.organisation_id, role)
            elif role == RECEIVING_CLERK:
                found += [Actor(RECEIVING_CLERK, a.name, a.user_id)
                          for a in self.staff_of(case.target_organisation_id, CLERK)]
            else:
                found += [p for p in self.parties.get(case.id, []) if p.role == role]
        if not found and case.organisation_id is not None:
            # Nobody holds the role (no mediator assigned yet): the organisation's clerks see to it.
            found = self.staff_of(case.organisation_id, CLERK)
        return found

    def supervisors(self, case) -> list[Actor]:
        return self.staff_of(case.organisation_id, Role.SUPERVISOR.value)


def case_rows(where) -> list:
    """The columns the clocks and the board need, with the organisations' paths, in one query."""
    from sqlalchemy.orm import aliased

    target = aliased(Organisation)
    return db.session.execute(
        select(Case.id, Case.reference, Case.title, Case.state, Case.state_entered_at, Case.state_deadline,
               Case.organisation_id, Case.target_organisation_id, Case.risk_level, Case.language,
               Organisation.path.label("organisation_path"), Organisation.region_id.label("organisation_region_id"),
               target.path.label("target_path"))
        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
        .outerjoin(target, target.id == Case.target_organisation_id)
        .where(*where)
    ).all()


def up_the_region_tree(organisation_id: int | None, exclude: set[int], cache: dict | None = None) -> list[Actor]:
    """Supervisors of the organisations one level up the region tree from `organisation_id`'s
    region (its own region, else the widest region it serves), the nearest level that has any.
    `cache` keeps the answers for a run of the clocks (the same few organisations come back)."""
    key = (organisation_id, frozenset(exclude or ()))
    if cache is not None and key in cache:
        return cache[key]
    found = _up_the_region_tree(organisation_id, exclude)
    if cache is not None:
        cache[key] = found
    return found


def _up_the_region_tree(organisation_id: int | None, exclude: set[int]) -> list[Actor]:
    from ..orgs.models import organisation_regions

    if organisation_id is None:
        return []
    own = db.session.execute(
        select(Region.path).join(Organisation, Organisation.region_id == Region.id)
        .where(Organisation.id == organisation_id)).scalar()
    if own is None:  # no region of its own: the widest region it serves
        own = db.session.execute(
            select(Region.path).join(organisation_regions, organisation_regions.c.region_id == Region.id)
            .where(organisation_regions.c.organisation_id == organisation_id)
            .order_by(func.length(Region.path), Region.id).limit(1)).scalar()
    if own is None:
        return []
    for region_id in _ancestor_ids(own)[1:]:
        orgs_there = select(Organisation.id).where(Organisation.region_id == region_id).union(
            select(organisation_regions.c.organisation_id).where(organisation_regions.c.region_id == region_id))
        rows = db.session.execute(
            select(User.id, User.name).join(Membership, Membership.user_id == User.id)
            .where(Membership.role == Role.SUPERVISOR, Membership.organisation_id.in_(orgs_there),
                   User.active.is_(True), User.id.not_in(exclude or {0}))
            .distinct().order_by(User.id)
        ).all()
        if rows:
            return [Actor("supervisor", name, user_id) for user_id, name in rows]
    return []


def _region_of_level_one(case, people: People) -> int | None:
    """The organisation whose supervisors got level 1: the case's or the nearest above it."""
    for org_id in _ancestor_ids(people.org_paths.get(case.organisation_id)):
        if people.members.get((org_id, Role.SUPERVISOR.value)):
            return org_id
    return case.organisation_id


def due_levels(case, now: datetime, reminder: timedelta, up_after: timedelta) -> list[int]:
    deadline = case.state_deadline
    if deadline is None or case.state in NOT_SUPERVISED:
        return []
    if now >= deadline + up_after:
        return [ESCALATED, ESCALATED_UP]
    if now >= deadline:
        return [ESCALATED]
    if now >= deadline - reminder:
        return [REMINDER]
    return []


def _settings() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(hours=float(config.get("CLOCK_REMINDER_HOURS", 24))),
            timedelta(days=float(config.get("CLOCK_ESCALATE_UP_DAYS", 3))))


def run_clocks(now: datetime | None = None) -> dict:
    """Send every reminder and escalation that is due and not yet sent. Idempotent."""
    from .operations import escalate_unanswered_instructions

    now = now or utcnow()
    reminder, up_after = _settings()
    # A clock whose last level has been sent is done: left out in SQL, so the overdue backlog of a
    # large service is not read again every few minutes.
    finished = select(ClockAlert.id).where(ClockAlert.case_id == Case.id, ClockAlert.state == Case.state,
                                           ClockAlert.clock_started_at == Case.state_entered_at,
                                           ClockAlert.level == ESCALATED_UP).exists()
    candidates = case_rows([Case.state.not_in(NOT_SUPERVISED), Case.state_deadline.is_not(None),
                            Case.state_deadline <= now + reminder, ~finished])
    sent = {REMINDER: 0, ESCALATED: 0, ESCALATED_UP: 0}
    if candidates:
        done = set(db.session.execute(
            select(ClockAlert.case_id, ClockAlert.state, ClockAlert.clock_started_at, ClockAlert.level)
            .where(ClockAlert.case_id.in_([c.id for c in candidates]))
        ).all())
        work = [(c, [lvl for lvl in due_levels(c, now, reminder, up_after)
                     if (c.id, c.state, c.state_entered_at, lvl) not in done]) for c in candidates]
        work = [(c, levels) for c, levels in work if levels]
        caches: dict = {"users": {}, "above": {}}  # for this run: who the users are, who is above
        for start in range(0, len(work), 200):
            batch = work[start:start + 200]
            people = People([c for c, _levels in batch])
            for case, levels in batch:
                try:
                    for level in levels:
                        _alert(case, level, people, now, caches)
                        sent[level] += 1
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()  # another runner sent it first: never twice
                except Exception:
                    db.session.rollback()
                    log.exception("clock alert failed for case %s", case.id)
    return {"reminders": sent[REMINDER], "escalations": sent[ESCALATED], "escalations_up": sent[ESCALATED_UP],
            "instructions_escalated": escalate_unanswered_instructions(now)}


def _alert(case, level: int, people: People, now: datetime, caches: dict) -> ClockAlert:
    from .operations import tell

    acting = people.must_act(case)
    if level == REMINDER:
        recipients = acting
    elif level == ESCALATED:
        recipients = people.supervisors(case)
    else:
        first = {a.user_id for a in people.supervisors(case)}
        recipients = up_the_region_tree(_region_of_level_one(case, people), first, caches["above"])
    alert = ClockAlert(case_id=case.id, state=case.state, clock_started_at=case.state_entered_at, level=level,
                       deadline=case.state_deadline, sent_at=now,
                       recipients=[{"user_id": a.user_id, "party_id": a.party_id, "role": a.role} for a in recipients])
    db.session.add(alert)
    db.session.flush()
    late_days = max((now - case.state_deadline).days, 0)
    record(ALERT_EVENTS[level], case=case.id, level=level, state=case.state, deadline=case.state_deadline,
           late_days=late_days, recipients=alert.recipients,
           must_act=[{"user_id": a.user_id, "party_id": a.party_id, "role": a.role, "name": a.name} for a in acting])
    who = WhoMustAct(tuple(acting))
    context = {"state": LABELS.get(case.state.value, case.state.value), "deadline": case.state_deadline,
               "since": case.state_entered_at, "late": late_days, "who": who, "url": f"/cases/{case.id}"}
    tell(recipients, ALERT_KINDS[level], case, context, caches["users"])
    return alert
