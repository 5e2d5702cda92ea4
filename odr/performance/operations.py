"""Performance of the agreement (履行跟踪) and follow-up visits (回访).

    track_agreement(case)        on `settle`: the accepted proposal's instalments become obligations
    add_obligation(...)          staff add a term with a due date (an action, a one-off payment, or
                                 the terms of an agreement made on paper or orally)
    report(...)                  the obliged side marks a term performed (note, optional evidence)
    confirm(...) / dispute(...)  the other side confirms it, or disputes it with a reason
    remind_and_flag(now)         due-jobs: a reminder before the due date, a missed term flagged
                                 to the mediator and the party owed (once each)
    record_follow_up(...)        the mediator's follow-up visit with each party's answers

People's Mediation Law Art. 31: the agreement binds the parties and the committee supervises its
performance; Art. 32/33: a missed term can go to court (workflow step `request_enforcement`).
Like every operation: check, act, flush, audit; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import User
from ..cases import operations as case_ops
from ..cases.models import Case, Evidence
from ..core.audit import record
from ..core.enums import Side
from ..core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ..core.models import utcnow
from ..core.policy import PERFORMANCE_STATES, case_roles
from ..extensions import db
from ..notifications.operations import Contact, notify
from . import texts  # noqa: F401 (registers the notification kinds)
from .models import OPEN_STATUSES, FollowUp, FollowUpMethod, Obligation, ObligationStatus

MAX_DESCRIPTION = 500
MAX_NOTE = 1000
MAX_FOLLOW_UP_NOTES = 4000
REMINDER_DAYS = 3  # default of PERFORMANCE_REMINDER_DAYS: the reminder goes this many days before


def case_url(case) -> str:
    return f"/cases/{case.id}"


def today(now: datetime | None = None) -> date:
    """The calendar day where the service is (due dates are days there, not UTC)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or utcnow()).astimezone(zone).date()


def obligations(case) -> list[Obligation]:
    return list(db.session.execute(
        select(Obligation).where(Obligation.case_id == case.id).order_by(Obligation.number)
    ).scalars())


def open_obligations(case) -> list[Obligation]:
    return [o for o in obligations(case) if o.status != ObligationStatus.PERFORMED]


def is_missed(obligation: Obligation, on: date | None = None) -> bool:
    return obligation.status in OPEN_STATUSES and obligation.due_on < (on or today())


def missed(case) -> list[Obligation]:
    on = today()
    return [o for o in obligations(case) if is_missed(o, on)]


def get_obligation(case, obligation_id) -> Obligation:
    obligation = db.session.get(Obligation, obligation_id) if isinstance(obligation_id, int) else None
    if obligation is None or obligation.case_id != case.id:
        raise NotFound(_("There is no such term in this case."))
    return obligation


def _ensure_tracking(case) -> None:
    if case.state not in PERFORMANCE_STATES:
        raise Conflict(_("Terms are tracked only after settlement, while the case is open."),
                       code="not_tracking")


def _next_number(case) -> int:
    highest = db.session.execute(
        select(func.max(Obligation.number)).where(Obligation.case_id == case.id)
    ).scalar()
    return (highest or 0) + 1


def _money_words(amount: Decimal, currency: str, lang: str) -> str:
    if lang == "zh_CN":
        return f"人民币{amount:.2f}元" if currency == "CNY" else f"{currency} {amount:.2f}"
    return f"{currency} {amount:.2f}"


@case_ops.after_step("settle")
def track_agreement(case: Case, actor=None, reason=None) -> list[Obligation]:
    """The signed agreement's instalments (from the accepted proposal) become tracked terms:
    the respondent pays the applicant, as the agreement's text says (mediation/agreement.py)."""
    from ..mediation.agreement import current, lang_of
    from ..mediation.models import Proposal

    agreement = current(case)
    if agreement is None or agreement.proposal_id is None or obligations(case):
        return []
    proposal = db.session.get(Proposal, agreement.proposal_id)
    lang = lang_of(case)
    created = []
    for n, item in enumerate(proposal.instalments or [], 1):
        amount = Decimal(item["amount"])
        text = (f"第{n}期：被申请人向申请人支付{_money_words(amount, proposal.currency, lang)}" if lang == "zh_CN"
                else f"Instalment {n}: the respondent pays the applicant {_money_words(amount, proposal.currency, lang)}")
        obligation = Obligation(case_id=case.id, agreement_id=agreement.id, number=n, obligor_side=Side.RESPONDENT,
                                description=text, amount=amount, currency=proposal.currency,
                                due_on=date.fromisoformat(item["due_date"]), status=ObligationStatus.PENDING)
        db.session.add(obligation)
        created.append(obligation)
    if created:
        db.session.flush()
        record("performance.tracked", case=case, agreement_id=agreement.id,
               obligation_ids=[o.id for o in created])
    return created


def add_obligation(case: Case, actor, *, obligor_side, description, due_on: date, amount=None,
                   currency=None) -> Obligation:
    """A term of the agreement with its due date, entered by staff."""
    _ensure_tracking(case)
    side = Side(obligor_side)
    text = (description or "").strip()
    if not text or len(text) > MAX_DESCRIPTION:
        message = _("Describe the term (at most %(n)d characters).", n=MAX_DESCRIPTION)
        raise ValidationFailed(message, fields={"description": [message]})
    if amount is not None:
        try:
            amount = Decimal(amount)
        except (InvalidOperation, TypeError, ValueError):
            amount = Decimal(-1)
        if amount <= 0:
            message = _("The amount must be more than zero.")
            raise ValidationFailed(message, fields={"amount": [message]})
    if case.settled_at is not None and due_on < today(case.settled_at):
        message = _("The due date cannot be before the settlement.")
        raise ValidationFailed(message, fields={"due_on": [message]})
    obligation = Obligation(case_id=case.id, number=_next_number(case), obligor_side=side, description=text,
                            amount=amount, currency=currency or case.currency or "CNY", due_on=due_on,
                            status=ObligationStatus.PENDING, created_by_id=actor.id)
    db.session.add(obligation)
    db.session.flush()
    record("performance.term_added", actor=actor, case=case, obligation_id=obligation.id, side=side,
           due_on=due_on.isoformat())
    return obligation


def _side_of(user, case) -> Side:
    sides = [side for side in Side if side.value in case_roles(user, case)]
    if len(sides) != 1:
        raise NotAllowed(_("Only the parties report and confirm the performance of terms."))
    return sides[0]


def _people_of(case, side: Side) -> list:
    people = []
    for party in case.parties_on(side):
        ids = [i for i in (party.user_id, party.representative_user_id) if i]
        if ids:
            people.extend(db.session.get(User, i) for i in ids)
        elif party.email or party.phone:
            people.append(Contact(name=party.name, email=party.email, phone=party.phone))
    return people


def _mediators(case) -> list:
    return [a.user for a in case.assignments if a.removed_at is None]


def _other(side: Side) -> Side:
    return Side.RESPONDENT if side == Side.APPLICANT else Side.APPLICANT


def report(case: Case, user, obligation: Obligation, *, note: str = "", evidence_id=None) -> Obligation:
    """The obliged side says the term is performed; the other side is asked to confirm."""
    _ensure_tracking(case)
    if _side_of(user, case) != obligation.obligor_side:
        raise NotAllowed(_("Only the side that owes this term reports it performed."))
    if obligation.status not in OPEN_STATUSES:
        raise Conflict(_("This term has already been reported or confirmed."), code="already_reported")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        message = _("At most %(n)d characters.", n=MAX_NOTE)
        raise ValidationFailed(message, fields={"note": [message]})
    evidence = None
    if evidence_id is not None:
        evidence = db.session.get(Evidence, evidence_id) if isinstance(evidence_id, int) else None
        # The proof is for the other side to see: not a file private to one side.
        if evidence is None or evidence.case_id != case.id or evidence.private_to_side is not None:
            message = _("Choose a file of this case that both sides can see.")
            raise ValidationFailed(message, fields={"evidence_id": [message]})
    obligation.status = ObligationStatus.REPORTED
    obligation.reported_by_id, obligation.reported_at = user.id, utcnow()
    obligation.report_note = note
    obligation.evidence_id = evidence.id if evidence is not None else None
    obligation.dispute_reason = ""
    db.session.flush()
    record("performance.reported", actor=user, case=case, obligation_id=obligation.id,
           evidence_id=obligation.evidence_id)
    for person in _people_of(case, _other(obligation.obligor_side)):
        notify(person, "performance_reported", {"term": obligation.description, "url": case_url(case)}, case=case)
    return obligation


def _answer(case, user, obligation) -> None:
    _ensure_tracking(case)
    if _side_of(user, case) == obligation.obligor_side:
        raise NotAllowed(_("Only the side owed this term confirms or disputes it."))
    if obligation.status != ObligationStatus.REPORTED:
        raise Conflict(_("This term has not been reported performed."), code="not_reported")
    obligation.answered_by_id, obligation.answered_at = user.id, utcnow()


def confirm(case: Case, user, obligation: Obligation) -> Obligation:
    _answer(case, user, obligation)
    obligation.status = ObligationStatus.PERFORMED
    db.session.flush()
    record("performance.confirmed", actor=user, case=case, obligation_id=obligation.id)
    if not open_obligations(case):
        record("performance.completed", case=case)
    return obligation


def dispute(case: Case, user, obligation: Obligation, *, reason: str) -> Obligation:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_NOTE:
        message = _("Say why the term was not performed (at most %(n)d characters).", n=MAX_NOTE)
        raise ValidationFailed(message, fields={"reason": [message]})
    _answer(case, user, obligation)
    obligation.status = ObligationStatus.DISPUTED
    obligation.dispute_reason = reason
    db.session.flush()
    record("performance.disputed", actor=user, case=case, obligation_id=obligation.id, reason=reason)
    for person in _people_of(case, obligation.obligor_side) + _mediators(case):
        notify(person, "performance_disputed", {"term": obligation.description, "reason": reason,
                                                "url": case_url(case)}, case=case)
    return obligation


def remind_and_flag(now: datetime | None = None) -> dict:
    """The due-jobs of performance (odr/notifications/jobs.py runs this): one reminder to the
    obliged side when a pending term falls due within PERFORMANCE_REMINDER_DAYS, and a missed
    term (past its date, pending or disputed) flagged once to the mediators and the party owed.
    Each term is its own transaction; a second run at the same moment does nothing more."""
    import logging

    now = now or utcnow()
    on = today(now)
    days = int(current_app.config.get("PERFORMANCE_REMINDER_DAYS", REMINDER_DAYS))
    tracked = Case.state.in_(PERFORMANCE_STATES)
    due_ids = db.session.execute(
        select(Obligation.id).join(Case, Case.id == Obligation.case_id)
        .where(tracked, Obligation.status == ObligationStatus.PENDING, Obligation.reminded_at.is_(None),
               Obligation.due_on >= on, Obligation.due_on <= on + timedelta(days=days))
        .order_by(Obligation.id)
    ).scalars().all()
    missed_ids = db.session.execute(
        select(Obligation.id).join(Case, Case.id == Obligation.case_id)
        .where(tracked, Obligation.status.in_(OPEN_STATUSES), Obligation.flagged_at.is_(None),
               Obligation.due_on < on)
        .order_by(Obligation.id)
    ).scalars().all()
    counts = {"terms_reminded": 0, "terms_flagged": 0}
    for key, ids, work in (("terms_reminded", due_ids, _remind), ("terms_flagged", missed_ids, _flag)):
        for obligation_id in ids:
            try:
                if work(db.session.get(Obligation, obligation_id), now, on):
                    counts[key] += 1
                db.session.commit()
            except Exception:
                db.session.rollback()
                logging.getLogger(__name__).exception("performance job failed for term %s", obligation_id)
    return counts


def _remind(obligation: Obligation, now, on) -> bool:
    if obligation.status != ObligationStatus.PENDING or obligation.reminded_at is not None:
        return False  # reported or reminded in the meantime
    case = db.session.get(Case, obligation.case_id)
    obligation.reminded_at = now
    db.session.flush()
    for person in _people_of(case, obligation.obligor_side):
        notify(person, "performance_due", {"term": obligation.description, "deadline": obligation.due_on,
                                           "url": case_url(case)}, case=case)
    record("performance.reminded", case=case, obligation_id=obligation.id, due_on=obligation.due_on.isoformat())
    return True


def _flag(obligation: Obligation, now, on) -> bool:
    if not is_missed(obligation, on) or obligation.flagged_at is not None:
        return False
    case = db.session.get(Case, obligation.case_id)
    obligation.flagged_at = now
    db.session.flush()
    recipients = _mediators(case) + _people_of(case, _other(obligation.obligor_side))
    for person in recipients:
        notify(person, "performance_missed", {"term": obligation.description, "deadline": obligation.due_on,
                                              "url": case_url(case)}, case=case)
    record("performance.missed", case=case, obligation_id=obligation.id, due_on=obligation.due_on.isoformat())
    return True


def record_follow_up(case: Case, mediator, *, method, visited_on: date, answers: list, notes: str = "") -> FollowUp:
    """A follow-up visit (回访) by phone, in person or online, with each party's answers: are they
    satisfied with how the agreement is performed, and what issues remain."""
    _ensure_tracking(case)
    method = FollowUpMethod(method)
    if visited_on > today():
        message = _("The date of the visit cannot be in the future.")
        raise ValidationFailed(message, fields={"visited_on": [message]})
    parties = {p.id: p for p in case.parties}
    recorded, seen = [], set()
    for n, answer in enumerate(answers or []):
        party = parties.get(answer.get("party_id"))
        if party is None or party.id in seen:
            message = _("Choose a party of this case.")
            raise ValidationFailed(message, fields={f"answers.{n}.party_id": [message]})
        seen.add(party.id)
        issues = (answer.get("remaining_issues") or "").strip()
        if len(issues) > MAX_NOTE:
            message = _("At most %(n)d characters.", n=MAX_NOTE)
            raise ValidationFailed(message, fields={f"answers.{n}.remaining_issues": [message]})
        recorded.append({"party_id": party.id, "name": party.name, "side": party.side.value,
                         "satisfied": bool(answer.get("satisfied")), "remaining_issues": issues})
    if not recorded:
        message = _("Record the answer of at least one party.")
        raise ValidationFailed(message, fields={"answers": [message]})
    notes = (notes or "").strip()
    if len(notes) > MAX_FOLLOW_UP_NOTES:
        message = _("At most %(n)d characters.", n=MAX_FOLLOW_UP_NOTES)
        raise ValidationFailed(message, fields={"notes": [message]})
    visit = FollowUp(case_id=case.id, recorded_by_id=mediator.id, method=method, visited_on=visited_on,
                     answers=recorded, notes=notes)
    db.session.add(visit)
    db.session.flush()
    record("performance.follow_up", actor=mediator, case=case, follow_up_id=visit.id, method=method,
           visited_on=visited_on.isoformat(),
           satisfied=[a["party_id"] for a in recorded if a["satisfied"]])
    return visit


def follow_ups(case) -> list[FollowUp]:
    return list(db.session.execute(
        select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.visited_on, FollowUp.id)
    ).scalars())


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def obligation_payload(obligation: Obligation, on: date | None = None) -> dict:
    return {
        "id": obligation.id, "case_id": obligation.case_id, "number": obligation.number,
        "obligor_side": obligation.obligor_side.value, "description": obligation.description,
        "amount": None if obligation.amount is None else f"{obligation.amount:.2f}",
        "currency": obligation.currency, "due_on": obligation.due_on.isoformat(),
        "status": obligation.status.value, "missed": is_missed(obligation, on),
        "reported_at": _time(obligation.reported_at), "report_note": obligation.report_note,
        "evidence_id": obligation.evidence_id, "answered_at": _time(obligation.answered_at),
        "dispute_reason": obligation.dispute_reason, "reminded_at": _time(obligation.reminded_at),
        "flagged_at": _time(obligation.flagged_at),
    }


def follow_up_payload(visit: FollowUp) -> dict:
    return {"id": visit.id, "case_id": visit.case_id, "method": visit.method.value,
            "visited_on": visit.visited_on.isoformat(), "answers": list(visit.answers), "notes": visit.notes,
            "recorded_by_id": visit.recorded_by_id, "created_at": _time(visit.created_at)}
