"""The mediator roster (issue 9 items 2 and 3): profiles, a studio's public page, a party's
request for a mediator decided by a clerk, and conflicts of interest detected from particulars."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases.models import CaseAssignment
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Side
from odr.extensions import db
from odr.notifications.models import Notification
from odr.roster import operations
from odr.roster.conflicts import detected_conflicts, family_name
from odr.roster.models import MediatorRequest

from .factories import make_case, make_user

PROFILE = {"specialties": ["labour", "tenancy"], "languages": ["zh", "yue"], "years_of_practice": "12",
           "qualifications": "人民调解员资格", "availability": "工作日晚上", "bio": "十年社区调解经验",
           "studio_name": "老陈调解工作室", "studio_public": "y", "home_address": "西湖区北山路1号",
           "employer": ""}


def audit(action):
    return db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def test_a_mediator_keeps_a_profile_and_the_studio_page_is_public(world, login, client):
    response = login(world.mediator).post("/mediators/profile", data=PROFILE)
    assert response.status_code == 302
    profile = operations.profile_of(world.mediator.id)
    assert profile.specialties == ["labour", "tenancy"] and profile.years_of_practice == 12
    page = client.get(f"/studios/{world.mediator.id}")  # nobody signed in
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "老陈调解工作室" in text and world.mediator.name in text
    assert "北山路" not in text  # the home address is never shown
    assert audit("roster.profile_saved")


def test_an_unpublished_studio_has_no_page(world, login, client):
    login(world.mediator).post("/mediators/profile", data=dict(PROFILE, studio_public=""))
    assert client.get(f"/studios/{world.mediator.id}").status_code == 404
    assert client.get(f"/studios/{world.applicant.id}").status_code == 404


@pytest.mark.parametrize("field, value", [("years_of_practice", "200"), ("specialties", "astrology"),
                                          ("languages", "klingon")])
def test_a_bad_profile_is_refused_and_nothing_is_saved(world, login, field, value):
    response = login(world.mediator).post("/mediators/profile", data=dict(PROFILE, **{field: value}))
    assert response.status_code == 422
    assert operations.profile_of(world.mediator.id) is None


def test_only_mediators_keep_a_profile(world, login):
    assert login(world.applicant).get("/mediators/profile").status_code == 403


def test_the_roster_shows_caseload_and_filters(world, login):
    login(world.mediator).post("/mediators/profile", data=PROFILE)
    make_case(world, CaseState.MEDIATION)  # assigns world.mediator
    db.session.commit()
    entries = {e.user.id: e for e in operations.roster()}
    assert entries[world.mediator.id].open_cases == 1
    assert entries[world.other_mediator.id].open_cases == 0
    assert [e.user.id for e in operations.roster(category="labour")] == [world.mediator.id]
    assert [e.user.id for e in operations.roster(language="yue")] == [world.mediator.id]
    page = login(world.applicant).get("/mediators?category=labour").get_data(as_text=True)
    assert world.mediator.name in page and world.other_mediator.name not in page


@pytest.fixture()
def case(world):
    case = make_case(world, CaseState.AWAITING_RESPONDENT, with_mediator=False)
    db.session.commit()
    return case


def test_a_party_chooses_a_mediator_and_the_clerk_grants_it(case, world, login):
    second = make_user("mediator", world.committee, name="第二调解员")
    db.session.commit()
    response = login(world.applicant).post(f"/cases/{case.id}/mediator-request",
                                           data={"mediator_id": str(second.id), "reason": "懂粤语"})
    assert response.status_code == 302
    request = db.session.execute(select(MediatorRequest)).scalar_one()
    assert request.side == "applicant" and request.status == "pending"
    assert db.session.execute(select(Notification).where(Notification.user_id == world.clerk.id,
                                                         Notification.kind == "mediator_requested")).first()
    page = login(world.clerk).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "mediator-requests" in page
    response = login(world.clerk).post(f"/cases/{case.id}/mediator-requests/{request.id}",
                                       data={"decision": "grant", "reason": "双方同意"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MediatorRequest, request.id).status == "granted"
    case = db.session.get(type(case), case.id)
    assert second.id in case.mediator_ids
    told = db.session.execute(select(Notification).where(Notification.user_id == world.applicant.id,
                                                         Notification.kind == "mediator_request_decided")).scalar_one()
    assert "双方同意" in told.body


def test_asking_for_a_different_mediator_needs_a_reason_and_a_refusal_keeps_the_mediator(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    client = login(world.respondent)
    response = client.post(f"/cases/{case.id}/mediator-request", data={"mediator_id": "0", "reason": ""})
    assert response.status_code == 422
    assert db.session.execute(select(MediatorRequest)).first() is None
    client.post(f"/cases/{case.id}/mediator-request", data={"mediator_id": "0", "reason": "调解员偏向对方"})
    request = db.session.execute(select(MediatorRequest)).scalar_one()
    # A second request while the first waits is refused.
    again = client.post(f"/cases/{case.id}/mediator-request", data={"mediator_id": "0", "reason": "再次"})
    assert again.status_code == 409
    # The clerk must give a reason.
    login(world.clerk).post(f"/cases/{case.id}/mediator-requests/{request.id}", data={"decision": "refuse", "reason": ""})
    assert db.session.get(MediatorRequest, request.id).status == "pending"
    login(world.clerk).post(f"/cases/{case.id}/mediator-requests/{request.id}",
                            data={"decision": "refuse", "reason": "未发现偏向的事实"})
    db.session.expire_all()
    assert db.session.get(MediatorRequest, request.id).decision_reason == "未发现偏向的事实"
    assert world.mediator.id in db.session.get(type(case), case.id).mediator_ids
    assert audit("case.mediator_request_decided")[-1].payload["decision"] == "refused"


def test_a_mediator_from_elsewhere_cannot_be_chosen(case, world, login):
    response = login(world.applicant).post(f"/cases/{case.id}/mediator-request",
                                           data={"mediator_id": str(world.other_mediator.id)})
    assert response.status_code == 422
    assert db.session.execute(select(MediatorRequest)).first() is None


def test_only_parties_ask_and_only_the_clerk_decides(case, world, login):
    for outsider in (world.stranger, world.other_clerk):
        assert login(outsider).get(f"/cases/{case.id}/mediator-request").status_code == 404
    assert login(world.mediator).get(f"/cases/{case.id}/mediator-request").status_code in (403, 404)
    login(world.applicant).post(f"/cases/{case.id}/mediator-request", data={"mediator_id": str(world.mediator.id)})
    request = db.session.execute(select(MediatorRequest)).scalar_one()
    assert login(world.applicant).post(f"/cases/{case.id}/mediator-requests/{request.id}",
                                       data={"decision": "grant", "reason": "x"}).status_code == 403
    assert db.session.get(MediatorRequest, request.id).status == "pending"


# ---- conflicts of interest detected from the particulars --------------------------------------

def test_family_names():
    assert family_name("陈调解") == "陈"
    assert family_name("欧阳娜娜") == "欧阳"
    assert family_name("Mary Smith") == "smith"


def test_same_family_name_and_address_holds_the_assignment(world, login):
    login(world.mediator).post("/mediators/profile", data=dict(PROFILE, home_address="西湖区 北山路 1 号"))
    case = make_case(world, CaseState.AWAITING_RESPONDENT, with_mediator=False)
    applicant = next(p for p in case.parties if p.side == Side.APPLICANT)
    applicant.name, applicant.address = "陈小明", "西湖区北山路1号"
    db.session.commit()
    assignment = case_ops.assign_mediator(case, world.clerk, world.mediator)
    db.session.commit()
    assert assignment.conflict_status == "pending"
    event = audit("case.mediator_conflict_detected")[-1]
    assert event.payload["found"] == [["family", applicant.id]]
    assert "北山路" not in str(event.payload) and "陈小明" not in str(event.payload)
    assert db.session.execute(select(Notification).where(Notification.user_id == world.clerk.id,
                                                         Notification.kind == "mediator_conflict")).first()


def test_a_party_of_the_mediators_own_organisation_is_detected(world):
    case = make_case(world, CaseState.AWAITING_RESPONDENT, with_mediator=False)
    respondent = next(p for p in case.parties if p.side == Side.RESPONDENT)
    respondent.user_id = world.consultant.id  # a colleague of the mediator in the committee
    db.session.flush()
    assert [kind for kind, _party, _words in detected_conflicts(case, world.mediator)] == ["colleague"]


def test_no_conflict_when_nothing_ties_them(world):
    case = make_case(world, CaseState.AWAITING_RESPONDENT, with_mediator=False)
    assignment = case_ops.assign_mediator(case, world.clerk, world.mediator)
    assert assignment.conflict_status is None
    assert db.session.execute(select(CaseAssignment).where(CaseAssignment.conflict_status == "pending")).first() is None
