"""A case mediated to a signed settlement in three real browsers (Chromium via Playwright, the
real gunicorn + gevent server of tests/roomserver.py): applicant and mediator on desktops, the
respondent on a 390 px phone with touch. They talk, trade a proposal and a counter-proposal, run
a double-blind bidding (each page's DOM and every socket frame it received are searched for the
other side's figures), the mediator drafts the agreement (a stale edit from a second tab is
refused with the current text), the respondent comments, the mediator locks, all three sign
(two drawn signatures: mouse and touch), the case page says settled and the PDF downloads with
the drawn image and the names in it. axe-core finds no serious or critical violation on the room
page, in Chinese (the full run) and in English (a shorter check).
"""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from odr.core.enums import CaseState
from odr.core.labels import label
from odr.extensions import db

from ..factories import PASSWORD
from ..foundation_support import _clean_database, shows  # noqa: F401  (the fast cleanup, see there)
from ..roomserver import RoomServer, cast_room
from .test_room_browser import AXE, TIMEOUT_MS, browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

# Every payload the page receives from the server, however it travels: Engine.IO's polling
# (XMLHttpRequest) before the upgrade, and the WebSocket after it (also kept by Playwright).
RECORD_TRAFFIC = """
(() => {
  window.__received = [];
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) {
    this.addEventListener("load", () => { try { window.__received.push(String(this.responseText)); } catch (e) {} });
    return open.apply(this, args);
  };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener("message", (event) => window.__received.push(String(event.data)));
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""


@pytest.fixture(scope="module")
def server(app, tmp_path_factory, browser):  # noqa: F811
    """The room server; importing the app takes ~30 s on a machine this busy: wait longer."""
    room_server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("settle"))
    room_server.start(timeout=120)
    yield room_server
    room_server.stop()


class Person:
    def __init__(self, browser, server, case_id: int, user, lang: str, **options) -> None:  # noqa: F811
        self.user = user
        self.context = browser.new_context(locale=lang, accept_downloads=True, **options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(RECORD_TRAFFIC)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.frames: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("websocket", lambda ws: ws.on("framereceived", lambda data: self.frames.append(str(data))))
        self.page.goto(f"{server.url}/login")
        self.page.fill("#login", user.email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        assert "/login" not in self.page.url, self.page.inner_text("main")
        self.room_url = f"{server.url}/cases/{case_id}/room"
        self.page.goto(self.room_url)
        self.wait_online()

    def wait_online(self, page=None) -> None:
        # The first connection waits for the server's first page loads: generous on a busy machine.
        (page or self.page).wait_for_selector("#room[data-connection=online][data-caught-up]", timeout=30_000)

    def received(self) -> str:
        """Everything this page was sent: WebSocket frames and polling responses."""
        return "\n".join(self.frames + self.page.evaluate("window.__received"))

    def sees(self, figure: str) -> bool:
        return shows(figure, self.page.content()) or shows(figure, self.received())

    def wait_text(self, selector: str, text: str) -> None:
        self.page.wait_for_function(
            "([sel, text]) => { const n = document.querySelector(sel); return n && n.textContent.includes(text); }",
            arg=[selector, text])

    def axe(self) -> list:
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})"
            ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target)]))")
        return [v for v in violations if v[1] in ("serious", "critical")]

    def close(self) -> None:
        self.context.close()


def _draw_with_mouse(page, selector: str) -> None:
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * box["width"] * 0.07, box["y"] + box["height"] * (0.7 - 0.4 * (i % 2)))
    page.mouse.up()


def _draw_with_finger(person, selector: str) -> None:
    """A real touch sequence (Chromium turns it into pointer events of type "touch")."""
    page = person.page
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    cdp = person.context.new_cdp_session(page)
    x0, y0 = box["x"] + 15, box["y"] + box["height"] * 0.6
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, 10):
        point = {"x": x0 + i * box["width"] * 0.08, "y": y0 - (box["height"] * 0.3 if i % 2 else 0)}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _sign(person, name: str, password: str = PASSWORD) -> None:
    page = person.page
    page.fill("#sign-password", password)
    page.fill("#sign-typed", name)
    page.click("#sign-form button[type=submit]")


def _proposal(person, status: str, amount: str):
    return person.page.locator(f'#proposal-list li[data-status="{status}"]', has_text=amount)


def test_three_browsers_mediate_to_a_signed_settlement_in_chinese(app, world, server, browser, tmp_path):  # noqa: F811
    server.reset()
    room = cast_room(world)
    case_id = room.case.id
    people = []
    try:
        applicant = Person(browser, server, case_id, world.applicant, "zh-CN")
        people.append(applicant)
        respondent = Person(browser, server, case_id, world.respondent, "zh-CN",
                            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        people.append(respondent)
        mediator = Person(browser, server, case_id, world.mediator, "zh-CN")
        people.append(mediator)
        # The phone: nothing wider than the screen.
        assert respondent.page.evaluate("document.documentElement.scrollWidth") <= 390

        # Chat first.
        area = applicant.page.locator('[role=tabpanel][data-channel="joint"] textarea')
        area.fill("我们先谈谈付款方式。")
        area.press("Enter")
        for person in people:
            person.page.wait_for_selector('li[data-seq] .msg__body:text("我们先谈谈付款方式。")')

        # --- a proposal with instalments, and the respondent's counter-proposal --------------
        page = applicant.page
        page.fill("#proposal-amount", "9000")
        page.click("#instalment-add")
        page.fill("#instalment-amount-1", "4000")
        page.fill("#instalment-date-1", "2027-01-31")
        page.click("#instalment-add")
        page.fill("#instalment-amount-2", "5000")
        page.fill("#instalment-date-2", "2027-02-28")
        page.fill("#proposal-terms", "公司出具书面道歉信")
        page.click("#proposal-submit")
        for person in people:
            _proposal(person, "offered", "9000.00").wait_for()
        offer = _proposal(respondent, "offered", "9000.00")
        assert "2027-02-28" in offer.inner_text() and "公司出具书面道歉信" in offer.inner_text()
        # Only the other side may answer; only the proposer withdraws.
        assert _proposal(applicant, "offered", "9000.00").locator("[data-step=accept]").count() == 0
        assert _proposal(applicant, "offered", "9000.00").locator("[data-step=withdraw]").count() == 1
        assert mediator.page.locator("#proposal-list button").count() == 0

        offer.locator("[data-step=counter]").click()
        respondent.page.wait_for_selector("#proposal-countering:not([hidden])")
        respondent.page.fill("#proposal-amount", "7000")
        respondent.page.click("#proposal-submit")
        for person in people:
            _proposal(person, "countered", "9000.00").wait_for()
            _proposal(person, "offered", "7000.00").wait_for()
        # The applicant rejects the counter-proposal; everyone sees it.
        _proposal(applicant, "offered", "7000.00").locator("[data-step=reject]").click()
        for person in people:
            _proposal(person, "rejected", "7000.00").wait_for()

        # --- blind bidding: round 1 no agreement, round 2 crosses -----------------------------
        applicant.page.fill("#bidding-gap", "0")
        applicant.page.click("#bidding-propose-form button")
        respondent.page.wait_for_selector("#bidding-agree-form:not([hidden])")
        respondent.page.click("#bidding-agree")
        for person in (applicant, respondent):
            person.page.wait_for_selector("#bid-form:not([hidden])")
        mediator.page.wait_for_selector("#bidding-state[data-status=open]")
        assert mediator.page.locator("#bid-form").count() == 0

        figures = {"applicant": ["8765", "8123"], "respondent": ["6543", "8234"]}
        for round_no in (0, 1):
            for person, side in ((applicant, "applicant"), (respondent, "respondent")):
                person.page.fill("#bid-amount", figures[side][round_no])
                person.page.click("#bid-form button")
                person.wait_text("#my-bids", figures[side][round_no])
            if round_no == 0:
                for person in people:
                    person.wait_text("#bidding-state", "第1轮：未达成一致")
        for person in people:
            person.page.wait_for_selector("#bidding-state[data-status=settled]")
            person.wait_text("#bidding-state", "8179.00")
            _proposal(person, "accepted", "8179.00").wait_for()
        # Blind means blind: the other side's figures are nowhere in the page or in what the
        # page was sent; the mediator has neither side's; each side has its own.
        for figure in figures["applicant"]:
            assert not respondent.sees(figure) and not mediator.sees(figure), figure
            assert shows(figure, applicant.received())  # the recording works: own figures are in it
        for figure in figures["respondent"]:
            assert not applicant.sees(figure) and not mediator.sees(figure), figure
            assert shows(figure, respondent.received())

        # --- the agreement: draft, a stale edit refused, comments, lock ----------------------
        mediator.page.click("#agreement-create-form button")
        mediator.page.wait_for_selector("#agreement-edit-form:not([hidden])")
        assert "8179.00" in mediator.page.input_value("#clause-terms")
        mediator.page.fill("#clause-performance", "2027年3月31日前银行转账一次性支付。")
        mediator.page.click("#agreement-edit-form button[type=submit]")
        for person in people:
            person.wait_text("#agreement-text", "2027年3月31日前银行转账一次性支付。")

        second_tab = mediator.context.new_page()  # the same mediator in another tab, at version 2
        second_tab.goto(mediator.room_url)
        mediator.wait_online(second_tab)
        second_tab.wait_for_selector("#agreement-edit-form:not([hidden])")
        second_tab.fill("#clause-breach", "来自旧页面的修改")  # being edited at version 2...
        mediator.page.fill("#clause-breach", "逾期未付的，按日加付万分之五违约金。")
        mediator.page.click("#agreement-edit-form button[type=submit]")  # ...when version 3 is saved
        second_tab.wait_for_function("document.querySelector('#agreement-text').textContent.includes('万分之五')")
        assert second_tab.input_value("#clause-breach") == "来自旧页面的修改"  # live text, the form kept
        second_tab.click("#agreement-edit-form button[type=submit]")
        second_tab.wait_for_selector("#agreement-stale:not([hidden])")
        assert "逾期未付的，按日加付万分之五违约金。" in second_tab.inner_text("#agreement-stale-text")
        assert second_tab.input_value("#clause-breach") == "来自旧页面的修改"  # kept, not lost
        second_tab.close()
        for person in people:
            person.wait_text("#agreement-text", "逾期未付的，按日加付万分之五违约金。")
            assert "来自旧页面的修改" not in person.page.inner_text("#agreement-text")

        respondent.page.fill("#comment-body", "请写明收款账户。")
        respondent.page.click("#comment-form button")
        for person in people:
            person.wait_text("#comment-list", "请写明收款账户。")
        assert applicant.page.locator("#agreement-edit-form").count() == 0  # parties do not draft

        mediator.page.click("#agreement-lock")
        for person in people:
            person.page.wait_for_selector("#settle[data-agreement=locked]")
            person.page.wait_for_selector("#sign-form:not([hidden])")
        sha = mediator.page.inner_text("#agreement-hash").split()[-1]
        assert len(sha) == 64
        # Every panel filled in, the sign form open: still nothing wider than the phone.
        assert respondent.page.evaluate("document.documentElement.scrollWidth") <= 390

        # --- signing: a wrong password first, then all three ---------------------------------
        _draw_with_mouse(applicant.page, "#sign-pad")
        assert applicant.page.get_attribute("#sign-pad", "data-strokes") == "1"
        _sign(applicant, "张三", password="not my password")
        applicant.page.wait_for_selector("#sign-error:not([hidden])")
        assert applicant.page.locator("#sign-form").is_visible()
        _sign(applicant, "张三")
        applicant.page.wait_for_selector("#sign-form", state="hidden")
        for person in people:
            person.page.wait_for_selector('#signature-list li[data-user-id]')

        _draw_with_finger(respondent, "#sign-pad")
        assert respondent.page.get_attribute("#sign-pad", "data-strokes") == "1"
        _sign(respondent, "李四")
        respondent.page.wait_for_selector("#sign-form", state="hidden")
        _sign(mediator, "陈调解")
        for person in people:
            # The last signature settles the case and renders the paper first (seconds on a busy machine).
            person.page.wait_for_selector("#settle[data-agreement=signed]", timeout=60_000)
            person.page.wait_for_selector("#agreement-download:not([hidden])")
            assert person.page.locator("#signature-list li[data-user-id]").count() == 3
        # Mediation is over: no more offers or figures are offered (the server would refuse them).
        assert applicant.page.locator("#proposal-form").is_hidden()
        assert respondent.page.locator("#bidding-propose-form").is_hidden()
        assert not applicant.sees("not my password")

        # The case page says settled.
        db.session.rollback()
        with app.test_request_context(), force_locale("zh_CN"):
            settled = str(label(CaseState.SETTLED))
        respondent.page.goto(f"{server.url}/cases/{case_id}")
        assert settled in respondent.page.inner_text(".chip--state")

        # The signed agreement downloads from the room, with both drawings and every name.
        with applicant.page.expect_download() as download:
            applicant.page.click("#agreement-download a")
        pdf = tmp_path / "agreement.pdf"
        download.value.save_as(pdf)
        reader = PdfReader(io.BytesIO(pdf.read_bytes()))
        flat = "".join("".join(p.extract_text() for p in reader.pages).split())
        for text in ("张三", "李四", "陈调解", "8179.00", sha):
            assert text in flat, text
        images = {image.data for p in reader.pages for image in p.images}
        assert len(images) == 2  # the mouse drawing and the finger drawing

        # Accessibility in Chinese, with every panel filled: desktop and phone.
        mediator.page.reload()
        mediator.wait_online()
        mediator.page.wait_for_selector("#settle[data-agreement=signed]")
        respondent.page.goto(respondent.room_url)
        respondent.wait_online()
        respondent.page.wait_for_selector("#settle[data-agreement=signed]")
        for person in (mediator, respondent):
            assert person.axe() == []
        for person in people:
            assert not person.errors, person.errors
    finally:
        for person in people:
            person.close()


def test_the_settlement_panels_in_english_are_translated_and_accessible(world, server, browser):  # noqa: F811
    server.reset()
    room = cast_room(world)
    people = []
    try:
        applicant = Person(browser, server, room.case.id, world.applicant, "en-GB",
                           viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        people.append(applicant)
        mediator = Person(browser, server, room.case.id, world.mediator, "en-GB")
        people.append(mediator)
        assert applicant.page.inner_text("#proposal-submit") == "Make the offer"
        applicant.page.wait_for_selector("#bidding-propose-form:not([hidden])")
        applicant.wait_text("#bidding-state", "Blind bidding has not been proposed.")
        mediator.wait_text("#agreement-state", "The mediator has not drafted the agreement yet.")
        # A refusal comes back in English: an offer with neither an amount nor terms.
        applicant.page.click("#proposal-submit")
        applicant.page.wait_for_selector("#proposal-error:not([hidden])")
        assert "Give an amount or describe the terms." in applicant.page.inner_text("#proposal-error")
        mediator.page.click("#agreement-create-form button")
        mediator.page.wait_for_selector("#agreement-edit-form:not([hidden])")
        applicant.page.wait_for_selector("#settle[data-agreement=draft]")
        assert applicant.page.evaluate("document.documentElement.scrollWidth") <= 390
        for person in people:
            assert person.axe() == []
            assert not person.errors, person.errors
    finally:
        for person in people:
            person.close()
