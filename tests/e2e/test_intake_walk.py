"""Issue 3's walk in a real browser on a phone-sized screen (390x844), in Chinese and in English,
against the real server (gunicorn, tests/roomserver.py): the applicant files through the /file
steps with an evidence upload; the clerk accepts (the applicant is told, the acceptance notice is
issued after the commit); the applicant follows a consultation pathway to its outcome, goes on to
evaluation and reads the report; the clerk invites the other party; the respondent opens the link
from the development outbox, continues with the link and consents; the case is in mediation.
axe-core runs on every page of the walk: no serious or critical violation. A short check after:
the grid's QR link opens intake already set to that grid.

One server and one Chromium for the whole module. The one step taken outside the browser is the
mediator's assignment (case_ops.assign_mediator as the clerk): consent needs a mediator
(workflow._has_mediator), and choosing one on a page belongs to the mediation work.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases.models import Case
from odr.core.enums import CaseState
from odr.core.labels import label
from odr.documents.models import Document, DocumentType
from odr.extensions import db

from ..factories import PASSWORD
from ..roomserver import RoomServer
from .test_room_browser import AXE, TIMEOUT_MS, browser  # noqa: F401  (the module's Chromium)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WORDS = {
    "zh_CN": {
        "locale": "zh-CN", "facts": "公司拖欠我三个月工资，共24000元，多次催要无果。",
        "claims": "支付拖欠的工资24000元及经济补偿。", "other": "某某科技有限公司",
        "left": "已经离开了", "less_than_a_year": "不到一年", "dismissed": "单位辞退了我，没有说出正当理由",
        "file": "工资条.pdf",
    },
    "en": {
        "locale": "en-GB", "facts": "The company has not paid my wages for three months, 24000 yuan.",
        "claims": "Pay the 24000 yuan of wages owed and the compensation.", "other": "Some Tech Co. Ltd",
        "left": "No, I have left", "less_than_a_year": "Less than a year",
        "dismissed": "The employer dismissed me without a valid reason", "file": "payslips.pdf",
    },
}


@pytest.fixture(scope="module")
def server(app, tmp_path_factory, browser):  # noqa: F811  (the fixture imported above)
    storage = tmp_path_factory.mktemp("walk-storage")
    with pytest.MonkeyPatch.context() as patch:
        # The server is a process of its own: uploads and papers go to a scratch folder.
        patch.setenv("STORAGE_DIR", str(storage))
        patch.setenv("SIGNING_CERT_DIR", str(tmp_path_factory.mktemp("walk-certs")))
        walk_server = RoomServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("walk"),
                                 name="walk")
        walk_server.start()
    yield walk_server
    walk_server.stop()


class Walker:
    """One person's phone: a browser context in one language; every page visited is checked by axe."""

    def __init__(self, browser, server, lang: str, checked: list) -> None:  # noqa: F811
        self.server, self.lang, self.checked = server, lang, checked
        self.context = browser.new_context(locale=WORDS[lang]["locale"], **PHONE)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> None:
        url = path if path.startswith("http") else self.server.url + path
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        self.axe()

    def submit(self, selector: str, timeout: float = TIMEOUT_MS) -> None:
        """Click a submit button and wait for the page it leads to; then axe that page."""
        with self.page.expect_navigation(timeout=timeout):
            self.page.click(selector, no_wait_after=True)
        self.axe()

    def axe(self) -> None:
        page = self.page
        expected = "zh-CN" if self.lang == "zh_CN" else "en"
        assert page.get_attribute("html", "lang") == expected, (page.url, page.get_attribute("html", "lang"))
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})"
            ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))")
        bad = [v for v in violations if v[1] in ("serious", "critical")]
        assert not bad, (page.url, bad)
        self.checked.append(page.url.split("?")[0].replace(self.server.url, ""))

    def login(self, user) -> None:
        self.goto("/login")
        self.page.fill("#login", user.email)
        self.page.fill("#password", PASSWORD)
        self.submit("main form button[type=submit]")
        assert "/login" not in self.page.url, self.page.inner_text("main")

    def text(self) -> str:
        return self.page.inner_text("main")

    def step_button(self, action: str) -> str:
        return f'form:has(input[name=action][value="{action}"]) button[type=submit]'

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


def _in(lang: str, value) -> str:
    """A label as the server shows it in `lang`."""
    with force_locale(lang):
        return str(label(value))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_from_filing_to_mediation_on_a_phone(world, server, browser, app, lang):  # noqa: F811
    words = WORDS[lang]
    for user in (world.applicant, world.clerk):
        user.locale = lang
    db.session.commit()
    checked: list[str] = []
    applicant = Walker(browser, server, lang, checked)
    clerk = Walker(browser, server, lang, checked)
    respondent = Walker(browser, server, lang, checked)
    try:
        # --- The applicant files, step by step, from the home page ----------------------------
        applicant.login(world.applicant)
        applicant.goto("/")
        applicant.goto("/file")
        applicant.page.check("input[name=category][value=labour]")
        applicant.submit("button[name=go][value=next]")
        assert re.search(r"/file/\d+/facts$", applicant.page.url), applicant.page.url
        case_id = int(re.search(r"/file/(\d+)/", applicant.page.url).group(1))
        applicant.page.fill("textarea[name=facts]", words["facts"])
        applicant.page.fill("input[name=started_on]", "2025-01-15")
        applicant.page.select_option("select[name=region_id]", str(world.grid.id))
        applicant.submit("button[name=go][value=next]")
        applicant.page.fill("textarea[name=claims]", words["claims"])
        applicant.page.fill("input[name=claim_amount]", "24000")
        applicant.submit("button[name=go][value=next]")
        applicant.page.check("input[name=kind][value=organisation]")
        applicant.page.fill("input[name=name]", words["other"])
        applicant.page.fill("input[name=phone]", "13800001111")
        applicant.page.fill("input[name=email]", "hr@example.test")
        applicant.submit("button[name=go][value=next]")
        assert applicant.page.url.endswith("/evidence")
        applicant.page.set_input_files("input[name=file]", files=[
            {"name": words["file"], "mimeType": "application/pdf", "buffer": PDF}])
        applicant.page.fill("input[name=description]", words["file"])
        applicant.submit("button[name=go][value=upload]")
        assert words["file"] in applicant.text()  # listed on the evidence step
        applicant.submit("button[name=go][value=next]")
        applicant.page.check(f"input[name=language][value={lang}]")
        applicant.submit("button[name=go][value=next]")
        assert applicant.page.url.endswith("/review") and words["other"] in applicant.text()
        applicant.submit("button[name=go][value=next]")
        assert applicant.page.url.endswith(f"/cases/{case_id}")
        assert _in(lang, CaseState.SUBMITTED) in applicant.page.inner_text(".chip--state")

        # --- The clerk accepts; the applicant is told and the notice is issued ----------------
        clerk.login(world.clerk)
        clerk.goto(f"/cases/{case_id}")
        # The notice is rendered after the commit, before the answer (the server's first PDF:
        # WeasyPrint's import and the CJK font take seconds on a busy machine).
        clerk.submit(clerk.step_button("accept"), timeout=90_000)
        assert _in(lang, CaseState.ACCEPTED) in clerk.page.inner_text(".chip--state")
        applicant.goto("/notifications")
        told = "受理" if lang == "zh_CN" else "was accepted"
        assert told in applicant.text()
        applicant.goto(f"/cases/{case_id}/documents")
        assert ("受理通知书" if lang == "zh_CN" else "Acceptance notice") in applicant.text()
        db.session.rollback()
        notice = db.session.execute(select(Document).where(
            Document.case_id == case_id, Document.type == DocumentType.ACCEPTANCE_NOTICE)).scalar_one()
        assert notice.lang == lang

        case = db.session.get(Case, case_id)
        case_ops.assign_mediator(case, world.clerk, world.mediator)  # see the module's docstring
        db.session.commit()
        clerk.goto(f"/cases/{case_id}")
        clerk.submit(clerk.step_button("start_consultation"))

        # --- The applicant follows the unpaid-wages pathway to its outcome --------------------
        applicant.goto("/consult")
        with applicant.page.expect_navigation():
            applicant.page.click('a[href*="/consult/unpaid_wages/"]')
        applicant.axe()
        for answer in (words["left"], words["less_than_a_year"], words["dismissed"]):
            with applicant.page.expect_navigation():
                applicant.page.click(f"a.answer:text-is('{answer}')")
            applicant.axe()
        outcome = applicant.text()
        assert ("法律依据" if lang == "zh_CN" else "The law") in outcome
        assert ("第87条" if lang == "zh_CN" else "Art. 87") in outcome  # unlawful dismissal: LCL Art. 87

        # --- ... goes on to evaluation and reads the report -----------------------------------
        applicant.goto(f"/cases/{case_id}")
        applicant.submit(applicant.step_button("evaluate"))
        applicant.goto(f"/cases/{case_id}/evaluation")
        page = applicant.page
        page.eval_on_selector_all("details.step", "parts => parts.forEach(p => { p.open = true; })")
        page.check("input[name='limitation-wage_claim']")
        page.fill("input[name='limitation-employment_ended_on']", "2025-03-31")
        page.fill("input[name='wages-monthly_wage']", "8000")
        page.fill("input[name='wages-wages_owed']", "24000")
        page.fill("input[name='wages-service_months']", "30")
        page.fill("input[name='wages-months_without_contract']", "3")
        page.select_option("select[name='wages-termination']", "compensation")
        applicant.submit("form[action$='/evaluation'] button[type=submit]")
        report = applicant.text()
        # 24,000 owed + 8,000 x 3 (compensation, 30 months' service) + 8,000 x 3 (no written contract),
        # as tests/test_evaluation.py recomputes it.
        assert re.search(r"72,?000\.00", report), report[:3000]

        # --- The clerk invites the other party; the link is in the development outbox ----------
        clerk.goto(f"/cases/{case_id}")
        clerk.submit(clerk.step_button("invite_respondent"))
        assert _in(lang, CaseState.AWAITING_RESPONDENT) in clerk.page.inner_text(".chip--state")
        clerk.goto("/outbox?channel=sms")
        link = re.search(r"https?://\S+/invite/[A-Za-z0-9_\-]+", clerk.text()).group(0)
        path = link[link.index("/invite/"):]

        # --- The respondent opens it on their phone and consents ------------------------------
        respondent.goto(path)
        assert words["claims"] in respondent.text()
        respondent.submit("form[action$='/link'] button[type=submit]")
        assert f"/respond/{case_id}" in respondent.page.url
        respondent.submit(f"form[action$='/respond/{case_id}/consent'] button[type=submit]")
        assert _in(lang, CaseState.MEDIATION) in respondent.text()

        # --- Ready for mediation, as the applicant sees it -------------------------------------
        applicant.goto(f"/cases/{case_id}")
        assert _in(lang, CaseState.MEDIATION) in applicant.page.inner_text(".chip--state")
        db.session.rollback()
        assert db.session.get(Case, case_id).state == CaseState.MEDIATION
    finally:
        for walker in (applicant, clerk, respondent):
            walker.close()
    # Every page the walk passed through was checked: the filing steps, the consultation, the
    # evaluation, the outbox, the invitation and the answer page among them.
    for expected in ("/file", "/facts", "/claims", "/other_party", "/evidence", "/language", "/review",
                     "/notifications", "/documents", "/consult/unpaid_wages", "/evaluation", "/outbox",
                     "/invite/", f"/respond/{case_id}"):
        assert any(expected in url for url in checked), (expected, checked)


def test_the_grid_qr_link_opens_intake_set_to_that_grid(world, server, browser):  # noqa: F811
    world.clerk.locale = "zh_CN"
    world.applicant.locale = "zh_CN"
    db.session.commit()
    checked: list[str] = []
    clerk = Walker(browser, server, "zh_CN", checked)
    applicant = Walker(browser, server, "zh_CN", checked)
    try:
        clerk.login(world.clerk)
        clerk.goto("/qr")
        links = clerk.page.eval_on_selector_all(".poster-list .ref", "nodes => nodes.map(n => n.textContent)")
        link = next(x for x in links if f"grid={world.grid.code}" in x)
        applicant.login(world.applicant)
        applicant.goto(link)
        assert "宝石一网格" in applicant.page.inner_text("main .notice")
        applicant.page.check("input[name=category][value=tenancy]")
        applicant.submit("button[name=go][value=next]")
        # The draft remembers the grid: the place of the dispute is already chosen.
        assert applicant.page.input_value("select[name=region_id]") == str(world.grid.id)
    finally:
        clerk.close()
        applicant.close()
