"""Cases API: create, read, edit, list with keyset pagination, filters and search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from odr.core.enums import CaseState, Category, Side
from odr.core.models import utcnow
from odr.extensions import db

from .api_support import NEW_CASE, count_queries, error
from .factories import make_case, make_user


def test_create_makes_a_draft_with_the_filer_as_applicant(world, login):
    response = login(world.applicant).post("/api/v1/cases", json={**NEW_CASE, "region_id": world.grid.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert body["state"] == "draft"
    assert body["state_label"]
    assert body["category"] == "labour"
    assert body["claim_amount"] == "12000.50"
    assert body["reference"].startswith("ODR-")
    assert body["organisation"]["id"] == world.committee.id  # routed by region
    [party] = body["parties"]
    assert (party["side"], party["name"], party["user_id"]) == ("applicant", "张三", world.applicant.id)
    assert "risk_level" not in body  # a party does not see the internal risk assessment


def test_grid_worker_files_on_behalf_of_a_resident(world, login):
    resident = {"name": "王五", "phone": "13700000000", "address": "宝石一网格 3 号"}
    response = login(world.grid_worker).post(
        "/api/v1/cases", json={**NEW_CASE, "on_behalf": True, "applicant": resident}
    )
    assert response.status_code == 201, response.get_json()
    [party] = response.get_json()["parties"]
    assert (party["side"], party["name"], party["phone"]) == ("applicant", "王五", "13700000000")


@pytest.mark.parametrize(
    "extra, field",
    [({"on_behalf": True}, "applicant"), ({"applicant": {"name": "王五"}}, "applicant")],
)
def test_on_behalf_and_applicant_go_together(world, login, extra, field):
    response = login(world.grid_worker).post("/api/v1/cases", json={**NEW_CASE, **extra})
    assert response.status_code == 422
    assert field in error(response)["fields"]


def test_get_shows_the_other_sides_name_but_not_their_contact_details(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    case.parties[-1].email = "hr@example.test"
    db.session.commit()

    as_applicant = login(world.applicant).get(f"/api/v1/cases/{case.id}").get_json()
    respondent = next(p for p in as_applicant["parties"] if p["side"] == "respondent")
    assert respondent["name"] == "某某公司"
    assert not {"phone", "email", "address", "user_id"} & set(respondent)
    own = next(p for p in as_applicant["parties"] if p["side"] == "applicant")
    assert own["email"] == world.applicant.email

    as_clerk = login(world.clerk).get(f"/api/v1/cases/{case.id}").get_json()
    respondent = next(p for p in as_clerk["parties"] if p["side"] == "respondent")
    assert (respondent["phone"], respondent["email"]) == ("13800000000", "hr@example.test")
    assert as_clerk["risk_level"] == "low"

    parties = login(world.respondent).get(f"/api/v1/cases/{case.id}/parties").get_json()
    applicant = next(p for p in parties if p["side"] == "applicant")
    assert applicant["name"] == "张三" and "phone" not in applicant and "email" not in applicant


def test_patch_edits_the_draft_and_checks_the_version(world, login):
    case = make_case(world)
    db.session.commit()
    client = login(world.applicant)
    version = client.get(f"/api/v1/cases/{case.id}").get_json()["version"]

    response = client.patch(f"/api/v1/cases/{case.id}",
                            json={"title": "新的标题", "claim_amount": "500", "expected_version": version})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["claim_amount"]) == ("新的标题", "500.00")
    assert body["version"] == version + 1

    stale = client.patch(f"/api/v1/cases/{case.id}", json={"title": "再改", "expected_version": version})
    assert stale.status_code == 409
    assert error(stale)["code"] == "stale_version"
    assert stale.get_json()["error"]["current_version"] == version + 1
    assert client.get(f"/api/v1/cases/{case.id}").get_json()["title"] == "新的标题"


def test_patch_after_submission_is_refused_to_a_party(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    response = login(world.applicant).patch(f"/api/v1/cases/{case.id}", json={"title": "x"})
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"


def test_unknown_region_is_a_field_error_not_a_crash(world, login):
    response = login(world.applicant).post("/api/v1/cases", json={**NEW_CASE, "region_id": 999_999})
    assert response.status_code == 422
    assert "region_id" in error(response)["fields"]


# ---- the list ------------------------------------------------------------------------------

def _ids(client, url, **query):
    """Walk every page of `url`; returns the ids in order and the number of pages."""
    ids, pages, cursor = [], 0, None
    while True:
        response = client.get(url, query_string={**query, "cursor": cursor} if cursor else query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


def test_keyset_pagination_walks_every_case_once_newest_first(world, login):
    cases = [make_case(world) for _ in range(12)]
    db.session.commit()
    ids, pages = _ids(login(world.applicant), "/api/v1/cases", limit=5)
    assert ids == sorted((c.id for c in cases), reverse=True)
    assert pages == 3


def test_a_page_exactly_full_has_no_next_cursor(world, login):
    for _ in range(3):
        make_case(world)
    db.session.commit()
    body = login(world.applicant).get("/api/v1/cases?limit=3").get_json()
    assert len(body["items"]) == 3 and body["next_cursor"] is None


def test_list_shows_only_what_the_detail_allows(world, login):
    mine = make_case(world, CaseState.SUBMITTED)
    someone = make_user("applicant", name="别人")
    theirs = make_case(world, CaseState.SUBMITTED, applicant=someone)
    other_org = make_case(world, CaseState.SUBMITTED, applicant=someone)
    other_org.organisation_id = world.other_committee.id
    draft = make_case(world, applicant=someone)  # drafts are the filer's own
    db.session.commit()

    assert _ids(login(world.applicant), "/api/v1/cases")[0] == [mine.id]
    clerk_ids = _ids(login(world.clerk), "/api/v1/cases")[0]
    assert clerk_ids == [theirs.id, mine.id]
    for case_id in (other_org.id, draft.id):
        assert login(world.clerk).get(f"/api/v1/cases/{case_id}").status_code == 404
    assert _ids(login(world.stranger), "/api/v1/cases")[0] == []


def test_filters(world, login):
    labour = make_case(world, CaseState.SUBMITTED)
    tenancy = make_case(world, CaseState.ACCEPTED, category=Category.TENANCY)
    draft = make_case(world)
    old = make_case(world, CaseState.SUBMITTED)
    old.created_at = utcnow() - timedelta(days=40)
    old.organisation_id = world.other_committee.id
    db.session.commit()
    client = login(world.applicant)
    today = utcnow().date()

    def ids(**query):
        response = client.get("/api/v1/cases", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(state="draft") == [draft.id]
    assert ids(state=["draft", "accepted"]) == [draft.id, tenancy.id]
    assert ids(category="tenancy") == [tenancy.id]
    assert ids(organisation_id=world.committee.id) == [draft.id, tenancy.id, labour.id]
    assert ids(created_to=(today - timedelta(days=30)).isoformat()) == [old.id]
    assert ids(created_from=(today - timedelta(days=1)).isoformat()) == [draft.id, tenancy.id, labour.id]


def test_search_by_reference_and_by_chinese_party_name(world, login):
    first = make_case(world)
    second = make_case(world)
    from odr.cases import operations

    operations.add_party(second, world.applicant, side=Side.RESPONDENT, name="杭州某某物业有限公司")
    db.session.commit()
    client = login(world.applicant)

    def ids(q):
        return [item["id"] for item in client.get("/api/v1/cases", query_string={"q": q}).get_json()["items"]]

    assert ids(first.reference) == [first.id]
    assert ids(first.reference.lower()) == [first.id]
    assert ids(first.reference[:9]) == [second.id, first.id]  # "ODR-2026-" prefix
    assert ids("某某物业") == [second.id]
    assert ids("张三") == [second.id, first.id]
    assert ids("100%") == []  # LIKE wildcards are plain characters


def test_the_list_does_not_query_per_case(world, login):
    # Two respondents and an assigned mediator each, so every relationship has something to load.
    for _ in range(50):
        make_case(world, CaseState.MEDIATION)
    db.session.commit()
    client = login(world.clerk)
    client.get("/api/v1/cases?limit=1")  # warm up: the session's user, caches

    counts = {}
    for limit in (5, 50):
        with count_queries() as queries:
            response = client.get(f"/api/v1/cases?limit={limit}")
        assert len(response.get_json()["items"]) == limit
        counts[limit] = queries()
    assert counts[5] == counts[50], counts
