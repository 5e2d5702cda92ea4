"""Authentication, CSRF, the error body, messages in the user's language, hostile input."""

from __future__ import annotations

import pytest
from flask import session
from flask_login.utils import _create_identifier
from flask_wtf.csrf import generate_csrf

from odr.cases.models import Case
from odr.core.enums import CaseState
from odr.extensions import db

from .api_support import NEW_CASE, bearer, error
from .factories import make_case
from .foundation_support import extra_app

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def test_without_credentials_it_is_a_json_401(world, client):
    for method, url in (("get", "/api/v1/cases"), ("post", "/api/v1/cases"), ("get", "/api/v1/cases/1"),
                        ("get", "/api/v1/tokens")):
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert error(response)["code"] == "unauthorized"
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer odr_not-a-token"})
    assert response.status_code == 401


def test_a_bearer_token_works_and_sets_no_cookie(world, client):
    headers = bearer(world.applicant)
    response = client.post("/api/v1/cases", json=NEW_CASE, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert "Set-Cookie" not in response.headers
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get_cookie("session") is None


def test_a_revoked_token_stops_working(world, client, login):
    headers = bearer(world.applicant)
    [token] = login(world.applicant).get("/api/v1/tokens").get_json()
    assert login(world.applicant).delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def _session_client(app, user):
    """A browser signed in as `user`, on an app that checks CSRF tokens."""
    browser = app.test_client()
    with app.test_request_context(environ_base=browser.environ_base):
        identifier = _create_identifier()
        token = generate_csrf()
        raw = session["csrf_token"]
    with browser.session_transaction() as sess:
        sess.update({"_user_id": str(user.id), "_fresh": True, "_id": identifier, "csrf_token": raw})
    return browser, token


def test_session_calls_need_the_csrf_token_and_token_calls_do_not(app, world):
    with extra_app(app, WTF_CSRF_ENABLED=True) as csrf_app:
        browser, token = _session_client(csrf_app, world.applicant)
        assert browser.get("/api/v1/cases").status_code == 200  # reading needs no token

        refused = browser.post("/api/v1/cases", json=NEW_CASE)
        assert refused.status_code == 400
        assert error(refused)["code"] == "csrf_failed"
        forged = browser.post("/api/v1/cases", json=NEW_CASE, headers={"X-CSRFToken": "forged"})
        assert forged.status_code == 400
        assert db.session.query(Case).count() == 0

        accepted = browser.post("/api/v1/cases", json=NEW_CASE, headers={"X-CSRFToken": token})
        assert accepted.status_code == 201, accepted.get_json()

        plain = csrf_app.test_client()
        response = plain.post("/api/v1/cases", json=NEW_CASE, headers=bearer(world.applicant))
        assert response.status_code == 201, response.get_json()
        # A token is made only from the website's session, never with another token.
        made = plain.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(world.applicant))
        assert made.status_code == 403
        made = browser.post("/api/v1/tokens", json={"name": "集成"}, headers={"X-CSRFToken": token})
        assert made.status_code == 201
        secret = made.get_json()["token"]
        assert secret.startswith("odr_")
        listed = plain.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"}).get_json()
        assert "token" not in listed[0] and listed[0]["name"] == "集成"


def test_validation_errors_name_each_field_in_the_users_language(world, login):
    client = login(world.applicant)
    bad = {"category": "weather", "title": "", "claim_amount": "-1", "currency": "rmb", "extra": 1}

    english = error(client.post("/api/v1/cases", json=bad, headers=EN))
    assert english["code"] == "validation_failed"
    assert set(english["fields"]) == {"category", "title", "claim_amount", "currency", "extra"}
    assert english["fields"]["title"] == ["Between 1 and 200 characters."]
    assert english["fields"]["claim_amount"] == ["Must be at least 0."]
    assert english["fields"]["extra"] == ["Unknown field."]
    assert english["fields"]["category"][0].startswith("Must be one of: neighbourhood, family")

    chinese = error(client.post("/api/v1/cases", json=bad, headers=ZH))
    assert chinese["message"] != english["message"]
    for name in ("title", "claim_amount", "currency", "extra", "category"):
        assert chinese["fields"][name] != english["fields"][name], name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["fields"][name][0]), chinese["fields"][name]
    assert "200" in chinese["fields"]["title"][0]

    missing = error(client.post("/api/v1/cases", json={}, headers=ZH))
    assert set(missing["fields"]) == {"category", "title"}
    assert missing["fields"]["title"] == [error(client.post("/api/v1/cases", json={}, headers=ZH))["fields"]["category"][0]]


def test_a_chinese_users_own_language_wins(world, login):
    world.applicant.locale = "zh_CN"
    db.session.commit()
    response = login(world.applicant).post("/api/v1/cases", json={"title": "x" * 201}, headers=EN)
    fields = error(response)["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in fields["title"][0])


def test_nested_field_errors_have_dotted_names(world, login):
    response = login(world.grid_worker).post(
        "/api/v1/cases", json={**NEW_CASE, "on_behalf": True, "applicant": {"phone": "1" * 40}}, headers=EN)
    fields = error(response)["fields"]
    assert fields["applicant.name"] == ["This field is required."]
    assert fields["applicant.phone"] == ["At most 32 characters."]


@pytest.mark.parametrize(
    "body, field",
    [
        ({**NEW_CASE, "claim_amount": "1000000000000"}, "claim_amount"),
        ({**NEW_CASE, "claim_amount": "1.005"}, None),  # rounded to 2 places, not refused
        ({**NEW_CASE, "claim_amount": 1e400}, "claim_amount"),
        ({**NEW_CASE, "claim_amount": "NaN"}, "claim_amount"),
        ({**NEW_CASE, "claim_amount": "1e999999"}, "claim_amount"),
        ({**NEW_CASE, "title": "t" * 201}, "title"),
        ({**NEW_CASE, "facts": "f" * 20_001}, "facts"),
        ({**NEW_CASE, "title": "a\x00b"}, "title"),
        ({**NEW_CASE, "title": "\ud800"}, "title"),
        ({**NEW_CASE, "region_id": 2**31}, "region_id"),
        ({**NEW_CASE, "region_id": -1}, "region_id"),
        ({**NEW_CASE, "region_id": "abc"}, "region_id"),
        ({**NEW_CASE, "organisation_id": 123456}, "organisation_id"),
        ({**NEW_CASE, "currency": "CN"}, "currency"),
        ({**NEW_CASE, "language": "fr"}, "language"),
        ({**NEW_CASE, "category": 7}, "category"),
        ({**NEW_CASE, "on_behalf": "maybe"}, "on_behalf"),
        ({**NEW_CASE, "applicant": "张三"}, "applicant"),
        ([NEW_CASE], "_schema"),
    ],
)
def test_hostile_case_bodies_are_refused_field_by_field(world, login, body, field):
    response = login(world.applicant).post("/api/v1/cases", json=body, headers=EN)
    if field is None:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["claim_amount"] == "1.00"
        return
    assert response.status_code == 422, response.get_json()
    assert field in error(response)["fields"], response.get_json()
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"limit": 10**30},
        {"cursor": "not-a-cursor"}, {"cursor": "eyJiZWZvcmUiOiJ4In0"}, {"cursor": "x" * 500},
        {"state": "pending"}, {"category": "x"}, {"organisation_id": -5},
        {"created_from": "2026-13-01"}, {"created_to": "0001-01-01"}, {"q": ""}, {"q": "q" * 121},
    ],
)
def test_bad_list_parameters_are_422(world, login, query):
    response = login(world.applicant).get("/api/v1/cases", query_string=query)
    assert response.status_code == 422, (query, response.get_json())
    assert set(query) & set(error(response)["fields"])


def test_not_json_is_400_and_wrong_method_405(world, login):
    client = login(world.applicant)
    response = client.post("/api/v1/cases", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request"
    response = client.delete("/api/v1/cases")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_transition_body_is_checked(world, login):
    case = make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    client = login(world.clerk)
    for body, field in (({}, "action"), ({"action": "fly"}, "action"),
                        ({"action": "accept", "expected_version": 0}, "expected_version"),
                        ({"action": "reject", "reason": "r" * 1001}, "reason")):
        response = client.post(f"/api/v1/cases/{case.id}/transitions", json=body, headers=EN)
        assert response.status_code == 422, body
        assert field in error(response)["fields"]
