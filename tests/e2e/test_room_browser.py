"""The mediation room in three real browsers (Chromium via Playwright) against the real server
(gunicorn + gevent WebSocket worker, tests/roomserver.py): applicant, respondent and mediator
sign in through /login, talk jointly and in the applicant's caucus; the respondent goes offline
and comes back to every missed message once, in order, and what they wrote offline is delivered
exactly once. axe-core checks the page.

Needs Debian's Chromium at /usr/bin/chromium (bash scripts/setup.sh --with-browser); without it the
test is skipped, except under CI=true where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from odr.extensions import db
from odr.mediation.models import RoomMessage

from ..factories import PASSWORD
from ..foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)
from ..roomserver import RoomServer, cast_room

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 10_000
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (bash scripts/setup.sh --with-browser installs Debian's chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              timeout=30_000)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(app, tmp_path_factory, browser):
    room_server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("browser"))
    room_server.start()
    yield room_server
    room_server.stop()


class Person:
    """One person's browser context, signed in through the real /login page, on the room page."""

    def __init__(self, browser, server, case_id: int, user, **context_options) -> None:
        self.context = browser.new_context(locale="en-GB", **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(f"{server.url}/login")
        self.page.fill("#login", user.email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        assert "/login" not in self.page.url, self.page.inner_text("main")
        self.page.goto(f"{server.url}/cases/{case_id}/room")
        self.wait_online()

    def wait_online(self) -> None:
        self.page.wait_for_selector("#room[data-connection=online][data-caught-up]")

    def tab(self, channel: str) -> None:
        self.page.click(f'[role=tab][data-channel="{channel}"]')

    def send(self, channel: str, text: str) -> None:
        self.tab(channel)
        area = self.page.locator(f'[role=tabpanel][data-channel="{channel}"] textarea')
        area.fill(text)
        area.press("Enter")

    def bodies(self, channel: str) -> list[str]:
        """The stored messages shown in a channel, in page order (pending ones excluded)."""
        return self.page.eval_on_selector_all(
            f'[role=tabpanel][data-channel="{channel}"] li[data-seq] .msg__body',
            "nodes => nodes.map(n => n.textContent)")

    def seqs(self, channel: str) -> list[int]:
        return [int(s) for s in self.page.eval_on_selector_all(
            f'[role=tabpanel][data-channel="{channel}"] li[data-seq]',
            "nodes => nodes.map(n => n.dataset.seq)")]

    def wait_for(self, channel: str, texts: list[str]) -> None:
        """Wait until every text is shown (as a stored message) in the channel."""
        self.page.wait_for_function(
            """([channel, texts]) => {
                const shown = Array.from(document.querySelectorAll(
                    `[role=tabpanel][data-channel="${channel}"] li[data-seq] .msg__body`), n => n.textContent);
                return texts.every(t => shown.includes(t));
            }""", arg=[channel, texts])

    def close(self) -> None:
        self.context.close()


def _stored_with(body: str) -> int:
    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(RoomMessage).where(RoomMessage.body == body)
    ).scalar_one()


def test_three_browsers_mediate_through_a_dropped_connection(world, server, browser):
    server.reset()
    room = cast_room(world)
    case_id = room.case.id
    people = []
    try:
        applicant = Person(browser, server, case_id, world.applicant)
        people.append(applicant)
        # The respondent is on a phone.
        respondent = Person(browser, server, case_id, world.respondent,
                            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        people.append(respondent)
        mediator = Person(browser, server, case_id, world.mediator)
        people.append(mediator)

        # Tabs: each side its own caucus, the mediator all three.
        tabs = "els => els.map(e => e.dataset.channel)"
        assert respondent.page.eval_on_selector_all("[role=tab]", tabs) == ["joint", "caucus:respondent"]
        assert mediator.page.eval_on_selector_all("[role=tab]", tabs) == [
            "joint", "caucus:applicant", "caucus:respondent"]

        # Joint talk reaches everyone; text is shown as text, never as HTML.
        hello = "<b>你好</b> hello from the applicant"
        applicant.send("joint", hello)
        mediator.send("joint", "Welcome, both of you.")
        for person in people:
            person.wait_for("joint", [hello, "Welcome, both of you."])
        assert respondent.page.locator("#room b").count() == 0

        # The applicant's caucus: the mediator and the applicant only.
        secret = "Between us: I would accept 9000."
        applicant.send("caucus:applicant", secret)
        mediator.wait_for("caucus:applicant", [secret])
        mediator.send("caucus:applicant", "Noted, I keep it to myself.")
        applicant.wait_for("caucus:applicant", ["Noted, I keep it to myself."])

        # The respondent goes offline; the others keep talking.
        respondent.context.set_offline(True)
        respondent.page.wait_for_selector("#room[data-connection=offline]")
        missed = ["Missed one", "Missed two", "Missed three from the mediator"]
        applicant.send("joint", missed[0])
        applicant.send("joint", missed[1])
        mediator.send("joint", missed[2])
        for person in (applicant, mediator):
            person.wait_for("joint", missed)
        # Written while offline: shown as pending, sent after the reconnect.
        offline_text = "Written on the train, without a signal"
        respondent.send("joint", offline_text)
        respondent.page.wait_for_selector(".msg--pending")
        assert not set(missed) & set(respondent.bodies("joint"))

        respondent.context.set_offline(False)
        respondent.wait_for("joint", missed + [offline_text])
        applicant.wait_for("joint", [offline_text])
        mediator.wait_for("joint", [offline_text])

        expected = [hello, "Welcome, both of you.", *missed, offline_text]
        for person in people:
            assert person.bodies("joint") == expected, person
            assert person.seqs("joint") == list(range(1, len(expected) + 1))
        assert respondent.page.locator(".msg--pending").count() == 0
        assert _stored_with(offline_text) == 1

        # The respondent never saw the applicant's caucus, before or after the reconnect.
        content = respondent.page.content()
        assert secret not in content and "Noted, I keep it to myself." not in content
        assert respondent.page.locator('[data-channel="caucus:applicant"]').count() == 0

        # Accessibility: no serious or critical violation, on a desktop and on the phone.
        for person in (mediator, respondent):
            person.page.add_script_tag(path=str(AXE))
            violations = person.page.evaluate(
                "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})"
                ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.length]))")
            assert not [v for v in violations if v[1] in ("serious", "critical")], violations
        for person in people:
            assert not person.errors, person.errors
    finally:
        for person in people:
            person.close()
