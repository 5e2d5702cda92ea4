"""Pages: the roster, a mediator's own profile, a studio's public page, a party's request for a
mediator and the clerk's decision. Thin: rules in operations.py, rights in odr/core/policy.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.models import Case
from ..core.enums import Category, Role
from ..core.errors import Conflict, ValidationFailed
from ..core.policy import authorize, may_decide_mediator_request, may_request_mediator, require
from ..evaluation.forms import options
from ..extensions import db
from . import operations
from .forms import DecideForm, ProfileForm, RequestForm
from .models import MediatorRequest

bp = Blueprint("roster", __name__)


def _filters():
    category = request.args.get("category") or None
    language = request.args.get("language") or None
    if category not in {c.value for c in Category}:
        category = None
    if language not in operations.LANGUAGES:
        language = None
    return category, language


@bp.route("/mediators")
@login_required
def index():
    category, language = _filters()
    entries = operations.roster(category=category, language=language)
    return render_template("roster/index.html", entries=entries, category=category, language=language,
                           categories=list(Category), languages=operations.LANGUAGES)


@bp.route("/studios/<int:user_id>")
def studio(user_id: int):
    entry = operations.studio(user_id)
    if entry is None:
        abort(404)
    return render_template("roster/studio.html", entry=entry, languages=operations.LANGUAGES)


@bp.route("/mediators/profile", methods=["GET", "POST"])
@login_required
def profile():
    require(current_user.role == Role.MEDIATOR, current_user, "roster.profile.edit")
    existing = operations.profile_of(current_user.id)
    form = ProfileForm(obj=existing)
    form.set_choices()
    status = 200
    if form.validate_on_submit():
        try:
            operations.save_profile(current_user, current_user, **{
                name: getattr(form, name).data for name in (
                    "specialties", "languages", "years_of_practice", "qualifications", "availability", "bio",
                    "studio_name", "studio_public", "home_address", "employer")})
        except ValidationFailed as error:
            db.session.rollback()
            for name, messages in error.fields.items():
                getattr(form, name).errors = list(messages)
            status = 422
        else:
            db.session.commit()
            flash(_("Your profile was saved."), "success")
            return redirect(url_for(".profile"))
    elif form.is_submitted():
        status = 422
    return render_template("roster/profile.html", form=form, profile=existing), status


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    authorize(current_user, "case.view", case)
    return case


def _side_of(case) -> str:
    from ..core.policy import case_roles

    roles = case_roles(current_user, case)
    return "applicant" if "applicant" in roles else "respondent"


@bp.route("/cases/<int:case_id>/mediator-request", methods=["GET", "POST"])
@login_required
def request_mediator(case_id: int):
    case = _case(case_id)
    require(may_request_mediator(current_user, case), current_user, "case.mediator.request", case)
    form = RequestForm()
    eligible = operations.eligible_mediators(case)
    choices = [(m.id, m.name) for m in eligible]
    if case.mediator_ids:
        choices.append((0, str(_("A different mediator from the one assigned"))))
    form.mediator_id.choices = options(choices)
    status = 200
    if form.validate_on_submit():
        try:
            operations.request_mediator(case, current_user, side=_side_of(case),
                                        mediator_id=form.mediator_id.data or None, reason=form.reason.data)
        except (ValidationFailed, Conflict) as error:
            db.session.rollback()
            target = form.reason if "reason" in error.fields else form.mediator_id
            target.errors = list(error.fields.get(target.name, [error.message]))
            status = 422 if isinstance(error, ValidationFailed) else 409
        else:
            db.session.commit()
            flash(_("Your request was sent to the clerk, who will decide and tell you why."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    elif form.is_submitted():
        status = 422
    entries = {e.user.id: e for e in operations.roster(organisation_ids=None)} if eligible else {}
    return render_template("roster/request.html", case=case, form=form, eligible=eligible, entries=entries,
                           languages=operations.LANGUAGES), status


@bp.post("/cases/<int:case_id>/mediator-requests/<int:request_id>")
@login_required
def decide(case_id: int, request_id: int):
    case = _case(case_id)
    require(may_decide_mediator_request(current_user, case), current_user, "case.mediator.decide", case)
    mediator_request = db.session.get(MediatorRequest, request_id)
    if mediator_request is None or mediator_request.case_id != case.id:
        abort(404)
    form = DecideForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#mediator-requests")
    try:
        operations.decide_request(case, current_user, mediator_request, grant=form.decision.data == "grant",
                                  reason=form.reason.data)
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The decision was recorded and the party told."), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#mediator-requests")


@bp.app_template_global("mediator_requests_panel")
def mediator_requests_panel(case) -> dict | None:
    """What the case page shows of mediator requests, for the viewer (None: nothing)."""
    may_ask = may_request_mediator(current_user, case)
    may_decide = may_decide_mediator_request(current_user, case)
    if not (may_ask or may_decide):
        return None
    requests = operations.requests_of_case(case)
    if may_ask and not may_decide:
        requests = [r for r in requests if r.requested_by_id == current_user.id]
    return {"may_ask": may_ask, "may_decide": may_decide, "requests": requests}
