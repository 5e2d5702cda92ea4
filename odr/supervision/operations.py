"""Supervision's rules: instructions (督办) and their answers, an organisation's own deadlines,
telling people. Operations flush and audit; the caller commits (the runners commit per case).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import User
from ..cases import workflow
from ..cases.models import Party
from ..core.audit import record
from ..core.enums import CaseState, Role
from ..core.errors import NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..core.policy import RECEIVING_CLERK, case_roles
from ..extensions import db
from ..notifications.operations import Contact, notify
from ..orgs.models import DeadlineSetting
from . import texts  # noqa: F401  (the notification kinds used here)
from .models import Instruction

log = logging.getLogger(__name__)

TEXT_MAX = 2000
# Who may be told to act on a case: those who work it.
HANDLER_ROLES = frozenset({Role.CLERK.value, Role.MEDIATOR.value, Role.CONSULTANT.value, RECEIVING_CLERK})
MAX_DAYS = 365


@dataclass(frozen=True)
class Recipient:
    """What notify() needs of a user, read once per run of the clocks (a User row loads its
    memberships and organisations eagerly, and a commit expires it)."""

    id: int
    name: str
    email: str | None
    phone: str | None
    locale: str | None


def recipients(user_ids, cache: dict | None = None) -> dict[int, Recipient]:
    """The active users among `user_ids` as Recipients, in one query for those not in `cache`."""
    cache = {} if cache is None else cache
    missing = {i for i in user_ids if i is not None and i not in cache}
    if missing:
        for row in db.session.execute(
            select(User.id, User.name, User.email, User.phone, User.locale, User.active).where(User.id.in_(missing))
        ).all():
            cache[row.id] = Recipient(row.id, row.name, row.email, row.phone, row.locale) if row.active else None
        for user_id in missing - cache.keys():
            cache[user_id] = None
    return {i: cache[i] for i in user_ids if i is not None and cache.get(i) is not None}


def tell(actors, kind: str, case, context: dict, users: dict | None = None) -> int:
    """notify() each actor (clocks.Actor): a user by account, a party without one by its phone
    and e-mail. `case` is a Case or a row with id, reference, title, language; `users` a cache
    of Recipients kept across calls (clocks.run_clocks)."""
    known = recipients({a.user_id for a in actors if a.user_id is not None}, users)
    party_ids = [a.party_id for a in actors if a.user_id is None and a.party_id is not None]
    parties = {p.id: p for p in db.session.execute(select(Party).where(Party.id.in_(party_ids))).scalars()} if party_ids else {}
    told = 0
    for actor in actors:
        user = known.get(actor.user_id)
        if user is not None:
            notify(user, kind, {**context, "role": actor.role_label}, case=case)
            told += 1
        elif actor.party_id in parties:
            party = parties[actor.party_id]
            if party.email or party.phone:
                notify(Contact(party.name, party.email, party.phone), kind, {**context, "role": actor.role_label},
                       case=case, channels=("email", "sms"))
                told += 1
    return told


# --- instructions (督办) ----------------------------------------------------------------------


def handlers(case) -> list[User]:
    """Who a supervisor may instruct on this case: the staff who work it (clerks of its
    organisation, its mediators and consultants, the receiving body's clerks)."""
    from ..cases.models import Case
    from .clocks import People, case_rows

    rows = case_rows([Case.id == case.id])
    if not rows:
        return []
    row = rows[0]
    people = People(rows)
    actors = (people.mediators.get(case.id, []) + people.staff_of(row.organisation_id, Role.CLERK.value)
              + people.staff_of(row.organisation_id, Role.CONSULTANT.value))
    if row.target_organisation_id:
        actors += people.staff_of(row.target_organisation_id, Role.CLERK.value)
    ids = list(dict.fromkeys(a.user_id for a in actors if a.user_id))
    users = db.session.execute(select(User).where(User.id.in_(ids))).scalars().all() if ids else []
    return sorted(users, key=lambda u: ids.index(u.id))


def _due_at(due_on) -> datetime:
    """The end of the chosen day, in UTC (a supervisor gives a day, not an hour)."""
    from zoneinfo import ZoneInfo

    from flask_babel import get_timezone

    zone = ZoneInfo(str(get_timezone()))
    return datetime.combine(due_on, time(23, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def issue_instruction(case, supervisor, handler_id, text: str, due_on) -> Instruction:
    """A supervisor tells the handler of a case what to do, by when. The caller authorised
    `case.instruct`."""
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Please write the instruction.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)d characters.", n=TEXT_MAX)]
    handler = db.session.get(User, int(handler_id)) if str(handler_id or "").isdigit() else None
    if handler is None or not handler.active or not (case_roles(handler, case) & HANDLER_ROLES):
        errors["handler_id"] = [_("Choose somebody who works on this case.")]
    today = utcnow().date()
    if due_on is None or due_on < today or due_on > today + timedelta(days=MAX_DAYS):
        errors["due_on"] = [_("Choose a day from today to a year from now.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    instruction = Instruction(case_id=case.id, issued_by_id=supervisor.id, handler_id=handler.id, text=text,
                              due_at=_due_at(due_on))
    db.session.add(instruction)
    db.session.flush()
    record("supervision.instruction_issued", actor=supervisor, case=case, instruction_id=instruction.id,
           handler_id=handler.id, due_at=instruction.due_at, text=text)
    notify(handler, "instruction_issued", {"supervisor": supervisor.name, "instruction": text,
                                           "deadline": instruction.due_at, "url": f"/cases/{case.id}#instructions"},
           case=case)
    return instruction


def answer_instruction(instruction: Instruction, user, answer: str) -> Instruction:
    """The handler's answer. Only the person instructed answers, once."""
    if instruction.handler_id != user.id:
        raise NotAllowed(_("Only the person instructed can answer."))
    if instruction.answered_at is not None:
        raise ValidationFailed(_("This instruction has been answered already."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("Please write your answer."), fields={"answer": [_("Please write your answer.")]})
    if len(answer) > TEXT_MAX:
        message = _("At most %(n)d characters.", n=TEXT_MAX)
        raise ValidationFailed(message, fields={"answer": [message]})
    instruction.answer = answer
    instruction.answered_at = utcnow()
    db.session.flush()
    record("supervision.instruction_answered", actor=user, case=instruction.case_id,
           instruction_id=instruction.id, answer=answer, late=instruction.answered_at > instruction.due_at)
    notify(instruction.issued_by, "instruction_answered",
           {"handler": user.name, "instruction": instruction.text, "answer": answer,
            "url": f"/cases/{instruction.case_id}#instructions"}, case=instruction.case)
    return instruction


def escalate_unanswered_instructions(now=None) -> int:
    """An instruction unanswered past its deadline: once, the handler is reminded and the issuer
    and the supervisors one level up the region tree are told. One transaction each."""
    from .clocks import Actor, up_the_region_tree

    now = now or utcnow()
    ids = db.session.execute(
        select(Instruction.id).where(Instruction.answered_at.is_(None), Instruction.escalated_at.is_(None),
                                     Instruction.due_at < now).order_by(Instruction.id)
    ).scalars().all()
    done = 0
    for instruction_id in ids:
        instruction = db.session.get(Instruction, instruction_id)
        try:
            if instruction.answered_at is not None or instruction.escalated_at is not None:
                continue
            instruction.escalated_at = now
            case = instruction.case
            above = up_the_region_tree(case.organisation_id, {instruction.issued_by_id})
            issuer = Actor("supervisor", instruction.issued_by.name, instruction.issued_by_id)
            handler = Actor("handler", instruction.handler.name, instruction.handler_id)
            record("supervision.instruction_overdue", case=case, instruction_id=instruction.id,
                   handler_id=instruction.handler_id, due_at=instruction.due_at,
                   told=[a.user_id for a in [handler, issuer, *above]])
            context = {"handler": instruction.handler.name, "supervisor": instruction.issued_by.name,
                       "instruction": instruction.text, "deadline": instruction.due_at,
                       "url": f"/cases/{case.id}#instructions"}
            tell([handler, issuer, *above], "instruction_overdue", case, context)
            db.session.commit()
            done += 1
        except Exception:
            db.session.rollback()
            log.exception("escalating instruction %s failed", instruction_id)
    return done


def open_instructions(case) -> list[Instruction]:
    return list(db.session.execute(
        select(Instruction).where(Instruction.case_id == case.id).order_by(Instruction.id.desc())
    ).scalars())


# --- an organisation's own deadlines ------------------------------------------------------------

SETTABLE_STATES = tuple(workflow.DEFAULT_DEADLINE_DAYS)


def deadline_table(organisation) -> list[tuple[CaseState, int, int | None]]:
    """[(state, default days, the organisation's own days or None)]."""
    own = {s.state: s.days for s in db.session.execute(
        select(DeadlineSetting).where(DeadlineSetting.organisation_id == organisation.id)).scalars()}
    return [(state, workflow.DEFAULT_DEADLINE_DAYS[state], own.get(state)) for state in SETTABLE_STATES]


def save_deadlines(organisation, actor, values: dict) -> dict:
    """`values`: {state value: "days" or ""}. Empty means the default. Cases already in a state keep
    the deadline they got; the new number applies from the next case entering it. Audited."""
    errors: dict[str, list[str]] = {}
    wanted: dict[CaseState, int | None] = {}
    for state in SETTABLE_STATES:
        raw = str(values.get(state.value, "") or "").strip()
        if not raw:
            wanted[state] = None
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
            errors[state.value] = [_("A whole number of days from 1 to 365.")]
            continue
        days = int(raw)
        wanted[state] = None if days == workflow.DEFAULT_DEADLINE_DAYS[state] else days
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    current = {s.state: s for s in db.session.execute(
        select(DeadlineSetting).where(DeadlineSetting.organisation_id == organisation.id)).scalars()}
    changes = {}
    for state, days in wanted.items():
        row = current.get(state)
        if days is None and row is not None:
            changes[state.value] = [row.days, None]
            db.session.delete(row)
        elif days is not None and row is None:
            changes[state.value] = [None, days]
            db.session.add(DeadlineSetting(organisation_id=organisation.id, state=state, days=days))
        elif days is not None and row.days != days:
            changes[state.value] = [row.days, days]
            row.days = days
    if changes:
        db.session.flush()
        record("organisation.deadlines_changed", actor=actor, organisation_id=organisation.id, changes=changes)
    return changes
