"""Judicial confirmation and performance in a real browser (Chromium, the real server): the
parties apply jointly from the case page, the court's clerk decides, the instalment is reported and
confirmed; axe-core checks every page (no serious or critical WCAG 2 A/AA violation)."""

from __future__ import annotations

import pytest

from odr.cases.models import Case
from odr.core.enums import CaseState
from odr.extensions import db
from odr.performance.models import ObligationStatus
from odr.performance.operations import obligations

from ..settled_support import settle
from .test_intake_walk import Walker, server  # noqa: F401  (the module's server fixture)
from .test_room_browser import browser  # noqa: F401  (the module's Chromium)

pytestmark = pytest.mark.browser
RENDERING_MS = 90_000


def test_joint_application_decision_and_an_instalment_in_the_browser(world, server, browser):  # noqa: F811
    case = settle(world, instalments=((5000, 10),))
    db.session.commit()
    checked: list = []
    applicant = Walker(browser, server, "zh_CN", checked)
    respondent = Walker(browser, server, "zh_CN", checked)
    court = Walker(browser, server, "en", checked)
    page_path = f"/cases/{case.id}"
    try:
        applicant.login(world.applicant)
        applicant.goto(page_path)
        applicant.page.select_option("#confirmation-court", str(world.court.id))
        applicant.submit('form[action$="/confirmation/start"] button[type=submit]')
        assert "对方当事人加入" in applicant.text()

        respondent.login(world.respondent)
        respondent.goto(page_path)
        # Filing issues the application paper and deciding the ruling (PDF renderings): allow time.
        respondent.submit('form[action$="/confirmation/join"] button[type=submit]', timeout=RENDERING_MS)

        court.login(world.court_clerk)
        court.goto("/confirmations")
        assert case.reference in court.text()
        court.goto(page_path)
        court.page.check('input[name=decision][value=confirm]')
        court.page.fill("#confirmation-reasons", "The agreement was reached voluntarily and is lawful.")
        court.submit('form[action$="/confirmation/decision"] button[type=submit]', timeout=RENDERING_MS)
        assert "the court confirmed the agreement" in court.text()

        [term] = obligations(case)
        respondent.goto(page_path)
        respondent.page.fill(f"#note-{term.id}", "银行转账")
        respondent.submit(f'form[action$="/obligations/{term.id}/report"] button[type=submit]')
        applicant.goto(page_path)
        applicant.submit(f'form[action$="/obligations/{term.id}/confirm"] button[type=submit]')
    finally:
        for walker in (applicant, respondent, court):
            walker.close()
    db.session.rollback()
    assert db.session.get(Case, case.id).state == CaseState.CONFIRMED
    assert [o.status for o in obligations(case)] == [ObligationStatus.PERFORMED]
    assert len(checked) >= 8
