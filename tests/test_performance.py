"""Performance of the agreement and follow-up visits (odr/performance): instalments tracked from
the signed agreement, reported / confirmed / disputed, reminders and missed terms from the
due-jobs, enforcement, follow-up visits; through the JSON API, the pages and the CLI."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases.models import Case
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Side
from odr.core.errors import ValidationFailed
from odr.core.models import utcnow
from odr.extensions import db
from odr.notifications.jobs import run_due_jobs
from odr.notifications.models import Notification
from odr.performance import operations as performance
from odr.performance.models import Obligation

from .api_support import count_queries
from .factories import make_case
from .settled_support import settle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture()
def tracked(world, login):
    from types import SimpleNamespace

    d = SimpleNamespace(world=world)
    d.case = settle(world, instalments=((3000, 10), (3000, 40)))
    d.url = f"/api/v1/cases/{d.case.id}"
    d.applicant, d.respondent = login(world.applicant), login(world.respondent)
    d.mediator, d.clerk, d.stranger = login(world.mediator), login(world.clerk), login(world.stranger)
    for client in (d.applicant, d.respondent, d.mediator, d.clerk, d.stranger):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return d


def _terms(d):
    return d.applicant.get(f"{d.url}/obligations").json["items"]


def _kinds(user) -> list[str]:
    db.session.rollback()
    return list(db.session.execute(
        select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)).scalars())


def _fresh(case) -> Case:
    db.session.rollback()
    return db.session.get(Case, case.id)


def test_instalments_are_tracked_to_completion(tracked, runner):
    d, w = tracked, tracked.world
    terms = _terms(d)
    today = utcnow().date()
    assert [(t["number"], t["amount"], t["due_on"], t["obligor_side"], t["status"]) for t in terms] == [
        (1, "3000.00", (today + timedelta(days=10)).isoformat(), "respondent", "pending"),
        (2, "3000.00", (today + timedelta(days=40)).isoformat(), "respondent", "pending"),
    ]
    first, second = terms
    # The case cannot be closed while terms are open.
    refused = d.mediator.post(f"{d.url}/transitions", json={"action": "close"})
    assert refused.status_code == 422 and "still to be performed" in refused.json["error"]["message"]

    assert d.applicant.post(f"{d.url}/obligations/{first['id']}/report", json={}).status_code == 403
    receipt = d.respondent.post(f"{d.url}/evidence", data={"file": (io.BytesIO(PNG), "转账凭证.png"),
                                                           "description": "receipt"},
                                content_type="multipart/form-data")
    assert receipt.status_code == 201, receipt.json
    reported = d.respondent.post(f"{d.url}/obligations/{first['id']}/report",
                                 json={"note": "已转账 paid by transfer", "evidence_id": receipt.json["id"]})
    assert reported.status_code == 200 and reported.json["status"] == "reported"
    assert reported.json["evidence_id"] == receipt.json["id"]
    assert "performance_reported" in _kinds(w.applicant)
    assert d.respondent.post(f"{d.url}/obligations/{first['id']}/confirm").status_code == 403
    confirmed = d.applicant.post(f"{d.url}/obligations/{first['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json["status"] == "performed"
    again = d.applicant.post(f"{d.url}/obligations/{first['id']}/confirm")
    assert again.status_code == 409

    d.respondent.post(f"{d.url}/obligations/{second['id']}/report", json={"note": "paid"})
    blank = d.applicant.post(f"{d.url}/obligations/{second['id']}/dispute", json={"reason": " "})
    assert blank.status_code == 422
    disputed = d.applicant.post(f"{d.url}/obligations/{second['id']}/dispute", json={"reason": "未收到款项 not received"})
    assert disputed.status_code == 200 and disputed.json["status"] == "disputed"
    assert "performance_disputed" in _kinds(w.respondent) and "performance_disputed" in _kinds(w.mediator)
    d.respondent.post(f"{d.url}/obligations/{second['id']}/report", json={"note": "paid again, see bank"})
    assert d.applicant.post(f"{d.url}/obligations/{second['id']}/confirm").json["status"] == "performed"

    db.session.rollback()
    assert db.session.execute(select(AuditEvent.id).where(AuditEvent.case_id == d.case.id,
                                                          AuditEvent.action == "performance.completed")).first()
    texts = [e["text"] for e in d.applicant.get(f"{d.url}/timeline").json]
    assert any("reported term 1 performed" in t for t in texts)
    assert any("disputed the performance of term 2" in t for t in texts)
    assert any("Every term of the agreement has been performed" in t for t in texts)
    closed = d.mediator.post(f"{d.url}/transitions", json={"action": "close"})
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    assert d.respondent.post(f"{d.url}/obligations/{second['id']}/report", json={}).status_code == 403


def test_reminders_before_the_date_and_a_missed_term_flagged_once(tracked, runner):
    d, w = tracked, tracked.world
    first_due = utcnow().date() + timedelta(days=10)
    before = utcnow().replace(hour=4) + timedelta(days=8)  # two days before the first date
    assert run_due_jobs(before)["terms_reminded"] == 1
    assert run_due_jobs(before)["terms_reminded"] == 0, "one reminder per term"
    assert "performance_due" in _kinds(w.respondent)
    assert "performance_due" not in _kinds(w.applicant)

    # Past the date, not performed: flagged to the mediator and the applicant, once.
    after = utcnow().replace(hour=4) + timedelta(days=12)
    assert run_due_jobs(after)["terms_flagged"] == 1
    assert run_due_jobs(after)["terms_flagged"] == 0
    assert "performance_missed" in _kinds(w.mediator) and "performance_missed" in _kinds(w.applicant)
    result = runner.invoke(args=["odr", "run-due-jobs"])
    assert result.exit_code == 0 and "missed terms flagged" in result.output
    db.session.rollback()
    obligation = db.session.execute(select(Obligation).where(Obligation.case_id == d.case.id,
                                                             Obligation.number == 1)).scalar_one()
    assert obligation.flagged_at is not None and obligation.due_on == first_due


def test_a_missed_term_shows_on_the_case_page_and_can_go_to_court(tracked):
    d = tracked
    nothing_missed = d.applicant.post(f"{d.url}/transitions", json={"action": "request_enforcement"})
    assert nothing_missed.status_code == 422 and "No term" in nothing_missed.json["error"]["message"]
    button = 'value="request_enforcement"'
    assert button not in d.applicant.get(f"/cases/{d.case.id}").get_data(as_text=True), "offered only when missed"
    db.session.rollback()
    obligation = db.session.execute(select(Obligation).where(Obligation.case_id == d.case.id,
                                                             Obligation.number == 1)).scalar_one()
    obligation.due_on = utcnow().date() - timedelta(days=2)  # the date has passed
    db.session.commit()
    assert [t["missed"] for t in _terms(d)] == [True, False]
    page = d.mediator.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert 'id="performance"' in page and "Terms not performed on time: 1" in page
    assert button in d.applicant.get(f"/cases/{d.case.id}").get_data(as_text=True)
    asked = d.applicant.post(f"{d.url}/transitions", json={"action": "request_enforcement"})
    assert asked.status_code == 200 and asked.json["state"] == "referral_offered"


def test_enforcement_of_a_confirmed_agreement_goes_to_the_confirming_court(tracked):
    from odr.confirmation import operations as confirmation

    d, w = tracked, tracked.world
    confirmation.start(d.case, w.applicant, w.court.id)
    confirmation.join(d.case, w.respondent)
    confirmation.decide(d.case, w.court_clerk, confirmed=True, reasons="审查通过")
    db.session.commit()
    obligation = db.session.execute(select(Obligation).where(Obligation.case_id == d.case.id,
                                                             Obligation.number == 1)).scalar_one()
    obligation.due_on = utcnow().date() - timedelta(days=1)
    db.session.commit()
    assert d.respondent.post(f"{d.url}/obligations/{obligation.id}/report", json={}).status_code == 200
    d.applicant.post(f"{d.url}/obligations/{obligation.id}/dispute", json={"reason": "没有到账"})
    assert _terms(d)[0]["missed"], "a disputed term past its date counts as missed"
    asked = d.applicant.post(f"{d.url}/transitions", json={"action": "request_enforcement"})
    assert asked.status_code == 200 and asked.json["state"] == "referral_offered"
    case = _fresh(d.case)
    assert case.target_organisation_id == w.court.id
    case_ops.transition(case, "refer", w.court_clerk)
    assert case.state == CaseState.REFERRED


def test_staff_add_terms_and_bad_input_is_refused_in_both_languages(tracked, world):
    d = tracked
    due = (utcnow().date() + timedelta(days=5)).isoformat()
    added = d.mediator.post(f"{d.url}/obligations", json={"obligor_side": "applicant", "due_on": due,
                                                          "description": "归还押金收据 return the deposit receipt"})
    assert added.status_code == 201 and added.json["number"] == 3 and added.json["amount"] is None
    assert d.applicant.post(f"{d.url}/obligations", json={"obligor_side": "applicant", "due_on": due,
                                                          "description": "x"}).status_code == 403
    assert d.stranger.get(f"{d.url}/obligations").status_code == 404
    bad = d.mediator.post(f"{d.url}/obligations", json={"obligor_side": "nobody", "due_on": "not a date",
                                                        "description": ""})
    assert bad.status_code == 422 and {"obligor_side", "due_on", "description"} <= set(bad.json["error"]["fields"])
    early = d.mediator.post(f"{d.url}/obligations", json={"obligor_side": "applicant", "description": "x",
                                                          "due_on": "2000-01-01"})
    assert early.status_code == 422 and "before the settlement" in early.json["error"]["message"]
    chinese = d.mediator.post(f"{d.url}/obligations", json={"obligor_side": "applicant", "description": "x",
                                                            "due_on": "2000-01-01"},
                              headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 422 and "before the settlement" not in chinese.json["error"]["message"]
    # The applicant owes the new term: only the applicant reports it, the respondent confirms.
    assert d.respondent.post(f"{d.url}/obligations/{added.json['id']}/report", json={}).status_code == 403
    assert d.applicant.post(f"{d.url}/obligations/{added.json['id']}/report", json={}).status_code == 200
    assert d.respondent.post(f"{d.url}/obligations/{added.json['id']}/confirm").status_code == 200
    # Someone else's private file is not proof for the other side.
    with pytest.raises(ValidationFailed):
        private = case_ops.add_evidence(d.case, world.respondent, filename="p.png", data=PNG,
                                        private_to_side=Side.RESPONDENT)
        performance.report(d.case, world.respondent, performance.obligations(d.case)[0], evidence_id=private.id)
    db.session.rollback()


def test_follow_up_visits_are_recorded_by_the_mediator(tracked):
    d, w = tracked, tracked.world
    parties = d.mediator.get(f"{d.url}/parties").json
    answers = [{"party_id": p["id"], "satisfied": p["side"] == "applicant",
                "remaining_issues": "" if p["side"] == "applicant" else "希望延期 wants more time"} for p in parties]
    today = utcnow().date().isoformat()
    assert d.applicant.post(f"{d.url}/follow-ups", json={"method": "phone", "visited_on": today,
                                                         "answers": answers}).status_code == 403
    future = d.mediator.post(f"{d.url}/follow-ups", json={"method": "phone", "answers": answers,
                                                          "visited_on": (utcnow().date() + timedelta(days=3)).isoformat()})
    assert future.status_code == 422
    stranger_party = d.mediator.post(f"{d.url}/follow-ups", json={"method": "visit", "visited_on": today,
                                                                  "answers": [{"party_id": 999999, "satisfied": True}]})
    assert stranger_party.status_code == 422
    visit = d.mediator.post(f"{d.url}/follow-ups", json={"method": "phone", "visited_on": today, "answers": answers,
                                                         "notes": "电话回访"})
    assert visit.status_code == 201 and len(visit.json["answers"]) == 2
    listed = d.clerk.get(f"{d.url}/follow-ups").json["items"]
    assert [v["method"] for v in listed] == ["phone"]
    assert d.applicant.get(f"{d.url}/follow-ups").status_code == 403, "the answers are for those who work the case"
    texts = [e["text"] for e in d.applicant.get(f"{d.url}/timeline").json]
    assert any("recorded a follow-up visit (by phone)" in t for t in texts)
    db.session.rollback()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "performance.follow_up",
                                                        AuditEvent.case_id == d.case.id)).scalar_one()
    assert event.actor_id == w.mediator.id

    page = d.mediator.post(f"/cases/{d.case.id}/follow-ups", data={"method": "online", "visited_on": "",
                                                                     "notes": "网上回访记录"})
    assert page.status_code == 422 and "网上回访记录" in page.get_data(as_text=True), "what was typed stays"


def test_the_case_page_lets_each_side_do_its_part(tracked):
    d = tracked
    first = _terms(d)[0]
    respondent_page = d.respondent.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert "Mark as performed" in respondent_page
    assert "Mark as performed" not in d.applicant.get(f"/cases/{d.case.id}").get_data(as_text=True)
    done = d.respondent.post(f"/cases/{d.case.id}/obligations/{first['id']}/report",
                             data={"note": "现金支付", "file": (io.BytesIO(PNG), "收据.png")},
                             content_type="multipart/form-data")
    assert done.status_code == 303
    assert _terms(d)[0]["evidence_id"] is not None
    applicant_page = d.applicant.get(f"/cases/{d.case.id}").get_data(as_text=True)
    assert "Confirm it was performed" in applicant_page
    empty = d.applicant.post(f"/cases/{d.case.id}/obligations/{first['id']}/dispute", data={"reason": ""})
    assert empty.status_code == 422
    assert d.applicant.post(f"/cases/{d.case.id}/obligations/{first['id']}/confirm").status_code == 303
    assert _terms(d)[0]["status"] == "performed"


def test_listing_terms_costs_the_same_for_many_terms(world, login):
    few = settle(world, instalments=((1000, 10), (1000, 20)))
    many = settle(world, instalments=tuple((1000, 10 + n) for n in range(12)),
                  case=make_case(world, CaseState.MEDIATION))
    client = login(world.applicant)
    counts = []
    for case in (few, many):
        db.session.rollback()
        with count_queries() as n:
            assert client.get(f"/api/v1/cases/{case.id}/obligations").status_code == 200
        counts.append(n())
        with count_queries() as n:
            assert client.get(f"/cases/{case.id}").status_code == 200
        counts.append(n())
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
