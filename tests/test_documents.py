"""Issued documents: versions and superseding, immutability, access, downloads, the public
verification page, the background seam and the start-up font check.

Rendering is replaced by a fast stand-in here (a small PDF-looking file holding the inputs);
test_documents_pdf.py renders real papers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.core import storage
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.documents import codes, fonts, operations, tasks, wording
from odr.documents.models import Document, DocumentType, ImmutableDocument
from odr.extensions import db

from .factories import make_case

NOTICE = DocumentType.ACCEPTANCE_NOTICE


def fake_pdf(template_name, context, *, lang):
    return b"%PDF-1.7\n%" + json.dumps(context, sort_keys=True, ensure_ascii=False).encode() + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def fast_render(monkeypatch):
    monkeypatch.setattr(operations, "render_pdf", fake_pdf)


@pytest.fixture()
def client(app):
    """A signed-out visitor reading English (the default language is Chinese)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture()
def case(world):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    return case


def issue(case, actor, doc_type=NOTICE, lang="zh_CN"):
    document = operations.issue_document(case, doc_type, actor, lang)
    db.session.commit()
    return document


# ---- codes and words -------------------------------------------------------------------------

def test_codes_are_grouped_and_forgive_typing_slips():
    code = codes.new_code()
    assert len(code) == 12 and set(code) <= set(codes.ALPHABET)
    assert codes.normalise(codes.grouped(code)) == code
    assert codes.grouped("7K3MQ9TX2HVB") == "7K3M-Q9TX-2HVB"
    assert codes.normalise(" 7k3m q9tx-2hvb ") == "7K3MQ9TX2HVB"
    assert codes.normalise("OOOO-IIII-LLLL") == "0000-1111-1111".replace("-", "")
    for bad in ("", "7K3M-Q9TX", "7K3M-Q9TX-2HVU", "7K3M-Q9TX-2HVB-X", "../../etc/passwd"):
        assert codes.normalise(bad) is None


@pytest.mark.parametrize(
    "amount,words",
    [
        ("12000", "壹万贰仟元整"), ("1001.05", "壹仟零壹元零伍分"), ("0.5", "伍角"), ("0", "零元整"),
        ("10005", "壹万零伍元整"), ("100010000", "壹亿零壹万元整"), ("3500.20", "叁仟伍佰元贰角"),
        ("10000000", "壹仟万元整"), ("120.00", "壹佰贰拾元整"), ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ],
)
def test_amounts_in_capital_numerals(amount, words):
    assert wording.rmb_upper(Decimal(amount)) == words


# ---- issuing and versions --------------------------------------------------------------------

def test_issuing_stores_the_pdf_its_inputs_and_an_audit_event(world, case):
    document = issue(case, world.clerk)
    assert (document.type, document.lang, document.version) == (NOTICE, "zh_CN", 1)
    stored = storage.blob_path(document.sha256).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == document.sha256 and len(stored) == document.size
    assert document.inputs["case"]["reference"] == case.reference
    assert document.inputs["paper"]["code"] == codes.grouped(document.verification_code)
    assert document.inputs["applicants"][0]["name"] == "张三"
    assert document.inputs["case"]["amount"] == {"text": "人民币 12,000.00 元", "upper": "壹万贰仟元整"}
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "document.issued")).scalar_one()
    assert event.payload["sha256"] == document.sha256
    assert event.payload["code"] == document.verification_code
    assert (event.payload["type"], event.payload["version"], event.actor_id) == ("acceptance_notice", 1, world.clerk.id)


def test_reissuing_makes_version_two_and_supersedes_version_one(world, case, client):
    first = issue(case, world.clerk)
    second = issue(case, world.mediator)
    other_language = issue(case, world.clerk, lang="en")
    db.session.refresh(first)
    assert second.version == 2 and other_language.version == 1
    assert first.superseded_by_id == second.id and first.superseded_at is not None
    assert second.is_current and other_language.is_current
    assert second.inputs["paper"]["supersedes"] == {"version": 1, "code": codes.grouped(first.verification_code)}
    assert operations.current_document(case, NOTICE, "zh_CN").id == second.id

    old_page = client.get(f"/verify/{codes.grouped(first.verification_code)}").get_data(as_text=True)
    assert "has been superseded" in old_page
    assert f"/verify/{codes.grouped(second.verification_code)}" in old_page
    new_page = client.get(f"/verify/{codes.grouped(second.verification_code)}").get_data(as_text=True)
    assert "is the current version" in new_page and "superseded" not in new_page


def test_an_issued_document_cannot_be_changed_or_deleted(world, case):
    document = issue(case, world.clerk)
    document.sha256 = "0" * 64
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()
    document.inputs = {"case": {"reference": "forged"}}
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()
    db.session.delete(document)
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()
    # Superseded is written once; it cannot be pointed elsewhere afterwards.
    second = issue(case, world.clerk)
    third = issue(case, world.clerk)
    second_row = db.session.get(Document, second.id)
    second_row.superseded_by_id = document.id
    with pytest.raises(ImmutableDocument):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Document, second.id).superseded_by_id == third.id


def test_papers_wait_for_the_case_to_be_ready(world, monkeypatch):
    submitted = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    with pytest.raises(Exception, match="not been accepted"):
        operations.issue_document(submitted, NOTICE, world.clerk, "zh_CN")
    db.session.rollback()
    assert operations.issue_document(submitted, DocumentType.APPLICATION, world.clerk, "en").version == 1
    monkeypatch.delitem(operations.PAPERS, DocumentType.PROOF_OF_SERVICE)  # a type without a paper
    with pytest.raises(Exception, match="cannot be issued yet"):
        operations.issue_document(submitted, DocumentType.PROOF_OF_SERVICE, world.clerk, "zh_CN")


# ---- the case's documents page and downloads -------------------------------------------------

def test_clerk_issues_from_the_documents_page(world, case, login):
    clerk = login(world.clerk)
    page = clerk.get(f"/cases/{case.id}/documents")
    assert page.status_code == 200 and 'name="type"' in page.get_data(as_text=True)
    response = clerk.post(f"/cases/{case.id}/documents", data={"type": "acceptance_notice", "lang": "en"})
    assert response.status_code == 302
    document = db.session.execute(select(Document)).scalar_one()
    assert (document.type, document.lang, document.issued_by_id) == (NOTICE, "en", world.clerk.id)
    listing = clerk.get(f"/cases/{case.id}/documents").get_data(as_text=True)
    assert codes.grouped(document.verification_code) in listing
    assert f"/documents/{document.id}/download" in listing


def test_parties_may_read_but_not_issue(world, case, login):
    applicant = login(world.applicant)
    page = applicant.get(f"/cases/{case.id}/documents")
    assert page.status_code == 200 and 'name="type"' not in page.get_data(as_text=True)
    assert applicant.post(f"/cases/{case.id}/documents",
                          data={"type": "acceptance_notice", "lang": "zh_CN"}).status_code == 403
    assert db.session.execute(select(Document)).first() is None


def test_download_serves_the_stored_bytes_to_participants(world, case, login):
    document = issue(case, world.clerk)
    stored = storage.blob_path(document.sha256).read_bytes()
    for user in (world.applicant, world.respondent, world.mediator, world.clerk, world.supervisor):
        response = login(user).get(f"/documents/{document.id}/download")
        assert response.status_code == 200, user.role
        assert response.data == stored
        assert hashlib.sha256(response.data).hexdigest() == document.sha256
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
    downloads = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "document.downloaded")
    ).scalars().all()
    assert len(downloads) == 5 and {e.payload["document_id"] for e in downloads} == {document.id}


def test_download_is_never_a_new_rendering(world, case, login, monkeypatch):
    document = issue(case, world.clerk)

    def no_rendering(*args, **kwargs):
        raise AssertionError("a download must not render")

    monkeypatch.setattr(operations, "render_pdf", no_rendering)
    assert login(world.applicant).get(f"/documents/{document.id}/download").status_code == 200


def test_a_tampered_stored_file_is_not_served(world, case, login):
    document = issue(case, world.clerk)
    path = storage.blob_path(document.sha256)
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"%PDF-1.7", b"%PDF-1.6", 1))
        assert login(world.clerk).get(f"/documents/{document.id}/download").status_code == 500
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("outsider", ["stranger", "other_clerk", "other_mediator", "court_clerk"])
def test_outsiders_get_404_on_list_and_download(world, case, login, outsider):
    document = issue(case, world.clerk)
    other = make_case(world, CaseState.MEDIATION, applicant=world.stranger)
    db.session.commit()
    client = login(getattr(world, outsider))
    assert client.get(f"/cases/{case.id}/documents").status_code == 404
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    assert client.post(f"/cases/{case.id}/documents", data={"type": "acceptance_notice", "lang": "en"}).status_code == 404
    if outsider == "stranger":  # a party of another case sees their own case's list
        assert client.get(f"/cases/{other.id}/documents").status_code == 200
    refusals = db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied")).scalars().all()
    assert len(refusals) == 3


def test_signed_out_visitors_are_sent_to_sign_in(world, case, client):
    document = issue(case, world.clerk)
    assert client.get(f"/documents/{document.id}/download").status_code == 302
    assert client.get(f"/cases/{case.id}/documents").status_code == 302


def test_documents_stay_downloadable_when_the_case_is_closed(world, case, login):
    document = issue(case, world.clerk)
    case_ops.transition(case, "withdraw", world.applicant, reason="和解了 settled privately")
    db.session.commit()
    assert case.is_final
    assert login(world.applicant).get(f"/documents/{document.id}/download").status_code == 200
    clerk = login(world.clerk)
    assert clerk.get(f"/cases/{case.id}/documents").status_code == 200
    assert clerk.post(f"/cases/{case.id}/documents", data={"type": "acceptance_notice", "lang": "en"}).status_code == 403


# ---- public verification ---------------------------------------------------------------------

def test_verify_page_shows_the_record_and_nothing_personal(world, case, client):
    document = issue(case, world.clerk)
    code = codes.grouped(document.verification_code)
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for expected in (code, case.reference, document.sha256, "受理通知书"):
        assert expected in page
    for personal in ("张三", "某某公司", "13800000000", "陈调解", "拖欠工资", "12,000"):
        assert personal not in page


def test_verify_page_speaks_both_languages(world, case, app, client):
    document = issue(case, world.clerk, lang="en")
    url = f"/verify/{codes.grouped(document.verification_code)}"
    chinese = app.test_client().get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "真实有效" in chinese and "受理通知书" in chinese and 'lang="zh-CN"' in chinese
    english = client.get(url).get_data(as_text=True)
    assert "Genuine" in english and "Acceptance notice" in english and "真实有效" not in english


def test_verify_accepts_codes_as_people_type_them(world, case, client):
    document = issue(case, world.clerk)
    code = codes.grouped(document.verification_code)
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{code}")
    response = client.get(f"/verify/{code.replace('-', '').lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{code}")
    assert client.get("/verify").status_code == 200
    assert client.get("/verify", query_string={"code": "not-a-code"}).status_code == 422


def test_unknown_codes_are_404(world, case, client):
    issue(case, world.clerk)
    for code in ("7K3M-Q9TX-2HVB", "nonsense", "%2e%2e"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert "No document with this code" in response.get_data(as_text=True)


def test_uploaded_pdf_is_compared_byte_for_byte(world, case, client):
    document = issue(case, world.clerk)
    url = f"/verify/{codes.grouped(document.verification_code)}"
    original = storage.blob_path(document.sha256).read_bytes()

    def upload(data, name="paper.pdf"):
        return client.post(url, data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")

    same = upload(original)
    assert same.status_code == 200 and "The file matches" in same.get_data(as_text=True)
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    different = upload(bytes(changed))
    page = different.get_data(as_text=True)
    assert different.status_code == 200
    assert "does NOT match" in page and "The file matches" not in page
    assert hashlib.sha256(bytes(changed)).hexdigest() in page
    assert upload(b"just some text, not a PDF").status_code == 415
    assert client.post(url, data={}, content_type="multipart/form-data").status_code == 422


def test_verify_upload_needs_the_csrf_token(world, case, client, app, monkeypatch):
    document = issue(case, world.clerk)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/verify/{codes.grouped(document.verification_code)}"
    response = client.post(url, data={"file": (BytesIO(b"%PDF-1.7"), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_verify_endpoints_are_rate_limited(tmp_path):
    """In a process of its own: the session's app runs with rate limits off."""
    script = f"""
from odr import create_app
app = create_app({{"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_ENABLED": True,
                  "RATELIMIT_STORAGE_URI": "memory://", "STORAGE_DIR": {str(tmp_path)!r},
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/db.sqlite3"}})
client = app.test_client()
codes = [client.get("/verify/not-a-code").status_code for _ in range(31)]
print(codes.count(404), codes[-1])
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["30", "429"]


# ---- where rendering runs, and the start-up check --------------------------------------------

def test_without_a_broker_documents_are_issued_inline(world, case, app):
    assert not app.config.get("CELERY_BROKER_URL")
    document = tasks.issue(case, NOTICE, world.clerk, "zh_CN")
    assert isinstance(document, Document) and document.id is not None


# With a broker, a real Celery worker issues the papers: tests/test_document_jobs.py.


def test_start_up_warns_clearly_without_a_cjk_font(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "cjk_fonts", lambda timeout=5.0: [])
    with caplog.at_level(logging.WARNING, logger=fonts.log.name):
        assert fonts.check_rendering_support() is False
    assert "No CJK font is installed" in caplog.text and "fonts-noto-cjk" in caplog.text


def test_start_up_check_finds_the_installed_fonts():
    found = fonts.cjk_fonts()
    if found is None:
        pytest.skip("fc-list is not available")
    assert any("CJK" in family for family in found)
    assert fonts.check_rendering_support() is True
