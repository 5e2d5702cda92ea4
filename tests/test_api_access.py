"""A party of case A reaches nothing of case B through the API, and every refusal is audited."""

from __future__ import annotations

import pytest

from odr.cases import operations as case_ops
from odr.core.enums import CaseState, Side
from odr.extensions import db

from .api_support import PDF, audit_count, bearer, error
from .factories import make_case, make_user


@pytest.fixture()
def two_cases(world):
    """Case A between world.applicant and world.respondent; case B between two others."""
    a = make_case(world, CaseState.MEDIATION)
    b_applicant = make_user("applicant", name="钱七")
    b_respondent = make_user("respondent", name="孙八")
    b = make_case(world, CaseState.MEDIATION, applicant=b_applicant, respondent_user=b_respondent)
    evidence = case_ops.add_evidence(b, b_applicant, filename="合同.pdf", data=PDF)
    db.session.commit()
    return a, b, evidence


def b_urls(b, evidence):
    return [
        ("get", f"/api/v1/cases/{b.id}", None),
        ("patch", f"/api/v1/cases/{b.id}", {"title": "x"}),
        ("get", f"/api/v1/cases/{b.id}/parties", None),
        ("post", f"/api/v1/cases/{b.id}/parties", {"side": "respondent", "name": "x"}),
        ("get", f"/api/v1/cases/{b.id}/evidence", None),
        ("get", f"/api/v1/evidence/{evidence.id}/download", None),
        ("get", f"/api/v1/cases/{b.id}/timeline", None),
        ("get", f"/api/v1/cases/{b.id}/transitions", None),
        ("post", f"/api/v1/cases/{b.id}/transitions", {"action": "settle"}),
        ("post", f"/api/v1/cases/{b.id}/transitions", {"action": "end_mediation", "reason": "x"}),
    ]


@pytest.mark.parametrize("auth", ["session", "token"])
def test_a_party_of_case_a_gets_404_for_everything_of_case_b(world, login, client, two_cases, auth):
    a, b, evidence = two_cases
    if auth == "session":
        caller, headers = login(world.applicant), {}
    else:
        caller, headers = client, bearer(world.applicant)
    assert caller.get(f"/api/v1/cases/{a.id}", headers=headers).status_code == 200
    before = b.version

    for method, url, body in b_urls(b, evidence):
        denied_before = audit_count("access.denied", case_id=b.id, actor_id=world.applicant.id)
        response = getattr(caller, method)(url, json=body, headers=headers)
        assert response.status_code == 404, (method, url, response.get_json())
        assert error(response)["code"] == "not_found"
        assert audit_count("access.denied", case_id=b.id, actor_id=world.applicant.id) == denied_before + 1, url

    db.session.expire_all()
    assert b.version == before
    assert [p.name for p in b.parties] == ["钱七", "某某公司"]
    ids = [item["id"] for item in caller.get("/api/v1/cases", headers=headers).get_json()["items"]]
    assert ids == [a.id]


def test_upload_to_case_b_is_404_and_stores_nothing(world, login, two_cases):
    from .api_support import stored_files, upload

    _, b, _ = two_cases
    before = stored_files()
    response = login(world.applicant).post(f"/api/v1/cases/{b.id}/evidence", data=upload(PDF + b"new"))
    assert response.status_code == 404
    assert stored_files() == before


def test_unknown_ids_are_404(world, login):
    client = login(world.admin)
    for url in ("/api/v1/cases/999999", "/api/v1/cases/999999/timeline", "/api/v1/evidence/999999/download",
                "/api/v1/cases/99999999999999999999", "/api/v1/cases/abc"):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 404, url
        assert (error(response)["code"], error(response)["message"]) == ("not_found", "Not found.")


def test_other_sides_private_evidence_is_hidden_and_refused(world, login):
    case = make_case(world, CaseState.MEDIATION)
    private = case_ops.add_evidence(case, world.applicant, filename="底线.pdf", data=PDF,
                                    private_to_side=Side.APPLICANT)
    shared = case_ops.add_evidence(case, world.applicant, filename="合同.pdf", data=PDF + b"%shared")
    db.session.commit()

    respondent = login(world.respondent)
    listed = [item["id"] for item in respondent.get(f"/api/v1/cases/{case.id}/evidence").get_json()]
    assert listed == [shared.id]
    response = respondent.get(f"/api/v1/evidence/{private.id}/download")
    assert response.status_code == 403
    assert audit_count("access.denied", case_id=case.id, actor_id=world.respondent.id) == 1
    timeline = respondent.get(f"/api/v1/cases/{case.id}/timeline").get_json()
    assert "底线.pdf" not in str(timeline)
    assert sum(entry["action"] == "evidence.added" for entry in timeline) == 1

    for user in (world.applicant, world.mediator):
        client = login(user)
        listed = [item["id"] for item in client.get(f"/api/v1/cases/{case.id}/evidence").get_json()]
        assert listed == [private.id, shared.id]
        with client.get(f"/api/v1/evidence/{private.id}/download") as response:
            assert (response.status_code, response.data) == (200, PDF)


def test_access_denied_shows_in_the_timeline_of_staff_only(world, login, two_cases):
    a, b, _ = two_cases
    login(world.applicant).get(f"/api/v1/cases/{b.id}")  # refused and audited against case B

    clerk_view = login(world.clerk).get(f"/api/v1/cases/{b.id}/timeline").get_json()
    assert [e for e in clerk_view if e["action"] == "access.denied"][0]["actor_name"] == "张三"
    b_applicant = b.parties[0].user_id
    from odr.auth.models import User

    party_view = login(db.session.get(User, b_applicant)).get(f"/api/v1/cases/{b.id}/timeline").get_json()
    assert party_view and not [e for e in party_view if e["action"] == "access.denied"]
