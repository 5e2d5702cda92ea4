"""Pages of supervision: the board (/supervision), an organisation's deadlines
(/organisations/<id>/deadlines), and on the case page the clock and the instructions (督办) with
the handler's answer. Thin: parse, authorise, one operation, commit once; a refused form shows
the page again with what was entered and the error."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..cases import workflow
from ..cases.models import Case
from ..core.enums import CaseState, Category
from ..core.errors import NotFound, OperationError, ValidationFailed
from ..core.models import utcnow
from ..core.policy import authorize, can
from ..extensions import db
from ..orgs.models import Organisation
from . import (
    operations,
    timeline,  # noqa: F401  (registers the timeline's words)
)
from .board import VIEWS, Board, BoardFilters
from .models import ClockAlert, Instruction

bp = Blueprint("supervision", __name__)


@bp.app_template_global()
def may_supervise() -> bool:
    return can(current_user, "supervision.board")


@bp.get("/supervision")
@login_required
def board():
    authorize(current_user, "supervision.board")
    filters = BoardFilters.from_args(request.args)
    view = Board(current_user, filters)
    return render_template("supervision/board.html", filters=filters, rows=view.rows(), counts=view.counts(),
                           views=VIEWS, organisations=view.organisations(), states=list(CaseState),
                           categories=list(Category))


# --- an organisation's deadlines ----------------------------------------------------------------


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    authorize(current_user, "organisation.deadlines", organisation)
    return organisation


@bp.get("/organisations/deadlines")
@login_required
def my_deadlines():
    """The organisations whose deadlines this user may set."""
    organisations = [o for o in db.session.execute(select(Organisation).order_by(Organisation.path)).scalars()
                     if can(current_user, "organisation.deadlines", o)]
    if not organisations:
        authorize(current_user, "organisation.deadlines")  # refused and audited: none of theirs
    return render_template("supervision/organisations.html", organisations=organisations)


@bp.route("/organisations/<int:organisation_id>/deadlines", methods=["GET", "POST"])
@login_required
def deadlines(organisation_id: int):
    organisation = _organisation(organisation_id)
    error, values, status = None, {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            changes = operations.save_deadlines(organisation, current_user, values)
            db.session.commit()
        except ValidationFailed as failure:
            db.session.rollback()
            error, status = failure, failure.status
        else:
            flash(_("The deadlines were saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("supervision.deadlines", organisation_id=organisation.id), code=303)
    return render_template("supervision/deadlines.html", organisation=organisation,
                           table=operations.deadline_table(organisation), values=values, error=error), status


# --- the case page: clock and instructions ------------------------------------------------------


@bp.app_template_global()
def supervision_panel(case) -> dict | None:
    """The clock and the instructions for those who work the case, or None."""
    if not can(current_user, "case.instruction.view", case):
        return None
    now = utcnow()
    instructions = operations.open_instructions(case)
    alerts = db.session.execute(
        select(ClockAlert).where(ClockAlert.case_id == case.id, ClockAlert.state == case.state,
                                 ClockAlert.clock_started_at == case.state_entered_at).order_by(ClockAlert.level)
    ).scalars().all()
    may_instruct = can(current_user, "case.instruct", case)
    form = getattr(g, "instruction_form", None) or {"form": "", "values": {}, "error": None, "fields": {}}
    return {
        "now": now,
        "deadline": case.state_deadline if not case.is_final else None,
        "overdue": bool(case.state_deadline and not case.is_final and case.state_deadline < now),
        "days_late": (now - case.state_deadline).days if case.state_deadline and case.state_deadline < now else 0,
        "default_days": workflow.DEFAULT_DEADLINE_DAYS.get(case.state),
        "alerts": alerts,
        "instructions": instructions,
        "may_answer": can(current_user, "case.instruction.answer", case),
        "may_instruct": may_instruct,
        "handlers": operations.handlers(case) if may_instruct else [],
        "form": form,
        "today": now.date(),
    }


def _case(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)
    authorize(current_user, action, case)
    return case


def _again(case_id: int, error: OperationError, form: str):
    from ..cases.views import _load_case, _render_case

    db.session.rollback()
    g.instruction_form = {"form": form, "values": request.form.to_dict(), "error": error.message,
                          "fields": error.fields}
    return _render_case(_load_case(case_id), error.status)


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


@bp.post("/cases/<int:case_id>/instructions")
@login_required
def instruct(case_id: int):
    case = _case(case_id, "case.instruct")
    try:
        operations.issue_instruction(case, current_user, request.form.get("handler_id"), request.form.get("text", ""),
                                     _day("due_on"))
    except OperationError as error:
        return _again(case_id, error, "instruct")
    db.session.commit()
    flash(_("The instruction was sent."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="instructions"), code=303)


@bp.post("/cases/<int:case_id>/instructions/<int:instruction_id>/answer")
@login_required
def answer(case_id: int, instruction_id: int):
    case = _case(case_id, "case.instruction.answer")
    instruction = db.session.get(Instruction, instruction_id)
    if instruction is None or instruction.case_id != case.id:
        raise NotFound()
    try:
        operations.answer_instruction(instruction, current_user, request.form.get("answer", ""))
    except OperationError as error:
        return _again(case_id, error, f"answer-{instruction_id}")
    db.session.commit()
    flash(_("Your answer was sent."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="instructions"), code=303)
