"""The mediation room page (/cases/<id>/room): who may open it and which channels it offers.
The room itself is driven over the socket; tests/e2e/test_room_browser.py runs it in Chromium."""

from __future__ import annotations

import re

from sqlalchemy import select

from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.extensions import db

from .factories import make_case, make_user
from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)


def _tabs(html: str) -> list[str]:
    return re.findall(r'role="tab"[^>]*data-channel="([^"]+)"', html)


def _composers(html: str) -> int:
    return html.count('class="room__composer"')


def _denied(user) -> list[dict]:
    db.session.rollback()
    return db.session.execute(
        select(AuditEvent.payload).where(AuditEvent.action == "access.denied",
                                         AuditEvent.actor_id == user.id)
    ).scalars().all()


def test_each_person_gets_the_channels_they_may_follow(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    expected = {
        world.applicant: (["joint", "caucus:applicant"], 2),
        world.respondent: (["joint", "caucus:respondent"], 2),
        world.mediator: (["joint", "caucus:applicant", "caucus:respondent"], 3),
        world.clerk: (["joint"], 0),  # the organisation follows the joint channel, never writes
    }
    for user, (channels, writable) in expected.items():
        response = login(user).get(f"/cases/{case.id}/room")
        assert response.status_code == 200, user.name
        html = response.get_data(as_text=True)
        assert _tabs(html) == channels, user.name
        assert _composers(html) == writable, user.name
        assert "socket.io.min.js" in html and "js/room.js" in html
        assert 'aria-live="polite"' in html and ('maxlength="4000"' in html) is bool(writable)


def test_outsiders_get_404_and_an_audit_entry(world, login):
    case = make_case(world, CaseState.MEDIATION)
    outsider = make_user("applicant", name="局外人")
    db.session.commit()
    for user in (outsider, world.other_mediator, world.consultant):
        response = login(user).get(f"/cases/{case.id}/room")
        assert response.status_code == 404, user.name
        assert _denied(user), user.name
    assert login(outsider).get("/cases/999999/room").status_code == 404
    assert login(world.applicant).get(f"/cases/{case.id}/room").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    response = client.get(f"/cases/{case.id}/room")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_case_page_links_to_the_room_from_mediation_on(world, login):
    before = make_case(world, CaseState.SUBMITTED)
    during = make_case(world, CaseState.MEDIATION)
    after = make_case(world, CaseState.SETTLED)
    db.session.commit()
    client = login(world.applicant)
    for case, linked in ((before, False), (during, True), (after, True)):
        html = client.get(f"/cases/{case.id}").get_data(as_text=True)
        assert (f"/cases/{case.id}/room" in html) is linked, case.state


def test_a_finished_room_is_read_only(world, login):
    case = make_case(world, CaseState.SETTLED)
    db.session.commit()
    html = login(world.applicant).get(f"/cases/{case.id}/room").get_data(as_text=True)
    assert _tabs(html) == ["joint", "caucus:applicant"] and _composers(html) == 0


def test_the_page_speaks_the_users_language(world, login):
    case = make_case(world, CaseState.MEDIATION)
    world.applicant.locale = "en"
    db.session.commit()
    html = login(world.applicant).get(f"/cases/{case.id}/room").get_data(as_text=True)
    assert "Mediation room" in html and "Joint session" in html
