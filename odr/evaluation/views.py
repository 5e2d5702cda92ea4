"""The evaluation page of a case: checklist, limitation, calculators, similar cases, report, notes.

Thin views: load -> authorize -> one operation -> commit once -> render or redirect.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField

from ..core.errors import OperationError
from ..core.i18n import is_chinese
from ..core.policy import can
from ..extensions import db
from . import operations, similar
from .access import case_for
from .calculators import SOURCES, cite
from .forms import EvaluationForm, FlaskForm, NoteForm, options
from .labels import calculator_labels

bp = Blueprint("evaluation", __name__)


@bp.before_app_request
def _warm_up_similar_cases() -> None:
    """The process's first request starts building the similar-case index in the background
    (similar.start_warm_up), so the first report does not wait ~10 s for it."""
    if not similar.warm_up_started():
        app = current_app._get_current_object()
        if app.config.get("SIMILAR_WARM_UP", True) and not app.testing:
            similar.start_warm_up(app)


def _lang() -> str:
    return "zh_CN" if is_chinese() else "en"


@bp.app_template_global()
def evaluation_url(case) -> str | None:
    """The case's evaluation page, when the user may see it (for the case page's link)."""
    if not can(current_user, "case.evaluation.view", case):
        return None
    return url_for("evaluation.show", case_id=case.id)


def _evidence_choices(case) -> list:
    shared = [e for e in case.evidence if e.private_to_side is None]
    return options([("", _("No file linked"))] + [(str(e.id), e.filename) for e in shared])


def checklist_form(case):
    """A form with, per checklist item, a "present" box and the file that shows it."""
    items = operations.checklist_state(case, _lang())
    choices = _evidence_choices(case)

    class ChecklistForm(FlaskForm):
        pass

    for item in items:
        setattr(ChecklistForm, f"present_{item['key']}", BooleanField(item["text"], default=item["present"]))
        setattr(ChecklistForm, f"evidence_{item['key']}", SelectField(
            _("File"), choices=choices, default=str(item["evidence_id"] or ""), validate_choice=True))
    return ChecklistForm(), items  # a POST reads request.form; a GET shows what is stored


def _as_formdata(inputs: dict) -> MultiDict:
    """The stored inputs of a report as the form's fields, to start the next version from."""
    data = MultiDict()
    for part, values in inputs.items():
        for name, value in values.items():
            if name == "other_at_fault":
                value = "yes" if value else "no"
            elif value is True:
                value = "y"
            elif value is False:
                continue
            data[f"{part}-{name}"] = str(value)
    return data


def _page(case, *, form=None, note_form=None, status=200):
    lang = _lang()
    can_edit = can(current_user, "case.evaluation.edit", case)
    can_tick = can(current_user, "case.evaluation.checklist", case)
    can_note = can(current_user, "case.evaluation.note", case)
    report = operations.latest_report(case)
    check_form, items = checklist_form(case) if can_tick else (None, operations.checklist_state(case, lang))
    if form is None and can_edit:
        form = EvaluationForm(formdata=_as_formdata(report.inputs)) if report else EvaluationForm(formdata=None)
    return render_template(
        "evaluation/show.html",
        case=case,
        report=report,
        form=form if can_edit else None,
        checklist=items,
        checklist_form=check_form,
        missing=[i for i in items if not i["present"]],
        notes=operations.notes(case),
        note_form=(note_form or NoteForm()) if can_note else None,
        labels=calculator_labels(),
        sources={key: cite(key, lang) for key in SOURCES},
    ), status



@bp.route("/cases/<int:case_id>/evaluation")
@login_required
def show(case_id: int):
    return _page(case_for(case_id, "case.evaluation.view"))


@bp.route("/cases/<int:case_id>/evaluation", methods=["POST"])
@login_required
def evaluate(case_id: int):
    case = case_for(case_id, "case.evaluation.edit")
    form = EvaluationForm()
    if not form.validate_on_submit():
        return _page(case, form=form, status=422)
    try:
        report = operations.evaluate(case, current_user, form.inputs())
    except OperationError as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return _page(case, form=form, status=422)
    version = report.version
    db.session.commit()
    flash(_("Evaluation report version %(version)s written.", version=version), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="report"), code=303)


@bp.route("/cases/<int:case_id>/evaluation/checklist", methods=["POST"])
@login_required
def checklist(case_id: int):
    case = case_for(case_id, "case.evaluation.checklist")
    form, items = checklist_form(case)
    if not form.validate_on_submit():
        flash(_("The checklist could not be saved. Choose a file of this case."), "error")
        return redirect(url_for(".show", case_id=case_id, _anchor="checklist"), code=303)
    marks = {
        item["key"]: (bool(form[f"present_{item['key']}"].data),
                      int(form[f"evidence_{item['key']}"].data) if form[f"evidence_{item['key']}"].data else None)
        for item in items
    }
    try:
        operations.tick(case, current_user, marks)
    except OperationError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".show", case_id=case_id, _anchor="checklist"), code=303)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="checklist"), code=303)


@bp.route("/cases/<int:case_id>/evaluation/notes", methods=["POST"])
@login_required
def add_note(case_id: int):
    case = case_for(case_id, "case.evaluation.note")
    form = NoteForm()
    if form.validate_on_submit():
        try:
            operations.add_note(case, current_user, form.body.data)
        except OperationError as refused:
            db.session.rollback()
            form.body.errors = [*form.body.errors, *(refused.fields or {}).get("body", [refused.message])]
            return _page(case, note_form=form, status=422)
        db.session.commit()
        flash(_("Note added."), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="notes"), code=303)


@bp.route("/cases/<int:case_id>/evaluation/pdf", methods=["POST"])
@login_required
def pdf(case_id: int):
    """The latest report as a paper (issued once per version and language), then its download."""
    case = case_for(case_id, "case.evaluation.view")
    try:
        document = operations.report_document(case, current_user, _lang())
    except OperationError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".show", case_id=case_id), code=303)
    document_id = document.id
    db.session.commit()
    return redirect(url_for("documents.download", document_id=document_id), code=303)
