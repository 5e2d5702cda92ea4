"""The evaluation page, API, report PDF, checklist, notes, similar cases and who sees what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from odr.cases.models import Case, Evidence, Party
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category, Outcome, Side
from odr.core.models import utcnow
from odr.evaluation import similar
from odr.evaluation.models import ChecklistTick, EvaluationReport, ExpertNote
from odr.extensions import db

from .foundation_support import build_case

WAGES_FORM = {
    "limitation-wage_claim": "y", "limitation-employment_ended_on": "2025-03-31",
    "wages-monthly_wage": "8000", "wages-wages_owed": "24000", "wages-service_months": "30",
    "wages-months_without_contract": "3", "wages-termination": "compensation",
}
WAGES_JSON = {
    "limitation": {"wage_claim": True, "employment_ended_on": "2025-03-31"},
    "wages": {"monthly_wage": "8000", "wages_owed": "24000", "service_months": 30,
              "months_without_contract": 3, "termination": "compensation"},
}


@pytest.fixture()
def case(world):
    case = build_case(world, CaseState.EVALUATION)
    db.session.commit()
    return case


def denied(action=None) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
    return db.session.execute(query).scalar()


def test_applicant_writes_a_report_the_page_shows_the_totals(world, case, login):
    client = login(world.applicant)
    page = client.get(f"/cases/{case.id}/evaluation")
    assert page.status_code == 200
    response = client.post(f"/cases/{case.id}/evaluation", data=WAGES_FORM)
    assert response.status_code == 303
    report = db.session.execute(select(EvaluationReport)).scalar_one()
    assert report.version == 1 and report.created_by_id == world.applicant.id
    assert report.results["wages"]["total"] == "72000.00"  # 24,000 owed + 8,000 x 3 + 8,000 x 3
    assert report.results["limitation"]["rule"] == "labour_27_wages"
    assert report.results["limitation"]["deadline"] == "2026-03-31"  # 2025-03-31 + 1 year
    html = client.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
    assert "72,000.00" in html and "劳动合同法第47条" in html
    assert db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "evaluation.created")).scalar() == 1
    # The case page links to the evaluation.
    assert f"/cases/{case.id}/evaluation" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_bad_input_is_refused_and_kept(world, case, login):
    client = login(world.applicant)
    data = {"wages-monthly_wage": "lots", "wages-wages_owed": "1000", "tenancy-rent_arrears": "100"}
    response = client.post(f"/cases/{case.id}/evaluation", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="lots"' in html and 'aria-invalid="true"' in html
    assert "tenancy-deposit-error" in html  # the deposit is required once the tenancy part is used
    assert db.session.execute(select(func.count()).select_from(EvaluationReport)).scalar() == 0
    empty = client.post(f"/cases/{case.id}/evaluation", data={})
    assert empty.status_code == 422


def test_api_round_trip_and_errors(world, case, login):
    client = login(world.applicant)
    created = client.post(f"/api/v1/cases/{case.id}/evaluation", json=WAGES_JSON)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["report"]["version"] == 1
    assert body["report"]["results"]["wages"]["total"] == "72000.00"
    assert body["report"]["results"]["wages"]["additional"]["low"] == "12000.00"  # 50% of 24,000
    assert {item["key"] for item in body["checklist"]} >= {"labour_contract", "pay_records"}
    bad = client.post(f"/api/v1/cases/{case.id}/evaluation", json={"wages": {"monthly_wage": "-1"}})
    assert bad.status_code == 422
    assert "wages.monthly_wage" in bad.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/cases/{case.id}/evaluation", json={}).status_code == 422
    assert client.get(f"/api/v1/cases/{case.id}/evaluation").get_json()["report"]["version"] == 1


@pytest.mark.parametrize("outsider", ["stranger", "other_clerk", "other_mediator"])
def test_outsiders_get_404_and_are_audited(world, case, login, outsider):
    client = login(getattr(world, outsider))
    before = denied()
    assert client.get(f"/cases/{case.id}/evaluation").status_code == 404
    assert client.get(f"/api/v1/cases/{case.id}/evaluation").status_code == 404
    assert client.post(f"/cases/{case.id}/evaluation", data=WAGES_FORM).status_code == 404
    assert client.post(f"/cases/{case.id}/evaluation/notes", data={"body": "x"}).status_code == 404
    assert client.post(f"/cases/{case.id}/evaluation/pdf").status_code == 404
    assert denied() == before + 5


def test_respondent_sees_the_report_and_notes_but_cannot_write_one(world, case, login):
    login(world.applicant).post(f"/cases/{case.id}/evaluation", data=WAGES_FORM)
    mediator = login(world.mediator)
    assert mediator.post(f"/cases/{case.id}/evaluation/notes",
                         data={"body": "证据较充分 The evidence is fairly strong."}).status_code == 303
    respondent = login(world.respondent)
    html = respondent.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
    assert "72,000.00" in html and "The evidence is fairly strong." in html
    assert f'action="/cases/{case.id}/evaluation/notes"' not in html  # no note form for a party
    assert respondent.post(f"/cases/{case.id}/evaluation", data=WAGES_FORM).status_code == 403
    assert respondent.post(f"/api/v1/cases/{case.id}/evaluation", json=WAGES_JSON).status_code == 403
    assert respondent.post(f"/cases/{case.id}/evaluation/notes", data={"body": "mine"}).status_code == 403
    assert db.session.execute(select(func.count()).select_from(ExpertNote)).scalar() == 1
    empty = mediator.post(f"/cases/{case.id}/evaluation/notes", data={"body": "  "})
    assert empty.status_code == 422


def _evidence(case, name, private=None):
    row = Evidence(case_id=case.id, filename=name, content_type="application/pdf", size=10, sha256="0" * 64,
                   private_to_side=private)
    db.session.add(row)
    db.session.commit()
    return row


def test_checklist_ticks_link_files_and_show_the_gaps(world, case, login):
    slip = _evidence(case, "payslips.pdf")
    secret = _evidence(case, "caucus.pdf", private=Side.APPLICANT)
    world.respondent.locale = "en"
    db.session.commit()
    client = login(world.respondent)
    page = client.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
    assert "6 items missing." in page and "payslips.pdf" in page and "caucus.pdf" not in page
    response = client.post(f"/cases/{case.id}/evaluation/checklist",
                           data={"present_labour_contract": "y", "present_pay_records": "y",
                                 "evidence_pay_records": str(slip.id)})
    assert response.status_code == 303
    rows = {t.item_key: t for t in db.session.execute(select(ChecklistTick)).scalars()}
    assert rows["labour_contract"].present and rows["pay_records"].evidence_id == slip.id
    assert not rows["attendance"].present
    assert "4 items missing." in client.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
    # Another side's private file cannot be linked.
    client.post(f"/cases/{case.id}/evaluation/checklist",
                data={"present_attendance": "y", "evidence_attendance": str(secret.id)})
    db.session.expire_all()
    assert not db.session.execute(select(ChecklistTick).where(ChecklistTick.item_key == "attendance")).scalar_one().present


def _closed(world, n, *, title, facts, claimed="10000.00", settled=None, outcome=Outcome.SETTLED, days=10,
            category=Category.LABOUR):
    """A finished case as it would be after the workflow (rows written directly, for speed)."""
    submitted = utcnow() - timedelta(days=100)
    case = Case(reference=f"SECRET-{n:04d}", state=CaseState.CLOSED, outcome=outcome, category=category,
                title=title, facts=facts, claims="支付工资", claim_amount=Decimal(claimed),
                settled_amount=Decimal(settled) if settled else None, submitted_at=submitted,
                closed_at=submitted + timedelta(days=days), organisation_id=world.committee.id)
    case.parties.append(Party(side=Side.APPLICANT, name=f"隐私人{n}", phone="13911112222"))
    db.session.add(case)
    return case


WAGE_TEXT = "公司拖欠工资三个月，老板不发工资。The company has not paid wages."


def test_similar_cases_aggregate_only_from_three_and_leak_nothing(world, case, login):
    similar.clear_cache()
    _closed(world, 1, title="拖欠工资", facts=WAGE_TEXT, settled="6000", days=10)
    _closed(world, 2, title="欠薪纠纷", facts=WAGE_TEXT, settled="8000", days=20)
    _closed(world, 3, title="邻居噪音", facts="楼上装修噪音扰民。Noise from upstairs.", days=99)  # not similar
    db.session.commit()
    # Two similar cases: below the threshold, nothing is reported.
    assert similar.similar_outcomes(case)["enough"] is False
    _closed(world, 4, title="工资拖欠", facts=WAGE_TEXT, settled="5000", days=30)
    _closed(world, 5, title="拖欠工资 referral", facts=WAGE_TEXT, outcome=Outcome.REFERRED, days=40)
    db.session.commit()
    result = similar.similar_outcomes(case)  # the index is rebuilt: the closed cases changed
    assert result["enough"] is True
    assert (result["count"], result["settled"]) == (4, 3)
    assert result["median_ratio"] == "0.60"  # ratios 0.6, 0.8, 0.5 -> median 0.6
    assert result["median_days"] == 25  # 10, 20, 30, 40 -> (20 + 30) / 2
    client = login(world.applicant)
    client.post(f"/cases/{case.id}/evaluation", data=WAGES_FORM)
    html = client.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
    api = client.get(f"/api/v1/cases/{case.id}/evaluation").get_data(as_text=True)
    for text in (html, api):
        assert "SECRET-" not in text and "隐私人" not in text and "13911112222" not in text
        assert "老板不发工资" not in text and "邻居噪音" not in text
    assert "60%" in html


def test_ratio_needs_three_amounts(world, case):
    similar.clear_cache()
    for n in range(1, 5):
        _closed(world, 10 + n, title="拖欠工资", facts=WAGE_TEXT, settled="7000" if n <= 2 else None)
    db.session.commit()
    result = similar.similar_outcomes(case)
    assert result["enough"] and result["ratio_basis"] == 2 and result["median_ratio"] is None


def test_report_pdf_is_issued_once_per_version_and_has_the_totals(world, case, login):
    world.applicant.locale = "en"
    db.session.commit()
    client = login(world.applicant)
    assert client.post(f"/cases/{case.id}/evaluation/pdf").status_code == 303  # no report yet: a message
    client.post(f"/cases/{case.id}/evaluation", data={
        **WAGES_FORM,
        "traffic-medical_costs": "25000", "traffic-daily_income": "300", "traffic-lost_days": "40",
        "traffic-fault_percent": "70",
    })
    response = client.post(f"/cases/{case.id}/evaluation/pdf")
    assert response.status_code == 303 and "/documents/" in response.location
    pdf = client.get(response.location)
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "CNY 72,000.00" in text  # wages total
    # Traffic: 25,000 + 12,000 = 37,000; insurance 18,000 + 12,000 = 30,000; 7,000 x 70% = 4,900.
    assert "CNY 34,900.00" in text
    assert "Labour Contract Law Art. 47" in text
    again = client.post(f"/cases/{case.id}/evaluation/pdf")
    assert again.location == response.location  # the same paper for the same version
    world.applicant.locale = "zh_CN"
    db.session.commit()
    chinese = client.post(f"/cases/{case.id}/evaluation/pdf")
    assert chinese.location != response.location  # a paper of its own in Chinese
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(client.get(chinese.location).data)).pages)
    assert "72,000.00" in text and "34,900.00" in text


def test_respondent_sees_nothing_before_being_a_party(world, login):
    case = build_case(world, CaseState.EVALUATION, link_respondent=False)
    db.session.commit()
    login(world.applicant).post(f"/cases/{case.id}/evaluation", data=WAGES_FORM)
    before = denied()
    client = login(world.respondent)
    assert client.get(f"/cases/{case.id}/evaluation").status_code == 404
    assert client.get(f"/api/v1/cases/{case.id}/evaluation").status_code == 404
    assert denied() == before + 2
    # Linked (as the invitation does), the respondent reads the report.
    case.parties_on(Side.RESPONDENT)[0].user_id = world.respondent.id
    db.session.commit()
    assert "72,000.00" in client.get(f"/cases/{case.id}/evaluation").get_data(as_text=True)
