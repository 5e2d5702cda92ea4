"""Evaluation operations: tick the checklist, add an expert note, write a report, issue its PDF.
Like every operation: check, act, flush, audit; the caller commits once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..cases.models import Evidence
from ..core.audit import record
from ..core.enums import Category
from ..core.errors import ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import calculators, limitation
from .checklists import checklist, item_keys
from .models import ChecklistTick, EvaluationReport, ExpertNote
from .similar import similar_outcomes

CALCULATORS = {"wages": calculators.wages, "tenancy": calculators.tenancy, "traffic": calculators.traffic}
NOTE_MAX = 4000


def plain(value):
    """JSON-ready: Decimal and dates as strings, recursively."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


# ---- the checklist ------------------------------------------------------------------------------

def ticks(case) -> dict[str, ChecklistTick]:
    rows = db.session.execute(select(ChecklistTick).where(ChecklistTick.case_id == case.id)).scalars()
    return {row.item_key: row for row in rows}


def checklist_state(case, lang: str) -> list[dict]:
    """Each item of the case's checklist with its text, why it matters and whether it is present."""
    current = ticks(case)
    out = []
    for item in checklist(case.category.value):
        text, why = item.text(lang)
        row = current.get(item.key)
        out.append({"key": item.key, "text": text, "why": why, "present": bool(row and row.present),
                    "evidence_id": row.evidence_id if row else None})
    return out


def tick(case, actor, marks: dict[str, tuple[bool, int | None]]) -> None:
    """Set items present or missing; `marks` is {item_key: (present, evidence_id or None)}."""
    known = item_keys(case.category.value)
    unknown = sorted(set(marks) - known)
    if unknown:
        raise ValidationFailed(_("Unknown checklist item."), fields={"items": [", ".join(unknown)]})
    evidence_ids = {e for _p, e in marks.values() if e is not None}
    if evidence_ids:
        own = set(db.session.execute(
            select(Evidence.id).where(Evidence.case_id == case.id, Evidence.id.in_(evidence_ids),
                                      Evidence.private_to_side.is_(None))
        ).scalars())
        if evidence_ids - own:
            raise ValidationFailed(_("Choose a file of this case."), fields={"evidence_id": [_("Not available.")]})
    current = ticks(case)
    changed = {}
    for key, (present, evidence_id) in marks.items():
        row = current.get(key)
        if row is None:
            row = ChecklistTick(case_id=case.id, item_key=key)
            db.session.add(row)
        if row.present != present or row.evidence_id != evidence_id:
            changed[key] = {"present": present, "evidence_id": evidence_id}
        row.present, row.evidence_id, row.updated_by_id = present, evidence_id, actor.id
    db.session.flush()
    if changed:
        record("evaluation.checklist", actor=actor, case=case, items=changed)


# ---- expert notes -------------------------------------------------------------------------------

def add_note(case, actor, body: str) -> ExpertNote:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write the note."), fields={"body": [_("This field is required.")]})
    if len(body) > NOTE_MAX:
        raise ValidationFailed(_("The note is too long."), fields={"body": [_("At most %(n)s characters.", n=NOTE_MAX)]})
    note = ExpertNote(case_id=case.id, author_id=actor.id, body=body)
    db.session.add(note)
    db.session.flush()
    record("evaluation.note", actor=actor, case=case, note_id=note.id)
    return note


def notes(case) -> list[ExpertNote]:
    return list(db.session.execute(
        select(ExpertNote).where(ExpertNote.case_id == case.id).order_by(ExpertNote.id)
    ).scalars())


# ---- the report ---------------------------------------------------------------------------------

def latest_report(case) -> EvaluationReport | None:
    return db.session.execute(
        select(EvaluationReport).where(EvaluationReport.case_id == case.id)
        .order_by(EvaluationReport.version.desc()).limit(1)
    ).scalar_one_or_none()


def _limitation(case, given: dict, today: date) -> dict:
    applied_on = local_date(case.submitted_at) if case.submitted_at else None
    try:
        result = limitation.check(
            today=today, knew_on=given.get("knew_on"), harm_on=given.get("harm_on"),
            labour=case.category == Category.LABOUR, wage_claim=bool(given.get("wage_claim")),
            still_employed=bool(given.get("still_employed")),
            employment_ended_on=given.get("employment_ended_on"), applied_on=applied_on,
        )
    except ValueError:
        field = "employment_ended_on" if given.get("wage_claim") else "knew_on"
        raise ValidationFailed(_("Give the date the limitation period starts from."),
                               fields={f"limitation.{field}": [_("This field is required.")]}) from None
    return result.as_dict()


def compute(case, inputs: dict, today: date) -> dict:
    """The report's results from the inputs (pure apart from the similar-case lookup)."""
    results: dict = {}
    if inputs.get("limitation"):
        results["limitation"] = _limitation(case, inputs["limitation"], today)
    for name, function in CALCULATORS.items():
        if inputs.get(name):
            results[name] = plain(function(**inputs[name]))
    results["checklist"] = [
        {"key": item["key"], "present": item["present"]} for item in checklist_state(case, "en")
    ]
    results["similar"] = similar_outcomes(case)
    return results


def evaluate(case, actor, inputs: dict) -> EvaluationReport:
    """Write the next version of the case's evaluation report from `inputs` (already validated:
    {"limitation": {...}, "wages"|"tenancy"|"traffic": {keyword arguments of the calculator}})."""
    if not any(inputs.get(k) for k in ("limitation", *CALCULATORS)):
        raise ValidationFailed(_("Fill in at least one part of the evaluation."))
    results = compute(case, inputs, local_date(utcnow()))
    version = (db.session.execute(
        select(func.max(EvaluationReport.version)).where(EvaluationReport.case_id == case.id)
    ).scalar() or 0) + 1
    report = EvaluationReport(case_id=case.id, version=version, created_by_id=getattr(actor, "id", None),
                              inputs=plain(inputs), results=results)
    db.session.add(report)
    db.session.flush()
    record("evaluation.created", actor=actor, case=case, report_id=report.id, version=version,
           parts=sorted(k for k in inputs if inputs[k]))
    return report


def report_document(case, actor, lang: str):
    """The PDF of the latest report in `lang`: the current one when it shows that version,
    otherwise a new issue through the documents machinery (stored, verifiable)."""
    from ..documents.models import DocumentType
    from ..documents.operations import current_document, issue_document

    report = latest_report(case)
    if report is None:
        raise ValidationFailed(_("There is no evaluation report yet."))
    document = current_document(case, DocumentType.EVALUATION_REPORT, lang)
    if document is not None and document.inputs.get("evaluation", {}).get("version") == report.version:
        return document
    return issue_document(case, DocumentType.EVALUATION_REPORT, actor, lang)
