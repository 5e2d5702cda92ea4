"""Case bundles: the case file as one ZIP another body (or another instance of odr) can import.

    manifest.json        what the bundle holds: the case, its parties, every file with its
                         SHA-256 and size, the mediation-record consents, the case's audit rows
                         with their chain hashes, and `bundle_sha256` over all of that
    summary.pdf          the case summary (a paper rendered for the bundle; not an issued one)
    evidence/...         the evidence files (a side's private material stays out)
    documents/...        the issued papers as stored (each verifiable by its code at the source):
                         the evaluation report and referral letter among them; the mediation
                         record only where every party consented (mediation is confidential)
    evaluation.json      the latest evaluation report's inputs and results, if there is one

Import checks everything before anything is stored: the ZIP itself, the manifest's form and its
`bundle_sha256`, that the ZIP holds exactly the files listed, each file's size and SHA-256, each
audit row's hash (recomputed from its content and the previous hash it names), and that every
evidence file and paper is the one its audit row (evidence.added, document.issued) names. One
failed check refuses the whole bundle with the reason; nothing is kept.

These checks find corruption and edits by anyone who does not recompute the hashes. A bundle
carries no signature of the sending instance: its issued papers can be checked against the
source by their verification codes (docs/referral.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ..cases import operations as case_ops
from ..cases.schemas import CaseCreateSchema, PartyInSchema
from ..core import storage
from ..core.audit import AuditEvent, canonical_json, compute_hash, record
from ..core.enums import Role, Side
from ..core.errors import NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from .models import CaseOrigin

FORMAT = "odr-case-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# What is said and offered in mediation is confidential (the rooms' rules, docs/realtime.md): its
# events go only where every party consented to share the mediation record.
MEDIATION_EVENTS = ("room.", "proposal.", "bid.", "bidding.", "agreement.", "mediation.")
MAX_FILES = 2000
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
CASE_FIELDS = ("category", "title", "facts", "claims", "claim_amount", "currency", "language")
PARTY_FIELDS = ("side", "kind", "name", "phone", "email", "address", "representative_name",
                "representative_phone")


class BundleRefused(ValidationFailed):
    """A bundle that fails a check: 422 with code bundle_refused and the reason."""

    code = "bundle_refused"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- export ------------------------------------------------------------------------------------

def _bundled_documents(case, record_shared: bool) -> list:
    from ..documents.models import Document, DocumentType

    documents = db.session.execute(
        select(Document).where(Document.case_id == case.id, Document.superseded_by_id.is_(None))
        .order_by(Document.type, Document.lang, Document.version)
    ).scalars().all()
    return [d for d in documents if record_shared or d.type != DocumentType.MEDIATION_RECORD]


def _audit_rows(case, record_shared: bool) -> list[dict]:
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.created_at, AuditEvent.actor_id, AuditEvent.action,
               AuditEvent.case_id, AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash)
        .where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    return [
        {"id": r.id, "created_at": r.created_at.isoformat(), "actor_id": r.actor_id, "action": r.action,
         "case_id": r.case_id, "payload": r.payload, "prev_hash": r.prev_hash, "hash": r.hash}
        for r in rows
        if record_shared or not r.action.startswith(MEDIATION_EVENTS)
    ]


def _read_stored(digest: str) -> bytes:
    data = storage.blob_path(digest).read_bytes()
    if sha256(data) != digest:
        # The source's own storage is damaged: better no bundle than a wrong one.
        raise ValidationFailed(_("A stored file of this case is damaged; the bundle cannot be made."))
    return data


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in text)[:120] or "file"


def _summary_pdf(case, lang: str, files: list[dict], record_included: bool, exported_at) -> bytes:
    from ..documents.case_papers import STEP_WORDS, _transitions
    from ..documents.data import case_data, date_text, time_text
    from ..documents.render import render_pdf

    data = case_data(case, lang)
    data["paper"] = {"title": "案卷摘要" if lang == "zh_CN" else "Case summary", "lang": lang,
                     "issued_on": date_text(exported_at, lang), "issued_at": exported_at.isoformat(),
                     "exported_at": time_text(exported_at, lang)}
    data["steps"] = [
        {"on": date_text(event.created_at, lang), "text": STEP_WORDS[lang].get(event.payload.get("step"), ""),
         "reason": event.payload.get("reason") or ""}
        for event in _transitions(case)
        if STEP_WORDS[lang].get(event.payload.get("step"))
    ]
    data["files"] = [{"path": f["path"], "sha256": f["sha256"], "size": f["size"], "title": f["title"]}
                     for f in files]
    data["record_included"] = record_included
    return render_pdf("case_summary.html", data, lang=lang)


def build_bundle(case, actor) -> tuple[bytes, dict]:
    """The ZIP of `case` and its manifest. The caller has authorised `case.bundle.export`; the
    export is audited (bundle.exported with the bundle's hash); the caller commits."""
    from ..evaluation.operations import latest_report
    from .operations import consents, record_shared

    shared = record_shared(case)
    exported_at = utcnow()
    lang = "en" if case.language == "en" else "zh_CN"
    entries: list[tuple[dict, bytes]] = []

    def add(path: str, data: bytes, kind: str, title: str, **extra) -> None:
        entries.append(({"path": path, "sha256": sha256(data), "size": len(data), "kind": kind,
                         "title": title, **extra}, data))

    for item in case.evidence:
        if item.private_to_side is not None:
            continue  # one side's caucus material never leaves the mediation
        add(f"evidence/{item.id}-{_safe_name(item.filename)}", _read_stored(item.sha256), "evidence",
            item.filename, content_type=item.content_type, description=item.description or "",
            evidence_id=item.id)
    from ..documents.wording import title as paper_title

    for document in _bundled_documents(case, shared):
        add(f"documents/{document.type.value}-{document.lang}-v{document.version}.pdf",
            _read_stored(document.sha256), "document", paper_title(document.type, document.lang),
            document_type=document.type.value, lang=document.lang, version=document.version,
            verification_code=document.verification_code, document_id=document.id)
    report = latest_report(case)
    if report is not None:
        body = canonical_json({"version": report.version, "created_at": report.created_at,
                               "inputs": report.inputs, "results": report.results}).encode()
        add("evaluation.json", body, "evaluation", "evaluation report data")
    listed = [meta for meta, _data in entries]
    summary = _summary_pdf(case, lang, listed, shared, exported_at)
    entries.insert(0, ({"path": "summary.pdf", "sha256": sha256(summary), "size": len(summary),
                        "kind": "summary", "title": "case summary"}, summary))

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at.isoformat(),
        "source": {
            "url": current_app.config["PUBLIC_BASE_URL"].rstrip("/"),
            "case_id": case.id,
            "reference": case.reference,
            "state": case.state.value,
            "organisation": case.organisation.name if case.organisation else "",
            "target_organisation": case.target_organisation.name if case.target_organisation else "",
        },
        "case": {
            "category": case.category.value, "title": case.title, "facts": case.facts or "",
            "claims": case.claims or "",
            "claim_amount": str(case.claim_amount) if case.claim_amount is not None else None,
            "currency": case.currency, "language": case.language,
        },
        "parties": [{name: getattr(p, name).value if name in ("side", "kind") else getattr(p, name)
                     for name in PARTY_FIELDS} for p in case.parties],
        "mediation_record": {"included": shared,
                             "consents": {str(k): v for k, v in consents(case).items()}},
        "files": [meta for meta, _data in entries],
        "audit": _audit_rows(case, shared),
    }
    manifest["bundle_sha256"] = sha256(canonical_json(manifest).encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        for meta, data in entries:
            archive.writestr(meta["path"], data)
    record("bundle.exported", actor=actor, case=case, bundle_sha256=manifest["bundle_sha256"],
           files=len(entries), record_included=shared)
    return out.getvalue(), manifest


# ---- import ------------------------------------------------------------------------------------

def _refuse(message: str, **fields):
    raise BundleRefused(message, fields=fields or None)


def read_bundle(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """Check a bundle completely; return its manifest and files, or raise BundleRefused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        _refuse(_("This is not a ZIP file."))
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        names = [i.filename for i in infos]
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            _refuse(_("The bundle is too large."))
        if len(set(names)) != len(names):
            _refuse(_("The bundle lists a file twice."))
        if MANIFEST not in names:
            _refuse(_("The bundle has no manifest.json."))
        files: dict[str, bytes] = {}
        for info in infos:
            try:
                files[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                _refuse(_("The file %(path)s in the bundle is damaged.", path=info.filename[:200]))
    try:
        manifest = json.loads(files.pop(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        _refuse(_("manifest.json is not valid JSON."))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        _refuse(_("This is not an odr case bundle."))
    if manifest.get("format_version") != FORMAT_VERSION:
        _refuse(_("This bundle's format version is not supported."))
    claimed = manifest.get("bundle_sha256")
    body = {key: value for key, value in manifest.items() if key != "bundle_sha256"}
    if not isinstance(claimed, str) or sha256(canonical_json(body).encode()) != claimed:
        _refuse(_("The manifest does not match its hash: it was changed after export."))
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(f, dict) for f in listed):
        _refuse(_("The manifest's list of files is not valid."))
    paths = [f.get("path") for f in listed]
    if sorted(map(str, paths)) != sorted(files) or len(set(paths)) != len(paths):
        _refuse(_("The files in the bundle are not the files its manifest lists."))
    for entry in listed:
        content = files[entry["path"]]
        if len(content) != entry.get("size") or sha256(content) != entry.get("sha256"):
            _refuse(_("The file %(path)s does not match its SHA-256 in the manifest.",
                      path=str(entry["path"])[:200]))
    _check_audit(manifest, listed)
    return manifest, files


def _check_audit(manifest: dict, listed: list[dict]) -> None:
    rows = manifest.get("audit")
    if not isinstance(rows, list):
        _refuse(_("The manifest's audit trail is not valid."))
    named: dict[str, set] = {"evidence.added": set(), "document.issued": set()}
    for row in rows:
        try:
            expected = compute_hash(
                row["prev_hash"], seq=row["id"], created_at=datetime.fromisoformat(row["created_at"]),
                actor_id=row["actor_id"], action=row["action"], case_id=row["case_id"],
                payload=row["payload"],
            )
        except (KeyError, TypeError, ValueError):
            _refuse(_("The manifest's audit trail is not valid."))
        if expected != row.get("hash"):
            _refuse(_("Audit event %(id)s does not match its hash.", id=str(row.get("id"))[:20]))
        if row["action"] in named and isinstance(row["payload"], dict):
            named[row["action"]].add(row["payload"].get("sha256"))
    for entry in listed:
        kind = entry.get("kind")
        if kind == "evidence" and entry["sha256"] not in named["evidence.added"]:
            _refuse(_("The file %(path)s is not the one the case's audit trail recorded.",
                      path=str(entry["path"])[:200]))
        if kind == "document" and entry["sha256"] not in named["document.issued"]:
            _refuse(_("The file %(path)s is not the one the case's audit trail recorded.",
                      path=str(entry["path"])[:200]))


def _importing_organisation(actor, organisation_id):
    clerk_of = [m.organisation for m in actor.memberships if m.role == Role.CLERK]
    if organisation_id is None and clerk_of:
        return sorted(clerk_of, key=lambda o: o.id)[0]
    chosen = next((o for o in clerk_of if o.id == organisation_id), None)
    if chosen is None:
        raise NotAllowed(_("You can import only into an organisation you are a clerk of."))
    return chosen


def _load(schema, data, where: str) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        from ..core.errors import field_messages

        _refuse(_("The manifest's %(part)s is not valid.", part=where),
                **{f"{where}.{k}": v for k, v in field_messages(error.messages).items()})


def import_bundle(actor, data: bytes, organisation_id: int | None = None):
    """Check the bundle, then open the case at the importer's organisation (submitted, so that it
    is accepted there as usual) with its parties, files and a record of its origin."""
    manifest, files = read_bundle(data)
    return open_case(actor, manifest, files, _importing_organisation(actor, organisation_id))


def open_case(actor, manifest: dict, files: dict[str, bytes], organisation):
    """The case of a checked bundle, opened at `organisation` by `actor` (its filer)."""
    raw_case = manifest.get("case") if isinstance(manifest.get("case"), dict) else {}
    loaded = _load(CaseCreateSchema(), {k: raw_case.get(k) for k in CASE_FIELDS if raw_case.get(k) is not None},
                   "case")
    fields = {k: v for k, v in loaded.items() if k in CASE_FIELDS}
    raw_parties = manifest.get("parties") if isinstance(manifest.get("parties"), list) else []
    parties = [_load(PartyInSchema(), {k: v for k, v in (p or {}).items() if k in PARTY_FIELDS and v is not None},
                     "parties") for p in raw_parties]
    applicants = [p for p in parties if p["side"] == Side.APPLICANT]
    if not applicants or not any(p["side"] == Side.RESPONDENT for p in parties):
        _refuse(_("The manifest names no applicant or no other party."))
    first = applicants[0]
    case = case_ops.create_case(
        actor, organisation_id=organisation.id, on_behalf=True,
        applicant={k: v for k, v in first.items() if k != "side"}, **fields,
    )
    for party in parties:
        if party is not first:
            case_ops.add_party(case, actor, **party)
    source = manifest.get("source") or {}
    for entry in manifest["files"]:
        description = f"{entry.get('kind', '')}: {entry.get('title', '')}"[:200]
        name = str(entry["path"]).rsplit("/", 1)[-1]
        case_ops.add_evidence(case, actor, filename=name, data=files[entry["path"]],
                              description=f"{description} ({source.get('reference', '')})")
    exported_at = None
    with contextlib.suppress(TypeError, ValueError):
        exported_at = datetime.fromisoformat(manifest.get("exported_at"))
    db.session.add(CaseOrigin(
        case_id=case.id, source_url=str(source.get("url", ""))[:255],
        source_reference=str(source.get("reference", ""))[:40],
        source_case_id=source.get("case_id") if isinstance(source.get("case_id"), int) else None,
        source_organisation=str(source.get("organisation", ""))[:200],
        exported_at=exported_at if exported_at and exported_at.tzinfo else None,
        bundle_sha256=manifest["bundle_sha256"], manifest=manifest,
        imported_by_id=actor.id, imported_at=utcnow(),
    ))
    db.session.flush()
    record("case.imported", actor=actor, case=case, source_url=str(source.get("url", ""))[:255],
           source_reference=str(source.get("reference", ""))[:40],
           source_organisation=str(source.get("organisation", ""))[:200],
           bundle_sha256=manifest["bundle_sha256"], files=len(files),
           audit_events=len(manifest.get("audit", [])))
    case_ops.transition(case, "submit", actor)
    return case


def origin_of(case) -> CaseOrigin | None:
    return db.session.get(CaseOrigin, case.id)
