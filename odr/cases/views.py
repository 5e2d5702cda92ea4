"""Pages: the dashboard per role and the case page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.policy import visible_cases_clause
from ..extensions import db
from .models import Case

bp = Blueprint("cases", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("cases.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    cases = db.session.execute(
        select(Case)
        .where(visible_cases_clause(current_user))
        .options(selectinload(Case.parties))
        .order_by(Case.id.desc())
        .limit(50)
    ).scalars().all()
    return render_template("cases/dashboard.html", cases=cases)
