"""/invite/<token>: the respondent's way in; /respond/<case_id>: their answer page.

Thin handlers: load -> authorize -> one operation -> commit once -> redirect (303); an invalid
form renders again with 422 and keeps what was typed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth.operations import InvitationInvalid, check_invitation, redeem_invitation, set_password
from ..cases import operations as case_ops
from ..cases.forms import EvidenceForm
from ..cases.models import Case, Party
from ..core.enums import PARTY_ROLES, CaseState, Side
from ..core.errors import Conflict, NotFound, OperationError, ValidationFailed
from ..core.policy import authorize, can
from ..extensions import db
from . import operations
from .forms import AccountForm, ConsentForm, DeclineForm, PasswordForm, StatementForm

bp = Blueprint("invitations", __name__)

# An unknown link is not found; a spent one conflicts with its use; an expired one is gone.
_STATUS = {"invitation_invalid": 404, "invitation_used": 409, "invitation_expired": 410}


def _invalid(error: InvitationInvalid):
    status = _STATUS.get(error.code, 409)
    return render_template("invitations/invalid.html", message=error.message, code=error.code), status


def _invitation_page(token, invitation, status=200, account_form=None, problem=None):
    case = db.session.get(Case, invitation.case_id)
    party = db.session.get(Party, invitation.party_id)
    if account_form is None:
        account_form = AccountForm(formdata=None, name=party.name, email=party.email, phone=party.phone)
    signed_in_party = current_user.is_authenticated and current_user.role in PARTY_ROLES
    return render_template(
        "invitations/show.html", token=token, invitation=invitation, case=case, party=party,
        applicants=operations.applicant_names(case), form=account_form, problem=problem,
        signed_in_party=signed_in_party,
    ), status


@bp.get("/invite/<token>")
def show(token: str):
    try:
        invitation = check_invitation(token)
    except InvitationInvalid as error:
        return _invalid(error)
    return _invitation_page(token, invitation)


def _joined(user, invitation):
    db.session.commit()
    if current_user != user:
        login_user(user)
    flash(_("Welcome. You can now answer the request for mediation."), "success")
    return redirect(url_for("invitations.respond", case_id=invitation.case_id), code=303)


@bp.post("/invite/<token>/account")
def create_account(token: str):
    try:
        invitation = check_invitation(token)
    except InvitationInvalid as error:
        return _invalid(error)
    form = AccountForm()
    if not form.validate_on_submit():
        return _invitation_page(token, invitation, 422, account_form=form)
    try:
        user = operations.join_with_new_account(
            token, invitation, name=form.name.data, email=(form.email.data or "").lower() or None,
            phone=form.phone.data or None, password=form.password.data)
    except OperationError as error:
        db.session.rollback()
        target = form.password if "password" in error.fields else form.email
        target.errors = [error.message]
        return _invitation_page(token, check_invitation(token), error.status, account_form=form)
    return _joined(user, invitation)


@bp.post("/invite/<token>/link")
def link_only(token: str):
    """Continue with the link alone, or (signed in as a party) with the current account."""
    try:
        invitation = check_invitation(token)
    except InvitationInvalid as error:
        return _invalid(error)
    try:
        if current_user.is_authenticated:
            if current_user.role not in PARTY_ROLES:
                raise Conflict(_("You are signed in as staff. Sign out to answer this invitation."))
            redeem_invitation(token, current_user)
            user = current_user._get_current_object()
        else:
            user = operations.join_with_link_only(token, invitation)
    except OperationError as error:
        db.session.rollback()
        return _invitation_page(token, check_invitation(token), error.status, problem=error.message)
    return _joined(user, invitation)


# --- on the case page: the way to the answer page, and a new link ------------------------------


@bp.app_template_global()
def invitation_panel(case) -> dict:
    awaiting = case.state == CaseState.AWAITING_RESPONDENT
    return {"respond": awaiting and can(current_user, "case.respond", case),
            "resend": awaiting and can(current_user, "case.invite", case)}


@bp.post("/cases/<int:case_id>/invitation")
@login_required
def resend(case_id: int):
    """A fresh link for each respondent (the old ones stay valid until they expire)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.invite", case)
    if case.state != CaseState.AWAITING_RESPONDENT:
        raise Conflict(_("The other party is not being asked at the moment."))
    sent = operations.invite_respondent(case, current_user)
    db.session.commit()
    flash(_("A new invitation link was sent (%(n)d).", n=sent), "success")
    return redirect(url_for("cases.show", case_id=case.id), code=303)


# --- the answer page ---------------------------------------------------------------------------


def _respondent_case(case_id: int, action: str = "case.respond") -> tuple[Case, Party]:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, action, case)
    party = operations.party_of(case, current_user)
    if party is None:  # the respondent role came from somewhere else (cannot happen today)
        raise NotFound()
    return case, party


def _render_respond(case, party, status=200, **forms):
    forms.setdefault("decline_form", DeclineForm(formdata=None))
    forms.setdefault("statement_form", StatementForm(formdata=None, statement=party.statement or ""))
    forms.setdefault("evidence_form", EvidenceForm(formdata=None))
    forms.setdefault("password_form", PasswordForm(formdata=None))
    evidence = [e for e in case.evidence if can(current_user, "evidence.download", e)]
    return render_template(
        "invitations/respond.html", case=case, party=party, evidence=evidence,
        applicants=operations.applicant_names(case), consent_form=ConsentForm(formdata=None),
        awaiting=case.state == CaseState.AWAITING_RESPONDENT,
        may_consent=can(current_user, "case.transition.consent", case),
        needs_password=not current_user.password_hash, **forms,
    ), status


@bp.get("/respond/<int:case_id>")
@login_required
def respond(case_id: int):
    case, party = _respondent_case(case_id)
    return _render_respond(case, party)


def _back(case):
    return redirect(url_for("invitations.respond", case_id=case.id), code=303)


@bp.post("/respond/<int:case_id>/consent")
@login_required
def consent(case_id: int):
    case, party = _respondent_case(case_id, "case.transition.consent")
    if not ConsentForm().validate_on_submit():
        return _render_respond(case, party, 422)
    if not case.mediator_ids:
        # The workflow starts mediation only with a mediator (workflow._has_mediator). The
        # respondent is not to blame: say so, and ask the clerks to assign one.
        operations.ask_for_mediator(case, current_user)
        db.session.commit()
        flash(_("Thank you. No mediator has been named for this case yet; we have asked the "
                "organisation to name one. Please come back to agree once they have: we will "
                "tell you."), "error")
        return _back(case)
    case_ops.transition(case, "consent", current_user)
    db.session.commit()
    flash(_("Thank you. Mediation can start; the mediator will contact you."), "success")
    return _back(case)


@bp.post("/respond/<int:case_id>/decline")
@login_required
def decline(case_id: int):
    case, party = _respondent_case(case_id, "case.transition.decline")
    form = DeclineForm()
    if not form.validate_on_submit():
        return _render_respond(case, party, 422, decline_form=form)
    case_ops.transition(case, "decline", current_user, reason=form.reason.data)
    db.session.commit()
    flash(_("Your answer was recorded. The applicant has been told."), "success")
    return _back(case)


@bp.post("/respond/<int:case_id>/statement")
@login_required
def statement(case_id: int):
    case, party = _respondent_case(case_id, "case.statement")
    form = StatementForm()
    if not form.validate_on_submit():
        return _render_respond(case, party, 422, statement_form=form)
    try:
        operations.give_statement(case, party, current_user, form.statement.data)
    except ValidationFailed as error:
        db.session.rollback()
        form.statement.errors = [error.message]
        return _render_respond(case, party, error.status, statement_form=form)
    db.session.commit()
    flash(_("Your side of the story was saved."), "success")
    return _back(case)


@bp.post("/respond/<int:case_id>/evidence")
@login_required
def evidence(case_id: int):
    case, party = _respondent_case(case_id, "case.evidence.upload")
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _render_respond(case, party, 422, evidence_form=form)
    try:
        case_ops.add_evidence(case, current_user, filename=form.file.data.filename or "",
                              data=form.file.data.read(), description=form.description.data or "",
                              private_to_side=Side.RESPONDENT if form.private.data else None)
    except ValidationFailed as error:
        db.session.rollback()
        form.file.errors = [error.message]
        case, party = _respondent_case(case_id)
        return _render_respond(case, party, error.status, evidence_form=form)
    db.session.commit()
    flash(_("The file was added to the case."), "success")
    return _back(case)


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error):
    """A file over MAX_CONTENT_LENGTH is refused before the form is read: say so on the answer
    page (the page's script refuses such a file before sending it, keeping what was typed)."""
    message = _("The file is too large (at most 20 MB).")
    if request.endpoint == "invitations.evidence" and current_user.is_authenticated:
        try:
            case, party = _respondent_case((request.view_args or {}).get("case_id"), "case.evidence.upload")
        except OperationError:
            pass
        else:
            form = EvidenceForm(formdata=None)
            form.file.errors = [message]
            return _render_respond(case, party, 413, evidence_form=form)
    return render_template("error.html", status=413, message=message), 413


@bp.post("/respond/<int:case_id>/password")
@login_required
def password(case_id: int):
    """Someone who came in with the link alone sets a password, to come back without a link."""
    case, party = _respondent_case(case_id)
    form = PasswordForm()
    if current_user.password_hash:
        return _back(case)
    if not form.validate_on_submit():
        return _render_respond(case, party, 422, password_form=form)
    set_password(current_user, form.password.data)
    db.session.commit()
    flash(_("Your password is set. Sign in with %(login)s next time.", login=current_user.login),
          "success")
    return _back(case)
