"""Satisfaction ratings (odr/satisfaction): asked for on closure, one final rating per party,
a low score alerts the supervisor, comments for the organisation's staff only; pages and API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.extensions import db
from odr.notifications.models import Notification, OutboxMessage
from odr.satisfaction.models import Rating

from . import factories


@pytest.fixture()
def closed(world):
    case = factories.make_case(world, CaseState.CLOSED)
    db.session.commit()
    return case


def test_closing_asks_each_party_with_an_account(world, closed):
    asked = db.session.scalars(select(Notification).where(Notification.kind == "satisfaction_request")).all()
    assert sorted(n.user_id for n in asked) == sorted([world.applicant.id, world.respondent.id])
    assert all(n.url == f"/cases/{closed.id}/rating" and n.case_id == closed.id for n in asked)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "satisfaction_request")).all()
    assert {m.to for m in mail} == {world.applicant.email, world.respondent.email}


def test_an_open_case_asks_nobody_and_cannot_be_rated(world, login):
    case = factories.make_case(world, CaseState.SETTLED)
    db.session.commit()
    assert not db.session.scalars(select(Notification).where(Notification.kind == "satisfaction_request")).all()
    response = login(world.applicant).post(f"/api/v1/cases/{case.id}/rating", json={"process_score": 5,
                                                                                     "mediator_score": 5})
    assert response.status_code == 403
    assert db.session.scalar(select(Rating.id)) is None


def test_party_rates_once_and_a_low_score_alerts_the_supervisor(world, closed, login):
    client = login(world.respondent)
    response = client.post(f"/api/v1/cases/{closed.id}/rating",
                           json={"process_score": 2, "mediator_score": 4, "comment": "等了太久 waited too long"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["process_score"] == 2 and body["mediator_id"] == world.mediator.id
    again = client.post(f"/api/v1/cases/{closed.id}/rating", json={"process_score": 5, "mediator_score": 5})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    ratings = db.session.scalars(select(Rating)).all()
    assert [(r.process_score, r.mediator_score) for r in ratings] == [(2, 4)]
    alerts = db.session.scalars(select(Notification).where(Notification.kind == "satisfaction_low")).all()
    # The committee has no supervisor; the district committee above it has one.
    assert [a.user_id for a in alerts] == [world.supervisor.id]
    assert alerts[0].url == f"/cases/{closed.id}/ratings"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "satisfaction.rated"))
    assert event.payload["process_score"] == 2 and "comment" not in event.payload
    assert client.get(f"/api/v1/cases/{closed.id}/rating").get_json()["items"][0]["comment"].startswith("等了")


def test_a_good_rating_alerts_nobody(world, closed, login):
    response = login(world.applicant).post(f"/api/v1/cases/{closed.id}/rating",
                                           json={"process_score": 4, "mediator_score": 3})
    assert response.status_code == 201
    assert not db.session.scalars(select(Notification).where(Notification.kind == "satisfaction_low")).all()


@pytest.mark.parametrize("body, field", [
    ({"process_score": 0, "mediator_score": 3}, "process_score"),
    ({"process_score": 6, "mediator_score": 3}, "process_score"),
    ({"process_score": 3}, "mediator_score"),
    ({"process_score": "x", "mediator_score": 3}, "process_score"),
    ({"process_score": 3, "mediator_score": 3, "comment": "x" * 2001}, "comment"),
])
def test_bad_scores_are_refused_and_nothing_is_saved(world, closed, login, body, field):
    response = login(world.applicant).post(f"/api/v1/cases/{closed.id}/rating", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(Rating.id)) is None


def test_rating_page_form_and_errors(world, closed, login):
    client = login(world.applicant)
    page = client.get(f"/cases/{closed.id}/rating")
    assert page.status_code == 200 and 'name="process_score"' in page.get_data(as_text=True)
    bad = client.post(f"/cases/{closed.id}/rating", data={"process_score": "9", "mediator_score": "3"})
    assert bad.status_code == 422 and "field__error" in bad.get_data(as_text=True)
    good = client.post(f"/cases/{closed.id}/rating", data={"process_score": "5", "mediator_score": "4",
                                                           "comment": "谢谢"})
    assert good.status_code == 303
    after = client.get(f"/cases/{closed.id}/rating").get_data(as_text=True)
    assert 'name="process_score"' not in after and "谢谢" in after


def test_comments_are_for_staff_not_for_the_other_party(world, closed, login):
    login(world.respondent).post(f"/api/v1/cases/{closed.id}/rating",
                                 json={"process_score": 3, "mediator_score": 3, "comment": "秘密意见 private remark"})
    for user in (world.applicant, world.mediator):
        assert login(user).get(f"/api/v1/cases/{closed.id}/ratings").status_code == 403
        assert login(user).get(f"/cases/{closed.id}/ratings").status_code == 403
        assert login(user).get(f"/api/v1/cases/{closed.id}/rating").get_json()["items"] == []
    assert login(world.other_clerk).get(f"/api/v1/cases/{closed.id}/ratings").status_code == 404
    for user in (world.clerk, world.supervisor, world.admin):
        items = login(user).get(f"/api/v1/cases/{closed.id}/ratings").get_json()["items"]
        assert [i["comment"] for i in items] == ["秘密意见 private remark"]
        assert "秘密意见" in login(user).get(f"/cases/{closed.id}/ratings").get_data(as_text=True)
    # Staff do not rate.
    assert login(world.clerk).post(f"/api/v1/cases/{closed.id}/rating",
                                   json={"process_score": 5, "mediator_score": 5}).status_code == 403


def test_case_page_leads_parties_to_rate_and_staff_to_the_ratings(world, closed, login):
    party_page = login(world.applicant).get(f"/cases/{closed.id}").get_data(as_text=True)
    assert f"/cases/{closed.id}/rating" in party_page and f"/cases/{closed.id}/ratings" not in party_page
    form = login(world.applicant).get(f"/cases/{closed.id}/rating").get_data(as_text=True)
    assert 'name="csrf_token"' in form
    login(world.applicant).post(f"/api/v1/cases/{closed.id}/rating", json={"process_score": 4, "mediator_score": 4})
    staff_page = login(world.clerk).get(f"/cases/{closed.id}").get_data(as_text=True)
    assert f"/cases/{closed.id}/ratings" in staff_page
    assert f'href="/cases/{closed.id}/rating"' not in staff_page
    mediator_page = login(world.mediator).get(f"/cases/{closed.id}").get_data(as_text=True)
    assert f"/cases/{closed.id}/rating" not in mediator_page
