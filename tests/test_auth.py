"""Sign-in, lockout, rate limit, redirects, CSRF, invitations and API tokens."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import g
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select, text, update
from werkzeug.security import check_password_hash, generate_password_hash

from odr.auth import operations as auth_ops
from odr.auth.models import ApiToken, Invitation, User
from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import Role
from odr.core.errors import ValidationFailed
from odr.core.models import utcnow
from odr.extensions import db, limiter

from .factories import PASSWORD, make_user
from .foundation_support import (
    build_case,
    extra_app,
)

EN = {"Accept-Language": "en"}
WRONG = "Wrong login or password."
# A real hash of the factories' password, made cheap to check (werkzeug reads the method from
# the hash): these tests sign in dozens of times, and scrypt is slow on purpose.
QUICK_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _user(role, **extra):
    user = make_user(role, **extra)
    user.password_hash = QUICK_HASH
    return user


def _post_login(client, login, password, next_=None):
    url = "/login" if next_ is None else f"/login?next={next_}"
    return client.post(url, data={"login": login, "password": password}, headers=EN)


def _events(action):
    db.session.expire_all()
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).scalars().all()


def _error_text(response) -> str:
    return " ".join(re.findall(r'id="[^"]*-error"[^>]*>([^<]*)<', response.get_data(as_text=True)))


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


# --- passwords -----------------------------------------------------------------------------------

def test_password_is_stored_as_a_slow_salted_hash(app):
    secret = "a long enough password 密码"
    user = auth_ops.create_user(name="Wang", role=Role.APPLICANT, email="Wang@Example.test", password=secret)
    db.session.commit()
    stored = db.session.execute(text("SELECT password_hash FROM users WHERE id = :id"), {"id": user.id}).scalar()
    assert secret not in stored
    assert stored.split(":")[0] in ("scrypt", "pbkdf2")
    assert check_password_hash(stored, secret)
    other = auth_ops.create_user(name="Li", role=Role.APPLICANT, phone="139 0000-0002", password=secret)
    assert other.password_hash != stored, "salted: the same password hashes differently"
    assert user.email == "wang@example.test" and other.phone == "13900000002"
    with pytest.raises(ValidationFailed):
        auth_ops.create_user(name="Zhao", role=Role.APPLICANT, email="z@example.test", password="short")


# --- signing in through the page -----------------------------------------------------------------

def test_login_page_signs_in(app, client):
    user = _user("applicant")
    db.session.commit()
    response = _post_login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    assert _signed_in(client)
    assert _events("auth.login")[-1].actor_id == user.id
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_is_refused_with_a_message_and_audited(app, client):
    user = _user("applicant")
    db.session.commit()
    response = _post_login(client, user.email, "not the password")
    assert response.status_code == 401
    assert WRONG in _error_text(response)
    assert not _signed_in(client)
    [failure] = _events("auth.login_failed")
    assert failure.actor_id == user.id and failure.payload == {"reason": "bad_password", "locked": False}
    assert db.session.get(User, user.id).failed_logins == 1


def test_unknown_login_gets_the_same_message(app, client):
    user = _user("applicant")
    db.session.commit()
    unknown = _post_login(client, "nobody@example.test", PASSWORD)
    wrong = _post_login(client, user.email, "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert _error_text(unknown) == _error_text(wrong) == WRONG
    failures = _events("auth.login_failed")
    assert [(f.actor_id, f.payload["reason"]) for f in failures] == [
        (None, "unknown_login"), (user.id, "bad_password"),
    ]


def test_inactive_user_cannot_sign_in(app, client):
    user = _user("clerk", active=False)
    db.session.commit()
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert _error_text(response) == WRONG, "the same message: nothing says the account exists"
    assert not _signed_in(client)
    assert _events("auth.login_refused")[-1].payload == {"reason": "inactive"}


def test_repeated_failures_lock_the_account_until_the_lock_passes(app, client):
    user = _user("mediator")
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(limit):
        response = _post_login(client, user.email, f"wrong {attempt}")
        assert response.status_code == 401
    locked_until = db.session.get(User, user.id).locked_until
    assert locked_until is not None and locked_until > utcnow()
    assert [f.payload["locked"] for f in _events("auth.login_failed")] == [False] * (limit - 1) + [True]

    # Locked: even the right password is refused, and the refusal is audited.
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert "Too many failed attempts" in _error_text(response)
    assert not _signed_in(client)
    assert _events("auth.login_refused")[-1].payload == {"reason": "locked"}

    # Once the lock has passed, the right password works and the counters are reset.
    db.session.execute(update(User).where(User.id == user.id).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    user = db.session.get(User, user.id)
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None
    assert verify_chain().ok


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/%09/evil.example",
        " //evil.example",
    ],
)
def test_next_cannot_send_the_user_off_site(app, target):
    user = _user("applicant")
    db.session.commit()
    response = _post_login(app.test_client(), user.email, PASSWORD, next_=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert parts.scheme in ("", "http", "https"), location
    # Browsers read a backslash as a slash: "/\\host" is "//host", another site.
    assert not parts.path.replace("\\", "/").startswith("//"), location


def test_next_on_this_site_is_followed(app, client):
    user = _user("applicant")
    db.session.commit()
    response = _post_login(client, user.email, PASSWORD, next_="/cases/12?tab=evidence")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cases/12?tab=evidence")


def test_csrf_token_is_required_when_enabled(app, client, monkeypatch):
    user = _user("applicant")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = _post_login(client, user.email, PASSWORD)
    assert refused.status_code == 400
    assert not _signed_in(client)
    page = client.get("/login", headers=EN).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"login": user.email, "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302 and _signed_in(client)


def test_login_is_rate_limited(app, client):
    with extra_app(app, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as limited:
        assert limited.config["SQLALCHEMY_DATABASE_URI"] == app.config["SQLALCHEMY_DATABASE_URI"]
        limited_client = limited.test_client()
        # An empty form is refused before any password is hashed; the limiter counts it all the same.
        statuses = [limited_client.post("/login", data={}, headers=EN).status_code for _ in range(21)]
        assert statuses[:20] == [422] * 20
        assert statuses[20] == 429
        assert limited_client.get("/login", headers=EN).status_code == 200, "only POST is limited"
    # The test app's shared limiter is as it was: still off.
    assert not limiter.enabled
    assert {client.post("/login", data={}).status_code for _ in range(25)} == {422}


# --- invitations ---------------------------------------------------------------------------------

def _invite(world, days=None):
    from odr.core.enums import CaseState

    case = build_case(world, CaseState.EVALUATION, link_respondent=False)
    party = case.parties[-1]
    invitation, secret = auth_ops.create_invitation(case, party, world.clerk, days=days)
    db.session.commit()
    return case, party, invitation, secret


def test_invitation_stores_only_the_hash(world):
    case, party, invitation, secret = _invite(world)
    assert invitation.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(text("SELECT * FROM invitations WHERE id = :id"), {"id": invitation.id}).one()
    assert all(secret not in str(value) for value in row)
    assert _events("invitation.created")[-1].case_id == case.id


def test_invitation_is_single_use(world):
    case, party, invitation, secret = _invite(world)
    auth_ops.redeem_invitation(secret, world.respondent)
    db.session.commit()
    assert db.session.get(type(party), party.id).user_id == world.respondent.id
    assert _events("invitation.redeemed")[-1].actor_id == world.respondent.id
    with force_locale("en"), pytest.raises(auth_ops.InvitationInvalid) as used:
        auth_ops.redeem_invitation(secret, world.stranger)
    assert used.value.code == "invitation_used"
    assert "already been used" in used.value.message
    assert db.session.get(type(party), party.id).user_id == world.respondent.id


def test_expired_invitation_is_refused(world):
    case, party, invitation, secret = _invite(world, days=1)
    db.session.execute(update(Invitation).where(Invitation.id == invitation.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    with force_locale("en"), pytest.raises(auth_ops.InvitationInvalid) as expired:
        auth_ops.redeem_invitation(secret, world.respondent)
    assert expired.value.code == "invitation_expired"
    assert "expired" in expired.value.message
    db.session.rollback()
    assert db.session.get(type(party), party.id).user_id is None


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_unknown_invitation_is_refused(world, token):
    _invite(world)
    with force_locale("en"), pytest.raises(auth_ops.InvitationInvalid) as unknown:
        auth_ops.check_invitation(token)
    assert unknown.value.code == "invitation_invalid"
    assert "not valid" in unknown.value.message


def test_invitation_only_for_a_party_of_that_case(world):
    from odr.core.enums import CaseState

    case = build_case(world, CaseState.EVALUATION)
    other = build_case(world, CaseState.EVALUATION)
    with pytest.raises(ValidationFailed):
        auth_ops.create_invitation(case, other.parties[-1], world.clerk)


# --- API tokens ----------------------------------------------------------------------------------

def _fresh_g():
    # The test session keeps one app context, so `g` (where Flask-Login keeps the request's
    # user) outlives a request; a real request starts with an empty one.
    for name in list(vars(g)):
        delattr(g, name)


def _bearer(app, secret):
    """(user id or None, authenticated by token?) for a request with that bearer token."""
    with app.test_request_context("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}):
        _fresh_g()
        user = current_user._get_current_object()
        return (user.id if user.is_authenticated else None), g.get("authenticated_by_token", False)


def test_api_token_stores_only_the_hash_and_authenticates(app, client):
    user = _user("clerk")
    token, secret = auth_ops.create_api_token(user, "integration", days=30)
    db.session.commit()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(text("SELECT * FROM api_tokens WHERE id = :id"), {"id": token.id}).one()
    assert all(secret not in str(value) for value in row)
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 3

    assert _bearer(app, secret) == (user.id, True)
    assert client.get("/dashboard", headers={"Authorization": f"Bearer {secret}", **EN}).status_code == 200
    assert client.get("/dashboard", headers=EN).status_code == 302, "no token, no session: sign in"
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_bad_revoked_and_expired_tokens_do_not_authenticate(app):
    user = _user("clerk")
    revoked, revoked_secret = auth_ops.create_api_token(user, "old")
    auth_ops.revoke_api_token(revoked, user)
    expired, expired_secret = auth_ops.create_api_token(user, "short", days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    inactive_user = _user("clerk", active=False)
    _, inactive_secret = auth_ops.create_api_token(inactive_user, "inactive")
    _, good_secret = auth_ops.create_api_token(user, "good")
    db.session.commit()
    for secret in (revoked_secret, expired_secret, inactive_secret, good_secret[:-2], "odr_", "", "x"):
        assert _bearer(app, secret) == (None, False), secret
    assert _bearer(app, good_secret) == (user.id, True)
    with app.test_request_context("/", headers={"Authorization": f"Basic {good_secret}"}):
        _fresh_g()
        assert not current_user.is_authenticated
    assert _events("auth.api_token_revoked")[-1].payload["token_id"] == revoked.id
