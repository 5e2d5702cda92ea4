"""The waiting room in real browsers (Chromium via Playwright, the real server): a party who
arrives before the session sees the waiting room with the time and agenda and cannot write; the
mediator opens the session from the room page and the party is let in live, without reloading.
axe-core checks the waiting room."""

from __future__ import annotations

from datetime import datetime, timedelta

from odr.cases import operations as case_ops
from odr.core.models import utcnow
from odr.extensions import db
from odr.mediation import sessions

from ..foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from ..roomserver import cast_room
from .test_room_browser import AXE, Person, browser, server  # noqa: F401  (fixtures)


def test_a_party_waits_and_is_let_in_live_when_the_mediator_opens(world, server, browser):  # noqa: F811
    server.reset()
    room = cast_room(world)
    case_ops.declare_relation(room.case, world.mediator, has_relation=False)
    start = (utcnow() + timedelta(days=1)).astimezone(sessions.ZoneInfo("Asia/Shanghai"))
    sessions.schedule(room.case, world.mediator, starts_at=datetime(start.year, start.month, start.day, 9, 30),
                      agenda="Check the wages owed")
    db.session.commit()
    people = []
    try:
        applicant = Person(browser, server, room.case.id, world.applicant)
        people.append(applicant)
        page = applicant.page
        page.wait_for_selector("#waiting-room[data-waiting=true]")
        assert "Check the wages owed" in page.inner_text("#waiting-room")
        assert page.locator('[role=tabpanel][data-channel="joint"] textarea').is_disabled()
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})"
            ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.length]))")
        assert not [v for v in violations if v[1] in ("serious", "critical")], violations

        mediator = Person(browser, server, room.case.id, world.mediator)
        people.append(mediator)
        with mediator.page.expect_navigation():
            mediator.page.click("#waiting-room button:has-text('Open the session')")
        mediator.wait_online()

        # Live: no reload on the applicant's side.
        page.wait_for_selector("#waiting-room", state="hidden")
        assert not page.locator('[role=tabpanel][data-channel="joint"] textarea').is_disabled()
        applicant.send("joint", "Thank you, we are ready.")
        mediator.wait_for("joint", ["Thank you, we are ready."])
        assert not applicant.errors and not mediator.errors
    finally:
        for person in people:
            person.close()
