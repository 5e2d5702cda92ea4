"""Consultation: pathway files, pathway pages, letters, questions to consultants, the FAQ."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from odr.consultation import operations as ops
from odr.consultation import pathways
from odr.consultation.models import FaqEntry, Question, QuestionStatus
from odr.core.audit import AuditEvent
from odr.core.enums import Category
from odr.core.models import utcnow
from odr.core.policy import can
from odr.extensions import db

from .factories import make_user

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
SIX = {Category.LABOUR, Category.TENANCY, Category.CONSUMER, Category.NEIGHBOURHOOD, Category.TRAFFIC,
       Category.PRIVATE_LENDING}


# Pathway files -----------------------------------------------------------------------------------

def _walk(pathway):
    seen, todo = set(), [pathway.root]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(a["next"] for a in pathway.nodes[node].get("answers") or [])
    return seen


def test_every_pathway_file_loads_and_its_graph_is_sound():
    pathways.all_pathways.cache_clear()
    loaded = pathways.all_pathways()
    assert len(loaded) == len(list(pathways.PATHWAY_DIR.glob("*.yaml"))) >= 6
    assert {p.category for p in loaded.values()} >= SIX
    for pathway in loaded.values():
        assert 5 <= len(pathway.nodes) <= 12, pathway.id
        assert _walk(pathway) == set(pathway.nodes), f"{pathway.id}: unreachable nodes"
        for node in pathway.nodes.values():
            answers = node.get("answers")
            if answers:
                assert len(answers) >= 2, (pathway.id, node["id"])
                assert all(a["next"] in pathway.nodes for a in answers), (pathway.id, node["id"])
            else:
                assert node["citations"], (pathway.id, node["id"])
                assert all(re.match(r"^\d", c["article"]) for c in node["citations"])
                assert node["evidence"]["zh_CN"] and node["steps"]
                if node.get("letter"):
                    assert node["letter"] in pathway.letters


BAD = {
    "dangling": ("answers:\n      - label: {zh_CN: 甲, en: A}\n        next: nowhere\n"
                 "      - label: {zh_CN: 乙, en: B}\n        next: end\n", "missing node 'nowhere'"),
    "one_answer": ("answers:\n      - label: {zh_CN: 甲, en: A}\n        next: end\n", "at least two answers"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_malformed_pathway_fails_with_a_clear_message(tmp_path, case):
    answers, message = BAD[case]
    text = f"""id: broken
version: 1
category: labour
title: {{zh_CN: 坏的, en: Broken}}
summary: {{zh_CN: 坏的, en: Broken}}
root: start
nodes:
  - id: start
    question: {{zh_CN: 问题, en: Question}}
    {answers}
  - id: end
    title: {{zh_CN: 结果, en: Outcome}}
    explanation: {{zh_CN: [说明], en: [Explanation]}}
    citations:
      - {{law: {{zh_CN: 民法典, en: Civil Code}}, article: "188", summary: {{zh_CN: 三年, en: Three years}}}}
    evidence: {{zh_CN: [证据], en: [Evidence]}}
    steps: [{{kind: mediation, text: {{zh_CN: 调解, en: Mediate}}}}]
"""
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(pathways.PathwayError) as error:
        pathways.load_file(path)
    assert "broken.yaml" in str(error.value) and message in str(error.value)


def test_missing_translation_and_uncited_outcome_are_refused(tmp_path):
    good = (pathways.PATHWAY_DIR / "tenancy_deposit.yaml").read_text(encoding="utf-8")
    path = tmp_path / "tenancy_deposit.yaml"
    path.write_text(good.replace("  en: My landlord will not return the deposit\n", ""), encoding="utf-8")
    with pytest.raises(pathways.PathwayError, match="title.*missing \\['en'\\]"):
        pathways.load_file(path)
    uncited = re.sub(r"(  - id: out_before\n(?:.*\n)*?)    citations:\n(?:      .*\n)+", r"\1", good, count=1)
    path.write_text(uncited, encoding="utf-8")
    with pytest.raises(pathways.PathwayError, match="citations"):
        pathways.load_file(path)


# Pathway pages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh_CN", "en"])
def test_every_node_page_renders_in_both_languages(app, client, headers):
    lang = "zh_CN" if headers is ZH else "en"
    index = client.get("/consult", headers=headers)
    assert index.status_code == 200
    for pathway in pathways.all_pathways().values():
        assert pathways.text(pathway.title, lang) in index.get_data(as_text=True)
        for node in pathway.nodes.values():
            page = client.get(f"/consult/{pathway.id}/{node['id']}", headers=headers)
            html = page.get_data(as_text=True)
            assert page.status_code == 200, (pathway.id, node["id"])
            if "question" in node:
                assert pathways.text(node["question"], lang) in html
            else:
                article = node["citations"][0]["article"]
                cited = f"第{article}条" if lang == "zh_CN" else f"Art. {article}"
                assert cited in html and pathways.text(node["title"], lang) in html
    assert client.get("/consult/nope/x").status_code == 404
    assert client.get("/consult/unpaid_wages/nope").status_code == 404


def test_the_trail_in_the_url_gives_a_back_link(client):
    first = client.get("/consult/unpaid_wages", headers=EN)
    assert first.status_code == 302 and first.headers["Location"].endswith("/consult/unpaid_wages/still_employed")
    html = client.get("/consult/unpaid_wages/still_employed", headers=EN).get_data(as_text=True)
    assert "trail=still_employed" in html and "Previous question" not in html
    html = client.get("/consult/unpaid_wages/written_contract?trail=still_employed", headers=EN).get_data(as_text=True)
    assert 'href="/consult/unpaid_wages/still_employed"' in html and "Previous question" in html
    outcome = client.get("/consult/unpaid_wages/out_employed?trail=still_employed,written_contract,bogus",
                         headers=EN).get_data(as_text=True)
    assert "/consult/unpaid_wages/written_contract?trail=still_employed" in outcome
    assert "/consult/letters/unpaid_wages/wage_demand" in outcome and "Apply for mediation" in outcome


# Letters ------------------------------------------------------------------------------------------

WAGES = {"employer": "杭州某某科技有限公司", "employee": "张小明", "started_on": "2024-03-01",
         "period": "2025年3月至5月", "amount": "12345.50", "deadline": "2025-07-01"}


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_letter_downloads_as_a_pdf_with_the_filled_in_values(client):
    response = client.post("/consult/letters/unpaid_wages/wage_demand", data=WAGES, headers=ZH)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = _pdf_text(response.data)
    for value in ("杭州某某科技有限公司", "张小明", "12,345.50", "工资支付催告函", "第三十条"):
        assert value in text
    english = client.post("/consult/letters/tenancy_deposit/deposit_demand", headers=EN, data={
        "landlord": "Li Si", "tenant": "Jane Doe", "address": "3 West Lake Road", "handed_back_on": "2025-05-31",
        "amount": "3000", "deadline": "2025-06-30"})
    text = _pdf_text(english.data)
    assert "Jane Doe" in text and "Li Si" in text and "3,000.00" in text and "Art. 733" in text


def test_letter_fill_in_is_validated_and_keeps_what_was_typed(client):
    bad = dict(WAGES, employee="", amount="twelve", deadline="next week")
    response = client.post("/consult/letters/unpaid_wages/wage_demand", data=bad, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "This field is required." in html and "Enter an amount in yuan" in html and "YYYY-MM-DD" in html
    assert 'value="杭州某某科技有限公司"' in html and 'value="twelve"' in html and 'aria-invalid="true"' in html
    too_long = client.post("/consult/letters/unpaid_wages/wage_demand", data=dict(WAGES, employee="x" * 61))
    assert too_long.status_code == 422
    assert client.get("/consult/letters/unpaid_wages/nope").status_code == 404


def test_user_text_cannot_inject_markup_into_the_letter():
    from odr.consultation.letters import render_letter
    from odr.documents.render import render_html

    letter = pathways.get("private_loan").letters["loan_demand"]
    values = {"borrower": '<img src="file:///etc/passwd">', "lender": "{amount}", "lent_on": "2024-01-01",
              "amount": "100", "deadline": "2024-02-01"}
    html = render_html("letters/letter.html", {"title": "t", "recipient": values["borrower"], "sender": "s",
                                               "paragraphs": ["p"], "today": "2025-01-01"}, lang="en")
    assert "<img" not in html and "&lt;img" in html
    assert "{amount}" in _pdf_text(render_letter(letter, values, "en"))  # typed braces stay text


# Questions to a consultant -----------------------------------------------------------------------

@pytest.fixture()
def people(world):
    world.other_consultant = make_user("consultant", world.other_committee)
    db.session.commit()
    return world


def _ask(login, who, world, body="公司拖欠我三个月工资，怎么办？", category="labour"):
    client = login(who)
    return client, client.post("/consult/ask", data={"category": category, "region_id": world.grid.id, "body": body},
                               headers=ZH)


def test_asking_needs_a_sign_in_and_a_valid_form(people, login, client):
    assert client.get("/consult/ask").status_code in (302, 401)
    applicant = login(people.applicant)
    empty = applicant.post("/consult/ask", data={"category": "labour", "region_id": "", "body": ""}, headers=EN)
    assert empty.status_code == 422 and "Please write your question." in empty.get_data(as_text=True)
    long = applicant.post("/consult/ask", data={"category": "labour", "region_id": people.grid.id, "body": "字" * 2001},
                          headers=EN)
    assert long.status_code == 422 and "At most 2000 characters." in long.get_data(as_text=True)
    nowhere = applicant.post("/consult/ask", data={"category": "labour", "body": "问题"}, headers=EN)
    assert nowhere.status_code == 422 and "Choose where the dispute is." in nowhere.get_data(as_text=True)
    assert db.session.execute(select(Question)).first() is None


def test_ask_goes_to_the_serving_organisation_with_a_deadline(people, login, app):
    client, response = _ask(login, people.applicant, people)
    assert response.status_code == 303
    question = db.session.execute(select(Question)).scalar_one()
    assert question.organisation_id == people.committee.id and question.status == QuestionStatus.OPEN
    assert timedelta(hours=47, minutes=59) < question.due_at - question.created_at <= timedelta(hours=48)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "consult.asked")).scalar_one()
    app.config["CONSULT_ANSWER_HOURS"] = 24
    try:
        with app.test_request_context():
            other = ops.ask(people.respondent, category=Category.TENANCY, body="押金", region_id=people.grid.id)
        assert other.due_at - other.created_at == timedelta(hours=24)
    finally:
        del app.config["CONSULT_ANSWER_HOURS"]
    page = client.get(response.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "公司拖欠我三个月工资" in page


def test_inbox_and_thread_are_for_the_organisations_consultants_only(people, login):
    _, response = _ask(login, people.applicant, people)
    question = db.session.execute(select(Question)).scalar_one()
    url = f"/consult/questions/{question.id}"
    inbox = login(people.consultant).get("/consult/inbox", headers=ZH).get_data(as_text=True)
    assert "公司拖欠我三个月工资" in inbox
    assert "公司拖欠我三个月工资" in login(people.supervisor).get("/consult/inbox").get_data(as_text=True)
    assert "公司拖欠我三个月工资" not in login(people.other_consultant).get("/consult/inbox").get_data(as_text=True)
    assert login(people.applicant).get("/consult/inbox").status_code == 403
    for outsider in (people.other_consultant, people.stranger, people.mediator, people.clerk):
        before = db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
        assert login(outsider).get(url).status_code == 404, outsider.name
        assert login(outsider).post(f"{url}/reply", data={"body": "x"}).status_code == 404
        after = db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
        assert len(after) == len(before) + 2
    assert login(people.consultant).get(url).status_code == 200
    assert login(people.applicant).get(url).status_code == 200
    assert not can(people.admin, "consult.view", question)


def test_answer_overdue_close_and_follow_up(people, login):
    _, response = _ask(login, people.applicant, people)
    question = db.session.execute(select(Question)).scalar_one()
    question.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    consultant = login(people.consultant)
    inbox = consultant.get("/consult/inbox", headers=EN).get_data(as_text=True)
    assert "is-overdue" in inbox and "Overdue" in inbox
    assert consultant.post(f"/consult/questions/{question.id}/reply", data={"body": ""}).status_code == 422
    answered = consultant.post(f"/consult/questions/{question.id}/reply",
                               data={"body": "可以先发催告函，再申请劳动仲裁。"})
    assert answered.status_code == 303
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.status == QuestionStatus.ANSWERED and question.answered_at is not None
    assert question.messages[-1].by_consultant
    assert "is-overdue" not in consultant.get("/consult/inbox").get_data(as_text=True)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "consult.answered")).scalar_one()
    asker = login(people.applicant)
    assert asker.post(f"/consult/questions/{question.id}/reply", data={"body": "谢谢，还想问一下"}).status_code == 303
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.status == QuestionStatus.OPEN and question.due_at > utcnow()
    assert asker.post(f"/consult/questions/{question.id}/close").status_code == 303
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == QuestionStatus.CLOSED
    assert asker.post(f"/consult/questions/{question.id}/reply", data={"body": "再问"}).status_code == 409
    closed = consultant.get("/consult/inbox?status=closed").get_data(as_text=True)
    assert f"/consult/questions/{question.id}" in closed


PERSONAL = ("我叫张三，电话13912345678，邮箱zhangsan@example.com，身份证号330106199001011234。"
            "公司拖欠工资三个月，我该怎么办？")


def test_publish_anonymises_and_the_faq_finds_it_in_both_languages(people, login, client):
    _, response = _ask(login, people.applicant, people, body=PERSONAL)
    question = db.session.execute(select(Question)).scalar_one()
    consultant = login(people.consultant)
    consultant.post(f"/consult/questions/{question.id}/reply",
                    data={"body": "张三您好：拖欠工资可以先向劳动监察投诉。Unpaid wages: complain to labour inspection. "
                                  "请致电0571-88886666。"})
    assert login(people.applicant).get(f"/consult/questions/{question.id}/publish").status_code == 403
    draft = consultant.get(f"/consult/questions/{question.id}/publish", headers=ZH).get_data(as_text=True)
    for secret in ("张三", "13912345678", "zhangsan@example.com", "330106199001011234", "88886666"):
        assert secret not in draft, secret
    assert "[电话已隐去]" in draft and "[身份证号已隐去]" in draft and "[邮箱已隐去]" in draft and "某某" in draft
    published = consultant.post(f"/consult/questions/{question.id}/publish", data={
        "question_text": "公司拖欠工资三个月，我该怎么办？（张三 13900000000）",
        "answer_text": "拖欠工资可以先向劳动监察投诉。Unpaid wages: complain to labour inspection."})
    assert published.status_code == 303
    entry = db.session.execute(select(FaqEntry)).scalar_one()
    assert "张三" not in entry.question_text and "13900000000" not in entry.question_text
    assert consultant.post(f"/consult/questions/{question.id}/publish", data={
        "question_text": "q", "answer_text": "a"}).status_code == 409
    for query in ("拖欠工资", "拖欠工资怎么办", "unpaid WAGES", "labour inspection"):
        html = client.get("/consult/faq", query_string={"q": query}, headers=EN).get_data(as_text=True)
        assert f'id="faq-{entry.id}"' in html, query
    none = client.get("/consult/faq", query_string={"q": "交通事故"}).get_data(as_text=True)
    assert f'id="faq-{entry.id}"' not in none
    other_category = client.get("/consult/faq", query_string={"q": "工资", "category": "traffic"})
    assert f'id="faq-{entry.id}"' not in other_category.get_data(as_text=True)
    assert client.get("/consult/faq", query_string={"q": "100%_"}).status_code == 200


def test_anonymise_rules():
    text = ops.anonymise("Call +86 139-1234-5678 or 010-12345678, mail a.b@x.cn, ID 11010519491231002X, Zhang San",
                         ["Zhang San"], "en")
    assert text == ("Call [phone removed] or [phone removed], mail [e-mail removed], ID [ID number removed], [name]")
    assert ops.anonymise("金额12000元，2025年3月", [], "zh_CN") == "金额12000元，2025年3月"


def test_question_rules_matrix(people):
    with_question = Question(asker_id=people.applicant.id, organisation=people.committee, category=Category.LABOUR,
                             due_at=utcnow(), status=QuestionStatus.OPEN)
    expected = {
        "applicant": {"consult.view", "consult.reply", "consult.close"},
        "consultant": {"consult.view", "consult.reply", "consult.close", "consult.publish"},
        "supervisor": {"consult.view", "consult.reply", "consult.close", "consult.publish"},
    }
    from odr.core.policy import QUESTION_RULES

    for name in ("applicant", "respondent", "consultant", "other_consultant", "mediator", "clerk", "supervisor",
                 "admin", "stranger", "grid_worker", "other_clerk"):
        user = getattr(people, name)
        allowed = {action for action in QUESTION_RULES if can(user, action, with_question)}
        assert allowed == expected.get(name, set()), name
    people.applicant.active = False
    assert not can(people.applicant, "consult.view", with_question)


def test_consultation_is_linked_from_the_sign_in_page_and_the_menu(people, login, client):
    assert 'href="/consult"' in client.get("/login", headers=EN).get_data(as_text=True)
    html = login(people.applicant).get("/consult", headers=ZH).get_data(as_text=True)
    assert 'href="/consult" aria-current="page"' in html and "在线咨询" in html
