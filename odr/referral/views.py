"""Referral pages: a case's referral page (choose, accept, return, consent, export), the
receiving body's inbox, a court's delegation form. Thin: load, authorize, one operation, commit
once, then redirect or render (docs/referral.md)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.enums import Category
from ..core.errors import NotFound, OperationError
from ..core.i18n import localized_name
from ..core.labels import label
from ..core.policy import authorize, can
from ..extensions import db
from ..orgs.models import Organisation
from . import bundle, operations
from .routes import ROUTES

bp = Blueprint("referral", __name__)


class ChooseForm(FlaskForm):
    target_organisation_id = SelectField(_l("Receiving body"), coerce=str, validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """Accepting needs nothing but the CSRF token; returning needs the reason."""


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why your body does not take the case"),
                           validators=[DataRequired(), Length(max=1000)],
                           description=_l("The parties read this."))


class ConsentForm(FlaskForm):
    consented = RadioField(_l("May the mediation record go to the receiving body?"),
                           choices=[SelectChoice("yes", _l("Yes, it may")), SelectChoice("no", _l("No"))],
                           validators=[DataRequired()])


class DelegateForm(FlaskForm):
    organisation_id = SelectField(_l("Mediation organisation"), coerce=str, validators=[DataRequired()])
    category = SelectField(_l("Kind of dispute"), validators=[DataRequired()])
    title = StringField(_l("Matter"), validators=[DataRequired(), Length(max=200)])
    facts = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=20000)])
    claims = TextAreaField(_l("What is asked for"), validators=[Optional(), Length(max=20000)])
    claim_amount = DecimalField(_l("Amount claimed"), places=2,
                                validators=[Optional(), NumberRange(min=0, max=10**12 - 1)])
    applicant_name = StringField(_l("Applicant's name"), validators=[DataRequired(), Length(max=120)])
    applicant_phone = StringField(_l("Applicant's telephone"), validators=[Optional(), Length(max=32)])
    respondent_name = StringField(_l("Other party's name"), validators=[DataRequired(), Length(max=120)])
    respondent_phone = StringField(_l("Other party's telephone"), validators=[Optional(), Length(max=32)])


@bp.app_template_global()
def referral_url(case) -> str | None:
    """The case's referral page, when there is something to see there (for the case page)."""
    if not can(current_user, "case.view", case):
        return None
    from ..core.enums import CaseState

    if case.state in (CaseState.REFERRAL_OFFERED, CaseState.REFERRED) or case.target_organisation_id:
        return url_for("referral.show", case_id=case.id)
    return None


@bp.app_template_global()
def may_use_referral_inbox() -> bool:
    return can(current_user, "referral.inbox")


def _case(case_id: int, action: str = "case.view") -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)
    if action != "case.view":
        authorize(current_user, action, case)
    return case


def _choose_form(case, info):
    form = ChooseForm(prefix="choose")
    form.target_organisation_id.choices = [SelectChoice("", _("Choose"))] + [
        SelectChoice(str(o.id), localized_name(o), optgroup=label(route))
        for route in ROUTES for o in info["options"].get(route.value) or []
    ]
    return form


def _page(case, status=200, **forms):
    info = operations.state_for(case, current_user)
    allowed = info["allowed"]
    forms.setdefault("choose_form", _choose_form(case, info) if "choose" in allowed else None)
    forms.setdefault("accept_form", DecisionForm(prefix="accept") if "accept" in allowed else None)
    forms.setdefault("return_form", ReturnForm(prefix="return") if "return" in allowed else None)
    forms.setdefault("consent_form", ConsentForm(prefix="consent") if "consent" in allowed else None)
    own = {p.id for p in operations.own_parties(case, current_user)}
    return render_template("referral/show.html", case=case, info=info, own_parties=own,
                           routes=ROUTES, **forms), status


@bp.route("/cases/<int:case_id>/referral")
@login_required
def show(case_id: int):
    return _page(_case(case_id))


def _after(case, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".show", case_id=case.id))


@bp.route("/cases/<int:case_id>/referral/choose", methods=["POST"])
@login_required
def choose(case_id: int):
    case = _case(case_id, "case.transition.choose_referral")
    info = operations.state_for(case, current_user)
    form = _choose_form(case, info)
    if not form.validate_on_submit():
        return _page(case, 422, choose_form=form)
    try:
        case_ops.transition(case, "choose_referral", current_user,
                            target_organisation_id=int(form.target_organisation_id.data))
    except OperationError as refused:
        db.session.rollback()
        form.target_organisation_id.errors = [refused.message]
        return _page(case, 422, choose_form=form)
    return _after(case, _("The case was sent. You will be told when the body answers."))


@bp.route("/cases/<int:case_id>/referral/accept", methods=["POST"])
@login_required
def accept(case_id: int):
    case = _case(case_id, "case.transition.refer")
    form = DecisionForm(prefix="accept")
    if not form.validate_on_submit():
        return _page(case, 422, accept_form=form)
    try:
        case_ops.transition(case, "refer", current_user)
    except OperationError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _page(case, 422)
    return _after(case, _("Your body has accepted the case. The referral letter is being issued."))


@bp.route("/cases/<int:case_id>/referral/return", methods=["POST"])
@login_required
def return_case(case_id: int):
    case = _case(case_id, "case.transition.return_referral")
    form = ReturnForm(prefix="return")
    if not form.validate_on_submit():
        return _page(case, 422, return_form=form)
    try:
        case_ops.transition(case, "return_referral", current_user, reason=form.reason.data)
    except OperationError as refused:
        db.session.rollback()
        form.reason.errors = [refused.message]
        return _page(case, 422, return_form=form)
    db.session.commit()
    flash(_("The case was returned with your reason. The parties have been told."), "success")
    # The body no longer holds the case: back to the inbox.
    return redirect(url_for(".inbox"))


@bp.route("/cases/<int:case_id>/referral/consent", methods=["POST"])
@login_required
def consent(case_id: int):
    case = _case(case_id, "case.referral.consent")
    form = ConsentForm(prefix="consent")
    if not form.validate_on_submit():
        return _page(case, 422, consent_form=form)
    try:
        operations.set_record_consent(case, current_user, form.consented.data == "yes")
    except OperationError as refused:
        db.session.rollback()
        form.consented.errors = [refused.message]
        return _page(case, 422, consent_form=form)
    return _after(case, _("Your answer was saved."))


@bp.route("/cases/<int:case_id>/bundle.zip")
@login_required
def export(case_id: int):
    case = _case(case_id, "case.bundle.export")
    try:
        data, manifest = bundle.build_bundle(case, current_user)
    except OperationError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _page(case, 422)
    name = f"{case.reference}-bundle.zip"
    db.session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Bundle-SHA256"] = manifest["bundle_sha256"]
    return response


@bp.route("/referrals")
@login_required
def inbox():
    authorize(current_user, "referral.inbox")
    lists = operations.inbox_dump(current_user)
    return render_template("referral/inbox.html", lists=lists,
                           may_delegate=operations.court_of(current_user) is not None)


def _delegate_form():
    form = DelegateForm()
    from sqlalchemy import select

    bodies = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True),
                                   Organisation.type.in_(case_ops.MEDIATING_TYPES))
        .order_by(Organisation.type, Organisation.name)
    ).scalars().all()
    form.organisation_id.choices = [SelectChoice("", _("Choose"))] + [
        SelectChoice(str(o.id), localized_name(o)) for o in bodies]
    form.category.choices = [SelectChoice("", _("Choose"))] + [SelectChoice(c.value, label(c)) for c in Category]
    return form


@bp.route("/referrals/delegate", methods=["GET", "POST"])
@login_required
def delegate():
    authorize(current_user, "referral.delegate")
    if operations.court_of(current_user) is None:
        flash(_("Only a court's clerk can delegate a case to mediation."), "error")
        return redirect(url_for(".inbox"))
    form = _delegate_form()
    if not form.validate_on_submit():
        return render_template("referral/delegate.html", form=form), 422 if form.is_submitted() else 200
    try:
        case = operations.delegate(
            current_user, organisation_id=int(form.organisation_id.data), category=form.category.data,
            title=form.title.data, facts=form.facts.data, claims=form.claims.data or "",
            claim_amount=form.claim_amount.data,
            applicant={"name": form.applicant_name.data, "phone": form.applicant_phone.data or None},
            respondent={"name": form.respondent_name.data, "phone": form.respondent_phone.data or None},
        )
    except OperationError as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return render_template("referral/delegate.html", form=form), 422
    db.session.commit()
    flash(_("The case was sent to %(organisation)s for mediation.",
            organisation=localized_name(db.session.get(Organisation, int(form.organisation_id.data)))),
          "success")
    return redirect(url_for("cases.show", case_id=case.id))
