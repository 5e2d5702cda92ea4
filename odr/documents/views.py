"""Pages: a case's documents (list, issue, download) and the public verification page.

Downloads serve the stored bytes, checked against their SHA-256, never a new rendering. The
verification page shows what the paper itself shows and less: type, case reference, dates, hash,
version and status; no names. It is rate-limited: a code has 60 random bits, and the limit keeps
anyone from trying many.
"""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..cases.models import Case, CaseAssignment
from ..core import storage
from ..core.errors import NotFound, OperationError
from ..core.i18n import is_chinese
from ..core.policy import authorize, can, may_see_paper
from ..core.uploads import sniff
from ..extensions import db, limiter
from ..orgs.models import Organisation
from . import commands, tasks, wording  # noqa: F401 (commands registers `flask odr dev-certificate`)
from .codes import grouped, normalise
from .data import PAPERS, date_text, time_text
from .fonts import check_rendering_support
from .forms import CodeForm, IssueForm, UploadForm
from .models import Document, DocumentService
from .operations import record_download

log = logging.getLogger(__name__)
bp = Blueprint("documents", __name__)

# Per client address. Honest use is a handful of look-ups; guessing needs billions.
LOOKUP_LIMIT = "30 per minute; 300 per hour; 1000 per day"
UPLOAD_LIMIT = "10 per minute; 100 per day"
MAX_VERIFY_BYTES = 20 * 1024 * 1024


@bp.record_once
def _warn_if_papers_cannot_render(state) -> None:
    check_rendering_support()


def _ui_lang() -> str:
    return "zh_CN" if is_chinese() else "en"


def _load_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    return case


# ---- case participants ------------------------------------------------------------------------

def _issue_form(case) -> IssueForm | None:
    if not can(current_user, "case.document.issue", case):
        return None
    ready = [t for t, paper in PAPERS.items() if not paper.not_ready(case)]
    if not ready:
        return None
    lang = _ui_lang()
    return IssueForm(ready, {t: wording.title(t, lang) for t in ready}, services=service_choices(case, lang),
                     lang=case.language if case.language in wording.LANGS else "zh_CN")


def service_choices(case, lang: str) -> list[tuple[int, str]]:
    """The recorded services of a case, for the proof-of-service choice."""
    rows = db.session.execute(
        select(DocumentService, Document).join(Document, Document.id == DocumentService.document_id)
        .where(Document.case_id == case.id).order_by(DocumentService.id)
    ).all()
    return [
        (service.id, f"{wording.title(document.type, lang)} v{document.version} → {service.recipient_name}, "
                     f"{date_text(service.served_at, lang)}")
        for service, document in rows
    ]


def _refuse_paper(case, document):
    """A confidential paper this reader may not open: refused (403) and audited, like any refusal."""
    from ..core.audit import record
    from ..core.errors import NotAllowed

    db.session.rollback()
    record("access.denied", actor=current_user, case=case, attempted="document.download",
           target=f"Document:{document.id}")
    db.session.commit()
    raise NotAllowed(_("Mediation is confidential: this record is shared only with every party's consent."))


@bp.route("/cases/<int:case_id>/documents")
@login_required
def case_documents(case_id: int):
    case = _load_case(case_id)
    authorize(current_user, "case.document.view", case)
    documents = db.session.execute(
        select(Document)
        .where(Document.case_id == case.id)
        .order_by(Document.type, Document.lang, Document.version.desc())
    ).scalars().all()
    lang = _ui_lang()
    rows = [
        {
            "id": d.id,
            "title": wording.title(d.type, lang),
            "lang": d.lang,
            "version": d.version,
            "code": grouped(d.verification_code),
            "issued_at": time_text(d.issued_at, lang),
            "current": d.is_current,
            "size": d.size,
        }
        for d in documents
        if may_see_paper(current_user, case, d.type)
    ]
    return render_template("documents/case_documents.html", case=case, rows=rows,
                           form=_issue_form(case))


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@login_required
def issue(case_id: int):
    case = _load_case(case_id)
    authorize(current_user, "case.document.issue", case)
    form = _issue_form(case)
    if form is None or not form.validate_on_submit():
        flash(_("This document cannot be issued now."), "error")
        return redirect(url_for(".case_documents", case_id=case.id))
    try:
        document = tasks.issue(case, form.type.data, current_user, form.lang.data, form.details())
    except OperationError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".case_documents", case_id=case.id))
    db.session.commit()
    if document is None:
        flash(_("The document is being prepared. It will appear here in a moment."), "info")
    else:
        flash(_("Issued: %(title)s, version %(version)s.", title=wording.title(document.type, _ui_lang()),
                version=document.version), "success")
    return redirect(url_for(".case_documents", case_id=case.id))


# What case_roles() reads of a case, loaded with it: parties, mediator ids (not the mediators'
# accounts) and the organisations' paths (not their regions or categories).
_POLICY_LOADS = (
    joinedload(Case.parties),
    joinedload(Case.assignments).lazyload(CaseAssignment.user),
    joinedload(Case.organisation).lazyload(Organisation.region),
    joinedload(Case.organisation).lazyload(Organisation.categories),
    joinedload(Case.target_organisation).lazyload(Organisation.region),
    joinedload(Case.target_organisation).lazyload(Organisation.categories),
)


@bp.route("/documents/<int:document_id>/download")
@login_required
def download(document_id: int):
    found = db.session.execute(
        select(Document, Case)
        .join(Case, Case.id == Document.case_id)
        .where(Document.id == document_id)
        .options(*_POLICY_LOADS)
    ).unique().first()
    if found is None:
        raise NotFound()
    document, case = found
    authorize(current_user, "case.document.view", case)
    if not may_see_paper(current_user, case, document.type):
        _refuse_paper(case, document)
    data = storage.blob_path(document.sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        # Never hand out a paper that is not the one issued.
        log.error("stored file of document %s does not match its SHA-256", document.id)
        abort(500)
    # Read before the commit, which expires every loaded row.
    name = f"{wording.title(document.type, document.lang)}-{case.reference}-v{document.version}.pdf"
    etag = document.sha256
    record_download(document, case, current_user, ip=request.remote_addr)
    db.session.commit()
    response = send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=name, etag=etag, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---- public verification ----------------------------------------------------------------------

@bp.route("/verify")
@limiter.limit(LOOKUP_LIMIT)
def verify_home():
    form = CodeForm(request.args)
    if request.args.get("code") is not None:
        code = normalise(form.code.data or "")
        if code is not None:
            return redirect(url_for(".verify", code=grouped(code)))
        form.code.errors = [_("A verification code has 12 letters and digits, like 7K3M-Q9TX-2HVB.")]
        return render_template("verify/index.html", form=form), 422
    return render_template("verify/index.html", form=form)


def _verification(document: Document) -> dict:
    lang = _ui_lang()
    reference = db.session.execute(select(Case.reference).where(Case.id == document.case_id)).scalar_one()
    current = document
    if not document.is_current:
        current = db.session.execute(
            select(Document).where(
                Document.case_id == document.case_id,
                Document.type == document.type,
                Document.lang == document.lang,
                Document.superseded_by_id.is_(None),
            )
        ).scalar_one()
    return {
        "code": grouped(document.verification_code),
        "title": wording.title(document.type, lang),
        "paper_title": wording.title(document.type, document.lang),
        "lang": document.lang,
        "reference": reference,
        "version": document.version,
        "issued_on": date_text(document.issued_at, lang),
        "sha256": document.sha256,
        "size": document.size,
        "current": document.is_current,
        "superseded_on": date_text(document.superseded_at, lang),
        "current_code": grouped(current.verification_code),
        "current_version": current.version,
    }


def _find(code_text: str) -> Document | None:
    code = normalise(code_text)
    if code is None:
        return None
    return db.session.execute(
        select(Document).where(Document.verification_code == code)
    ).scalar_one_or_none()


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(LOOKUP_LIMIT)
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
def verify(code: str):
    document = _find(code)
    if document is None:
        form = CodeForm(data={"code": code[:40]})
        form.code.errors = [_("No document with this code was issued here. Check the code printed "
                              "at the foot of the paper.")]
        return render_template("verify/index.html", form=form), 404
    if code != grouped(document.verification_code) and request.method == "GET":
        return redirect(url_for(".verify", code=grouped(document.verification_code)))
    form = UploadForm()
    result, status = None, 200
    if request.method == "POST":
        result, status = _compare_upload(form, document)
    return render_template("verify/document.html", doc=_verification(document), form=form,
                           result=result), status


def _compare_upload(form: UploadForm, document: Document) -> tuple[dict | None, int]:
    if not form.validate_on_submit():
        return None, 422
    data = form.file.data.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        form.file.errors.append(_("The file is too large (at most 20 MB)."))
        return None, 413
    if sniff(data) != "application/pdf":
        form.file.errors.append(_("This is not a PDF file."))
        return None, 415
    digest = hashlib.sha256(data).hexdigest()
    return {"match": digest == document.sha256, "sha256": digest, "size": len(data)}, 200
