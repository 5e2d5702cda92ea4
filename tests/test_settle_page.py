"""The room page's settlement panels as the server renders them (views._settle_rights asks the
policy) and the room's link to the signed agreement (/cases/<id>/room/agreement.pdf). The panels
at work in a browser: tests/e2e/test_settle_browser.py."""

from __future__ import annotations

import json
import re
from html import unescape

from odr.core.enums import CaseState
from odr.extensions import db
from odr.mediation import agreement as agreements

from .factories import PASSWORD, make_case, make_user
from .foundation_support import _clean_database  # noqa: F401  (the fast cleanup, see there)

FORMS = ("proposal-form", "bidding-propose-form", "bid-form", "agreement-create-form",
         "agreement-edit-form", "sign-form", "comment-form")


def _forms(html: str) -> set[str]:
    return {form for form in FORMS if f'id="{form}"' in html}


def _settle_data(html: str) -> dict:
    match = re.search(r'<div class="settle" id="settle"([^>]*)>', html)
    assert match, "no settlement panels"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def test_each_person_is_offered_what_the_policy_allows(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    expected = {
        world.applicant: {"proposal-form", "bidding-propose-form", "bid-form", "sign-form", "comment-form"},
        world.respondent: {"proposal-form", "bidding-propose-form", "bid-form", "sign-form", "comment-form"},
        world.mediator: {"agreement-create-form", "agreement-edit-form", "sign-form", "comment-form"},
        world.clerk: set(),  # follows the settlement, takes no part in it
    }
    for user, forms in expected.items():
        html = login(user).get(f"/cases/{case.id}/room").get_data(as_text=True)
        assert 'id="proposals-panel"' in html and 'id="agreement-panel"' in html, user.name
        assert 'id="bidding-panel"' in html, user.name  # a money claim
        assert _forms(html) == forms, user.name
        assert "js/agreement.js" in html and "css/settle.css" in html
    side = _settle_data(login(world.respondent).get(f"/cases/{case.id}/room").get_data(as_text=True))["side"]
    assert side == "respondent"


def test_the_page_words_come_in_the_users_language(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    client = login(world.applicant)
    texts, roles = {}, {}
    for lang in ("zh-CN", "en"):
        html = client.get(f"/cases/{case.id}/room", headers={"Accept-Language": lang}).get_data(as_text=True)
        texts[lang] = json.loads(unescape(_settle_data(html)["texts"]))
        roles[lang] = json.loads(unescape(_settle_data(html)["roles"]))
    assert roles["en"]["mediator"] == "Mediator" and roles["zh-CN"]["mediator"] != "Mediator"
    assert texts["en"]["accept"] == "Accept" and texts["zh-CN"]["accept"] == "接受"
    assert texts["en"]["bid_round"] == "Round {k} of {max} is open."
    assert texts["zh-CN"]["bid_round"] == "第{k}轮（共{max}轮）进行中。"
    # Every word the scripts use is translated (none left in English in the Chinese page).
    same = [key for key in texts["en"] if texts["en"][key] == texts["zh-CN"][key]]
    assert same == [], same


def test_no_bidding_without_a_money_claim_and_no_forms_once_mediation_is_over(world, login):
    case = make_case(world, CaseState.MEDIATION, amount=None)
    settled = make_case(world, CaseState.SETTLED)
    db.session.commit()
    html = login(world.applicant).get(f"/cases/{case.id}/room").get_data(as_text=True)
    assert 'id="bidding-panel"' not in html and "proposal-form" in _forms(html)
    for user in (world.applicant, world.mediator):
        html = login(user).get(f"/cases/{settled.id}/room").get_data(as_text=True)
        assert 'id="agreement-panel"' in html and _forms(html) == set(), user.name


def test_the_room_links_to_the_issued_agreement(world, login):
    case = make_case(world, CaseState.MEDIATION)
    outsider = make_user("applicant", name="局外人")
    agreement = agreements.create(case, world.mediator, {"terms": "被申请人支付 8000.00 元。"})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    db.session.commit()
    url = f"/cases/{case.id}/room/agreement.pdf"
    early = login(world.applicant).get(url)
    assert early.status_code == 302 and early.headers["Location"].endswith(f"/cases/{case.id}/documents")
    assert login(outsider).get(url).status_code == 404

    for user in (world.applicant, world.respondent, world.mediator):
        agreements.sign(case, user, agreement, password=PASSWORD, typed_signature=user.name,
                        sha256=agreement.text_sha256)
    db.session.commit()
    client = login(world.respondent)
    issued = client.get(url)
    assert issued.status_code == 302 and "/documents/" in issued.headers["Location"]
    pdf = client.get(issued.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
