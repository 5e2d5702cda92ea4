"""The later papers rendered for real (mediation record, application for judicial confirmation,
referral letter, proof of service) and the PAdES signature: pyHanko says intact and covering the
whole file, one changed byte breaks it (and /verify says the upload does not match), pdfsig lists
it, pypdf still reads the text; the dev-certificate command.

Real renders cost about half a second each: the papers are issued once for the module.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from odr.core import storage
from odr.core.enums import CaseState
from odr.core.errors import ValidationFailed
from odr.documents import operations, signing
from odr.documents.models import Document, DocumentType
from odr.documents.operations import issue_document, record_paper_service
from odr.extensions import db

from . import factories

# Messages outside a request come in whichever language the session's app context last used
# (Chinese by default, English after a request in English): the tests accept both.
RECORD = "申请人要求支付拖欠工资12000元。被申请人同意分两期支付。\nThe parties agreed on two instalments."


def _text(pdf: bytes) -> str:
    return "".join(re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages)


def settled_case(world):
    """A case asking for confirmation, with a stand-in for the mediation issue's agreement."""
    case = factories.make_case(world, CaseState.CONFIRMATION_REQUESTED)
    fake = b"%PDF-1.7\n% a stand-in for the signed agreement\n%%EOF\n"
    db.session.add(Document(case_id=case.id, type=DocumentType.SETTLEMENT_AGREEMENT, lang="zh_CN", version=1,
                            sha256=storage.put_bytes(fake), size=len(fake), verification_code="7K3MQ9TX2HVB",
                            inputs={}, template="zh_CN/settlement_agreement.html"))
    db.session.flush()
    return case


@pytest.fixture(scope="module")
def certs(app, tmp_path_factory):
    directory = tmp_path_factory.mktemp("signing")
    signing.make_dev_certificates(directory, org_id=None, org_name="odr test")
    previous = app.config["SIGNING_CERT_DIR"]
    app.config["SIGNING_CERT_DIR"] = str(directory)
    yield directory
    app.config["SIGNING_CERT_DIR"] = previous


@pytest.fixture(scope="module")
def papers(app, certs):
    world = factories.build_world()
    out = SimpleNamespace(world=world)

    mediation = factories.make_case(world, CaseState.MEDIATION)
    record = issue_document(mediation, DocumentType.MEDIATION_RECORD, world.mediator, "zh_CN", {"record": RECORD})
    out.record = storage.blob_path(record.sha256).read_bytes()
    out.record_inputs = record.inputs

    referral = factories.make_case(world, CaseState.REFERRAL_OFFERED)
    issue_document(referral, DocumentType.APPLICATION, world.clerk, "zh_CN")
    letter = issue_document(referral, DocumentType.REFERRAL_LETTER, world.clerk, "zh_CN")
    out.referral = storage.blob_path(letter.sha256).read_bytes()
    out.referral_en = storage.blob_path(
        issue_document(referral, DocumentType.REFERRAL_LETTER, world.clerk, "en").sha256).read_bytes()

    settled = settled_case(world)
    application = issue_document(settled, DocumentType.CONFIRMATION_APPLICATION, world.clerk, "zh_CN")
    out.confirmation_sha256 = application.sha256
    out.confirmation = storage.blob_path(application.sha256).read_bytes()

    service = record_paper_service(record, mediation, world.clerk, party_id=mediation.parties[-1].id,
                                   method="post", served_on=date(2026, 3, 2), note="EMS 1234 签收")
    proof = issue_document(mediation, DocumentType.PROOF_OF_SERVICE, world.clerk, "zh_CN",
                           {"service_id": service.id})
    out.proof = storage.blob_path(proof.sha256).read_bytes()
    out.proof_en = storage.blob_path(issue_document(
        mediation, DocumentType.PROOF_OF_SERVICE, world.clerk, "en", {"service_id": service.id}).sha256).read_bytes()
    db.session.commit()
    out.settled_reference = settled.reference
    dump = os.environ.get("ODR_DUMP_PAPERS")  # a directory: keep the PDFs to look at them
    if dump:
        for name in ("record", "referral", "referral_en", "confirmation", "proof", "proof_en"):
            Path(dump, f"{name}.pdf").write_bytes(getattr(out, name))
    return out


def _validate(pdf: bytes, certs):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(certs / "ca.crt"))])
    return validate_pdf_signature(reader.embedded_signatures[0], context)


# ---- the papers ------------------------------------------------------------------------------

def test_mediation_record_prints_what_the_mediator_entered(papers):
    text = _text(papers.record)
    for expected in ("调解笔录", "线上", "陈调解", "张三", "某某公司", "被申请人同意分两期支付", "调解经过",
                     "当事人提交调解申请", "对方当事人同意调解"):
        assert expected in text, expected
    assert papers.record_inputs["record"]["text"] == RECORD


def test_mediation_record_needs_the_record_text(world):
    case = factories.make_case(world, CaseState.MEDIATION)
    with pytest.raises(ValidationFailed, match="请填写调解记录|Write what was discussed") as refused:
        issue_document(case, DocumentType.MEDIATION_RECORD, world.mediator, "en", {"record": "  "})
    assert "record" in refused.value.fields
    db.session.rollback()


def test_referral_letter_names_the_receiver_the_reason_and_the_enclosures(papers):
    text = _text(papers.referral)
    for expected in ("移送函", "西湖区人民法院", "测试原因testreason", "第二十六条", "随函移送材料", "调解申请书"):
        assert expected in text, expected
    english = _text(papers.referral_en)
    assert "Referralletter" in english and "Article26" in english


def test_confirmation_application_cites_the_law_and_the_agreement(papers):
    text = _text(papers.confirmation)  # pypdf still reads the signed file's text layer
    for expected in ("司法确认申请书", "西湖区人民法院", "7K3M-Q9TX-2HVB", "第三十三条", "第二百零五条", "三十日内",
                     "张三", "某某公司"):
        assert expected in text, expected


def test_proof_of_service_states_the_facts(papers):
    text = _text(papers.proof)
    for expected in ("送达回证", "调解笔录", "某某公司", "邮寄送达", "2026年3月2日", "EMS1234签收"):
        assert expected in text, expected
    assert "servicebypost" in _text(papers.proof_en)


def test_unsigned_papers_stay_unsigned(papers):
    assert b"/ByteRange" not in papers.record and b"/ByteRange" not in papers.referral


# ---- the signature -----------------------------------------------------------------------------

def test_signature_is_intact_and_covers_the_whole_file(papers, certs):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    status = _validate(papers.confirmation, certs)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # The stored hash is the signed file's, and the rendering is kept whole as the first revision.
    assert storage.blob_path(papers.confirmation_sha256).read_bytes() == papers.confirmation
    assert papers.confirmation.count(b"%%EOF") >= 2


def test_one_changed_byte_breaks_the_signature_and_the_verify_page_says_so(papers, certs, app, world):
    case = factories.make_case(world, CaseState.CONFIRMATION_REQUESTED)
    db.session.add(Document(case_id=case.id, type=DocumentType.CONFIRMATION_APPLICATION, lang="zh_CN",
                            version=1, sha256=papers.confirmation_sha256, size=len(papers.confirmation),
                            verification_code="7K3MQ9TX2HVC", inputs={}, template="zh_CN/x.html"))
    db.session.commit()
    data = bytearray(papers.confirmation)
    position = data.index(b"/Producer")
    data[position + 1] = ord("Q")  # inside the first signed byte range
    tampered = bytes(data)
    status = _validate(tampered, certs)
    assert not status.intact and not status.bottom_line

    client = app.test_client()
    response = client.post("/verify/7K3M-Q9TX-2HVC",
                           data={"file": (io.BytesIO(tampered), "paper.pdf")},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert b"does NOT match" in response.data
    response = client.post("/verify/7K3M-Q9TX-2HVC",
                           data={"file": (io.BytesIO(papers.confirmation), "paper.pdf")},
                           headers={"Accept-Language": "en"})
    assert b"The file matches" in response.data


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed")
def test_pdfsig_lists_the_signature(papers, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(papers.confirmation)
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30).stdout
    assert "Signature #1" in output
    assert "Total document signed" in output
    assert "Signature is Valid" in output


def test_a_paper_that_must_be_signed_is_refused_without_a_certificate_when_required(world, app, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_CERT_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SIGNING_REQUIRED", True)
    monkeypatch.setattr(operations, "render_pdf", lambda *a, **k: b"%PDF-1.7\n%%EOF\n")
    settled = settled_case(world)
    with pytest.raises(ValidationFailed, match="尚未配置签名证书|no signing certificate is configured"):
        issue_document(settled, DocumentType.CONFIRMATION_APPLICATION, world.clerk, "en")
    db.session.rollback()


def test_organisation_certificate_wins_over_the_default(app, tmp_path):
    signing.make_dev_certificates(tmp_path, org_id=None, org_name="default")
    signing.make_dev_certificates(tmp_path, org_id=4, org_name="parent")
    app.config["SIGNING_CERT_DIR"], previous = str(tmp_path), app.config["SIGNING_CERT_DIR"]
    try:
        assert signing.find_key_pair(SimpleNamespace(path="/4/9/")).cert.name == "org-4.crt"
        assert signing.find_key_pair(SimpleNamespace(path="/5/")).cert.name == "default.crt"
    finally:
        app.config["SIGNING_CERT_DIR"] = previous


def test_dev_certificate_command_writes_keys_0600(runner, world, tmp_path):
    result = runner.invoke(args=["odr", "dev-certificate", "--org", str(world.committee.id), "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("ca.key", f"org-{world.committee.id}.key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / f"org-{world.committee.id}.crt").read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    result = runner.invoke(args=["odr", "dev-certificate", "--org", "999999", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and "no organisation" in result.output
