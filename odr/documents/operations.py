"""Issuing documents. Like every operation: check, act, flush, audit; the caller commits once.

issue_document() renders a paper from the case as it is now, stores the PDF by its SHA-256 and
makes it the current version of its type and language, superseding the one before.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import storage
from ..core.audit import record
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from .codes import grouped, new_code
from .data import PAPERS, build_inputs
from .models import Document, DocumentType
from .render import render_pdf


def issuable_types() -> list[DocumentType]:
    """The document types that have templates (the rest come with their issues)."""
    return list(PAPERS)


def current_document(case, doc_type: DocumentType, lang: str) -> Document | None:
    return db.session.execute(
        select(Document).where(
            Document.case_id == case.id,
            Document.type == doc_type,
            Document.lang == lang,
            Document.superseded_by_id.is_(None),
        )
    ).scalar_one_or_none()


def _next_version(case, doc_type: DocumentType, lang: str) -> int:
    highest = db.session.execute(
        select(func.max(Document.version)).where(
            Document.case_id == case.id, Document.type == doc_type, Document.lang == lang
        )
    ).scalar()
    return (highest or 0) + 1


def _unused_code() -> str:
    # 60 random bits: a clash is practically impossible, but a unique column must never
    # be what turns an issuance into a 500.
    for _attempt in range(5):
        code = new_code()
        taken = db.session.execute(
            select(Document.id).where(Document.verification_code == code)
        ).first()
        if taken is None:
            return code
    raise RuntimeError("could not find an unused verification code")


def issue_document(case, doc_type, actor, lang: str) -> Document:
    """Render, store and record a paper; supersede the current one of the same type and language.

    `actor` is the User issuing it (authorised by the caller), or None for the system.
    """
    doc_type = DocumentType(doc_type)
    paper = PAPERS.get(doc_type)
    if paper is None:
        raise ValidationFailed(_("This document cannot be issued yet."), fields={"type": [_("Not available.")]})
    if lang not in current_app.config["LANGUAGES"]:
        raise ValidationFailed(_("This language is not available."), fields={"lang": [_("Not available.")]})
    if case.is_final:
        raise NotAllowed(_("This case is closed and can no longer be changed."))
    problem = paper.not_ready(case)
    if problem:
        raise ValidationFailed(str(problem))

    previous = current_document(case, doc_type, lang)
    version = _next_version(case, doc_type, lang)
    code = _unused_code()
    now = utcnow()
    supersedes = (
        {"version": previous.version, "code": grouped(previous.verification_code)} if previous else None
    )
    inputs = build_inputs(case, paper, lang=lang, code=code, version=version, issued_at=now,
                          supersedes=supersedes)
    pdf = render_pdf(paper.template, inputs, lang=lang)
    digest = storage.put_bytes(pdf)
    document = Document(
        case_id=case.id,
        type=doc_type,
        lang=lang,
        version=version,
        sha256=digest,
        size=len(pdf),
        verification_code=code,
        inputs=inputs,
        template=f"{lang}/{paper.template}",
        issued_by_id=getattr(actor, "id", None),
        issued_at=now,
    )
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError as clash:
        # Someone issued the same version a moment ago (uq_documents_version). The stored
        # file is left behind unreferenced, which content-addressed storage tolerates.
        raise Conflict(_("This document was issued by someone else at the same moment. Reload and look.")) from clash
    if previous is not None:
        previous.superseded_by_id = document.id
        previous.superseded_at = now
        db.session.flush()
    record(
        "document.issued",
        actor=actor,
        case=case,
        document_id=document.id,
        type=doc_type,
        lang=lang,
        version=version,
        sha256=digest,
        code=code,
        supersedes=previous.id if previous else None,
    )
    return document


def record_download(document: Document, case, actor) -> None:
    record("document.downloaded", actor=actor, case=case, document_id=document.id,
           sha256=document.sha256)
