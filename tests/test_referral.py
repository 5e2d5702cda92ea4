"""Referral and linkage (odr/referral, docs/referral.md): the routes offered, the receiving body's
inbox with its deadline, accepting and returning, the referral letter, consent to share the
mediation record, a court's delegation into mediation and its result."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.cases.models import Case
from odr.core.audit import verify_chain
from odr.core.enums import CaseState, Category, OrgType
from odr.core.models import utcnow
from odr.documents.codes import grouped
from odr.documents.models import Document, DocumentType
from odr.extensions import db
from odr.notifications.models import Notification
from odr.referral import operations as referral_ops
from odr.referral import routes
from odr.referral.models import CaseOrigin, Referral, ReferralKind, ReferralRoute, ReferralStatus

from . import factories
from .api_support import count_queries, error
from .foundation_support import REASON, build_case, last_event


@pytest.fixture()
def w(world):
    world.arbitration_clerk = factories.make_user("clerk", world.arbitration, name="仲裁书记员")
    world.labour_bureau = factories.make_org("西湖区劳动保障监察大队", OrgType.ADMINISTRATIVE_BODY.value,
                                             regions=[world.district], categories=[Category.LABOUR])
    world.far_bureau = factories.make_org("外区市场监管局", OrgType.ADMINISTRATIVE_BODY.value,
                                          regions=[world.other_street])
    db.session.commit()
    return world


def _offered(w, **kw) -> Case:
    case = build_case(w, CaseState.REFERRAL_OFFERED, **kw)
    db.session.commit()
    return case


@contextmanager
def _statements():
    from sqlalchemy import event
    seen = []
    def grab(conn, cursor, statement, *args):
        seen.append(statement[:150])
    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


def _kinds(user) -> list[str]:
    return list(db.session.execute(
        select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
    ).scalars())


# ---- the routes offered ----------------------------------------------------------------------

def test_options_are_the_bodies_serving_the_region_and_category(w):
    case = _offered(w)
    found = routes.options(case)
    assert [o.id for o in found[ReferralRoute.ARBITRATION]] == [w.arbitration.id]  # lists labour
    assert [o.id for o in found[ReferralRoute.COURT]] == [w.court.id]  # serves the district
    assert [o.id for o in found[ReferralRoute.ADMINISTRATIVE]] == [w.labour_bureau.id]  # not far_bureau
    # Transfer: the district committee serves the case's region; the other street's does not, and
    # the case's own committee is not offered.
    assert [o.id for o in found[ReferralRoute.TRANSFER]] == [w.district_committee.id]

    # A tenancy case: the labour arbitration commission and the labour bureau do not take it.
    case.category = Category.TENANCY
    db.session.flush()
    found = routes.options(case)
    assert found[ReferralRoute.ARBITRATION] == [] and found[ReferralRoute.ADMINISTRATIVE] == []
    assert routes.target_problem(case, w.arbitration.id) is not None
    assert routes.target_problem(case, w.court.id) is None


def test_choosing_a_body_that_does_not_serve_the_case_is_refused(w, login):
    case = _offered(w)
    client = login(w.applicant)
    for body, words in ((w.far_bureau, "does not serve"), (w.committee, "already with this organisation"),
                        (w.court.id + 10_000, "No such organisation")):
        target = getattr(body, "id", body)
        response = client.post(f"/api/v1/cases/{case.id}/referral", json={"target_organisation_id": target},
                               headers={"Accept-Language": "en"})
        assert response.status_code == 422, response.get_json()
        assert words in error(response)["message"]
    db.session.refresh(case)
    assert case.target_organisation_id is None
    assert db.session.execute(select(func.count()).select_from(Referral)).scalar() == 0
    # In Chinese too.
    response = client.post(f"/api/v1/cases/{case.id}/referral", json={"target_organisation_id": w.far_bureau.id},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422 and "不" in error(response)["message"]


# ---- choose, return, choose again, accept ------------------------------------------------------

def test_referral_is_returned_with_a_reason_then_accepted_elsewhere(w, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_JOBS", "after_commit")  # the letter follows `refer`
    case = _offered(w)
    applicant, court = login(w.applicant), login(w.court_clerk)

    # Before the choice the court has nothing to do with the case.
    assert court.get(f"/api/v1/cases/{case.id}/referral").status_code == 404
    body = applicant.get(f"/api/v1/cases/{case.id}/referral").get_json()
    assert body["allowed"] == ["choose", "consent"]
    assert {o["id"] for o in body["options"]["court"]} == {w.court.id}

    response = applicant.post(f"/api/v1/cases/{case.id}/referral", json={"target_organisation_id": w.court.id})
    assert response.status_code == 200, response.get_json()
    pending = response.get_json()["pending"]
    assert pending["to_organisation"]["id"] == w.court.id and pending["status"] == "pending"
    assert pending["route"] == "court" and pending["overdue"] is False
    assert "referral_received" in _kinds(w.court_clerk)
    assert "referral_sent" in _kinds(w.applicant) and "referral_sent" in _kinds(w.respondent)

    # The court's inbox shows it with its deadline; the court may read the case file now.
    inbox = court.get("/api/v1/referrals/inbox").get_json()
    assert [item["case"]["id"] for item in inbox["incoming"]] == [case.id]
    assert inbox["incoming"][0]["due_at"] == pending["due_at"]
    assert inbox["incoming"][0]["from_organisation"]["id"] == w.committee.id
    assert court.get(f"/api/v1/cases/{case.id}/evidence").status_code == 200
    assert set(court.get(f"/api/v1/cases/{case.id}/referral").get_json()["allowed"]) == {"accept", "return", "export"}
    # The applicant cannot accept on the court's behalf; another committee's clerk cannot even see it.
    assert applicant.post(f"/api/v1/cases/{case.id}/referral/accept", json={}).status_code == 403
    assert login(w.other_clerk).post(f"/api/v1/cases/{case.id}/referral/accept", json={}).status_code == 404

    # Returned without a reason: refused; with one: back to the parties, and the court lets go.
    assert court.post(f"/api/v1/cases/{case.id}/referral/return", json={"reason": "  "}).status_code == 422
    response = court.post(f"/api/v1/cases/{case.id}/referral/return",
                          json={"reason": "不属于本院管辖 outside our jurisdiction"})
    assert response.status_code == 200, response.get_json()
    db.session.refresh(case)
    assert case.state == CaseState.REFERRAL_OFFERED and case.target_organisation_id is None
    returned = db.session.execute(select(Referral).where(Referral.case_id == case.id)).scalar_one()
    assert returned.status == ReferralStatus.RETURNED and returned.reason.startswith("不属于本院管辖")
    assert court.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert court.get("/api/v1/referrals/inbox").get_json()["incoming"] == []
    assert "referral_returned" in _kinds(w.applicant)
    assert "referral_returned" in _kinds(w.clerk)  # the sending committee hears of it too
    timeline = applicant.get(f"/api/v1/cases/{case.id}/timeline", headers={"Accept-Language": "en"}).get_json()
    returned_entry = next(e for e in timeline if e["details"].get("step") == "return_referral")
    assert "outside our jurisdiction" in returned_entry["note"]
    assert any(e["action"] == "referral.sent" and w.court.name in e["text"] for e in timeline)

    # The applicant chooses the arbitration commission, whose clerk accepts.
    applicant.post(f"/api/v1/cases/{case.id}/referral", json={"target_organisation_id": w.arbitration.id})
    arbitration = login(w.arbitration_clerk)
    response = arbitration.post(f"/api/v1/cases/{case.id}/referral/accept", json={})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert case.state == CaseState.REFERRED and case.target_organisation_id == w.arbitration.id
    statuses = [r.status for r in referral_ops.referrals_of(case)]
    assert statuses == [ReferralStatus.RETURNED, ReferralStatus.ACCEPTED]
    assert "referral_accepted" in _kinds(w.applicant)

    # The referral letter, in both languages, verifiable, naming the receiving body.
    letters = db.session.execute(
        select(Document).where(Document.case_id == case.id, Document.type == DocumentType.REFERRAL_LETTER)
    ).scalars().all()
    assert sorted(d.lang for d in letters) == ["en", "zh_CN"]
    for letter in letters:
        assert letter.inputs["receiver"]["name"] in (w.arbitration.name, w.arbitration.name_en)
        page = applicant.get(f"/verify/{grouped(letter.verification_code)}")
        assert page.status_code == 200 and case.reference in page.get_data(as_text=True)
    assert verify_chain().ok


def test_the_generic_transition_api_has_the_same_effect(w, login):
    """A step taken through POST /cases/<id>/transitions records the referral just the same."""
    case = _offered(w)
    response = login(w.clerk).post(f"/api/v1/cases/{case.id}/transitions",
                                   json={"action": "choose_referral", "target_organisation_id": w.court.id})
    assert response.status_code == 200, response.get_json()
    referral = referral_ops.pending_referral(case)
    assert referral is not None and referral.to_organisation_id == w.court.id
    response = login(w.court_clerk).post(f"/api/v1/cases/{case.id}/transitions", json={"action": "refer"})
    assert response.status_code == 200
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.ACCEPTED
    assert last_event("referral.accepted", case.id) is not None


def test_choosing_again_withdraws_the_pending_referral_and_closing_withdraws_it_too(w):
    case = _offered(w)
    case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.court.id)
    case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.arbitration.id)
    first, second = referral_ops.referrals_of(case)
    assert first.status == ReferralStatus.WITHDRAWN and second.status == ReferralStatus.PENDING
    case_ops.transition(case, "close", w.clerk)
    assert second.status == ReferralStatus.WITHDRAWN
    db.session.rollback()


def test_overdue_acceptance_is_visible(w, login):
    case = _offered(w, choose_court=True)
    referral = referral_ops.pending_referral(case)
    due = referral.due_at
    assert due > utcnow() + timedelta(days=referral_ops.acceptance_days(case) - 1)
    referral.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    court = login(w.court_clerk)
    item = court.get("/api/v1/referrals/inbox").get_json()["incoming"][0]
    assert item["overdue"] is True
    page = court.get("/referrals", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Overdue" in page.get_data(as_text=True)
    assert case.reference in page.get_data(as_text=True)


def test_inbox_queries_do_not_grow_with_the_referrals(w, login):
    court = login(w.court_clerk)
    _offered(w, choose_court=True)
    court.get("/api/v1/referrals/inbox")
    with count_queries() as few:
        assert len(court.get("/api/v1/referrals/inbox").get_json()["incoming"]) == 1
    for _ in range(4):
        _offered(w, choose_court=True)
    court.get("/api/v1/referrals/inbox")  # the same warm-up: the user and memberships are loaded
    with count_queries() as many, _statements() as seen:
        assert len(court.get("/api/v1/referrals/inbox").get_json()["incoming"]) == 5
    assert many() == few(), "\n".join(seen)


# ---- consent to share the mediation record ----------------------------------------------------

def test_record_is_shared_only_when_every_party_consents(w, login):
    case = _offered(w)
    assert referral_ops.record_shared(case) is False  # default no
    applicant, representative = login(w.applicant), login(w.representative)
    body = applicant.put(f"/api/v1/cases/{case.id}/referral/record-consent", json={"consented": True}).get_json()
    assert body["record_shared"] is False
    assert sum(body["record_consents"].values()) == 1
    body = representative.put(f"/api/v1/cases/{case.id}/referral/record-consent",
                              json={"consented": True}).get_json()
    assert body["record_shared"] is True
    # Either side can take it back.
    body = applicant.put(f"/api/v1/cases/{case.id}/referral/record-consent", json={"consented": False}).get_json()
    assert body["record_shared"] is False
    # Staff cannot answer for the parties; a stranger cannot see the case.
    assert login(w.clerk).put(f"/api/v1/cases/{case.id}/referral/record-consent",
                              json={"consented": True}).status_code == 403
    assert login(w.stranger).put(f"/api/v1/cases/{case.id}/referral/record-consent",
                                 json={"consented": True}).status_code == 404
    assert applicant.put(f"/api/v1/cases/{case.id}/referral/record-consent",
                         json={"consented": "maybe"}).status_code == 422
    timeline = applicant.get(f"/api/v1/cases/{case.id}/timeline").get_json()
    assert [e["details"]["consented"] for e in timeline if e["action"] == "referral.record_consent"] == [
        True, True, False]


def test_referral_letter_encloses_the_mediation_record_only_with_consent(w):
    from odr.documents.case_papers import build_referral
    from odr.documents.operations import issue_document

    case = build_case(w, CaseState.MEDIATION_FAILED)
    issue_document(case, DocumentType.MEDIATION_RECORD, w.mediator, "en", {"record": "We talked."})
    case_ops.transition(case, "offer_referral", w.mediator)
    titles = [d["title"] for d in build_referral(case, "en")["referral"]["enclosed"]]
    assert not any("record" in t.lower() for t in titles)
    referral_ops.set_record_consent(case, w.applicant, True)
    referral_ops.set_record_consent(case, w.respondent, True)
    titles = [d["title"] for d in build_referral(case, "en")["referral"]["enclosed"]]
    assert any("record" in t.lower() for t in titles)
    db.session.rollback()


# ---- a court sends a case into mediation --------------------------------------------------------

DELEGATION = {
    "category": "labour", "title": "委派调解 delegated wages", "facts": "拖欠工资两个月。",
    "claims": "支付工资", "claim_amount": "8000.00",
    "applicant": {"name": "王五", "phone": "13900000009"},
    "respondent": {"name": "某厂", "phone": "13800000009"},
}


def test_court_delegates_a_case_and_receives_the_result(w, login):
    court = login(w.court_clerk)
    # Only a court's clerk, and only to a mediation organisation.
    assert login(w.clerk).post("/api/v1/referrals/delegations",
                               json={**DELEGATION, "organisation_id": w.committee.id}).status_code == 403
    assert login(w.applicant).post("/api/v1/referrals/delegations",
                                   json={**DELEGATION, "organisation_id": w.committee.id}).status_code == 403
    refused = court.post("/api/v1/referrals/delegations", json={**DELEGATION, "organisation_id": w.arbitration.id},
                         headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "mediation organisation" in error(refused)["message"]
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 0

    response = court.post("/api/v1/referrals/delegations", json={**DELEGATION, "organisation_id": w.committee.id})
    assert response.status_code == 201, response.get_json()
    case = db.session.get(Case, response.get_json()["case"]["id"])
    assert case.state == CaseState.SUBMITTED and case.organisation_id == w.committee.id
    assert case.target_organisation_id == w.court.id
    assert "delegation_received" in _kinds(w.clerk)
    delegated = court.get("/api/v1/referrals/inbox").get_json()["delegated"]
    assert [(d["case"]["id"], d["status"]) for d in delegated] == [(case.id, "pending")]

    # The committee works it as usual; the other party declines mediation.
    case_ops.transition(case, "accept", w.clerk)
    case_ops.assign_mediator(case, w.clerk, w.mediator)
    case_ops.transition(case, "start_consultation", w.clerk)
    case_ops.transition(case, "evaluate", w.clerk)
    case_ops.transition(case, "invite_respondent", w.clerk)
    respondent = next(p for p in case.parties if p.side.value == "respondent")
    respondent.user_id = w.respondent.id
    case_ops.transition(case, "decline", w.respondent, reason=REASON)
    db.session.commit()

    assert "delegation_result" in _kinds(w.court_clerk)
    delegated = court.get("/api/v1/referrals/inbox", headers={"Accept-Language": "en"}).get_json()["delegated"]
    assert delegated[0]["status"] == "reported" and delegated[0]["result"] == "referral_offered"
    assert delegated[0]["result_label"] == "Referral offered"
    # The case comes back to the court, which takes it.
    assert court.post(f"/api/v1/cases/{case.id}/referral/accept", json={}).status_code == 200
    db.session.refresh(case)
    assert case.state == CaseState.REFERRED
    timeline = login(w.clerk).get(f"/api/v1/cases/{case.id}/timeline").get_json()
    assert {"referral.delegated", "referral.delegation_reported"} <= {e["action"] for e in timeline}


def test_delegation_ends_with_a_settlement(w):
    case = referral_ops.delegate(w.court_clerk, organisation_id=w.committee.id, category="labour",
                                 title="t", facts="f", applicant={"name": "甲"},
                                 respondent={"name": "乙", "phone": "1"})
    for action, who in (("accept", w.clerk), ("start_consultation", w.clerk), ("evaluate", w.clerk),
                        ("invite_respondent", w.clerk)):
        case_ops.transition(case, action, who)
    case_ops.assign_mediator(case, w.clerk, w.mediator)
    case.parties[-1].user_id = w.respondent.id
    case_ops.transition(case, "consent", w.respondent)
    case_ops.transition(case, "settle", w.mediator)
    delegation = db.session.execute(select(Referral).where(Referral.case_id == case.id)).scalar_one()
    assert delegation.kind == ReferralKind.DELEGATION
    assert (delegation.status, delegation.result) == (ReferralStatus.REPORTED, "settled")
    db.session.rollback()


# ---- pages ------------------------------------------------------------------------------------

def test_pages_choose_return_and_delegate(w, login):
    case = _offered(w)
    applicant = login(w.applicant)
    page = applicant.get(f"/cases/{case.id}/referral", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Choose where the case goes" in text and w.court.name in text
    assert "Art. 26" in text
    assert f"/cases/{case.id}/referral" in applicant.get(f"/cases/{case.id}").get_data(as_text=True)

    response = applicant.post(f"/cases/{case.id}/referral/choose", data={"choose-target_organisation_id": ""})
    assert response.status_code == 422
    response = applicant.post(f"/cases/{case.id}/referral/choose",
                              data={"choose-target_organisation_id": str(w.court.id)})
    assert response.status_code == 302
    assert referral_ops.pending_referral(case).to_organisation_id == w.court.id

    court = login(w.court_clerk)
    with force_locale("en"):
        inbox = court.get("/referrals", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert case.reference in inbox and "Waiting for your answer" in inbox
    assert court.post(f"/cases/{case.id}/referral/return", data={"return-reason": ""}).status_code == 422
    response = court.post(f"/cases/{case.id}/referral/return", data={"return-reason": "请向仲裁委申请"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/referrals")
    db.session.refresh(case)
    assert case.target_organisation_id is None
    shown = applicant.get(f"/cases/{case.id}/referral").get_data(as_text=True)
    assert "请向仲裁委申请" in shown
    # The court's inbox lists it as answered, without a link to a case it no longer holds.
    answered = court.get("/referrals").get_data(as_text=True)
    assert case.reference in answered and f'href="/cases/{case.id}' not in answered

    assert court.get("/referrals/delegate").status_code == 200
    assert login(w.clerk).get("/referrals/delegate").status_code == 302  # a committee's clerk: not a court
    response = court.post("/referrals/delegate", data={"organisation_id": str(w.committee.id), "category": "labour",
                                                       "title": "t", "facts": "f", "applicant_name": "甲",
                                                       "respondent_name": "乙"})
    assert response.status_code == 302
    assert db.session.execute(select(func.count()).select_from(Referral).where(
        Referral.kind == ReferralKind.DELEGATION)).scalar() == 1


def test_a_transfer_opens_the_case_at_the_other_organisation(w, login):
    district_clerk = factories.make_user("clerk", w.district_committee, name="区调委书记员")
    case = _offered(w)
    evidence = case_ops.add_evidence(case, w.applicant, filename="欠条.pdf",
                                     data=b"%PDF-1.4\n%owed\n%%EOF\n")
    db.session.commit()
    applicant = login(w.applicant)
    response = applicant.post(f"/api/v1/cases/{case.id}/referral",
                              json={"target_organisation_id": w.district_committee.id})
    assert response.get_json()["pending"]["route"] == "transfer"
    response = login(district_clerk).post(f"/api/v1/cases/{case.id}/referral/accept", json={})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert case.state == CaseState.REFERRED
    event = last_event("referral.transferred", case.id)
    new = db.session.get(Case, event.payload["new_case_id"])
    assert new.organisation_id == w.district_committee.id and new.state == CaseState.ACCEPTED
    assert new.facts == case.facts and new.id != case.id
    # The parties keep their accounts: they follow the new case; the file came along, checked.
    assert {p.user_id for p in new.parties} == {p.user_id for p in case.parties}
    assert applicant.get(f"/api/v1/cases/{new.id}").status_code == 200
    assert evidence.sha256 in {e.sha256 for e in new.evidence}
    origin = db.session.get(CaseOrigin, new.id)
    assert origin.source_case_id == case.id and origin.source_reference == case.reference
    timeline = applicant.get(f"/api/v1/cases/{case.id}/timeline", headers={"Accept-Language": "en"}).get_json()
    assert any(e["action"] == "referral.transferred" and new.reference in e["text"] for e in timeline)
    assert verify_chain().ok


def test_the_receiving_clerk_opens_the_mediation_record_only_with_consent(w, login):
    from odr.documents.operations import issue_document

    case = build_case(w, CaseState.MEDIATION_FAILED)
    record = issue_document(case, DocumentType.MEDIATION_RECORD, w.mediator, "en", {"record": "Confidential talk."})
    application = issue_document(case, DocumentType.APPLICATION, w.clerk, "en")
    case_ops.transition(case, "offer_referral", w.mediator)
    case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.court.id)
    db.session.commit()
    court = login(w.court_clerk)
    listing = court.get(f"/cases/{case.id}/documents").get_data(as_text=True)
    assert f"/documents/{application.id}/" in listing and f"/documents/{record.id}/" not in listing
    assert court.get(f"/documents/{application.id}/download").status_code == 200
    refused = court.get(f"/documents/{record.id}/download", headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert last_event("access.denied", case.id).payload["target"] == f"Document:{record.id}"
    # The case's own staff and the parties read it as before.
    assert login(w.clerk).get(f"/documents/{record.id}/download").status_code == 200
    assert login(w.applicant).get(f"/documents/{record.id}/download").status_code == 200
    referral_ops.set_record_consent(case, w.applicant, True)
    referral_ops.set_record_consent(case, w.respondent, True)
    db.session.commit()
    assert court.get(f"/documents/{record.id}/download").status_code == 200
