"""Pages: the dashboard per role, the case page, its workflow steps, evidence, new cases and parties.

Every handler follows the same line: load (404 if missing), ask the policy, call one operation,
commit once, redirect (303) with a flash; an invalid form renders the page again with 422.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ..core.enums import PARTY_ROLES, PartyKind, Side
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.i18n import is_chinese
from ..core.labels import label
from ..core.policy import authorize, can, case_roles
from ..extensions import db
from . import operations
from .case_page import case_page_context, day, filesize, money, region_choices
from .dashboard import dashboard_context, is_overdue
from .files import send_evidence
from .forms import CaseForm, EvidenceForm, PartyForm, TransitionForm
from .models import Case, Evidence

bp = Blueprint("cases", __name__)
bp.add_app_template_filter(day, "day")
bp.add_app_template_filter(money, "money")
bp.add_app_template_filter(filesize, "filesize")
bp.add_app_template_global(is_overdue, "is_overdue")


def _see_other(case: Case):
    return redirect(url_for("cases.show", case_id=case.id), code=303)


def _load_case(case_id: int) -> Case:
    case = db.session.execute(
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.parties),
            selectinload(Case.evidence).joinedload(Evidence.uploaded_by),
            selectinload(Case.assignments),
        )
    ).scalar()
    if case is None:
        raise NotFound()
    return case


def _case_for(case_id: int, action: str | None = None) -> Case:
    """The case, if the user may see it (404 and an audit entry if not) and may do `action` on it."""
    case = _load_case(case_id)
    authorize(current_user, "case.view", case)
    if action:
        authorize(current_user, action, case)
    return case


def _render_case(case: Case, status: int = 200, **context):
    return render_template("cases/show.html", **case_page_context(case, current_user, **context)), status


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("cases.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("cases/dashboard.html", **dashboard_context(current_user, request.args))


@bp.route("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _render_case(_case_for(case_id))


@bp.post("/cases/<int:case_id>/transition")
@login_required
def take_step(case_id: int):
    case = _case_for(case_id)
    form = TransitionForm()
    action = form.action.data or ""
    if form.expected_version.data != str(case.version):
        flash(_("Someone else changed this case in the meantime. Nothing was changed; please look again."), "error")
        return _see_other(case)
    authorize(current_user, f"case.transition.{action}", case)
    if not form.validate():
        return _render_case(case, 422, step_form=form)
    try:
        operations.transition(
            case, action, current_user,
            reason=form.reason.data,
            expected_version=form.expected_version.data,
            target_organisation_id=form.target_organisation_id.data or None,
        )
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        form.reason.errors = list(error.fields.get("reason", []))
        form.target_organisation_id.errors = list(error.fields.get("target_organisation_id", []))
        if error.message not in form.reason.errors + form.target_organisation_id.errors:
            form.form_errors.append(error.message)  # said once, next to its field if it has one
        return _render_case(_load_case(case_id), error.status, step_form=form)
    db.session.commit()
    flash(_("Done. The case is now: %(state)s.", state=label(case.state)), "success")
    return _see_other(case)


@bp.post("/cases/<int:case_id>/evidence")
@login_required
def upload_evidence(case_id: int):
    case = _case_for(case_id, "case.evidence.upload")
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _render_case(case, 422, evidence_form=form)
    private_to_side = None
    sides = [s for s in Side if s.value in case_roles(current_user, case)]
    if form.private.data and len(sides) == 1:
        private_to_side = sides[0]
    try:
        operations.add_evidence(
            case, current_user, filename=form.file.data.filename or "", data=form.file.data.read(),
            description=form.description.data or "", private_to_side=private_to_side,
        )
    except ValidationFailed as error:
        db.session.rollback()
        form.file.errors = [error.message]
        return _render_case(_load_case(case_id), error.status, evidence_form=form)
    db.session.commit()
    flash(_("The file was added to the case."), "success")
    return _see_other(case)


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error):
    """A request over MAX_CONTENT_LENGTH is refused before any view runs; say so on the case page."""
    message = _("The file is too large (at most 20 MB).")
    case_id = (request.view_args or {}).get("case_id")
    case = db.session.get(Case, case_id) if request.endpoint == "cases.upload_evidence" else None
    if case is None or not can(current_user, "case.evidence.upload", case):
        return render_template("error.html", status=413, message=message), 413
    form = EvidenceForm(formdata=None)
    form.file.errors = [message]
    return _render_case(case, 413, evidence_form=form)


@bp.get("/evidence/<int:evidence_id>/download")
@login_required
def download_evidence(evidence_id: int):
    item = db.session.get(Evidence, evidence_id)
    if item is None:
        raise NotFound()
    authorize(current_user, "evidence.download", item)
    return send_evidence(item)


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    authorize(current_user, "case.create")
    on_behalf = current_user.role not in PARTY_ROLES
    form = CaseForm(regions=region_choices(), on_behalf=on_behalf)
    if form.validate_on_submit():
        applicant = None
        if on_behalf:
            applicant = {"kind": PartyKind.PERSON, "name": form.applicant_name.data,
                         "phone": form.applicant_phone.data}
        case = operations.create_case(
            current_user,
            category=form.category.data,
            title=form.title.data,
            facts=form.facts.data,
            claims=form.claims.data,
            claim_amount=form.claim_amount.data,
            language="zh_CN" if is_chinese() else "en",
            region_id=form.region_id.data,
            applicant=applicant,
            on_behalf=on_behalf,
        )
        db.session.commit()
        flash(_("Your case %(reference)s was saved as a draft. Add the other party, then submit it.",
                reference=case.reference), "success")
        return _see_other(case)
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form), status


@bp.route("/cases/<int:case_id>/parties/new", methods=["GET", "POST"])
@login_required
def new_party(case_id: int):
    case = _case_for(case_id, "case.party.add")
    form = PartyForm()
    if form.validate_on_submit():
        operations.add_party(
            case, current_user,
            side=Side(form.side.data),
            kind=PartyKind(form.kind.data),
            name=form.name.data,
            phone=form.phone.data or None,
            email=(form.email.data or "").lower() or None,
            address=form.address.data or None,
        )
        db.session.commit()
        flash(_("%(name)s was added to the case.", name=form.name.data), "success")
        return _see_other(case)
    status = 422 if request.method == "POST" else 200
    return render_template("cases/party_new.html", form=form, case=case), status
