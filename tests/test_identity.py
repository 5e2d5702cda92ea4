"""Identity (issue 9 item 4): resident ID numbers validated by check digit and birth date, stored
encrypted with rotatable keys, shown masked to everyone but the party; phone numbers verified by a
one-time SMS code."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from flask_babel import force_locale
from sqlalchemy import select, text

from odr.auth.models import User
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Side
from odr.core.errors import ValidationFailed
from odr.core.models import utcnow
from odr.extensions import db
from odr.identity import operations
from odr.identity.models import OneTimeCode, PartyIdentity
from odr.identity.resident_id import InvalidResidentId, check_character, mask, parse
from odr.notifications.models import OutboxMessage

from .factories import make_case

# The worked example of GB 11643-1999 (Beijing, Chaoyang; born 1949-12-31; woman).
STANDARD_EXAMPLE = "11010519491231002X"


def with_check(first17: str) -> str:
    """An independent ISO 7064 MOD 11-2 computation: sum(a_i * 2^(17-i) mod 11), check = (12 - s) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17)) % 11
    value = (12 - total) % 11
    return first17 + ("X" if value == 10 else str(value))


ZHEJIANG = with_check("33010619850714123")  # Hangzhou Xihu, born 1985-07-14, man (3 is odd)


# ---- the number ----------------------------------------------------------------------------

def test_the_standard_example_is_valid_and_read_correctly():
    parsed = parse(STANDARD_EXAMPLE)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "female"
    assert parse(ZHEJIANG).birth_date == date(1985, 7, 14)
    assert parse(ZHEJIANG).sex == "male"


@pytest.mark.parametrize("first17", ["33010619850714123", "11010519491231002", "44030120001231555",
                                     "65010219700101000", "81000019990909123"])
def test_check_character_agrees_with_an_independent_computation(first17):
    assert check_character(first17) == with_check(first17)[-1]


def test_people_may_type_blanks_and_a_small_x():
    assert parse("110105 19491231 002x").number == STANDARD_EXAMPLE


@pytest.mark.parametrize("number, reason", [
    ("1101051949123100", "18 characters"),
    ("11010519491231002Y", "17 digits"),
    ("99010519491231002X", "province"),
    (with_check("33010619850231123"), "date of birth"),  # 31 February
    (with_check("33010618890101123"), "possible"),        # before 1900
    ("11010519491231003X", "does not match"),            # one digit changed
])
def test_invalid_numbers_are_refused_with_the_reason(app, number, reason):
    with pytest.raises(InvalidResidentId) as refused:
        parse(number)
    with app.test_request_context(), force_locale("en"):
        assert reason in str(refused.value.message)


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidResidentId):
        parse(with_check(f"330106{tomorrow:%Y%m%d}123"))


def test_masking_keeps_the_first_and_last_four():
    assert mask(STANDARD_EXAMPLE) == "1101**********002X"
    assert len(mask(STANDARD_EXAMPLE)) == 18


# ---- stored encrypted, shown masked -----------------------------------------------------------

@pytest.fixture()
def case(world):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    return case


def applicant_party(case):
    return next(p for p in case.parties if p.side == Side.APPLICANT)


def test_the_number_is_encrypted_at_rest_and_audited_without_it(app, case, world):
    party = applicant_party(case)
    operations.give_identity(party, world.applicant, ZHEJIANG)
    db.session.commit()
    raw = db.session.execute(text("SELECT number_encrypted, number_masked FROM party_identities")).one()
    assert ZHEJIANG not in raw[0] and ZHEJIANG[6:14] not in raw[0]
    assert raw[1] == mask(ZHEJIANG)
    assert operations.full_number(db.session.get(PartyIdentity, party.id)) == ZHEJIANG
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "party.identity_given")).scalar_one()
    assert ZHEJIANG not in str(event.payload)


def test_keys_rotate_without_losing_a_number(app, case, world):
    party = applicant_party(case)
    old_key = Fernet.generate_key().decode()
    app.config["IDENTITY_KEYS"] = old_key
    try:
        operations.give_identity(party, world.applicant, ZHEJIANG)
        db.session.commit()
        new_key = Fernet.generate_key().decode()
        app.config["IDENTITY_KEYS"] = f"{new_key},{old_key}"
        assert operations.rotate_keys() == 1
        app.config["IDENTITY_KEYS"] = new_key  # the old key is gone
        db.session.expire_all()
        assert operations.full_number(db.session.get(PartyIdentity, party.id)) == ZHEJIANG
    finally:
        app.config["IDENTITY_KEYS"] = None


def test_the_party_sees_the_number_others_see_it_masked(case, world, login):
    party = applicant_party(case)
    operations.give_identity(party, world.applicant, ZHEJIANG)
    db.session.commit()
    own = login(world.applicant).get(f"/cases/{case.id}").get_data(as_text=True)
    assert ZHEJIANG in own
    for viewer in (world.clerk, world.mediator):
        page = login(viewer).get(f"/cases/{case.id}").get_data(as_text=True)
        assert mask(ZHEJIANG) in page
        assert ZHEJIANG not in page
    other_side = login(world.respondent).get(f"/cases/{case.id}").get_data(as_text=True)
    assert ZHEJIANG not in other_side and ZHEJIANG[-4:] + "<" not in other_side


def test_a_party_gives_their_own_number_through_the_page(case, world, login):
    party = applicant_party(case)
    client = login(world.applicant)
    url = f"/cases/{case.id}/parties/{party.id}/identity"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"id_number": ZHEJIANG.lower()})
    assert response.status_code == 302
    assert db.session.get(PartyIdentity, party.id).number_masked == mask(ZHEJIANG)


@pytest.mark.parametrize("lang, message", [("en", "does not match"), ("zh_CN", "不符")])
def test_a_wrong_number_is_refused_in_the_users_language_and_kept_in_the_form(case, world, login, lang, message):
    world.applicant.locale = lang
    db.session.commit()
    party = applicant_party(case)
    wrong = ZHEJIANG[:-1] + ("0" if ZHEJIANG[-1] != "0" else "1")
    response = login(world.applicant).post(f"/cases/{case.id}/parties/{party.id}/identity", data={"id_number": wrong})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{wrong}"' in page
    assert db.session.get(PartyIdentity, party.id) is None


def test_the_other_side_and_strangers_cannot_give_or_read_a_partys_number(case, world, login):
    party = applicant_party(case)
    url = f"/cases/{case.id}/parties/{party.id}/identity"
    assert login(world.respondent).post(url, data={"id_number": ZHEJIANG}).status_code == 403
    assert login(world.stranger).get(url).status_code == 404
    assert login(world.other_clerk).get(url).status_code == 404
    assert db.session.get(PartyIdentity, party.id) is None
    denied = db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied")).scalars().all()
    assert len(denied) == 3


def test_the_clerk_may_record_it_from_the_card_shown(case, world, login):
    party = applicant_party(case)
    response = login(world.clerk).post(f"/cases/{case.id}/parties/{party.id}/identity",
                                       data={"id_number": STANDARD_EXAMPLE})
    assert response.status_code == 302
    assert db.session.get(PartyIdentity, party.id).given_by_id == world.clerk.id


# ---- one-time codes and the phone -------------------------------------------------------------

def sent_code(phone: str) -> str:
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to == phone, OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id.desc())
    ).scalars().first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_a_phone_is_verified_with_the_code_sent_by_sms(world, login):
    world.applicant.locale = "en"
    db.session.commit()
    client = login(world.applicant)
    response = client.post("/account/phone", data={"phone": "+86 139 1234 5678"})
    assert response.status_code == 200
    code = sent_code("13912345678")
    response = client.post("/account/phone/verify", data={"phone": "13912345678", "code": code})
    assert response.status_code == 302
    user = db.session.get(User, world.applicant.id)
    assert user.phone == "13912345678" and user.phone_verified_at is not None
    # The code is single use.
    again = client.post("/account/phone/verify", data={"phone": "13912345678", "code": code})
    assert again.status_code == 422
    assert "expired or was already used" in again.get_data(as_text=True)


def test_codes_are_stored_hashed(world):
    operations.send_code(world.applicant, "phone", "13912345678")
    db.session.commit()
    code = sent_code("13912345678")
    row = db.session.execute(select(OneTimeCode)).scalar_one()
    assert code not in row.code_digest and len(row.code_digest) == 64


def test_wrong_guesses_are_counted_and_stop_after_five(world, login):
    world.applicant.locale = "en"
    db.session.commit()
    client = login(world.applicant)
    client.post("/account/phone", data={"phone": "13912345678"})
    code = sent_code("13912345678")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(operations.CODE_ATTEMPTS):
        assert client.post("/account/phone/verify", data={"phone": "13912345678", "code": wrong}).status_code == 422
    # Even the right code no longer works: the attempts were kept although each request failed.
    response = client.post("/account/phone/verify", data={"phone": "13912345678", "code": code})
    assert response.status_code == 422
    assert "Too many wrong codes" in response.get_data(as_text=True)
    assert db.session.get(User, world.applicant.id).phone_verified_at is None


def test_an_expired_code_is_refused(app, world):
    operations.send_code(world.applicant, "phone", "13912345678")
    db.session.commit()
    code = sent_code("13912345678")
    row = db.session.execute(select(OneTimeCode)).scalar_one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        operations.verify_phone(world.applicant, "13912345678", code)
    with app.test_request_context(), force_locale("en"):
        assert "expired" in str(refused.value.message)


def test_a_new_code_cancels_the_previous_one(world):
    operations.send_code(world.applicant, "phone", "13912345678")
    db.session.commit()
    first = sent_code("13912345678")
    operations.send_code(world.applicant, "phone", "13912345678")
    db.session.commit()
    second = sent_code("13912345678")
    if first != second:
        with pytest.raises(ValidationFailed):
            operations.check_code(world.applicant, "phone", first)
        db.session.rollback()
    assert operations.check_code(world.applicant, "phone", second).used_at is not None


def test_a_number_of_another_account_cannot_be_taken(world, login):
    world.respondent.phone = "13912345678"
    world.applicant.locale = "en"
    db.session.commit()
    client = login(world.applicant)
    client.post("/account/phone", data={"phone": "13912345678"})
    code = sent_code("13912345678")
    response = client.post("/account/phone/verify", data={"phone": "13912345678", "code": code})
    assert response.status_code == 422
    assert "belongs to another account" in response.get_data(as_text=True)
    assert db.session.get(User, world.applicant.id).phone is None


@pytest.mark.parametrize("phone", ["12345", "2391234567a", ""])
def test_a_bad_phone_number_is_refused_and_nothing_is_sent(world, login, phone):
    response = login(world.applicant).post("/account/phone", data={"phone": phone})
    assert response.status_code == 422
    assert db.session.execute(select(OneTimeCode)).first() is None
    assert db.session.execute(select(OutboxMessage)).first() is None
