"""Intake pages: /file step by step, QR posters, and the case page's re-route and risk forms.

Each step: load the draft (404 for anyone else, audited), validate (422 with the values kept),
one operation, commit once, 303 to the next step.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..cases import operations as case_ops
from ..cases.case_page import region_choices
from ..cases.views import _case_for, _load_case, _render_case
from ..core.enums import CaseState, Category, PartyKind, RiskLevel, Role
from ..core.errors import NotFound, OperationError, ValidationFailed
from ..core.i18n import is_chinese, localized_name
from ..core.policy import authorize, can
from ..documents.render import render_pdf
from ..extensions import db
from ..orgs.models import Organisation, Region, organisation_regions
from . import operations
from .categories import EXPLANATIONS
from .forms import (
    CategoryForm,
    ClaimsForm,
    EvidenceUploadForm,
    FactsForm,
    LanguageForm,
    OtherPartyForm,
    RerouteForm,
    ResidentForm,
    RiskForm,
    SubmitForm,
    options,
)
from .models import GridAssignment, IntakeRecord

bp = Blueprint("intake", __name__)

def step_title(step: str) -> str:
    titles = {
        "resident": _("Who are you filing for?"),
        "category": _("What kind of dispute is it?"),
        "facts": _("What happened?"),
        "claims": _("What do you ask for?"),
        "other_party": _("Who is the other party?"),
        "evidence": _("Evidence"),
        "language": _("Preferred language"),
        "review": _("Check and submit"),
    }
    return titles[step]


def _lang() -> str:
    return "zh_CN" if is_chinese() else "en"


def _preset():
    """The grid and organisation a QR link names (?grid=<region code>&org=<id>), validated."""
    grid = org = None
    code = (request.args.get("grid") or "").strip()
    org_id = (request.args.get("org") or "").strip()
    if code:
        grid = db.session.execute(select(Region).where(Region.code == code)).scalar()
        if grid is None:
            raise NotFound(_("This QR code names a grid we do not know. Ask the grid worker for a new code, "
                         "or file without it."))
    if org_id:
        org = db.session.get(Organisation, int(org_id)) if org_id.isdigit() else None
        if org is None or not org.active or org.type not in case_ops.MEDIATING_TYPES:
            raise NotFound(_("This QR code names an organisation we do not know. Ask them for a new code, "
                         "or file without it."))
    return grid, org


def _render_step(step, form, *, case=None, item=None, status=200, **extra):
    steps = operations.steps_for(item if item is not None else current_user)
    return render_template(
        "intake/step.html", step=step, steps=steps, step_title=step_title, form=form, case=case,
        item=item, explanations=EXPLANATIONS, done=item.done() if item is not None else set(),
        **extra,
    ), status


def _first_form(step):
    return ResidentForm() if step == "resident" else CategoryForm()


@bp.route("/file", methods=["GET", "POST"])
@login_required
def start():
    authorize(current_user, "case.create")
    grid, org = _preset()
    step = operations.steps_for(current_user)[0]
    form = _first_form(step)
    preset = {"grid": grid, "org": org}
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return _render_step(step, form, status=status, preset=preset)
    try:
        if step == "resident":
            case, item = operations.start_draft(
                current_user, resident={"name": form.name.data, "phone": form.phone.data},
                consent=form.consent.data, grid=grid, organisation=org, language=_lang())
        else:
            case, item = operations.start_draft(current_user, category=Category(form.category.data),
                                                grid=grid, organisation=org, language=_lang())
            operations.mark_done(item, "category")
    except ValidationFailed as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_step(step, form, status=422, preset=preset)
    db.session.commit()
    return _next(case, item, step)


def _next(case, item, step, go="next"):
    steps = operations.steps_for(item)
    index = steps.index(step) + (-1 if go == "back" else 1)
    index = max(0, min(index, len(steps) - 1))
    return redirect(url_for("intake.step", case_id=case.id, step=steps[index]), code=303)


def _draft(case_id: int):
    case = _case_for(case_id, "case.edit")
    if case.state != CaseState.DRAFT:
        flash(_("This application has been submitted already."), "info")
        return case, None
    item = operations.intake_record(case)
    if item is None:  # a draft begun on the old one-page form: continue it here
        item = IntakeRecord(case_id=case.id, steps_done="category")
        db.session.add(item)
        db.session.flush()
    return case, item


@bp.get("/file/<int:case_id>")
@login_required
def resume(case_id: int):
    case, item = _draft(case_id)
    if item is None:
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    db.session.commit()
    done = item.done()
    steps = operations.steps_for(item)
    following = next((s for s in steps if s not in done), steps[-1])
    return redirect(url_for("intake.step", case_id=case.id, step=following), code=303)


def _form_for(step, case, item, formdata):
    """The step's form, filled from the request or, on GET, from the draft."""
    kw = {} if formdata else {"formdata": None}
    if step == "resident":
        applicant = case.parties[0] if case.parties else None
        form = ResidentForm(**kw)
        if not formdata and applicant is not None:
            form.name.data, form.phone.data, form.consent.data = applicant.name, applicant.phone, True
    elif step == "category":
        form = CategoryForm(**kw)
        if not formdata and "category" in item.done():
            form.category.data = case.category.value
    elif step == "facts":
        form = FactsForm(regions=region_choices(), **kw)
        if not formdata:
            form.facts.data = case.facts
            form.started_on.data = item.dispute_started_on
            form.region_id.data = case.region_id or item.grid_region_id or 0
    elif step == "claims":
        form = ClaimsForm(**kw)
        if not formdata:
            form.claims.data, form.claim_amount.data = case.claims, case.claim_amount
    elif step == "other_party":
        form = OtherPartyForm(**kw)
        others = case.parties_on(operations.Side.RESPONDENT)
        if not formdata and others:
            party = others[0]
            form.kind.data = party.kind.value
            form.name.data, form.phone.data = party.name, party.phone
            form.email.data, form.address.data = party.email, party.address
    elif step == "evidence":
        form = EvidenceUploadForm(**kw)
    elif step == "language":
        form = LanguageForm(**kw)
        if not formdata:
            form.language.data = case.language
    else:
        form = SubmitForm(**kw)
    return form


def _save(step, case, item, form):
    actor = current_user
    if step == "resident":
        applicant = case.parties[0]
        applicant.name, applicant.phone = form.name.data, form.phone.data
        db.session.flush()
        operations.mark_done(item, step)
    elif step == "category":
        category = Category(form.category.data)
        title = case.title if "facts" in item.done() else _label(category)
        operations.save_step(case, item, actor, step, category=category, title=title)
    elif step == "facts":
        first_line = form.facts.data.splitlines()[0].strip() if form.facts.data else ""
        title = first_line[:60] + ("…" if len(first_line) > 60 else "")
        operations.save_step(case, item, actor, step, facts=form.facts.data, region_id=form.region_id.data,
                             title=title or case.title, dispute_started_on=form.started_on.data)
    elif step == "claims":
        operations.save_step(case, item, actor, step, claims=form.claims.data,
                             claim_amount=form.claim_amount.data, currency="CNY")
    elif step == "other_party":
        operations.replace_other_party(
            case, actor, kind=PartyKind(form.kind.data), name=form.name.data,
            phone=form.phone.data or None, email=(form.email.data or "").lower() or None,
            address=form.address.data or None)
        operations.save_step(case, item, actor, step)
    elif step == "evidence":
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            case_ops.add_evidence(case, actor, filename=upload.filename, data=upload.read(),
                                  description=form.description.data or "")
        operations.save_step(case, item, actor, step)
    elif step == "language":
        operations.save_step(case, item, actor, step, language=form.language.data)


def _label(category):
    from ..core.labels import label

    return label(category)


@bp.route("/file/<int:case_id>/<step>", methods=["GET", "POST"])
@login_required
def step(case_id: int, step: str):
    case, item = _draft(case_id)
    if item is None:
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    if step not in operations.steps_for(item):
        raise NotFound()
    if request.method == "GET":
        db.session.commit()
        return _render_step(step, _form_for(step, case, item, None), case=case, item=item)
    form = _form_for(step, case, item, request.form)
    go = request.form.get("go", "next")
    if not form.validate_on_submit():
        return _render_step(step, form, case=case, item=item, status=422)
    try:
        if step == "review":
            operations.submit(case, item, current_user)
        else:
            _save(step, case, item, form)
    except ValidationFailed as error:
        db.session.rollback()
        case = _load_case(case_id)
        item = operations.intake_record(case)
        for name, messages in error.fields.items():
            field = getattr(form, "file" if name == "file" else name, None)
            if field is not None and hasattr(field, "errors") and name != "other_party":
                field.errors = list(field.errors) + list(messages)
            else:
                form.form_errors.extend(messages)
        if not error.fields:
            form.form_errors.append(error.message)
        return _render_step(step, form, case=case, item=item, status=error.status)
    db.session.commit()
    if step == "review":
        flash(_("Your application %(reference)s was sent to %(organisation)s. They will answer within "
                "the deadline shown on the case page.", reference=case.reference,
                organisation=localized_name(case.organisation)), "success")
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    if step == "evidence" and go == "upload":
        flash(_("The file was added to the case."), "success")
        return redirect(url_for("intake.step", case_id=case.id, step=step), code=303)
    return _next(case, item, step, go)


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error):
    """A file over MAX_CONTENT_LENGTH is refused before the form is read: say so on the evidence
    step (the page's script refuses such a file before sending it, keeping what was typed)."""
    message = _("The file is too large (at most 20 MB).")
    args = request.view_args or {}
    if request.endpoint == "intake.step" and args.get("step") == "evidence" and current_user.is_authenticated:
        try:
            case, item = _draft(args["case_id"])
        except OperationError:
            item = None
        if item is not None:
            form = EvidenceUploadForm(formdata=None)
            form.file.errors = [message]
            return _render_step("evidence", form, case=case, item=item, status=413)
    return render_template("error.html", status=413, message=message), 413


# --- After filing: the clerk's decision, re-routing, risk (forms on the case page) -----------

@bp.post("/cases/<int:case_id>/reroute")
@login_required
def reroute(case_id: int):
    case = _case_for(case_id, "case.reroute")
    form = RerouteForm()
    organisation = db.session.get(Organisation, form.organisation_id.data or 0)
    if not form.validate_on_submit():
        return _render_case(case, 422, reroute_form=form)
    try:
        operations.reroute(case, current_user, organisation, form.reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        form.organisation_id.errors = list(error.fields.get("organisation_id", []))
        form.reason.errors = list(error.fields.get("reason", []))
        return _render_case(_load_case(case_id), 422, reroute_form=form)
    db.session.commit()
    flash(_("The case was sent to %(organisation)s.", organisation=localized_name(organisation)), "success")
    return redirect(url_for("cases.show", case_id=case_id), code=303)


@bp.post("/cases/<int:case_id>/risk")
@login_required
def set_risk(case_id: int):
    case = _case_for(case_id, "case.set_risk")
    form = RiskForm()
    if not form.validate_on_submit():
        return _render_case(case, 422, risk_form=form)
    case_ops.set_risk(case, current_user, RiskLevel(form.level.data), form.reason.data)
    db.session.commit()
    flash(_("The risk level is now: %(level)s.", level=_label(RiskLevel(form.level.data))), "success")
    return redirect(url_for("cases.show", case_id=case_id), code=303)


def reroute_choices(case) -> list[tuple[int, str]]:
    query = (
        select(Organisation)
        .where(Organisation.active.is_(True), Organisation.type.in_(case_ops.MEDIATING_TYPES),
               Organisation.id != (case.organisation_id or 0))
        .order_by(Organisation.path)
    )
    return [(org.id, localized_name(org)) for org in db.session.execute(query).scalars()]


def case_page_forms(case, user, *, reroute_form=None, risk_form=None) -> dict:
    """The intake forms the case page shows this user (None: not offered)."""
    reroute = None
    if can(user, "case.reroute", case):
        reroute = reroute_form or RerouteForm(formdata=None)
        reroute.organisation_id.choices = options([(0, _("Choose…"))] + reroute_choices(case))
    risk = None
    if can(user, "case.set_risk", case):
        risk = risk_form or RiskForm(formdata=None)
        if risk_form is None:
            risk.level.data = case.risk_level.value
    return {"reroute_form": reroute, "risk_form": risk}


# --- QR posters (扫码受理) -----------------------------------------------------------------

def _poster_link(grid: Region | None = None, org: Organisation | None = None) -> str:
    args = {}
    if grid is not None:
        args["grid"] = grid.code
    if org is not None:
        args["org"] = org.id
    return url_for("intake.start", _external=True, **args)


def _served_grids(orgs) -> list[Region]:
    """The grids below the regions these organisations serve."""
    if not orgs:
        return []
    served = db.session.execute(
        select(Region).join(organisation_regions, organisation_regions.c.region_id == Region.id)
        .where(organisation_regions.c.organisation_id.in_([o.id for o in orgs]))
    ).scalars().all()
    if not served:
        return []
    from sqlalchemy import or_

    return list(db.session.execute(
        select(Region).where(Region.level == "grid", or_(*[Region.path.startswith(r.path) for r in served]))
        .order_by(Region.path)
    ).scalars())


def poster_scope(user) -> tuple[list[Organisation], list[Region]]:
    """The organisations and grids whose posters this user may print."""
    if user.role == Role.ADMIN:
        orgs = db.session.execute(
            select(Organisation).where(Organisation.active.is_(True),
                                       Organisation.type.in_(case_ops.MEDIATING_TYPES))
            .order_by(Organisation.path)).scalars().all()
        grids = db.session.execute(select(Region).where(Region.level == "grid").order_by(Region.path)).scalars().all()
        return list(orgs), list(grids)
    if user.role == Role.GRID_WORKER:
        grids = db.session.execute(
            select(Region).join(GridAssignment, GridAssignment.region_id == Region.id)
            .where(GridAssignment.user_id == user.id).order_by(Region.path)).scalars().all()
        return [], list(grids)
    paths = [m.organisation.path for m in user.memberships]
    if not paths:
        return [], []
    from sqlalchemy import or_

    orgs = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True), Organisation.type.in_(case_ops.MEDIATING_TYPES),
                                   or_(*[Organisation.path.startswith(p) for p in paths]))
        .order_by(Organisation.path)).scalars().all()
    return list(orgs), _served_grids(orgs)


@bp.get("/qr")
@login_required
def posters():
    authorize(current_user, "intake.posters")
    orgs, grids = poster_scope(current_user)
    return render_template("intake/posters.html", orgs=orgs, grids=grids, link=_poster_link)


def _poster_pdf(title_name: str, title_name_en: str, link: str) -> bytes:
    data = {"name": title_name, "name_en": title_name_en, "link": link}
    return _cached_poster(tuple(sorted(data.items())))


@lru_cache(maxsize=64)
def _cached_poster(items: tuple) -> bytes:
    """Posters are not case documents: rendered on demand, kept by content in memory."""
    # One bilingual template (Chinese first, English under it): templates/documents/papers/zh_CN/.
    return render_pdf("poster.html", dict(items), lang="zh_CN")


def _poster(kind: str, item_id: int):
    """The poster of one organisation ("org") or grid ("grid") this user may print, else 404."""
    authorize(current_user, "intake.posters")
    orgs, grids = poster_scope(current_user)
    item = next((x for x in (orgs if kind == "org" else grids) if x.id == item_id), None)
    if item is None:
        raise NotFound()
    link = _poster_link(**{kind: item})
    pdf = _poster_pdf(item.name, item.name_en or item.name, link)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="qr-{kind}-{item.id}.pdf"'
    response.set_etag(hashlib.sha256(pdf).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/qr/grid/<int:region_id>.pdf")
@login_required
def grid_poster(region_id: int):
    return _poster("grid", region_id)


@bp.get("/qr/org/<int:org_id>.pdf")
@login_required
def org_poster(org_id: int):
    return _poster("org", org_id)


@bp.app_template_global("may_print_posters")
def may_print_posters() -> bool:
    return can(current_user, "intake.posters")


@bp.app_template_global("may_continue")
def may_continue(case) -> bool:
    """A draft its filer can go on filling in (the dashboard's "continue")."""
    return case.state == CaseState.DRAFT and can(current_user, "case.edit", case)
