"""Issuing documents. Like every operation: check, act, flush, audit; the caller commits once.

issue_document() renders a paper from the case as it is now, stores the PDF by its SHA-256 and
makes it the current version of its type and language, superseding the one before.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import storage
from ..core.audit import record
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import signing
from .codes import grouped, new_code
from .data import PAPERS, build_inputs, local_time, must_sign
from .models import Document, DocumentService, DocumentType, ServiceMethod
from .render import render_pdf

log = logging.getLogger(__name__)


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


def issue_document(case, doc_type, actor, lang: str, details: dict | None = None) -> Document:
    """Render, (sign,) store and record a paper; supersede the current one of the same type and
    language.

    `actor` is the User issuing it (authorised by the caller), or None for the system. `details`
    are what the issuer entered for papers that take any (the record text, the service).
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
    details = {name: (details or {}).get(name) for name in paper.takes}
    if paper.details_problem is not None:
        problem = paper.details_problem(case, details)
        if problem:
            raise ValidationFailed(str(problem), fields={paper.takes[0]: [str(problem)]})

    previous = current_document(case, doc_type, lang)
    version = _next_version(case, doc_type, lang)
    code = _unused_code()
    now = utcnow()
    supersedes = (
        {"version": previous.version, "code": grouped(previous.verification_code)} if previous else None
    )
    inputs = build_inputs(case, paper, lang=lang, code=code, version=version, issued_at=now,
                          supersedes=supersedes, details=details)
    pdf = render_pdf(paper.template, inputs, lang=lang)
    signed_by = None
    if must_sign(paper):
        # Between rendering and storing: the stored bytes and hash are the signed file's.
        try:
            pdf, signed_by = signing.sign_pdf(pdf, case.organisation, reason=inputs["paper"]["title"],
                                              location=current_app.config["PUBLIC_BASE_URL"])
        except signing.SigningUnavailable as missing:
            log.error("%s", missing)
            raise ValidationFailed(_("This paper must be signed, but no signing certificate is "
                                     "configured for the organisation. Ask the administrator.")) from missing
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
        signed_by=signed_by,
    )
    return document


def record_download(document: Document, case, actor, ip: str | None = None) -> list[DocumentService]:
    """Audit a download; when the reader is a party (or its representative), it is electronic
    service (电子送达) on that party, recorded the first time only. Returns the new services."""
    record("document.downloaded", actor=actor, case=case, document_id=document.id,
           sha256=document.sha256)
    served = []
    for party in case.parties:
        if actor.id in (party.user_id, party.representative_user_id):
            service = _serve_electronically(document, case, party, actor, ip)
            if service is not None:
                served.append(service)
    return served


def _serve_electronically(document, case, party, actor, ip) -> DocumentService | None:
    already = db.session.execute(
        select(DocumentService.id).where(
            DocumentService.document_id == document.id, DocumentService.party_id == party.id,
            DocumentService.method == ServiceMethod.ELECTRONIC,
        )
    ).first()
    if already is not None:
        return None
    now = utcnow()
    service = DocumentService(
        document_id=document.id, party_id=party.id, recipient_name=party.name,
        method=ServiceMethod.ELECTRONIC, served_at=now, read_at=now, read_ip=(ip or "")[:45] or None,
        note="", recorded_by_id=None,
    )
    try:
        with db.session.begin_nested():  # two tabs opening it at once: the second one loses
            db.session.add(service)
    except IntegrityError:
        return None
    record("document.served", actor=actor, case=case, document_id=document.id, service_id=service.id,
           party_id=party.id, method=ServiceMethod.ELECTRONIC, ip=service.read_ip)
    return service


def record_paper_service(document: Document, case, actor, *, party_id, method, served_on, note="") -> DocumentService:
    """A clerk records that a paper was served in person or by post (date, recipient, note)."""
    party = next((p for p in case.parties if str(p.id) == str(party_id)), None)
    if party is None:
        raise ValidationFailed(_("Choose a party of this case."), fields={"party_id": [_("Choose a party of this case.")]})
    method = ServiceMethod(method)
    if method == ServiceMethod.ELECTRONIC:
        raise ValidationFailed(_("Electronic service is recorded when the party opens the paper."),
                               fields={"method": [_("Not available.")]})
    if served_on > local_time(utcnow()).date():
        raise ValidationFailed(_("The date of service cannot be in the future."),
                               fields={"served_on": [_("The date of service cannot be in the future.")]})
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    served_at = datetime.combine(served_on, time(12, 0), tzinfo=zone).astimezone(UTC)
    service = DocumentService(
        document_id=document.id, party_id=party.id, recipient_name=party.name, method=method,
        served_at=served_at, note=(note or "").strip()[:500], recorded_by_id=actor.id,
    )
    db.session.add(service)
    db.session.flush()
    record("document.served", actor=actor, case=case, document_id=document.id, service_id=service.id,
           party_id=party.id, method=method, served_on=served_on.isoformat())
    return service
