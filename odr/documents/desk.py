"""The clerk desk (/desk): find cases, issue and download their papers, a ZIP of many, and
record paper service.

Who: clerks (`desk.use`), and of the cases only those `visible_cases_clause` gives them (their
organisation's subtree, cases referred to it); each case page and each action is authorised on
the case again. The ZIP is streamed: each stored file is read, checked against its SHA-256 and
written as `<reference>_<type>_v<version>_<lang>.pdf`, and `manifest.csv` lists them with their
hashes at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import zipfile
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from ..cases.models import Case, Party
from ..core import storage
from ..core.audit import record
from ..core.enums import CaseState, Category, Role
from ..core.errors import OperationError
from ..core.labels import label
from ..core.policy import authorize, can, may_see_paper, visible_cases_clause
from ..extensions import db
from ..orgs.models import Organisation
from . import wording
from .codes import grouped
from .data import date_text, time_text
from .forms import DeskExportForm, DeskSearchForm, ServiceForm
from .models import Document, DocumentService, DocumentType, ServiceMethod
from .operations import record_paper_service
from .views import _load_case, _ui_lang

log = logging.getLogger(__name__)
bp = Blueprint("desk", __name__, url_prefix="/desk")

SERVICE_LABELS = {
    ServiceMethod.ELECTRONIC: _l("Electronic: opened online"),
    ServiceMethod.IN_PERSON: _l("In person"),
    ServiceMethod.POST: _l("By post"),
}
PAGE_SIZE = 50
MAX_EXPORT = 2000  # documents in one ZIP; narrow the filters for more


@bp.app_template_global("may_use_desk")
def may_use_desk() -> bool:
    """For the main menu: is the desk there for the signed-in user?"""
    return can(current_user, "desk.use")


def _day_start(day) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _organisations() -> list[Organisation]:
    """The clerk's organisations and everything below them."""
    paths = [m.organisation.path for m in current_user.memberships if m.role == Role.CLERK]
    if not paths:
        return []
    return list(db.session.execute(
        select(Organisation).where(or_(*[Organisation.path.startswith(p) for p in paths]))
        .order_by(Organisation.path)
    ).scalars())


def _titles(lang: str) -> dict:
    return {t: wording.title(t, lang) for t in DocumentType}


@bp.route("")
@login_required
def search():
    authorize(current_user, "desk.use")
    form = DeskSearchForm(request.args)
    lang = _ui_lang()
    export = DeskExportForm(_organisations(), _titles(lang), formdata=None)
    rows, status = [], 200
    if request.args and not form.validate():
        status = 422
    else:
        query = select(Case).where(visible_cases_clause(current_user), Case.state != CaseState.DRAFT)
        if form.reference.data:
            query = query.where(Case.reference.ilike(f"%{form.reference.data.strip()}%"))
        if form.party.data:
            query = query.where(Case.id.in_(
                select(Party.case_id).where(Party.name.ilike(f"%{form.party.data.strip()}%"))))
        if form.state.data:
            query = query.where(Case.state == CaseState(form.state.data))
        if form.category.data:
            query = query.where(Case.category == Category(form.category.data))
        if form.date_from.data:
            query = query.where(Case.submitted_at >= _day_start(form.date_from.data))
        if form.date_to.data:
            query = query.where(Case.submitted_at < _day_start(form.date_to.data + timedelta(days=1)))
        cases = db.session.execute(
            query.order_by(Case.submitted_at.desc(), Case.id.desc()).limit(PAGE_SIZE)
        ).scalars().all()
        counts = dict(db.session.execute(
            select(Document.case_id, func.count()).where(Document.case_id.in_([c.id for c in cases]))
            .group_by(Document.case_id)
        ).all())
        rows = [
            {"id": c.id, "reference": c.reference, "title": c.title, "state": label(c.state),
             "submitted_on": date_text(c.submitted_at, lang), "documents": counts.get(c.id, 0)}
            for c in cases
        ]
    return render_template("documents/desk.html", form=form, export=export, rows=rows,
                           limit=PAGE_SIZE), status


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@login_required
def case(case_id: int):
    """One case at the desk: its papers with their services, issuing, recording paper service."""
    authorize(current_user, "desk.use")
    case = _load_case(case_id)
    authorize(current_user, "case.document.view", case)
    service_form = ServiceForm(case.parties)
    status = 200
    if request.method == "POST":
        authorize(current_user, "case.document.issue", case)  # who issues papers serves them
        document = db.session.execute(
            select(Document).where(Document.id == request.form.get("document_id", type=int),
                                   Document.case_id == case.id)
        ).scalar_one_or_none()
        if document is None:
            service_form.form_errors.append(_("Choose a paper of this case."))
            status = 422
        elif not service_form.validate_on_submit():
            status = 422
        else:
            try:
                record_paper_service(document, case, current_user, party_id=service_form.party_id.data,
                                     method=service_form.method.data, served_on=service_form.served_on.data,
                                     note=service_form.note.data)
            except OperationError as refused:
                db.session.rollback()
                service_form.form_errors.append(refused.message)
                status = 422
            else:
                db.session.commit()
                flash(_("Service recorded."), "success")
                return redirect(url_for(".case", case_id=case.id))
    lang = _ui_lang()
    documents = db.session.execute(
        select(Document).where(Document.case_id == case.id)
        .order_by(Document.type, Document.lang, Document.version.desc())
    ).scalars().all()
    services: dict[int, list] = {}
    for service in db.session.execute(
        select(DocumentService).where(DocumentService.document_id.in_([d.id for d in documents]))
        .order_by(DocumentService.served_at)
    ).scalars():
        services.setdefault(service.document_id, []).append({
            "recipient": service.recipient_name,
            "method": str(SERVICE_LABELS[service.method]),
            "served_at": time_text(service.served_at, lang),
            "read_at": time_text(service.read_at, lang),
            "note": service.note,
        })
    rows = [
        {"id": d.id, "title": wording.title(d.type, lang), "lang": d.lang, "version": d.version,
         "code": grouped(d.verification_code), "current": d.is_current,
         "issued_at": time_text(d.issued_at, lang), "services": services.get(d.id, [])}
        for d in documents
    ]
    return render_template("documents/desk_case.html", case=case, rows=rows,
                           service_form=service_form), status


# ---- the ZIP ----------------------------------------------------------------------------------

class _Chunks:
    """A write-only stream that hands out what was written so far (zipfile streams into it:
    not seekable, so each entry carries a data descriptor)."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def export_name(reference: str, doc_type: str, version: int, lang: str) -> str:
    return f"{reference}_{doc_type}_v{version}_{lang}.pdf"


def _zip_stream(entries: list[dict]):
    out = _Chunks()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["file", "reference", "type", "version", "lang", "verification_code", "issued_at",
                     "current", "size", "sha256"])
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for entry in entries:
            data = storage.blob_path(entry["sha256"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                log.error("stored file of document %s does not match its SHA-256", entry["id"])
                raise RuntimeError(f"document {entry['id']} is damaged in storage")  # a broken ZIP
            info = zipfile.ZipInfo(entry["file"], date_time=entry["issued"].timetuple()[:6])
            archive.writestr(info, data)
            writer.writerow([entry["file"], entry["reference"], entry["type"], entry["version"],
                             entry["lang"], entry["code"], entry["issued"].isoformat(), entry["current"],
                             len(data), entry["sha256"]])
            yield out.take()
        archive.writestr("manifest.csv", manifest.getvalue().encode("utf-8-sig"))
    yield out.take()


@bp.route("/export.zip")
@login_required
def export():
    authorize(current_user, "desk.use")
    organisations = _organisations()
    form = DeskExportForm(organisations, _titles(_ui_lang()), request.args)
    if not form.validate():
        return render_template("documents/desk.html", form=DeskSearchForm(formdata=None), export=form,
                               rows=[], limit=PAGE_SIZE), 422
    query = (
        select(Document, Case.reference).join(Case, Case.id == Document.case_id)
        .where(visible_cases_clause(current_user))
    )
    if form.organisation.data:
        chosen = next(o for o in organisations if str(o.id) == form.organisation.data)
        query = query.where(Case.organisation_id.in_(
            select(Organisation.id).where(Organisation.path.startswith(chosen.path))))
    if form.state.data:
        query = query.where(Case.state == CaseState(form.state.data))
    if form.type.data:
        query = query.where(Document.type == DocumentType(form.type.data))
    if form.lang.data:
        query = query.where(Document.lang == form.lang.data)
    if form.date_from.data:
        query = query.where(Document.issued_at >= _day_start(form.date_from.data))
    if form.date_to.data:
        query = query.where(Document.issued_at < _day_start(form.date_to.data + timedelta(days=1)))
    found = db.session.execute(
        query.order_by(Case.reference, Document.type, Document.lang, Document.version)
        .limit(MAX_EXPORT + 1)
    ).all()
    if len(found) > MAX_EXPORT:
        form.form_errors.append(_("More than %(n)s documents match. Narrow the filters.", n=MAX_EXPORT))
        return render_template("documents/desk.html", form=DeskSearchForm(formdata=None), export=form,
                               rows=[], limit=PAGE_SIZE), 422
    # The mediation record is confidential (policy.may_see_paper): a body a case was referred to
    # gets it only with every party's consent. Records are few: each one's case is checked.
    found = [(d, reference) for d, reference in found
             if d.type != DocumentType.MEDIATION_RECORD
             or may_see_paper(current_user, db.session.get(Case, d.case_id), d.type)]
    entries = [
        {"id": d.id, "file": export_name(reference, d.type.value, d.version, d.lang), "reference": reference,
         "type": d.type.value, "version": d.version, "lang": d.lang, "code": grouped(d.verification_code),
         "issued": d.issued_at, "current": d.is_current, "sha256": d.sha256}
        for d, reference in found
    ]
    record("document.exported", actor=current_user, count=len(entries),
           document_ids=[e["id"] for e in entries], filters={k: v for k, v in request.args.items()})
    db.session.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(stream_with_context(_zip_stream(entries)), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="documents-{stamp}.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
