"""Issue 3, item 6: every intake, invitation, consultation and evaluation form refuses bad input
with a clear message in the user's language, shows again what was typed, and changes nothing;
expired and reused invitation links say so plainly, in both languages.

The English messages are tested next to each feature (test_intake, test_invitations,
test_consultation, test_evaluation); here the whole set is walked in Chinese, where an untranslated
message (WTForms' own "Not a valid date value." was one) shows up as English text.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from odr.auth.models import Invitation
from odr.cases.models import Case, Evidence
from odr.consultation.models import Question
from odr.core.enums import CaseState
from odr.core.models import utcnow
from odr.evaluation.models import EvaluationReport
from odr.extensions import db

from .foundation_support import build_case
from .notification_support import invited_case
from .test_intake import _start

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
_ERROR = re.compile(r'<(?:p|span|li)[^>]*class="[^"]*field__error[^"]*"[^>]*>(.*?)</(?:p|span|li)>', re.S)
_SUMMARY = re.compile(r'<div[^>]*class="[^"]*error-summary[^"]*"[^>]*>(.*?)</div>', re.S)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def messages(html: str) -> list[str]:
    """The error messages next to fields and in the summary, as text."""
    found = [re.sub(r"<[^>]+>", " ", m) for m in _ERROR.findall(html) + _SUMMARY.findall(html)]
    return [" ".join(m.split()) for m in found if m.strip()]


def assert_refused_in_chinese(response, status: int, *expected: str, kept: str = "") -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, html[:1500])
    said = messages(html)
    assert said, html[:3000]
    for text in said:  # every message is Chinese; no English sentence slipped through
        assert _CJK.search(text) and not _LATIN_WORD.search(text.replace("PDF", "").replace("Word", "")
                                                              .replace("Excel", "").replace("MB", "")), said
    for text in expected:
        assert any(text in m for m in said), (text, said)
    if kept:
        assert kept in html, f"{kept!r} was not kept"


def _count(model) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture()
def chinese(world):
    for user in (world.applicant, world.clerk, world.grid_worker, world.mediator, world.consultant):
        user.locale = "zh_CN"
    db.session.commit()
    return world


# ---- intake -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("step", "data", "expected", "kept"), [
    ("facts", {"facts": "", "region_id": "0", "started_on": "2025-13-45"}, ["请描述事情经过", "2025-03-01"], "2025-13-45"),
    ("claims", {"claims": "退款", "claim_amount": "12abc"}, ["请输入金额"], "12abc"),
    ("other_party", {"kind": "person", "name": "王五", "phone": "abc"}, ["电话号码"], "王五"),
    ("other_party", {"kind": "person", "name": "王五"}, [], "王五"),
    ("language", {}, ["请选择语言"], ""),
    ("review", {}, [], ""),
])
def test_every_filing_step_refuses_in_chinese_and_keeps_the_input(chinese, login, step, data, expected, kept):
    client = login(chinese.applicant)
    case = _start(client)
    before = (case.facts, case.claims, case.claim_amount, len(case.parties), case.state)
    response = client.post(f"/file/{case.id}/{step}", data={**data, "go": "next"}, headers=ZH)
    assert_refused_in_chinese(response, 422, *expected, kept=kept)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.facts, case.claims, case.claim_amount, len(case.parties), case.state) == before


def test_the_resident_step_of_a_grid_worker(chinese, login):
    response = login(chinese.grid_worker).post("/file", data={"name": "", "phone": "abc", "go": "next"}, headers=ZH)
    assert_refused_in_chinese(response, 422, "请填写居民姓名", kept='value="abc"')
    assert _count(Case) == 0


def test_a_refused_evidence_file_keeps_the_description(chinese, login):
    client = login(chinese.applicant)
    case = _start(client)
    response = client.post(f"/file/{case.id}/evidence", data={
        "file": (io.BytesIO(b"MZ\x90\x00"), "x.exe"), "description": "工资条照片", "go": "upload"},
        content_type="multipart/form-data", headers=ZH)
    assert_refused_in_chinese(response, 415, "不接受此类文件", kept="工资条照片")
    assert _count(Evidence) == 0


@pytest.mark.parametrize(("headers", "words"), [(ZH, "文件过大"), (EN, "The file is too large")])
def test_a_file_over_the_request_limit_is_refused_on_the_evidence_step(chinese, login, app, monkeypatch,
                                                                       headers, words):
    chinese.applicant.locale = None  # the browser's language decides
    db.session.commit()
    client = login(chinese.applicant)
    case = _start(client)
    page = client.get(f"/file/{case.id}/evidence").get_data(as_text=True)
    # The browser is told the limit: the page's script refuses a larger file before sending it,
    # so the description typed with it stays on the page.
    assert f'data-max-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in page
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = client.post(f"/file/{case.id}/evidence", data={
        "file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 5000), "big.pdf"), "description": "d", "go": "upload"},
        content_type="multipart/form-data", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and words in html
    assert 'name="file"' in html and f"/file/{case.id}/evidence" in html  # the step again, not a bare error
    assert _count(Evidence) == 0
    assert db.session.get(Case, case.id).state == CaseState.DRAFT


def test_clerk_forms_on_the_case_page(chinese, login):
    case = build_case(chinese, CaseState.SUBMITTED)
    db.session.commit()
    before = (case.state, case.organisation_id, case.risk_level)
    clerk = login(chinese.clerk)
    assert_refused_in_chinese(clerk.post(f"/cases/{case.id}/reroute", data={"organisation_id": "0", "reason": ""},
                                         headers=ZH), 422, "请选择一个调解组织", "请填写理由")
    assert_refused_in_chinese(clerk.post(f"/cases/{case.id}/risk", data={"level": "high", "reason": ""},
                                         headers=ZH), 422, "请填写理由")
    assert_refused_in_chinese(clerk.post(f"/cases/{case.id}/transition", data={
        "action": "reject", "expected_version": case.version, "reason": ""}, headers=ZH), 422, "请填写理由")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.organisation_id, case.risk_level) == before


# ---- the invitation and the answer page --------------------------------------------------------

def test_the_invitation_forms_refuse_in_chinese(chinese, client):
    case, party, token = invited_case(chinese)
    assert_refused_in_chinese(client.post(f"/invite/{token}/account", data={
        "name": "李四", "email": "bad@", "phone": "abc", "password": "short"}, headers=ZH),
        422, "电子邮箱", "电话号码", kept='value="李四"')
    assert_refused_in_chinese(client.post(f"/invite/{token}/account", data={
        "name": "李四", "email": chinese.applicant.email, "phone": "", "password": "a-long-password-1"}, headers=ZH),
        409, "账户已存在", kept='value="李四"')
    assert db.session.get(type(party), party.id).user_id is None
    assert client.post(f"/invite/{token}/link", headers=ZH).status_code == 303
    assert_refused_in_chinese(client.post(f"/respond/{case.id}/decline", data={"reason": ""}, headers=ZH),
                              422, "请填写理由")
    assert_refused_in_chinese(client.post(f"/respond/{case.id}/statement", data={"statement": "字" * 10001},
                                          headers=ZH), 422, "最多 10000 个字符", kept="字" * 50)
    assert_refused_in_chinese(client.post(f"/respond/{case.id}/evidence", data={
        "file": (io.BytesIO(b"MZ\x90\x00"), "x.exe"), "description": "答辩证据"},
        content_type="multipart/form-data", headers=ZH), 415, "不接受此类文件", kept="答辩证据")
    assert_refused_in_chinese(client.post(f"/respond/{case.id}/password", data={"password": "x"}, headers=ZH),
                              422, "至少 10 个字符")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == CaseState.AWAITING_RESPONDENT and not case.evidence
    assert not db.session.get(type(party), party.id).statement


def test_a_file_over_the_request_limit_is_refused_on_the_answer_page(chinese, client, app, monkeypatch):
    case, party, token = invited_case(chinese)
    client.post(f"/invite/{token}/link", headers=ZH)
    page = client.get(f"/respond/{case.id}", headers=ZH).get_data(as_text=True)
    assert f'data-max-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in page
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = client.post(f"/respond/{case.id}/evidence", data={
        "file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 5000), "big.pdf"), "description": "d"},
        content_type="multipart/form-data", headers=ZH)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "文件过大" in html and f"/respond/{case.id}/evidence" in html
    assert _count(Evidence) == 0


@pytest.mark.parametrize(("problem", "status", "zh", "en"), [
    ("expired", 410, "该邀请链接已过期", "expired"),
    ("reused", 409, "该邀请链接已被使用", "already been used"),
])
def test_expired_and_reused_links_say_so_in_both_languages(chinese, client, problem, status, zh, en):
    case, party, token = invited_case(chinese)
    if problem == "expired":
        invitation = db.session.execute(select(Invitation).where(Invitation.case_id == case.id)).scalar_one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    else:
        assert client.post(f"/invite/{token}/link").status_code == 303  # the one use
        client.post("/logout")
    for headers, words in ((ZH, zh), (EN, en)):
        for response in (client.get(f"/invite/{token}", headers=headers),
                         client.post(f"/invite/{token}/link", headers=headers),
                         client.post(f"/invite/{token}/account", headers=headers, data={
                             "name": "李四", "email": "li.si.2@example.test", "password": "a-long-password-1"})):
            html = response.get_data(as_text=True)
            assert response.status_code == status and words in html, (response.status_code, html[:800])
            assert "/login" in html  # and the way forward
    # Nothing was made with the dead link.
    assert db.session.execute(select(func.count()).where(
        Case.id == case.id, Case.state == CaseState.AWAITING_RESPONDENT)).scalar_one() == 1
    from odr.auth.models import User
    assert db.session.execute(select(User).where(User.email == "li.si.2@example.test")).first() is None


# ---- consultation ------------------------------------------------------------------------------

def test_asking_a_consultant_refuses_in_chinese(chinese, login):
    client = login(chinese.applicant)
    assert_refused_in_chinese(client.post("/consult/ask", data={"category": "labour", "region_id": "", "body": ""},
                                          headers=ZH), 422, "请填写你的问题")
    assert_refused_in_chinese(client.post("/consult/ask", data={"category": "labour", "body": "工资的问题"},
                                          headers=ZH), 422, "请选择纠纷发生地", kept="工资的问题")
    assert _count(Question) == 0


def test_a_letter_refuses_in_chinese_and_keeps_what_was_typed(client):
    response = client.post("/consult/letters/unpaid_wages/wage_demand", data={"employee": "张三", "amount": "abc"},
                           headers=ZH)
    assert_refused_in_chinese(response, 422, "金额", kept='value="张三"')


# ---- evaluation --------------------------------------------------------------------------------

def test_the_evaluation_form_refuses_in_chinese_and_keeps_the_input(chinese, login):
    case = build_case(chinese, CaseState.EVALUATION)
    db.session.commit()
    client = login(chinese.applicant)
    response = client.post(f"/cases/{case.id}/evaluation", headers=ZH, data={
        "limitation-employment_ended_on": "2025-02-30", "traffic-fault_percent": "150",
        "traffic-medical_costs": "一万", "wages-monthly_wage": "8000"})
    assert_refused_in_chinese(response, 422, "2025-03-01", "0 至 100", "请输入金额", kept="2025-02-30")
    html = response.get_data(as_text=True)
    assert 'value="150"' in html and "一万" in html and 'value="8000"' in html
    assert 'type="date"' in html  # the date field is still a date field
    assert _count(EvaluationReport) == 0
    mediator = login(chinese.mediator)
    assert_refused_in_chinese(mediator.post(f"/cases/{case.id}/evaluation/notes", data={"body": ""}, headers=ZH), 422)


def test_a_bad_date_has_our_message_in_english_too(world, login):
    case = build_case(world, CaseState.EVALUATION)
    db.session.commit()
    response = login(world.applicant).post(f"/cases/{case.id}/evaluation", headers=EN,
                                           data={"limitation-employment_ended_on": "31/03/2025"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter a date such as 2025-03-01." in html
    assert "Not a valid date value" not in html and 'value="31/03/2025"' in html
