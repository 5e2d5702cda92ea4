"""The server-rendered pages: every page for every role, access refusals, workflow steps, forms."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.cases.models import Case, Evidence
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category, PartyKind, RiskLevel, Side
from odr.extensions import db

from .factories import apply_jointly, make_case

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def text_of(response) -> str:
    """The visible text of a page, roughly: tags out, whitespace folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture()
def page(app, login):
    """page(user) -> a browser signed in as `user`; page() -> one that is signed out."""

    def _page(user=None):
        return login(user) if user is not None else app.test_client()

    return _page


def _on_behalf_case(w):
    """A draft the grid worker filed for a resident, with one piece of evidence."""
    case = case_ops.create_case(w.grid_worker, category=Category.NEIGHBOURHOOD, title="噪音 noise",
                                facts="楼上装修噪音。", region_id=w.grid.id, on_behalf=True,
                                applicant={"kind": PartyKind.PERSON, "name": "王五", "phone": "13900000002"})
    case_ops.add_evidence(case, w.grid_worker, filename="录音.txt", data="晚上十一点还在施工".encode())
    return case


ROLES = ["applicant", "respondent", "representative", "grid_worker", "consultant", "mediator", "clerk",
         "supervisor", "admin", "court_clerk"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(world, page, role):
    case = make_case(world, CaseState.SETTLED)
    case.parties[-1].representative_user_id = world.representative.id
    case_ops.add_evidence(case, world.applicant, filename="合同.pdf", data=PDF, description="劳动合同")
    apply_jointly(case, world.applicant, world.respondent, world.court)
    draft = _on_behalf_case(world)
    db.session.commit()
    user = getattr(world, role)
    client = page(user)

    assert client.get("/dashboard").status_code == 200
    assert client.get("/cases/new").status_code == 200
    own = draft if role == "grid_worker" else case
    response = client.get(f"/cases/{own.id}")
    assert response.status_code == 200
    assert own.reference in response.get_data(as_text=True)
    for item in own.evidence:
        with client.get(f"/evidence/{item.id}/download") as download:
            assert download.status_code == 200
    if role == "grid_worker":
        assert client.get(f"/cases/{draft.id}/parties/new").status_code == 200


def test_signed_out_pages(page, world):
    client = page()
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/dashboard").headers["Location"].startswith("/login?next=")
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'for="login"' in html and 'for="password"' in html
    assert "password-2026" not in html and "correct-horse" not in html  # no demo secrets


def test_wrong_password_and_lockout_are_explained(app, page, world):
    client = page()
    english = {"Accept-Language": "en"}
    response = client.post("/login", data={"login": world.applicant.email, "password": "nope"}, headers=english)
    assert response.status_code == 401
    assert 'aria-describedby="password-error"' in response.get_data(as_text=True)
    assert "Wrong login or password." in text_of(response)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"login": world.applicant.email, "password": "nope"})
    response = client.post("/login", data={"login": world.applicant.email, "password": "correct-horse-battery"},
                           headers=english)
    assert response.status_code == 401
    assert "Too many failed attempts" in text_of(response)


def test_sign_in_and_out(page, world):
    client = page()
    response = client.post("/login?next=/cases/new", data={"login": world.clerk.email,
                                                           "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/cases/new"
    assert client.get("/dashboard").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert response.status_code == 200
    assert client.get("/dashboard").status_code == 302


# --- access -------------------------------------------------------------------------------

def _denials() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied"))


def test_a_party_of_one_case_cannot_reach_another(world, page):
    case_a = make_case(world, CaseState.SUBMITTED, applicant=world.stranger)
    case_b = make_case(world, CaseState.SUBMITTED)
    item = case_ops.add_evidence(case_b, world.applicant, filename="b.pdf", data=PDF)
    db.session.commit()
    client = page(world.stranger)
    assert client.get(f"/cases/{case_a.id}").status_code == 200

    before = _denials()
    assert client.get(f"/cases/{case_b.id}").status_code == 404
    assert client.get(f"/evidence/{item.id}/download").status_code == 404
    response = client.post(f"/cases/{case_b.id}/transition",
                           data={"action": "withdraw", "expected_version": case_b.version, "reason": "x"})
    assert response.status_code == 404
    assert client.post(f"/cases/{case_b.id}/evidence", data={"file": (BytesIO(PDF), "x.pdf")}).status_code == 404
    assert client.get(f"/cases/{case_b.id}/parties/new").status_code == 404
    assert _denials() == before + 5
    db.session.expire_all()
    assert db.session.get(Case, case_b.id).state == CaseState.SUBMITTED
    assert case_b.reference not in client.get("/dashboard").get_data(as_text=True)


def test_a_party_sees_the_other_sides_name_but_not_their_contact(world, page):
    case = make_case(world, CaseState.MEDIATION)
    case.parties[-1].email = "boss@company.test"
    case.parties[-1].address = "文一路 1 号"
    db.session.commit()
    applicant_view = page(world.applicant).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "某某公司" in applicant_view
    assert "13800000000" not in applicant_view and "boss@company.test" not in applicant_view
    assert "文一路" not in applicant_view
    clerk_view = page(world.clerk).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "13800000000" in clerk_view and "boss@company.test" in clerk_view and "文一路" in clerk_view


# --- workflow steps -----------------------------------------------------------------------

def test_a_step_taken_on_the_page(world, page):
    case = make_case(world, CaseState.SUBMITTED)
    world.clerk.locale = "en"
    db.session.commit()
    client = page(world.clerk)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'name="action" value="accept"' in html and 'name="action" value="reject"' in html
    assert 'for="reason-reject"' in html  # reject needs a reason: it has a labelled textarea

    response = client.post(f"/cases/{case.id}/transition",
                           data={"action": "accept", "expected_version": case.version})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.ACCEPTED
    response = client.get(f"/cases/{case.id}")
    assert "Done. The case is now: Accepted." in text_of(response)


def test_a_stale_version_changes_nothing(world, page):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    stale = case.version - 1
    client = page(world.clerk)
    response = client.post(f"/cases/{case.id}/transition", data={"action": "accept", "expected_version": stale},
                           follow_redirects=True, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Someone else changed this case" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.SUBMITTED


def test_a_refused_step_keeps_what_was_typed(world, page):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    client = page(world.clerk)
    response = client.post(f"/cases/{case.id}/transition",
                           data={"action": "reject", "expected_version": case.version, "reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-describedby="reason-reject-error"' in html
    assert html.count("请填写理由。") == 1 and "<details class=\"step\" open>" in html

    long_reason = "理由" * 1001
    response = client.post(f"/cases/{case.id}/transition",
                           data={"action": "reject", "expected_version": case.version, "reason": long_reason})
    assert response.status_code == 422
    assert long_reason in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.SUBMITTED


def test_a_step_with_a_target_organisation(world, page):
    case = make_case(world, CaseState.REFERRAL_OFFERED)
    case.target_organisation_id = None
    db.session.commit()
    client = page(world.applicant)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="target-choose_referral"' in html and world.court.name in html
    response = client.post(f"/cases/{case.id}/transition", data={
        "action": "choose_referral", "expected_version": case.version, "target_organisation_id": world.court.id})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).target_organisation_id == world.court.id


def test_a_step_the_user_may_not_take_is_refused(world, page):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    response = page(world.applicant).post(f"/cases/{case.id}/transition",
                                          data={"action": "accept", "expected_version": case.version})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.SUBMITTED


# --- evidence -----------------------------------------------------------------------------

def _stored_files(app) -> list:
    from pathlib import Path

    return [p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()]


def test_upload_and_download_evidence(app, world, page):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    client = page(world.applicant)
    response = client.post(f"/cases/{case.id}/evidence",
                           data={"file": (BytesIO(PDF), "工资条.pdf"), "description": "三个月工资条"})
    assert response.status_code == 303
    item = db.session.execute(select(Evidence).where(Evidence.case_id == case.id)).scalar_one()
    assert "工资条.pdf" in client.get(f"/cases/{case.id}").get_data(as_text=True)

    with client.get(f"/evidence/{item.id}/download") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.mimetype == "application/pdf"


def test_private_evidence_stays_with_its_side(world, page):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    response = page(world.applicant).post(f"/cases/{case.id}/evidence",
                                          data={"file": (BytesIO(PDF), "底线.pdf"), "private": "y"})
    assert response.status_code == 303
    item = db.session.execute(select(Evidence).where(Evidence.case_id == case.id)).scalar_one()
    assert item.private_to_side == Side.APPLICANT
    respondent = page(world.respondent)
    assert "底线.pdf" not in respondent.get(f"/cases/{case.id}").get_data(as_text=True)
    assert respondent.get(f"/evidence/{item.id}/download").status_code == 403
    with page(world.mediator).get(f"/evidence/{item.id}/download") as download:
        assert download.status_code == 200


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, 415), (b"x" * 2048, 413)],
    ids=["not-accepted-type", "too-large"],
)
def test_refused_uploads_store_nothing(app, world, page, monkeypatch, data, status):
    monkeypatch.setattr(case_ops, "MAX_EVIDENCE_BYTES", 1024)
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    files_before = _stored_files(app)
    response = page(world.applicant).post(f"/cases/{case.id}/evidence", data={"file": (BytesIO(data), "evil.exe")})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert case.reference in html and 'aria-describedby="file-hint file-error"' in html
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert _stored_files(app) == files_before


def test_a_request_over_the_size_limit_is_refused_on_the_case_page(app, world, page, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    response = page(world.applicant).post(f"/cases/{case.id}/evidence", data={"file": (BytesIO(PDF * 200), "big.pdf")})
    assert response.status_code == 413
    assert case.reference in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    # Someone with no part in the case learns nothing from the same refusal.
    assert case.reference not in page(world.stranger).post(
        f"/cases/{case.id}/evidence", data={"file": (BytesIO(PDF * 200), "big.pdf")}).get_data(as_text=True)


# --- new case and parties -------------------------------------------------------------------

def test_new_case_form_refuses_invalid_input_and_keeps_it(world, page):
    client = page(world.applicant)
    response = client.post("/cases/new", data={
        "category": "labour", "title": "", "facts": "老板跑了", "claims": "", "claim_amount": "-5",
        "region_id": world.grid.id,
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "老板跑了" in html and 'value="-5"' in html
    assert 'aria-describedby="title-hint title-error"' in html
    assert 'id="claims-error"' in html and 'id="claim_amount-error"' in html
    assert 'class="error-summary"' in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0

    too_long = client.post("/cases/new", data={"category": "labour", "title": "长" * 201, "facts": "x",
                                               "claims": "y", "region_id": world.grid.id})
    assert too_long.status_code == 422 and 'id="title-error"' in too_long.get_data(as_text=True)


def test_new_case_is_created_and_opened(world, page):
    client = page(world.applicant)
    response = client.post("/cases/new", data={
        "category": "labour", "title": "拖欠工资", "facts": "老板拖欠三个月工资", "claims": "支付工资",
        "claim_amount": "12000.50", "region_id": world.grid.id,
    })
    assert response.status_code == 303
    case = db.session.execute(select(Case)).scalar_one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.state == CaseState.DRAFT and str(case.claim_amount) == "12000.50"
    assert case.organisation_id == world.committee.id
    assert [p.name for p in case.parties] == ["张三"]
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "12,000.50" in html and 'name="action" value="submit"' in html


def test_a_grid_worker_files_for_a_resident(world, page):
    client = page(world.grid_worker)
    data = {"category": "neighbourhood", "title": "噪音", "facts": "装修噪音", "claims": "停止夜间施工",
            "region_id": world.grid.id}
    response = client.post("/cases/new", data=data)
    assert response.status_code == 422
    assert 'id="applicant_name-error"' in response.get_data(as_text=True)
    response = client.post("/cases/new", data={**data, "applicant_name": "王五", "applicant_phone": "139 0000 0002",
                                               "claim_amount": ""})
    assert response.status_code == 303
    case = db.session.execute(select(Case)).scalar_one()
    assert [(p.side, p.name, p.user_id) for p in case.parties] == [(Side.APPLICANT, "王五", None)]


def test_adding_the_other_party(world, page):
    case = case_ops.create_case(world.applicant, category=Category.LABOUR, title="t", facts="f",
                                region_id=world.grid.id)
    db.session.commit()
    client = page(world.applicant)
    response = client.post(f"/cases/{case.id}/parties/new", data={
        "side": "respondent", "kind": "organisation", "name": "某某公司", "phone": "abc", "email": "not-an-address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="phone-error"' in html and 'id="email-error"' in html and 'value="not-an-address"' in html
    response = client.post(f"/cases/{case.id}/parties/new", data={
        "side": "respondent", "kind": "organisation", "name": "某某公司", "phone": "0571-8888 1234",
        "email": "HR@Company.test"})
    assert response.status_code == 303
    db.session.expire_all()
    party = db.session.get(Case, case.id).parties[-1]
    assert (party.side, party.kind, party.email) == (Side.RESPONDENT, PartyKind.ORGANISATION, "hr@company.test")
    # Once submitted, a party may no longer change who is in the case.
    case_ops.transition(db.session.get(Case, case.id), "submit", world.applicant)
    db.session.commit()
    assert client.get(f"/cases/{case.id}/parties/new").status_code == 403


# --- dashboard ----------------------------------------------------------------------------

HEADINGS = {
    "applicant": "My cases", "respondent": "My cases", "grid_worker": "Cases I filed",
    "mediator": "Assigned to me", "clerk": "Cases of my organisation", "consultant": "Cases of my organisation",
    "supervisor": "Cases under my supervision", "admin": "All cases",
}


@pytest.mark.parametrize("role", sorted(HEADINGS))
def test_dashboard_heading_per_role(world, page, role):
    world_user = getattr(world, role)
    world_user.locale = "en"
    db.session.commit()
    response = page(world_user).get("/dashboard")
    assert f"<h1>{HEADINGS[role]}</h1>" in response.get_data(as_text=True)


def _section_titles(html: str) -> list[str]:
    titles = re.findall(r'<h2 id="[^"]+">(.*?)</h2>', html, re.S)
    return [re.sub(r"\s*\d+\+?$", "", re.sub(r"<[^>]+>", "", title).strip()) for title in titles]


def test_clerk_sees_applications_waiting_for_acceptance_first(world, page):
    waiting = make_case(world, CaseState.SUBMITTED, title="待受理 waiting")
    make_case(world, CaseState.MEDIATION, title="调解中 in mediation")
    world.clerk.locale = "en"
    db.session.commit()
    html = page(world.clerk).get("/dashboard").get_data(as_text=True)
    assert _section_titles(html) == ["Waiting for acceptance", "Newest first"]
    first_section = html.split('id="all-cases"')[0]
    assert waiting.reference in first_section and "in mediation" not in first_section


def test_supervisor_sees_overdue_and_high_risk_first(world, page):
    from datetime import timedelta

    from odr.core.models import utcnow

    late = make_case(world, CaseState.MEDIATION, title="逾期 late")
    late.state_deadline = utcnow() - timedelta(days=2)
    risky = make_case(world, CaseState.MEDIATION, title="风险 risky")
    case_ops.set_risk(risky, world.mediator, RiskLevel.MAJOR, "可能激化")
    calm = make_case(world, CaseState.MEDIATION, title="平稳 calm")
    world.supervisor.locale = "en"
    db.session.commit()
    html = page(world.supervisor).get("/dashboard").get_data(as_text=True)
    assert _section_titles(html) == ["Overdue", "High risk", "Newest first"]
    overdue, high, rest = re.split(r'<h2 id="(?:section-2|all-cases)">', html.split('id="section-1"')[1])
    assert late.reference in overdue and calm.reference not in overdue
    assert risky.reference in high and "Major (early warning)" in high
    assert 'class="is-overdue"' in overdue and calm.reference in rest


def test_consultant_sees_cases_in_consultation_first(world, page):
    consulting = make_case(world, CaseState.CONSULTATION, title="咨询 consulting")
    world.consultant.locale = "en"
    db.session.commit()
    html = page(world.consultant).get("/dashboard").get_data(as_text=True)
    assert _section_titles(html) == ["In consultation", "Newest first"]
    assert consulting.reference in html.split('id="all-cases"')[0]


def test_dashboard_filters_and_search(world, page):
    labour = make_case(world, CaseState.SUBMITTED, title="工资 wages")
    family = make_case(world, CaseState.MEDIATION, title="家事 family", category=Category.FAMILY)
    family.parties[-1].name = "刘某某"
    db.session.commit()
    client = page(world.clerk)

    def listed(**args) -> set[str]:
        html = client.get("/dashboard", query_string=args).get_data(as_text=True)
        return {ref for ref in (labour.reference, family.reference) if ref in html}

    assert listed() == {labour.reference, family.reference}
    assert listed(state="mediation") == {family.reference}
    assert listed(category="labour") == {labour.reference}
    assert listed(q=labour.reference.lower()) == {labour.reference}
    assert listed(q="刘某") == {family.reference}
    assert listed(q="100%_") == set()
    assert listed(state="no-such-state", before="abc") == {labour.reference, family.reference}


def test_dashboard_pages_by_id(world, page):
    cases = [case_ops.create_case(world.applicant, category=Category.OTHER, title=f"第{n}号 case {n}",
                                  region_id=world.grid.id) for n in range(53)]
    db.session.commit()
    client = page(world.applicant)
    first = client.get("/dashboard").get_data(as_text=True)
    assert cases[-1].reference in first and cases[3].reference in first and cases[2].reference not in first
    older = re.search(r'href="(/dashboard\?before=\d+)"', first).group(1)
    assert older == f"/dashboard?before={cases[3].id}"
    second = client.get(older).get_data(as_text=True)
    assert [ref for ref in (c.reference for c in cases) if ref in second] == [c.reference for c in cases[:3]]
    assert 'rel="next"' not in second and 'href="/dashboard"' in second


def test_dashboard_queries_do_not_grow_with_the_page(app, world, page):
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def queries_for_dashboard(user) -> int:
        client = page(user)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            statements.clear()
            assert client.get("/dashboard").status_code == 200
            return len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    def add_cases(n):
        for _ in range(n):
            make_case(world, CaseState.SUBMITTED)
        db.session.commit()

    add_cases(5)
    few = {role: queries_for_dashboard(getattr(world, role)) for role in ("applicant", "clerk", "supervisor")}
    add_cases(45)
    many = {role: queries_for_dashboard(getattr(world, role)) for role in ("applicant", "clerk", "supervisor")}
    assert few == many
    assert max(few.values()) <= 12


def test_parties_do_not_see_the_risk_level(world, login):
    """Risk levels are internal assessments: staff see them, parties do not (as in the API)."""
    case = make_case(world, CaseState.SUBMITTED)
    case_ops.set_risk(case, world.clerk, RiskLevel.MAJOR, "threats reported")
    db.session.commit()
    major = "Major (early warning)"
    applicant = login(world.applicant)
    for url in (f"/cases/{case.id}", "/dashboard", "/dashboard?flag=high_risk"):
        page = applicant.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert major not in page, url
    assert case.title in applicant.get("/dashboard?flag=high_risk").get_data(as_text=True)
    clerk = login(world.clerk)
    assert major in clerk.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert major in clerk.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
