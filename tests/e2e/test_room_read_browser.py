"""Read receipts in real browsers (Chromium via Playwright, tests/e2e/test_room_browser.py's
fixtures): what one side has read is shown to the other discreetly ("Seen by ..."), a caucus's
marks stay in the caucus, and nothing is reported from a tab that is not on screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.extensions import db
from odr.mediation.models import Channel, RoomReadMark

from ..foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from ..roomserver import cast_room
from .test_room_browser import Person, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _mark(case_id: int, user, channel: str) -> int | None:
    db.session.rollback()
    return db.session.execute(select(RoomReadMark.seq).where(
        RoomReadMark.case_id == case_id, RoomReadMark.user_id == user.id,
        RoomReadMark.channel == Channel(channel))).scalar()


def _seen(person: Person, channel: str) -> str:
    return person.page.inner_text(f'[role=tabpanel][data-channel="{channel}"] .room__read')


def test_the_other_side_sees_what_was_read(world, server, browser):  # noqa: F811
    server.reset()
    room = cast_room(world)
    case_id = room.case.id
    people = []
    try:
        applicant = Person(browser, server, case_id, world.applicant)
        people.append(applicant)
        respondent = Person(browser, server, case_id, world.respondent)
        people.append(respondent)
        mediator = Person(browser, server, case_id, world.mediator)
        people.append(mediator)

        # The joint channel is on everyone's screen: both others read the applicant's message.
        applicant.send("joint", "Shall we begin?")
        for person in (respondent, mediator):
            person.wait_for("joint", ["Shall we begin?"])
        applicant.page.wait_for_function(
            """() => { const t = document.querySelector('[data-channel="joint"] .room__read').textContent;
                       return t.includes("李四") && t.includes("陈调解"); }""")
        assert _seen(applicant, "joint").startswith("Seen by ")
        assert _mark(case_id, world.respondent, "joint") == 1

        # A caucus message while the mediator looks at the joint tab: not read, not marked.
        applicant.send("caucus:applicant", "Only for you: 9000 would do.")
        mediator.page.wait_for_selector('[data-channel="caucus:applicant"] li[data-seq]', state="attached")
        mediator.page.wait_for_timeout(2500)
        assert _mark(case_id, world.mediator, "caucus:applicant") is None
        assert _seen(applicant, "caucus:applicant") == ""
        # The mediator opens the caucus tab: now it is read, and the applicant sees it there only.
        mediator.tab("caucus:applicant")
        applicant.page.wait_for_function(
            """() => document.querySelector('[data-channel="caucus:applicant"] .room__read')
                       .textContent.includes("陈调解")""")
        assert _mark(case_id, world.mediator, "caucus:applicant") == 1
        for person in people:
            assert person.errors == [], person.errors
    finally:
        for person in people:
            person.close()
