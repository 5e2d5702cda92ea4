"""Case bundles (odr/referral/bundle.py): exported from this app, imported into a SECOND app with
its own database and storage; every hash matches; a changed byte is refused and nothing is kept;
the mediation record travels only with every party's consent."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from odr.auth.operations import create_api_token
from odr.cases import operations as case_ops
from odr.cases.models import Case, Evidence
from odr.core.audit import AuditEvent, canonical_json, verify_chain
from odr.core.enums import CaseState, Side
from odr.documents.models import DocumentType
from odr.documents.operations import issue_document
from odr.extensions import db
from odr.referral import operations as referral_ops
from odr.referral.bundle import read_bundle
from odr.referral.models import CaseOrigin

from . import conftest, factories
from .api_support import PDF, PNG, error
from .foundation_support import build_case, extra_app
from .test_migrations import _scratch_database


def _case_with_file(w) -> Case:
    """Failed mediation with a record, evidence of both kinds, offered for referral to the court."""
    case = build_case(w, CaseState.MEDIATION_FAILED)
    case_ops.add_evidence(case, w.applicant, filename="合同.pdf", data=PDF, description="劳动合同")
    case_ops.add_evidence(case, w.applicant, filename="photo.png", data=PNG)
    case_ops.add_evidence(case, w.applicant, filename="底线.pdf", data=PDF + b"% caucus only\n",
                          private_to_side=Side.APPLICANT)
    issue_document(case, DocumentType.APPLICATION, w.clerk, "zh_CN")
    issue_document(case, DocumentType.MEDIATION_RECORD, w.mediator, "zh_CN", {"record": "双方各自陈述。"})
    case_ops.transition(case, "offer_referral", w.mediator)
    case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.court.id)
    db.session.commit()
    return case


def _export(client, case) -> bytes:
    response = client.get(f"/api/v1/cases/{case.id}/bundle")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    return response.get_data()


def _unzip(data: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("manifest.json")), files


def _rezip(manifest: dict, files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _reseal(manifest: dict) -> dict:
    body = {k: v for k, v in manifest.items() if k != "bundle_sha256"}
    return {**body, "bundle_sha256": hashlib.sha256(canonical_json(body).encode()).hexdigest()}


def test_export_holds_the_file_with_its_hashes_and_no_confidential_material(world, login):
    case = _case_with_file(world)
    court = login(world.court_clerk)  # the body it was referred to may export it
    manifest, files = _unzip(_export(court, case))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for path, data in files.items():
        assert hashlib.sha256(data).hexdigest() == listed[path]["sha256"]
        assert len(data) == listed[path]["size"]
    assert files["summary.pdf"].startswith(b"%PDF")
    evidence = [f for f in manifest["files"] if f["kind"] == "evidence"]
    assert sorted(f["title"] for f in evidence) == ["photo.png", "合同.pdf"]  # the caucus file stays out
    stored = {e.sha256 for e in case.evidence if e.private_to_side is None}
    assert {f["sha256"] for f in evidence} == stored
    documents = {f["document_type"] for f in manifest["files"] if f["kind"] == "document"}
    assert "application" in documents and "mediation_record" not in documents
    assert manifest["mediation_record"]["included"] is False
    # The audit trail: the case's rows with their chain hashes, as the database holds them.
    rows = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id)).scalars().all()
    exported = {row["id"]: row for row in manifest["audit"]}
    assert exported and all(exported[i]["hash"] == r.hash for r in rows if (i := r.id) in exported)
    assert not any(row["action"].startswith("room.") for row in manifest["audit"])
    assert manifest["source"]["reference"] == case.reference
    read_bundle(_rezip(manifest, files))  # what it exported passes its own import checks
    # Exporting is recorded; the chain stays whole.
    assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "bundle.exported", AuditEvent.case_id == case.id)).scalar() == 1
    assert verify_chain().ok

    # Parties and strangers do not export the file.
    assert login(world.applicant).get(f"/api/v1/cases/{case.id}/bundle").status_code == 403
    assert login(world.stranger).get(f"/api/v1/cases/{case.id}/bundle").status_code == 404


def test_the_mediation_record_goes_only_when_every_party_consents(world, login):
    case = _case_with_file(world)
    referral_ops.set_record_consent(case, world.applicant, True)
    db.session.commit()
    manifest, _files = _unzip(_export(login(world.clerk), case))
    assert manifest["mediation_record"]["included"] is False
    referral_ops.set_record_consent(case, world.respondent, True)
    db.session.commit()
    manifest, files = _unzip(_export(login(world.clerk), case))
    assert manifest["mediation_record"]["included"] is True
    record = [f for f in manifest["files"] if f.get("document_type") == "mediation_record"]
    assert len(record) == 1 and files[record[0]["path"]].startswith(b"%PDF")


def test_page_export_for_staff(world, login):
    case = _case_with_file(world)
    response = login(world.clerk).get(f"/cases/{case.id}/bundle.zip")
    assert response.status_code == 200 and response.headers["X-Bundle-SHA256"]
    manifest, _files = _unzip(response.get_data())
    assert manifest["bundle_sha256"] == response.headers["X-Bundle-SHA256"]


@contextlib.contextmanager
def second_instance(app, tmp_path):
    """A second instance of the service: its own database (same kind as the test database) and
    its own file storage, with a court and its clerk, and an API token for that clerk. Inside the
    block the second instance's application context is the current one."""
    storage = tmp_path / "second-storage"
    with (
        _scratch_database(app, tmp_path) as url,
        extra_app(app, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(storage), DOCUMENT_JOBS="off") as other,
        other.app_context(),
    ):
        other.test_client_class = conftest.TestClient  # a fresh `g` per request, as a real server has
        upgrade()
        court = factories.make_org("另一法院 other court", "court")
        clerk = factories.make_user("clerk", court)
        _, secret = create_api_token(clerk, "import")
        db.session.commit()
        yield {"app": other, "court_id": court.id, "headers": {"Authorization": f"Bearer {secret}"},
               "storage": storage, "url": url}
        db.session.remove()


def _counts() -> tuple:
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in (Case, Evidence, CaseOrigin, AuditEvent))


def _stored(root: Path) -> set:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _body(data: bytes, **form) -> dict:
    """The multipart body already encoded (the test client would spool a large one to a temporary
    file nobody closes)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename="bundle.zip"), **form})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _post(second, data: bytes, lang="en"):
    client = second["app"].test_client()
    return client.post("/api/v1/bundles", headers={**second["headers"], "Accept-Language": lang}, **_body(data))


def test_import_into_a_second_instance_and_every_hash_matches(world, login, app, tmp_path):
    case = _case_with_file(world)
    reference, title, facts, amount = case.reference, case.title, case.facts, case.claim_amount
    names = sorted(p.name for p in case.parties)
    data = _export(login(world.court_clerk), case)
    manifest, files = _unzip(data)
    source_db = str(db.engine.url)

    with second_instance(app, tmp_path) as second:
        assert str(db.engine.url) != source_db
        before = _counts()
        response = _post(second, data)
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["files"] == len(manifest["files"])
        assert body["audit_events"] == len(manifest["audit"])
        assert body["origin"]["source_reference"] == reference
        assert body["origin"]["bundle_sha256"] == manifest["bundle_sha256"]
        imported = db.session.get(Case, body["case"]["id"])
        assert imported.state == CaseState.SUBMITTED and imported.organisation_id == second["court_id"]
        assert imported.title == title and imported.facts == facts
        assert imported.claim_amount == amount
        assert sorted(p.name for p in imported.parties) == names
        # Every file arrived as evidence with the same SHA-256, and the bytes on the second
        # instance's disk hash to it.
        assert sorted(e.sha256 for e in imported.evidence) == sorted(f["sha256"] for f in manifest["files"])
        for item in imported.evidence:
            on_disk = next(second["storage"].rglob(item.sha256)).read_bytes()
            assert hashlib.sha256(on_disk).hexdigest() == item.sha256
        origin = db.session.get(CaseOrigin, imported.id)
        assert origin.manifest["audit"] == manifest["audit"]  # the source's trail, kept as received
        assert verify_chain().ok
        after = _counts()
        assert after[0] == before[0] + 1 and after[2] == before[2] + 1
        timeline = second["app"].test_client().get(f"/api/v1/cases/{imported.id}/timeline",
                                                   headers=second["headers"]).get_json()
        assert any(e["action"] == "case.imported" and reference in e["text"] for e in timeline)
    # Nothing of the import reached the first instance.
    assert db.session.execute(select(func.count()).select_from(CaseOrigin)).scalar() == 0


def test_a_changed_byte_is_refused_and_nothing_is_stored(world, login, app, tmp_path):
    case = _case_with_file(world)
    data = _export(login(world.clerk), case)
    manifest, files = _unzip(data)
    evidence_path = next(f["path"] for f in manifest["files"] if f["kind"] == "evidence")

    changed = dict(files)
    changed[evidence_path] = changed[evidence_path][:-1] + bytes([changed[evidence_path][-1] ^ 1])
    # The same change with the manifest's hash of that file updated and the manifest resealed: the
    # case's audit trail still names the original file.
    forged_manifest = json.loads(json.dumps(manifest))
    entry = next(f for f in forged_manifest["files"] if f["path"] == evidence_path)
    entry["sha256"] = hashlib.sha256(changed[evidence_path]).hexdigest()
    edited_facts = json.loads(json.dumps(manifest))
    edited_facts["case"]["facts"] = "被改过的事实"
    edited_row = _reseal(json.loads(json.dumps(manifest)))
    edited_row["audit"][0]["payload"]["reference"] = "ODR-FAKE"
    edited_row = _reseal(edited_row)
    extra = dict(files, **{"evidence/extra.pdf": PDF})
    raw = bytearray(data)
    at = raw.find(b"%PDF")  # a byte inside a stored file, changed in the ZIP itself
    raw[at + 2] ^= 0xFF

    cases = {
        "a file's byte": (_rezip(manifest, changed), "does not match its SHA-256"),
        "the file and its listed hash": (_rezip(_reseal(forged_manifest), changed), "audit trail recorded"),
        "the facts in the manifest": (_rezip(edited_facts, files), "manifest does not match its hash"),
        "an audit row": (_rezip(edited_row, files), "does not match its hash"),
        "a file added": (_rezip(manifest, extra), "not the files its manifest lists"),
        "a byte of the ZIP": (bytes(raw), ""),
        "not a ZIP": (b"PK-not-really", "not a ZIP"),
    }
    with second_instance(app, tmp_path) as second:
        before, stored_before = _counts(), _stored(second["storage"])
        for name, (bundle, words) in cases.items():
            response = _post(second, bundle)
            assert response.status_code == 422, (name, response.get_json())
            problem = error(response)
            assert problem["code"] == "bundle_refused", name
            assert words in problem["message"], (name, problem["message"])
            assert _counts() == before, f"{name}: something was stored"
            assert _stored(second["storage"]) == stored_before, f"{name}: a file was stored"
        # The reason comes in Chinese too.
        response = _post(second, _rezip(manifest, changed), lang="zh-CN")
        assert "SHA-256" in error(response)["message"] and "不" in error(response)["message"]
        # And the untouched bundle still imports.
        assert _post(second, data).status_code == 201


def test_only_clerks_import(world, login):
    case = _case_with_file(world)
    data = _export(login(world.clerk), case)
    response = login(world.applicant).post("/api/v1/bundles", **_body(data))
    assert response.status_code == 403
    # A clerk may import into their own organisation, not another.
    response = login(world.clerk).post("/api/v1/bundles", **_body(data, organisation_id=str(world.court.id)))
    assert response.status_code == 403
    assert db.session.execute(select(func.count()).select_from(CaseOrigin)).scalar() == 0
