"""Pages of satisfaction: a party rates a closed case (/cases/<id>/rating); the organisation's
clerks and supervisors read a case's ratings with their comments (/cases/<id>/ratings)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.api import _case
from ..core.errors import OperationError
from ..core.policy import authorize, can
from ..extensions import db
from . import operations

bp = Blueprint("satisfaction", __name__)


@bp.app_template_global()
def satisfaction_panel(case) -> dict | None:
    """On a closed case's page: the party's way to rate it, or the staff's way to the ratings."""
    from ..core.enums import CaseState

    if case.state != CaseState.CLOSED:
        return None
    may_view = can(current_user, "case.ratings.view", case)
    may_rate = can(current_user, "case.rate", case)
    if not may_view and not may_rate:
        return None
    items = operations.ratings(case)
    mine = {p.id for p in operations.parties_of(current_user, case)} if may_rate else set()
    rated = {r.party_id for r in items}
    return {"may_view": may_view, "count": len(items),
            "may_rate": bool(mine - rated), "rated": bool(mine & rated)}


@bp.route("/cases/<int:case_id>/rating", methods=["GET", "POST"])
@login_required
def rate(case_id: int):
    case = _case(case_id, "case.view")
    own = operations.own_ratings(case, current_user)
    may_rate = can(current_user, "case.rate", case) and operations.unrated_party(case, current_user) is not None
    if request.method == "POST" or not own:
        authorize(current_user, "case.rate", case)  # 403 (and audited) for anyone but a party
    context = {"case": case, "own": own, "may_rate": may_rate,
               "needs_mediator": operations.case_mediator_id(case) is not None}
    if request.method == "GET":
        return render_template("satisfaction/rate.html", error=None, values={}, **context)
    try:
        operations.rate(case, current_user, process_score=request.form.get("process_score"),
                        mediator_score=request.form.get("mediator_score"),
                        comment=request.form.get("comment", ""))
    except OperationError as error:
        db.session.rollback()
        return render_template("satisfaction/rate.html", error=error, values=request.form,
                               **context), error.status
    db.session.commit()
    flash(_("Thank you. Your rating has been recorded."), "success")
    return redirect(url_for("satisfaction.rate", case_id=case.id), code=303)


@bp.get("/cases/<int:case_id>/ratings")
@login_required
def ratings(case_id: int):
    case = _case(case_id, "case.ratings.view")
    items = operations.ratings(case)
    from sqlalchemy import select

    from ..auth.models import User

    ids = {r.user_id for r in items} | {r.mediator_id for r in items if r.mediator_id}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids or [-1])))}
    sides = {p.id: p for p in case.parties}
    return render_template("satisfaction/ratings.html", case=case, items=items, people=people, sides=sides)
