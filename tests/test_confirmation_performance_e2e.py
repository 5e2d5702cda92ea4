"""End to end through the JSON API, the CLI and the public verification page (issue 6, items 3-4):
mediation -> signed agreement with three instalments -> joint application -> the court confirms ->
the ruling verifies; the instalments are tracked: two performed on time, the third missed and
flagged by the due-jobs, then performed late; a follow-up visit; the case closes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from odr.core.enums import CaseState
from odr.core.models import utcnow
from odr.extensions import db
from odr.notifications.jobs import run_due_jobs
from odr.notifications.models import Notification

from .factories import PASSWORD, make_case


def _kinds(user) -> list[str]:
    db.session.rollback()
    return list(db.session.execute(select(Notification.kind).where(Notification.user_id == user.id)).scalars())


def test_settled_confirmed_verified_and_instalments_tracked_to_completion(world, login, client):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    url = f"/api/v1/cases/{case.id}"
    applicant, respondent = login(world.applicant), login(world.respondent)
    mediator, clerk, court = login(world.mediator), login(world.clerk), login(world.court_clerk)
    for c in (applicant, respondent, mediator, clerk, court):
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    today = utcnow().date()
    dates = [(today + timedelta(days=n)).isoformat() for n in (5, 20, 35)]

    # Mediation: an offer in three instalments, accepted; the agreement drafted, locked, signed.
    offer = respondent.post(f"{url}/proposals", json={"amount": "9000.00", "instalments": [
        {"amount": "3000.00", "due_date": d} for d in dates]})
    assert offer.status_code == 201, offer.json
    assert applicant.post(f"{url}/proposals/{offer.json['id']}/accept").status_code == 200
    assert mediator.post(f"{url}/agreement", json={}).status_code == 201
    sha = mediator.post(f"{url}/agreement/lock", json={"expected_version": 1}).json["agreement"]["sha256"]
    for c, name in ((applicant, "张三"), (respondent, "李四"), (mediator, "陈调解")):
        signed = c.post(f"{url}/signatures", json={"password": PASSWORD, "typed_signature": name, "sha256": sha})
        assert signed.status_code == 201, signed.json
    assert signed.json["case_state"] == "settled"
    terms = applicant.get(f"{url}/obligations").json["items"]
    assert [(t["due_on"], t["amount"], t["status"]) for t in terms] == [(d, "3000.00", "pending") for d in dates]

    # Judicial confirmation: jointly, then the court's clerk confirms; the ruling verifies.
    assert applicant.post(f"{url}/confirmation", json={"court_id": world.court.id}).status_code == 201
    assert respondent.post(f"{url}/confirmation/join").json["status"] == "filed"
    assert [i["case_id"] for i in court.get("/api/v1/confirmations").json["items"]] == [case.id]
    decided = court.post(f"{url}/confirmation/decision", json={
        "confirmed": True, "reasons": "经审查，调解协议符合法律规定。The agreement meets the requirements of the law."})
    assert decided.status_code == 200 and applicant.get(url).json["state"] == "confirmed"
    code = decided.json["ruling"]["code"]
    verified = client.get(f"/verify/{code}")
    assert verified.status_code == 200 and code in verified.get_data(as_text=True)

    # Instalments: the first two performed on time (reported, confirmed) ...
    for term in terms[:2]:
        assert respondent.post(f"{url}/obligations/{term['id']}/report", json={"note": "转账"}).status_code == 200
        assert applicant.post(f"{url}/obligations/{term['id']}/confirm").json["status"] == "performed"
    # ... the third is not: two days before its date a reminder, after it a flag to the mediator.
    third_due = utcnow().replace(hour=4) + timedelta(days=33)
    assert run_due_jobs(third_due)["terms_reminded"] == 1
    assert run_due_jobs(utcnow().replace(hour=4) + timedelta(days=37))["terms_flagged"] == 1
    assert "performance_due" in _kinds(world.respondent)
    assert "performance_missed" in _kinds(world.mediator) and "performance_missed" in _kinds(world.applicant)
    closing_early = court.post(f"{url}/transitions", json={"action": "close"})
    assert closing_early.status_code == 422

    # Performed late, confirmed: every term done; a follow-up visit; the case closes.
    third = terms[2]
    assert respondent.post(f"{url}/obligations/{third['id']}/report", json={"note": "逾期两天付清"}).status_code == 200
    assert applicant.post(f"{url}/obligations/{third['id']}/confirm").json["status"] == "performed"
    parties = mediator.get(f"{url}/parties").json
    visit = mediator.post(f"{url}/follow-ups", json={"method": "phone", "visited_on": today.isoformat(), "answers": [
        {"party_id": p["id"], "satisfied": True} for p in parties]})
    assert visit.status_code == 201
    assert court.post(f"{url}/transitions", json={"action": "close"}).json["state"] == "closed"
    texts = [e["text"] for e in applicant.get(f"{url}/timeline").json]
    for expected in ("applied for judicial confirmation", "confirmed as valid", "Term 3 was not performed by its due date",
                     "Every term of the agreement has been performed", "recorded a follow-up visit"):
        assert any(expected in t for t in texts), expected
