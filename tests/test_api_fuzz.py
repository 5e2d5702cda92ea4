"""Random input never makes the API fail with a 500: it is accepted or refused with a 4xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odr.extensions import db

from .api_support import NEW_CASE
from .factories import make_case

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**31 - 2, max_value=2**70)
    | st.floats() | st.text(max_size=30) | st.text(st.characters(codec="utf-8"), max_size=5)
    | st.sampled_from(["", "ODR-", "\x00", "\ud800", "1e999999", "-0.001", "CNY", "labour", "draft"])
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
CASE_FIELDS = list(NEW_CASE) + ["currency", "language", "region_id", "organisation_id", "on_behalf",
                                "applicant", "expected_version", "category"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def body_like(names):
    return st.dictionaries(st.sampled_from(names), JSON, max_size=4)


@pytest.fixture()
def draft(world):
    case = make_case(world)
    db.session.commit()
    return case


@FUZZ
@given(changes=body_like(CASE_FIELDS))
def test_creating_cases(world, login, changes):
    response = login(world.applicant).post("/api/v1/cases", json={**NEW_CASE, **changes})
    assert response.status_code in (201, 422), response.get_json()


@FUZZ
@given(body=body_like(CASE_FIELDS))
def test_editing_a_draft(world, login, draft, body):
    response = login(world.applicant).patch(f"/api/v1/cases/{draft.id}", json=body)
    assert response.status_code in (200, 409, 422), response.get_json()


@FUZZ
@given(body=body_like(["action", "reason", "expected_version", "target_organisation_id"]))
def test_taking_steps(world, login, draft, body):
    response = login(world.applicant).post(f"/api/v1/cases/{draft.id}/transitions", json=body)
    assert response.status_code in (200, 403, 404, 409, 422), response.get_json()


@FUZZ
@given(body=body_like(["side", "kind", "name", "phone", "email", "address", "representative_name"]))
def test_adding_parties(world, login, draft, body):
    response = login(world.applicant).post(f"/api/v1/cases/{draft.id}/parties", json=body)
    assert response.status_code in (201, 422), response.get_json()


@FUZZ
@given(query=st.dictionaries(
    st.sampled_from(["limit", "cursor", "state", "category", "organisation_id", "created_from",
                     "created_to", "q"]),
    st.text(max_size=20) | st.integers().map(str) | st.dates().map(str), max_size=4))
def test_listing_cases(world, login, query):
    response = login(world.clerk).get("/api/v1/cases", query_string=query)
    assert response.status_code in (200, 422), response.get_json()

