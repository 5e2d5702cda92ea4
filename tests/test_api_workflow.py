"""Workflow steps and the timeline through the API."""

from __future__ import annotations

from odr.cases import operations as case_ops
from odr.cases.timeline import TimelineEntry, case_timeline
from odr.core.enums import CaseState, RiskLevel, Side
from odr.extensions import db

from .api_support import PDF, audit_count, count_queries, error
from .factories import make_case

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def test_steps_offered_are_the_users_own_with_labels(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    clerk_steps = login(world.clerk).get(f"/api/v1/cases/{case.id}/transitions", headers=EN).get_json()
    by_action = {s["action"]: s for s in clerk_steps}
    assert set(by_action) == {"accept", "reject"}
    assert by_action["reject"] == {"action": "reject", "label": "Reject the application",
                                   "target_state": "rejected", "needs_reason": True, "takes": []}
    chinese = login(world.clerk).get(f"/api/v1/cases/{case.id}/transitions", headers=ZH).get_json()
    assert {s["label"] for s in chinese}.isdisjoint({s["label"] for s in clerk_steps})
    applicant_steps = login(world.applicant).get(f"/api/v1/cases/{case.id}/transitions").get_json()
    assert [s["action"] for s in applicant_steps] == ["withdraw"]


def test_taking_steps(world, login):
    case = make_case(world)
    db.session.commit()
    applicant, clerk = login(world.applicant), login(world.clerk)

    response = applicant.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "submit"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "submitted"

    stale = clerk.post(f"/api/v1/cases/{case.id}/transitions",
                       json={"action": "accept", "expected_version": body["version"] - 1})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["current_version"] == body["version"]

    no_reason = clerk.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "reject"})
    assert no_reason.status_code == 422 and "reason" in error(no_reason)["fields"]

    not_theirs = applicant.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"})
    assert not_theirs.status_code == 403
    assert audit_count("access.denied", case_id=case.id, actor_id=world.applicant.id) == 1

    accepted = clerk.post(f"/api/v1/cases/{case.id}/transitions",
                          json={"action": "accept", "expected_version": body["version"]})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"

    again = clerk.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "accept"})
    assert again.status_code == 409
    assert error(again)["code"] == "invalid_transition"


def test_referral_target_is_taken_with_the_step(world, login):
    case = make_case(world, CaseState.REFERRAL_OFFERED)
    db.session.commit()
    response = login(world.applicant).post(
        f"/api/v1/cases/{case.id}/transitions",
        json={"action": "choose_referral", "target_organisation_id": world.arbitration.id})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["target_organisation"]["id"] == world.arbitration.id


def test_timeline_tells_the_story_in_plain_words(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    timeline = login(world.applicant).get(f"/api/v1/cases/{case.id}/timeline", headers=EN).get_json()
    texts = [entry["text"] for entry in timeline]
    assert texts == ["张三 opened the case", "张三 added 某某公司 as Respondent", "张三 submitted the application"]
    submitted = timeline[-1]
    assert submitted["details"]["to_state"] == "submitted"
    assert submitted["actor_name"] == "张三" and submitted["at"].endswith("+00:00")

    chinese = login(world.applicant).get(f"/api/v1/cases/{case.id}/timeline", headers=ZH).get_json()
    assert chinese[-1]["text"].startswith("张三") and chinese[-1]["text"] != texts[-1]


def test_timeline_hides_staff_matters_and_the_other_sides_private_files(world, login, app):
    case = make_case(world, CaseState.MEDIATION)
    case_ops.set_risk(case, world.clerk, RiskLevel.HIGH, "threats")
    case_ops.add_evidence(case, world.respondent, filename="底线.pdf", data=PDF, private_to_side=Side.RESPONDENT)
    db.session.commit()

    def actions(user):
        return [e["action"] for e in login(user).get(f"/api/v1/cases/{case.id}/timeline").get_json()]

    assert "case.risk_changed" not in actions(world.applicant)
    assert "evidence.added" not in actions(world.applicant)
    assert {"case.risk_changed", "evidence.added"} <= set(actions(world.mediator))
    assert "evidence.added" in actions(world.respondent)
    assert "case.risk_changed" not in actions(world.respondent)


def test_case_timeline_reads_in_a_fixed_number_of_queries(world, app):
    """As many queries for a long story as for a short one: nothing is loaded per event."""
    short = make_case(world, CaseState.SUBMITTED)
    long = make_case(world, CaseState.MEDIATION)
    case_ops.add_evidence(short, world.applicant, filename="a.pdf", data=PDF)
    for n in range(5):
        case_ops.add_evidence(long, world.applicant, filename=f"{n}.pdf", data=PDF + bytes([n]))
        case_ops.add_party(long, world.clerk, side=Side.RESPONDENT, name=f"公司{n}")
    db.session.commit()
    counts = {}
    with app.test_request_context(headers=EN):
        for case in (short, long):
            db.session.expire_all()
            with count_queries() as queries:
                entries = case_timeline(case, world.mediator if case is long else world.clerk)
            assert all(isinstance(e, TimelineEntry) for e in entries)
            counts[len(entries)] = queries()
    assert len(counts) == 2 and max(counts) > 15
    assert len(set(counts.values())) == 1, counts
