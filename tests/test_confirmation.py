"""Judicial confirmation (odr/confirmation): the joint application, the court clerk's inbox and
decision, the ruling paper, notifications and timeline; through the JSON API and the pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.confirmation import operations as confirmation
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.core.errors import ValidationFailed
from odr.core.models import utcnow
from odr.core.storage import blob_path
from odr.documents import codes
from odr.documents.models import Document, DocumentType
from odr.extensions import db
from odr.notifications.models import Notification

from .factories import make_case, make_user
from .settled_support import settle


@pytest.fixture()
def settled(world, login):
    from types import SimpleNamespace

    d = SimpleNamespace(world=world)
    d.case = settle(world)
    d.url = f"/api/v1/cases/{d.case.id}"
    d.applicant, d.respondent = login(world.applicant), login(world.respondent)
    d.mediator, d.clerk, d.court = login(world.mediator), login(world.clerk), login(world.court_clerk)
    d.stranger = login(world.stranger)
    for client in (d.applicant, d.respondent, d.mediator, d.clerk, d.court, d.stranger):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read English
    return d


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes()))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def _documents(case, doc_type):
    db.session.rollback()
    return list(db.session.execute(
        select(Document).where(Document.case_id == case.id, Document.type == doc_type)).scalars())


def _kinds(user) -> list[str]:
    db.session.rollback()
    return list(db.session.execute(
        select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)).scalars())


def test_joint_application_court_confirms_and_the_ruling_is_verifiable(settled, client):
    d, w = settled, settled.world
    # One side alone cannot send the case to court through the plain workflow step.
    alone = d.applicant.post(f"{d.url}/transitions", json={"action": "request_confirmation",
                                                            "target_organisation_id": w.court.id})
    assert alone.status_code == 422 and "Both parties" in alone.json["error"]["message"]

    started = d.applicant.post(f"{d.url}/confirmation", json={"court_id": w.court.id})
    assert started.status_code == 201, started.json
    assert started.json["status"] == "open" and started.json["started_side"] == "applicant"
    assert d.applicant.get(d.url).json["state"] == "settled"
    assert "confirmation_join" in _kinds(w.respondent)
    # The court sees nothing before the other side joins.
    assert d.court.get("/api/v1/confirmations").json["items"] == []
    assert d.court.get(d.url).status_code == 404
    again = d.applicant.post(f"{d.url}/confirmation/join")
    assert again.status_code == 409 and again.json["error"]["code"] == "already_joined"

    joined = d.respondent.post(f"{d.url}/confirmation/join")
    assert joined.status_code == 200, joined.json
    assert joined.json["status"] == "filed" and joined.json["respondent_joined_at"]
    assert d.applicant.get(d.url).json["state"] == "confirmation_requested"
    application_paper = _documents(d.case, DocumentType.CONFIRMATION_APPLICATION)
    assert len(application_paper) == 1, "the application paper is issued when the application is filed"
    assert "司法确认申请书" in _pdf_text(application_paper[0])
    assert "confirmation_filed" in _kinds(w.court_clerk)

    inbox = d.court.get("/api/v1/confirmations").json["items"]
    assert [i["case_reference"] for i in inbox] == [d.case.reference]
    assert d.clerk.get("/api/v1/confirmations").json["items"] == [], "the committee's clerk has no such inbox"
    assert d.applicant.get("/api/v1/confirmations").status_code == 403
    page = d.court.get("/confirmations").get_data(as_text=True)
    assert d.case.reference in page and 'href="/confirmations"' in page, "the court's clerk has the menu link"
    assert 'href="/confirmations"' not in d.clerk.get("/dashboard").get_data(as_text=True)

    # The court's clerk reviews the case (agreement, parties, papers) and decides, with reasons.
    assert d.court.get(f"{d.url}/parties").status_code == 200
    assert d.court.get(f"{d.url}/agreement").status_code in (200, 403)  # the agreement paper is the file
    no_reason = d.court.post(f"{d.url}/confirmation/decision", json={"confirmed": True, "reasons": " "})
    assert no_reason.status_code == 422
    assert d.applicant.post(f"{d.url}/confirmation/decision",
                            json={"confirmed": True, "reasons": "x"}).status_code == 403
    reasons = "经审查，协议系双方自愿达成，内容不违反法律规定。"
    decided = d.court.post(f"{d.url}/confirmation/decision", json={"confirmed": True, "reasons": reasons})
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "confirmed" and decided.json["reasons"] == reasons
    ruling = decided.json["ruling"]
    assert ruling["code"]
    assert d.applicant.get(d.url).json["state"] == "confirmed"

    [document] = _documents(d.case, DocumentType.CONFIRMATION_RULING)
    text = _pdf_text(document)
    assert "民事裁定书" in text and "有效" in text and "".join(reasons.split()) in text and "西湖区人民法院" in text
    assert document.issued_by_id == w.court_clerk.id
    verified = client.get(f"/verify/{ruling['code']}")
    assert verified.status_code == 200 and document.sha256 in verified.get_data(as_text=True)
    assert codes.grouped(document.verification_code) == ruling["code"]

    for party in (w.applicant, w.respondent):
        assert "confirmation_decided" in _kinds(party)
    texts = [e["text"] for e in d.respondent.get(f"{d.url}/timeline").json]
    assert any("joined the application" in t for t in texts)
    assert any("confirmed as valid" in t for t in texts)
    assert d.court.get(f"{d.url}/confirmation").json["status"] == "confirmed"
    assert d.stranger.get(f"{d.url}/confirmation").status_code == 404


def test_the_court_dismisses_with_reasons_and_the_ruling_says_so(settled):
    d, w = settled, settled.world
    confirmation.start(d.case, w.respondent, w.court.id)
    confirmation.join(d.case, w.applicant)
    _, document = confirmation.decide(d.case, w.court_clerk, confirmed=False,
                                      reasons="协议内容涉及案外人权益 / the agreement affects a third party")
    db.session.commit()
    assert d.case.state == CaseState.CONFIRMATION_REFUSED
    text = _pdf_text(document)
    assert "驳回" in text and "案外人" in text
    # The refused case can be offered referral, as before.
    case_ops.transition(d.case, "offer_referral", w.mediator)
    assert d.case.state == CaseState.REFERRAL_OFFERED


def test_the_clerk_files_a_joint_written_application(settled):
    d, w = settled, settled.world
    blank = d.clerk.post(f"{d.url}/confirmation/written", json={"court_id": w.court.id, "note": " "})
    assert blank.status_code == 422
    not_a_court = d.clerk.post(f"{d.url}/confirmation/written",
                               json={"court_id": w.arbitration.id, "note": "双方书面申请"})
    assert not_a_court.status_code == 422 and "court_id" in not_a_court.json["error"]["fields"]
    assert d.mediator.post(f"{d.url}/confirmation/written",
                           json={"court_id": w.court.id, "note": "x"}).status_code == 403
    filed = d.clerk.post(f"{d.url}/confirmation/written",
                         json={"court_id": w.court.id, "note": "双方于今日在调委会共同签署书面申请"})
    assert filed.status_code == 200 and filed.json["written"] and filed.json["status"] == "filed"
    texts = [e["text"] for e in d.applicant.get(f"{d.url}/timeline").json]
    assert any("joint written application" in t for t in texts)


def test_the_thirty_days_and_who_may_apply(settled):
    d, w = settled, settled.world
    assert d.mediator.post(f"{d.url}/confirmation", json={"court_id": w.court.id}).status_code == 403
    assert d.stranger.post(f"{d.url}/confirmation", json={"court_id": w.court.id}).status_code == 404
    d.case.settled_at = utcnow() - timedelta(days=31)
    db.session.commit()
    late = d.applicant.post(f"{d.url}/confirmation", json={"court_id": w.court.id})
    assert late.status_code == 422 and late.json["error"]["code"] == "window_passed"
    with force_locale("zh_CN"), pytest.raises(ValidationFailed) as refused:
        confirmation.start(d.case, w.applicant, w.court.id)
    assert "三十日" in refused.value.message or "30" in refused.value.message
    db.session.rollback()
    assert confirmation.application_of(d.case) is None


def test_another_court_cannot_see_or_decide(settled, login):
    d, w = settled, settled.world
    from .factories import make_org

    other_court = make_org("上城区人民法院", "court", regions=[w.district])
    other_clerk = make_user("clerk", other_court)
    db.session.commit()
    confirmation.start(d.case, w.applicant, w.court.id)
    confirmation.join(d.case, w.respondent)
    db.session.commit()
    client = login(other_clerk)
    assert client.get("/api/v1/confirmations").json["items"] == []
    refused = client.post(f"{d.url}/confirmation/decision", json={"confirmed": True, "reasons": "x"})
    assert refused.status_code == 404
    db.session.rollback()
    denied = db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied",
                                                         AuditEvent.actor_id == other_clerk.id)).scalars().all()
    assert denied


def test_the_case_page_panel_for_parties_and_the_court(settled):
    d, w = settled, settled.world
    page = d.applicant.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert 'id="confirmation"' in page and "Start a joint application" in page
    # The joint application is made from the panel; the plain one-party step is not offered.
    assert 'value="request_confirmation"' not in page
    wrong = d.applicant.post(f"/cases/{d.case.id}/confirmation/start", data={"court_id": ""})
    assert wrong.status_code == 422 and "Choose the court" in wrong.get_data(as_text=True)
    ok = d.applicant.post(f"/cases/{d.case.id}/confirmation/start", data={"court_id": str(w.court.id)})
    assert ok.status_code == 303
    page = d.respondent.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert "Join the application" in page
    assert d.respondent.post(f"/cases/{d.case.id}/confirmation/join").status_code == 303
    court_page = d.court.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert "Record the decision and issue the ruling" in court_page
    missing = d.court.post(f"/cases/{d.case.id}/confirmation/decision", data={"reasons": "审查通过"})
    assert missing.status_code == 422 and "审查通过" in missing.get_data(as_text=True), "what was typed stays"
    done = d.court.post(f"/cases/{d.case.id}/confirmation/decision",
                        data={"decision": "confirm", "reasons": "审查通过"})
    assert done.status_code == 303
    db.session.rollback()
    assert db.session.get(type(d.case), d.case.id).state == CaseState.CONFIRMED


def test_a_case_without_an_agreement_paper_is_filed_without_the_application_paper(world):
    case = make_case(world, CaseState.SETTLED)
    db.session.commit()
    confirmation.start(case, world.applicant, world.court.id)
    confirmation.join(case, world.respondent)
    db.session.commit()
    assert case.state == CaseState.CONFIRMATION_REQUESTED
    assert _documents(case, DocumentType.CONFIRMATION_APPLICATION) == []
