"""Intake: the step-by-step filing (self, grid worker with consent, QR preset), drafts left and
continued, each step's validation, QR links and posters, re-routing, the clerk's decision."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases.models import Case
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category, RiskLevel, Side
from odr.core.errors import NotAllowed, ValidationFailed
from odr.documents.models import Document, DocumentType
from odr.extensions import db
from odr.intake import operations
from odr.intake.models import Channel, GridAssignment, IntakeRecord

from . import factories
from .foundation_support import build_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FACTS = "房东不退押金 3000 元。The landlord keeps my deposit."


def _events(action, case_id=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return db.session.execute(query.order_by(AuditEvent.id)).scalars().all()


def assert_notified(told, user, kind, text=""):
    """With odr.notifications the user got an in-app message (and the audit says it was sent);
    without it, the audit entry says nothing was sent."""
    try:
        from odr.notifications.models import Notification
    except ImportError:
        assert told.payload["sent"] is False
        return
    assert told.payload["sent"] is True
    [message] = db.session.execute(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)).scalars().all()
    assert text in message.body


def _walk(client, world, case_id, *, facts=FACTS, other="某某房东", phone="13700000000"):
    """Post every step after the first; returns the last response (the submission)."""
    steps = [
        ("facts", {"facts": facts, "started_on": "2025-03-01", "region_id": world.grid.id}),
        ("claims", {"claims": "退还押金", "claim_amount": "3000"}),
        ("other_party", {"kind": "person", "name": other, "phone": phone}),
        ("evidence", {"file": (io.BytesIO(PDF), "合同.pdf"), "description": "租赁合同"}),
        ("language", {"language": "en"}),
    ]
    for step, data in steps:
        response = client.post(f"/file/{case_id}/{step}", data={**data, "go": "next"},
                               content_type="multipart/form-data")
        assert response.status_code == 303, (step, response.get_data(as_text=True)[:2000])
    return client.post(f"/file/{case_id}/review", data={"go": "next"})


def _start(client, category="tenancy", query=""):
    response = client.post(f"/file{query}", data={"category": category, "go": "next"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case_id = int(response.headers["Location"].split("/file/")[1].split("/")[0])
    assert response.headers["Location"].endswith(f"/file/{case_id}/facts")
    return db.session.get(Case, case_id)


def test_applicant_files_step_by_step(world, login):
    client = login(world.applicant)
    page = client.get("/file")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('name="category"') == len(Category)
    assert "押金" in html or "deposit" in html  # the one-line explanations
    case = _start(client)
    assert case.state == CaseState.DRAFT and case.category == Category.TENANCY
    response = _walk(client, world, case.id)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cases/{case.id}")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.SUBMITTED
    assert case.organisation_id == world.committee.id  # routed by region and category
    assert case.claim_amount == 3000 and case.currency == "CNY" and case.language == "en"
    assert case.facts == FACTS and case.title.startswith("房东不退押金")
    [other] = case.parties_on(Side.RESPONDENT)
    assert (other.name, other.phone) == ("某某房东", "13700000000")
    assert [e.filename for e in case.evidence] == ["合同.pdf"]
    record = db.session.execute(select(IntakeRecord).where(IntakeRecord.case_id == case.id)).scalar()
    assert record.channel == Channel.SELF and str(record.dispute_started_on) == "2025-03-01"
    assert case.parties_on(Side.APPLICANT)[0].user_id == world.applicant.id


def test_a_draft_can_be_left_and_continued(world, login):
    client = login(world.applicant)
    case = _start(client, "labour")
    client.post(f"/file/{case.id}/facts", data={"facts": "欠薪", "region_id": world.grid.id, "go": "next"})
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f"/file/{case.id}" in dashboard  # "continue" on the dashboard
    resume = client.get(f"/file/{case.id}")
    assert resume.status_code == 303 and resume.headers["Location"].endswith(f"/file/{case.id}/claims")
    back = client.get(f"/file/{case.id}/facts").get_data(as_text=True)
    assert "欠薪" in back  # what was saved is shown again
    # Back keeps what was typed on the way.
    response = client.post(f"/file/{case.id}/claims", data={"claims": "付工资", "go": "back"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/facts")
    assert "付工资" in client.get(f"/file/{case.id}/claims").get_data(as_text=True)
    # The category page shows the chosen one.
    page = client.get(f"/file/{case.id}/category").get_data(as_text=True)
    assert re.search(r'<input [^>]*checked[^>]*value="labour"', page)
    assert not re.search(r'<input [^>]*checked[^>]*value="tenancy"', page)


@pytest.mark.parametrize(
    ("step", "data", "message", "kept"),
    [
        ("facts", {"facts": "", "region_id": "0", "started_on": "2025-13-45"}, "Describe what happened.", "2025-13-45"),
        ("facts", {"facts": "x", "region_id": "999999", "started_on": "2999-01-01"},
         "The date cannot be in the future.", "2999-01-01"),
        ("claims", {"claims": "退款", "claim_amount": "12abc"}, "Enter an amount such as 1200 or 1200.50.", "12abc"),
        ("claims", {"claims": "退款", "claim_amount": "1.234"}, "At most two decimal places.", "1.234"),
        ("other_party", {"kind": "person", "name": "王五", "phone": "abc"}, "Enter a phone number", "王五"),
        ("other_party", {"kind": "person", "name": "王五"}, "Give at least one way to reach them", "王五"),
        ("other_party", {"kind": "person", "name": "", "email": "x@"}, "Enter the name.", "x@"),
        ("language", {}, "Choose a language.", ""),
    ],
)
def test_each_step_refuses_bad_input_and_keeps_it(world, login, step, data, message, kept):
    client = login(world.applicant)
    case = _start(client)
    before = (case.facts, case.claims, case.claim_amount, len(case.parties))
    response = client.post(f"/file/{case.id}/{step}", data={**data, "go": "next"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html or message in html
    assert kept in html
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.facts, case.claims, case.claim_amount, len(case.parties)) == before


def test_bad_first_step_and_bad_upload(world, login):
    client = login(world.applicant)
    response = client.post("/file", data={"category": "nonsense"})
    assert response.status_code == 422
    assert db.session.execute(select(Case)).first() is None
    case = _start(client)
    response = client.post(f"/file/{case.id}/evidence", data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.exe"),
                                                              "go": "upload"},
                           content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 415
    assert "This type of file is not accepted." in response.get_data(as_text=True)
    # Submitting without the other party is refused, and the case stays a draft.
    response = client.post(f"/file/{case.id}/review", data={"go": "next"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "Tell us who the other party is." in response.get_data(as_text=True)
    assert db.session.get(Case, case.id).state == CaseState.DRAFT


def test_chinese_messages(world, login):
    client = login(world.applicant)
    case = _start(client)
    response = client.post(f"/file/{case.id}/claims", data={"claims": "", "go": "next"},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "请" in response.get_data(as_text=True)


def test_outsiders_cannot_open_someone_elses_draft(world, login):
    case = _start(login(world.applicant))
    for user in (world.stranger, world.clerk, world.grid_worker):
        response = login(user).get(f"/file/{case.id}/facts")
        assert response.status_code == 404
        response = login(user).post(f"/file/{case.id}/facts", data={"facts": "hijack", "region_id": world.grid.id})
        assert response.status_code == 404
    assert db.session.get(Case, case.id).facts == ""
    assert len(_events("access.denied", case.id)) == 6


def test_grid_worker_files_for_a_resident_with_consent(world, login):
    db.session.add(GridAssignment(user_id=world.grid_worker.id, region_id=world.grid.id))
    db.session.commit()
    client = login(world.grid_worker)
    page = client.get("/file").get_data(as_text=True)
    assert 'name="consent"' in page
    refused = client.post("/file", data={"name": "孙大娘", "phone": "13600000000"},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "The resident must agree" in html and "孙大娘" in html
    assert db.session.execute(select(Case)).first() is None
    response = client.post("/file", data={"name": "孙大娘", "phone": "13600000000", "consent": "y"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/category")
    case = db.session.execute(select(Case)).scalar_one()
    client.post(f"/file/{case.id}/category", data={"category": "neighbourhood", "go": "next"})
    assert _walk(client, world, case.id).status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.SUBMITTED and case.category == Category.NEIGHBOURHOOD
    [applicant] = case.parties_on(Side.APPLICANT)
    assert (applicant.name, applicant.user_id) == ("孙大娘", None)
    assert case.filed_by_id == world.grid_worker.id
    record = db.session.execute(select(IntakeRecord).where(IntakeRecord.case_id == case.id)).scalar()
    assert record.channel == Channel.GRID_WORKER and record.consent_given_at is not None
    assert record.grid_region_id == world.grid.id
    [started] = _events("intake.started", case.id)
    assert started.payload["consent_given_at"] and started.payload["resident"] == "孙大娘"


def test_qr_link_presets_grid_and_organisation(world, login):
    client = login(world.applicant)
    query = f"?grid={world.other_grid.code}&org={world.committee.id}"
    page = client.get(f"/file{query}").get_data(as_text=True)
    assert world.committee.name in page
    case = _start(client, "tenancy", query)
    assert case.region_id == world.other_grid.id
    assert _walk(client, world, case.id).status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    # The QR code's organisation keeps the case, though routing would have chosen another.
    assert case.organisation_id == world.committee.id
    record = db.session.execute(select(IntakeRecord).where(IntakeRecord.case_id == case.id)).scalar()
    assert record.channel == Channel.QR and record.preset_organisation_id == world.committee.id


@pytest.mark.parametrize("query", ["?grid=NOPE", "?org=999999", "?org=abc", "?org={court}"])
def test_qr_link_with_a_bad_id_says_so(world, login, query):
    response = login(world.applicant).get("/file" + query.format(court=world.court.id),
                                          headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This QR code names" in response.get_data(as_text=True)


def test_posters(world, login):
    client = login(world.clerk)
    page = client.get("/qr").get_data(as_text=True)
    assert world.committee.name in page and world.grid.name in page
    assert world.other_committee.name not in page
    response = client.get(f"/qr/org/{world.committee.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert world.committee.name in text and "扫码在线调解" in text
    assert f"org={world.committee.id}" in text
    grid = client.get(f"/qr/grid/{world.grid.id}.pdf")
    assert grid.status_code == 200
    assert world.grid.name in "".join(p.extract_text() for p in PdfReader(io.BytesIO(grid.data)).pages)
    assert db.session.execute(select(Document)).first() is None  # not a case document
    # Another organisation's poster, and the applicant: refused.
    assert client.get(f"/qr/org/{world.other_committee.id}.pdf").status_code == 404
    assert login(world.applicant).get("/qr").status_code == 403
    assert login(world.applicant).get(f"/qr/org/{world.committee.id}.pdf").status_code == 403


def test_reroute(world, login):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    forbidden = login(world.supervisor).post(f"/cases/{case.id}/reroute",
                                           data={"organisation_id": world.other_committee.id, "reason": "r"})
    assert forbidden.status_code == 403
    assert login(world.other_clerk).post(f"/cases/{case.id}/reroute", data={}).status_code == 404
    [denied] = [e for e in _events("access.denied", case.id) if e.actor_id == world.other_clerk.id]
    assert denied.payload["attempted"] == "case.view"
    client = login(world.clerk)
    assert "Send to another organisation" in client.get(f"/cases/{case.id}",
                                                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    no_reason = client.post(f"/cases/{case.id}/reroute", data={"organisation_id": world.other_committee.id})
    assert no_reason.status_code == 422
    nothing = client.post(f"/cases/{case.id}/reroute", data={"reason": "r"}, headers={"Accept-Language": "en"})
    assert nothing.status_code == 422 and "Choose an organisation that mediates." in nothing.get_data(as_text=True)
    court = client.post(f"/cases/{case.id}/reroute", data={"organisation_id": world.court.id, "reason": "r"},
                        headers={"Accept-Language": "en"})
    assert court.status_code == 422 and "Choose an organisation that mediates." in court.get_data(as_text=True)
    ok = client.post(f"/cases/{case.id}/reroute",
                     data={"organisation_id": world.other_committee.id, "reason": "不在本街道 not our street"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).organisation_id == world.other_committee.id
    [event] = _events("case.rerouted", case.id)
    assert event.payload["reason"] == "不在本街道 not our street"
    assert event.payload["from_organisation_id"] == world.committee.id
    # The old clerk no longer holds the case; the new one does.
    assert login(world.clerk).get(f"/cases/{case.id}").status_code == 404
    assert login(world.other_clerk).get(f"/cases/{case.id}").status_code == 200


def test_reroute_only_before_mediation(world):
    case = build_case(world, CaseState.MEDIATION)
    with pytest.raises(NotAllowed):
        operations.reroute(case, world.clerk, world.other_committee, "r")
    draft = build_case(world, CaseState.DRAFT)
    with pytest.raises(NotAllowed):
        operations.reroute(draft, world.clerk, world.other_committee, "r")
    accepted = build_case(world, CaseState.ACCEPTED)
    with pytest.raises(ValidationFailed):
        operations.reroute(accepted, world.clerk, world.committee, "r")  # already there
    operations.reroute(accepted, world.clerk, world.other_committee, "r")
    assert not accepted.mediator_ids  # the old organisation's mediator leaves with it


def test_accept_issues_the_notice_and_tells_the_applicant(world, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_JOBS", "after_commit")  # the suite turns it off
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    response = login(world.clerk).post(f"/cases/{case.id}/transition",
                                       data={"action": "accept", "expected_version": case.version})
    assert response.status_code == 303
    documents = db.session.execute(select(Document).where(Document.case_id == case.id)).scalars().all()
    assert [d.type for d in documents] == [DocumentType.ACCEPTANCE_NOTICE]
    [told] = _events("intake.told", case.id)
    assert told.payload["kind"] == "case_accepted"
    assert set(told.payload["recipients"]) == {world.applicant.id, world.grid_worker.id}
    assert_notified(told, world.applicant, "case_accepted")


def test_reject_tells_the_applicant(world, login):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    client = login(world.clerk)
    no_reason = client.post(f"/cases/{case.id}/transition", data={"action": "reject", "expected_version": case.version})
    assert no_reason.status_code == 422 and not _events("intake.told", case.id)
    response = client.post(f"/cases/{case.id}/transition",
                           data={"action": "reject", "expected_version": case.version, "reason": "不属于调解范围"})
    assert response.status_code == 303
    [told] = _events("intake.told", case.id)
    assert told.payload["kind"] == "case_rejected"
    assert_notified(told, world.applicant, "case_rejected", "不属于调解范围")


def test_risk_form_on_the_case_page(world, login):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    client = login(world.clerk)
    assert client.post(f"/cases/{case.id}/risk", data={"level": "high"}).status_code == 422
    assert client.post(f"/cases/{case.id}/risk", data={"level": "high", "reason": "双方争吵"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).risk_level == RiskLevel.HIGH
    assert login(world.applicant).post(f"/cases/{case.id}/risk",
                                       data={"level": "low", "reason": "x"}).status_code == 403
    assert login(world.stranger).post(f"/cases/{case.id}/risk",
                                      data={"level": "low", "reason": "x"}).status_code == 404
    assert any(e.actor_id == world.stranger.id for e in _events("access.denied", case.id))
    assert db.session.get(Case, case.id).risk_level == RiskLevel.HIGH


def test_draft_on_the_old_form_continues_here(world, login):
    case = case_ops.create_case(world.applicant, category="labour", title="t", region_id=world.grid.id)
    db.session.commit()
    response = login(world.applicant).get(f"/file/{case.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/facts")


def test_grid_worker_without_assignment_starts_without_grid(world):
    factories.make_user("grid_worker")
    case, item = operations.start_draft(world.grid_worker, resident={"name": "a", "phone": "13600000000"},
                                        consent=True)
    assert item.grid_region_id is None and case.parties[0].name == "a"
