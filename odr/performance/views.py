"""Pages of performance tracking: the panel on the case page (the terms, report / confirm /
dispute, staff add a term, the mediator's follow-up visits). Thin: parse, authorise, one
operation, commit once; a refused attempt shows the case page again with what was entered."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.enums import Side
from ..core.errors import NotFound, OperationError, ValidationFailed
from ..core.policy import authorize, can, case_roles
from ..extensions import db
from . import operations, timeline  # noqa: F401 (timeline registers the timeline's words)
from .models import FollowUpMethod, ObligationStatus
from .timeline import METHOD_WORDS

bp = Blueprint("performance", __name__)


def _case(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)
    authorize(current_user, action, case)
    return case


def _done(case, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="performance"), code=303)


def _again(case_id, error: OperationError, form: str):
    from ..cases.views import _load_case, _render_case

    db.session.rollback()
    g.performance_form = {"form": form, "values": request.form.to_dict(), "error": error.message,
                          "fields": error.fields}
    return _render_case(_load_case(case_id), error.status)


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        message = _("Enter a date.")
        raise ValidationFailed(message, fields={name: [message]}) from None


@bp.app_template_global()
def performance_panel(case) -> dict | None:
    """The terms of the agreement and what this viewer may do with them, or None."""
    items = operations.obligations(case)
    may_manage = can(current_user, "performance.manage", case)
    may_follow_up = can(current_user, "performance.follow_up", case)
    if not items and not may_manage and not may_follow_up:
        return None
    may_report = can(current_user, "performance.report", case)
    sides = [side for side in Side if side.value in case_roles(current_user, case)]
    side = sides[0] if len(sides) == 1 else None
    today = operations.today()
    rows = []
    for item in items:
        rows.append({
            **operations.obligation_payload(item, today),
            "can_report": may_report and side == item.obligor_side and item.status in (
                ObligationStatus.PENDING, ObligationStatus.DISPUTED),
            "can_answer": may_report and side is not None and side != item.obligor_side
            and item.status == ObligationStatus.REPORTED,
        })
    visits = (operations.follow_ups(case) if can(current_user, "performance.follow_up.view", case) else [])
    return {
        "rows": rows,
        "missed": [r for r in rows if r["missed"]],
        "can_manage": may_manage,
        "can_follow_up": may_follow_up,
        "follow_ups": [operations.follow_up_payload(v) for v in visits],
        "methods": [(m.value, str(METHOD_WORDS[m.value])) for m in FollowUpMethod],
        "parties": list(case.parties),
        "form": g.get("performance_form") or {"form": None, "values": {}, "error": None, "fields": {}},
    }


@bp.post("/cases/<int:case_id>/obligations")
@login_required
def add(case_id: int):
    case = _case(case_id, "performance.manage")
    try:
        side = request.form.get("obligor_side")
        if side not in {s.value for s in Side}:
            message = _("Choose the side that owes the term.")
            raise ValidationFailed(message, fields={"obligor_side": [message]})
        operations.add_obligation(case, current_user, obligor_side=side,
                                  description=request.form.get("description", ""), due_on=_day("due_on"),
                                  amount=request.form.get("amount") or None)
    except OperationError as error:
        return _again(case_id, error, "add")
    return _done(case, _("The term is now tracked."))


@bp.post("/cases/<int:case_id>/obligations/<int:obligation_id>/report")
@login_required
def report(case_id: int, obligation_id: int):
    case = _case(case_id, "performance.report")
    try:
        obligation = operations.get_obligation(case, obligation_id)
        evidence_id = None
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            # The receipt goes through the case's ordinary evidence upload (type and size checks).
            evidence_id = case_ops.add_evidence(case, current_user, filename=upload.filename, data=upload.read(),
                                                description=obligation.description).id
        operations.report(case, current_user, obligation, note=request.form.get("note", ""),
                          evidence_id=evidence_id)
    except OperationError as error:
        return _again(case_id, error, f"report-{obligation_id}")
    return _done(case, _("Marked as performed. The other party is asked to confirm."))


@bp.post("/cases/<int:case_id>/obligations/<int:obligation_id>/<any(confirm,dispute):answer>")
@login_required
def answer(case_id: int, obligation_id: int, answer: str):
    case = _case(case_id, "performance.report")
    try:
        obligation = operations.get_obligation(case, obligation_id)
        if answer == "confirm":
            operations.confirm(case, current_user, obligation)
        else:
            operations.dispute(case, current_user, obligation, reason=request.form.get("reason", ""))
    except OperationError as error:
        return _again(case_id, error, f"answer-{obligation_id}")
    return _done(case, _("Thank you: your answer was recorded."))


@bp.post("/cases/<int:case_id>/follow-ups")
@login_required
def follow_up(case_id: int):
    case = _case(case_id, "performance.follow_up")
    try:
        method = request.form.get("method")
        if method not in {m.value for m in FollowUpMethod}:
            message = _("Choose how the follow-up was made.")
            raise ValidationFailed(message, fields={"method": [message]})
        answers = []
        for party in case.parties:
            satisfied = request.form.get(f"satisfied-{party.id}")
            if satisfied in ("yes", "no"):
                answers.append({"party_id": party.id, "satisfied": satisfied == "yes",
                                "remaining_issues": request.form.get(f"issues-{party.id}", "")})
        operations.record_follow_up(case, current_user, method=method, visited_on=_day("visited_on"),
                                    answers=answers, notes=request.form.get("notes", ""))
    except OperationError as error:
        return _again(case_id, error, "follow_up")
    return _done(case, _("The follow-up visit was recorded."))
