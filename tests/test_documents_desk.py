"""The clerk desk: who may use it, case search and its filters, the ZIP (exactly the papers the
clerk may see, hashes in the manifest), electronic service on a party's first download, paper
service recorded by the clerk and the proof of service issued from it.

Rendering is replaced by a small stand-in (as in test_documents.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.documents import operations
from odr.documents.models import Document, DocumentService, DocumentType, ServiceMethod
from odr.extensions import db

from .factories import make_case
from .test_documents import fake_pdf

NOTICE = DocumentType.ACCEPTANCE_NOTICE


@pytest.fixture(autouse=True)
def fast_render(monkeypatch):
    monkeypatch.setattr(operations, "render_pdf", fake_pdf)


@pytest.fixture()
def cases(world):
    """Two cases of the clerk's committee with papers, one of another committee with a paper."""
    ours = make_case(world, CaseState.MEDIATION)
    settled = make_case(world, CaseState.REFERRAL_OFFERED)
    theirs = make_case(world, CaseState.MEDIATION)
    theirs.organisation_id, theirs.organisation = world.other_committee.id, world.other_committee
    db.session.flush()
    docs = [
        operations.issue_document(ours, NOTICE, world.clerk, "zh_CN"),
        operations.issue_document(ours, DocumentType.APPLICATION, world.clerk, "en"),
        operations.issue_document(settled, NOTICE, world.clerk, "zh_CN"),
        operations.issue_document(theirs, NOTICE, world.other_clerk, "zh_CN"),
    ]
    db.session.commit()
    return {"ours": ours, "settled": settled, "theirs": theirs, "docs": docs}


def denials(action):
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).scalars().all()


# ---- who ---------------------------------------------------------------------------------------

def test_only_clerks_use_the_desk(world, login):
    response = login(world.applicant).get("/desk")
    assert response.status_code == 403
    assert [e.payload["attempted"] for e in denials("desk.use")] == ["desk.use"]
    assert login(world.mediator).get("/desk/export.zip").status_code == 403
    page = login(world.clerk).get("/desk")
    assert page.status_code == 200 and 'href="/desk"' in page.get_data(as_text=True)  # in the main menu
    assert 'href="/desk"' not in response.get_data(as_text=True)


def test_outsider_clerk_gets_404_and_an_audit_row_on_a_case_and_its_download(world, cases, login):
    client = login(world.other_clerk)
    assert client.get(f"/desk/cases/{cases['ours'].id}").status_code == 404
    assert client.get(f"/documents/{cases['docs'][0].id}/download").status_code == 404
    rows = denials("case.document.view")
    assert [r.payload["attempted"] for r in rows] == ["case.document.view", "case.document.view"]
    assert {r.case_id for r in rows} == {cases["ours"].id}


# ---- search --------------------------------------------------------------------------------------

def test_search_shows_only_the_clerks_cases_and_filters(world, cases, login):
    client = login(world.clerk)
    page = client.get("/desk").get_data(as_text=True)
    assert cases["ours"].reference in page and cases["settled"].reference in page
    assert cases["theirs"].reference not in page
    page = client.get("/desk", query_string={"state": "referral_offered"}).get_data(as_text=True)
    assert cases["settled"].reference in page and cases["ours"].reference not in page
    page = client.get("/desk", query_string={"reference": cases["ours"].reference}).get_data(as_text=True)
    assert cases["ours"].reference in page and cases["settled"].reference not in page
    page = client.get("/desk", query_string={"party": "某某"}).get_data(as_text=True)
    assert cases["ours"].reference in page
    page = client.get("/desk", query_string={"party": "没有这个人"}).get_data(as_text=True)
    assert cases["ours"].reference not in page
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    page = client.get("/desk", query_string={"date_from": tomorrow}).get_data(as_text=True)
    assert cases["ours"].reference not in page


@pytest.mark.parametrize("query,message", [
    ({"state": "nonsense"}, "Not a valid choice"),
    ({"date_from": "2026-13-40"}, "Not a valid date value"),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The end date is before the start date."),
])
def test_bad_search_filters_are_a_clear_422(world, login, query, message):
    client = login(world.clerk)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get("/desk", query_string=query)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


# ---- the ZIP -------------------------------------------------------------------------------------

def _zip(response):
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_zip_holds_exactly_the_allowed_papers_with_their_hashes(world, cases, login):
    archive = _zip(login(world.clerk).get("/desk/export.zip"))
    ours = [d for d in cases["docs"] if d.case_id != cases["theirs"].id]
    expected = {f"{db.session.get(type(cases['ours']), d.case_id).reference}_{d.type.value}_v{d.version}_{d.lang}.pdf": d
                for d in ours}
    assert set(archive.namelist()) == set(expected) | {"manifest.csv"}
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["file"] for row in manifest} == set(expected)
    for row in manifest:
        data = archive.read(row["file"])
        assert hashlib.sha256(data).hexdigest() == row["sha256"] == expected[row["file"]].sha256
    exported = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "document.exported")).scalar_one()
    assert sorted(exported.payload["document_ids"]) == sorted(d.id for d in ours)


def test_zip_filters(world, cases, login):
    client = login(world.clerk)
    archive = _zip(client.get("/desk/export.zip", query_string={"type": "application"}))
    assert [n for n in archive.namelist() if n != "manifest.csv"] == [
        f"{cases['ours'].reference}_application_v1_en.pdf"]
    archive = _zip(client.get("/desk/export.zip", query_string={"state": "referral_offered", "lang": "zh_CN"}))
    assert [n for n in archive.namelist() if n != "manifest.csv"] == [
        f"{cases['settled'].reference}_acceptance_notice_v1_zh_CN.pdf"]
    # The whole district is the supervisor's, not this clerk's: the other committee's paper stays out.
    archive = _zip(client.get("/desk/export.zip", query_string={"organisation": world.committee.id}))
    assert len(archive.namelist()) == 4


@pytest.mark.parametrize("query", [
    {"organisation": "999999"}, {"type": "will"}, {"lang": "fr"}, {"date_to": "yesterday"},
    {"date_from": "2026-05-02", "date_to": "2026-05-01"},
])
def test_bad_zip_filters_are_a_clear_422(world, login, query):
    client = login(world.clerk)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get("/desk/export.zip", query_string=query)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Please correct the following" in response.get_data(as_text=True)


def test_another_committees_organisation_is_not_a_choice(world, cases, login):
    response = login(world.clerk).get("/desk/export.zip", query_string={"organisation": world.other_committee.id})
    assert response.status_code == 422


# ---- service -------------------------------------------------------------------------------------

def test_electronic_service_is_recorded_once_per_party_and_document(world, cases, login):
    document = cases["docs"][0]
    respondent = login(world.respondent)
    for _ in range(2):
        assert respondent.get(f"/documents/{document.id}/download").status_code == 200
    assert login(world.clerk).get(f"/documents/{document.id}/download").status_code == 200
    assert login(world.applicant).get(f"/documents/{document.id}/download").status_code == 200
    services = db.session.execute(select(DocumentService).order_by(DocumentService.id)).scalars().all()
    assert [(s.recipient_name, s.method) for s in services] == [
        ("某某公司", ServiceMethod.ELECTRONIC), ("张三", ServiceMethod.ELECTRONIC)]
    assert services[0].read_ip == "127.0.0.1" and services[0].read_at == services[0].served_at
    served = db.session.execute(select(AuditEvent).where(AuditEvent.action == "document.served")).scalars().all()
    assert len(served) == 2


def test_paper_service_recorded_at_the_desk_and_the_proof_issued_from_it(world, cases, login):
    case, document = cases["ours"], cases["docs"][0]
    client = login(world.clerk)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    respondent = next(p for p in case.parties if p.side.value == "respondent")
    form = {"document_id": document.id, "party_id": respondent.id, "method": "post",
            "served_on": "2026-03-02", "note": "EMS 1234"}
    assert client.post(f"/desk/cases/{case.id}", data=form).status_code == 302
    service = db.session.execute(select(DocumentService)).scalar_one()
    assert (service.method, service.note, service.recorded_by_id) == (ServiceMethod.POST, "EMS 1234", world.clerk.id)
    page = client.get(f"/desk/cases/{case.id}").get_data(as_text=True)
    assert "By post" in page and "EMS 1234" in page

    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(f"/desk/cases/{case.id}", data={**form, "served_on": future})
    assert response.status_code == 422 and "cannot be in the future" in response.get_data(as_text=True)
    response = client.post(f"/desk/cases/{case.id}", data={**form, "document_id": cases["docs"][3].id})
    assert response.status_code == 422 and "Choose a paper of this case" in response.get_data(as_text=True)
    response = client.post(f"/desk/cases/{case.id}", data={**form, "method": "electronic"})
    assert response.status_code == 422
    assert db.session.execute(select(DocumentService)).scalars().all() == [service]

    response = client.post(f"/cases/{case.id}/documents",
                           data={"type": "proof_of_service", "lang": "en", "service_id": str(service.id)})
    assert response.status_code == 302
    proof = db.session.execute(
        select(Document).where(Document.type == DocumentType.PROOF_OF_SERVICE)).scalar_one()
    assert proof.inputs["service"]["recipient"] == "某某公司"
    assert proof.inputs["service"]["document_code"].replace("-", "") == document.verification_code


def test_a_party_cannot_record_service_or_see_another_case_at_the_desk(world, cases, login):
    client = login(world.respondent)
    assert client.post(f"/desk/cases/{cases['ours'].id}", data={}).status_code == 403
    assert login(world.stranger).get(f"/desk/cases/{cases['ours'].id}").status_code == 403
