"""The bilingual interface: a complete zh_CN catalog, pages in the chosen language, the switch remembered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from odr.core.enums import CaseState
from odr.extensions import db

from .factories import make_case

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "odr" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def _messages(catalog):
    return [m for m in catalog if m.id]


def test_every_message_has_a_chinese_translation(catalog):
    untranslated = [m.id for m in _messages(catalog) if not m.string or not str(m.string).strip()]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalog.obsolete


def test_translations_keep_their_placeholders(catalog):
    percent = re.compile(r"%\(\w+\)[sd]")
    braces = re.compile(r"\{\w+\}")
    for message in _messages(catalog):
        # A plural entry (ngettext): Chinese has one form, which keeps the plural's placeholders.
        msgid = message.id[-1] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for pattern in (percent, braces):
            for form in forms:
                assert sorted(pattern.findall(msgid)) == sorted(pattern.findall(form)), message.id


def test_the_catalog_covers_every_message_in_the_source(catalog):
    """Run the extraction babel.cfg describes; anything new must be translated before it ships."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    extracted = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    found = {message if isinstance(message, str) else message[0] for _, _, message, *_ in extracted}
    missing = sorted(found - {m.id if isinstance(m.id, str) else m.id[0] for m in _messages(catalog)})
    assert missing == [], "run the extract/update commands in babel.cfg and translate these"


def test_glossary_terms(app):
    from flask_babel import force_locale

    from odr.cases.workflow import find
    from odr.core.labels import label

    with app.test_request_context(), force_locale("zh_CN"):
        assert [label(r) for r in ("applicant", "respondent", "mediator", "clerk", "grid_worker", "supervisor")] == [
            "申请人", "被申请人", "调解员", "书记员", "网格员", "督办人员"]
        assert [label(s) for s in ("consultation", "evaluation", "mediation", "accepted", "withdrawn", "closed")] == [
            "在线咨询", "在线评估", "在线调解", "已受理", "已撤回", "已结案"]
        assert str(find(CaseState.SUBMITTED, "reject").label) == "不予受理"
        assert str(find(CaseState.SETTLED, "request_confirmation").label) == "申请司法确认"


def test_pages_come_in_the_chosen_language(world, login, client):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()

    chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and "在线矛盾纠纷多元化解平台" in chinese and "登录" in chinese
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Online Dispute Resolution" in english and "登录" not in english

    world.applicant.locale = "zh_CN"
    db.session.commit()
    page = login(world.applicant).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "在线调解" in page and "被申请人" in page and "办理进程" in page
    assert "¥12,000.00" in page and "张三提交了申请" in page
    world.applicant.locale = "en"
    db.session.commit()
    page = login(world.applicant).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Mediation" in page and "Respondent" in page and "CN¥12,000.00" in page
    assert "What has happened so far" in page and "submitted the application" in page
    assert not any(word in page for word in ("在线调解", "被申请人", "办理进程", "退出登录", "提交了申请"))


def test_form_messages_are_translated(world, login):
    world.applicant.locale = "zh_CN"
    db.session.commit()
    response = login(world.applicant).post("/cases/new", data={"category": "", "claim_amount": "abc"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择纠纷类型。" in html and "请输入金额，例如 1200 或 1200.50。" in html and "请更正以下内容" in html


def test_the_language_switch_is_remembered_on_the_account(world, login):
    world.clerk.locale = None
    db.session.commit()
    first = login(world.clerk)
    response = first.post("/language", data={"lang": "en", "next": "/dashboard?state=submitted"})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard?state=submitted"
    assert "Cases of my organisation" in first.get("/dashboard").get_data(as_text=True)
    db.session.expire_all()
    assert world.clerk.locale == "en"

    # Another device, another session: still English, whatever the browser asks for.
    second = login(world.clerk)
    html = second.get("/dashboard", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Cases of my organisation" in html

    second.post("/language", data={"lang": "zh_CN"})
    assert "本机构案件" in login(world.clerk).get("/dashboard").get_data(as_text=True)
    assert login(world.clerk).post("/language", data={"lang": "fr"}, follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert world.clerk.locale == "zh_CN"


def test_a_language_chosen_before_signing_in_is_kept(world, client):
    world.respondent.locale = None
    db.session.commit()
    client.post("/language", data={"lang": "en"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"login": world.respondent.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.respondent.locale == "en"
