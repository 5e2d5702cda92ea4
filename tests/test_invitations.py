"""The respondent's journey: the invitation, an account or the link alone, consent or decline,
their side and evidence, reminders and the consent deadline."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from odr.auth.models import Invitation, User
from odr.cases import operations as case_ops
from odr.core.enums import CaseState, Side
from odr.core.models import utcnow
from odr.extensions import db
from odr.notifications.jobs import run_due_jobs
from odr.notifications.models import Notification

from .foundation_support import audit_count, build_case, last_event
from .notification_support import LINK, invited_case, outbox

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _consent_jobs() -> dict:
    """What run_due_jobs did about consent (it also reports other domains' jobs: sessions, ...)."""
    return {key: value for key, value in run_due_jobs().items() if key in ("reminded", "expired")}


def _in_app(user) -> list[Notification]:
    """The user's in-app messages since the case was accepted (that one is intake's)."""
    return list(db.session.execute(
        select(Notification).where(Notification.user_id == user.id, Notification.kind != "case_accepted")
        .order_by(Notification.id)).scalars())


def test_invite_respondent_sends_the_link_by_email_and_sms(world):
    case, party, token = invited_case(world)
    [mail] = outbox(channel="email", kind="invitation")
    [sms] = outbox(channel="sms", kind="invitation")
    assert (mail.to, sms.to) == ("li.si@example.test", "13800000000")
    assert mail.status == sms.status == "sent" and mail.case_id == case.id
    assert LINK.search(mail.body).group(1) == token == LINK.search(sms.body).group(1)
    assert case.reference in mail.subject and "张三" in mail.body  # the case is in zh_CN
    invitation = db.session.execute(select(Invitation).where(Invitation.case_id == case.id)).scalar_one()
    assert invitation.party_id == party.id and invitation.expires_at == case.state_deadline
    assert token not in str(invitation.token_hash)  # only the hash is kept


def test_the_api_step_sends_the_invitation_too(world, login):
    case = build_case(world, CaseState.EVALUATION, link_respondent=False)
    case.parties_on(Side.RESPONDENT)[0].email = "r@example.test"
    db.session.commit()
    response = login(world.clerk).post(f"/api/v1/cases/{case.id}/transitions",
                                       json={"action": "invite_respondent"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert [m.to for m in outbox(kind="invitation")] == ["r@example.test", "13800000000"]


def test_a_refused_invite_step_sends_nothing(world):
    case = build_case(world, CaseState.EVALUATION, link_respondent=False, respondent_contact=False)
    db.session.commit()
    with pytest.raises(Exception):  # noqa: B017 - the guard: no way to reach the respondent
        case_ops.transition(case, "invite_respondent", world.clerk)
    db.session.rollback()
    assert outbox(kind="invitation") == []  # (the applicant was told of the acceptance before)


def test_the_invitation_page_shows_the_claim_and_mediation(world, client):
    case, party, token = invited_case(world)
    page = client.get(f"/invite/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("张三", case.facts[:6], "12,000.00", "Art. 17", "voluntary", "某某公司",
                 "Continue with the link only", 'value="li.si@example.test"'):
        assert text in html, text
    zh = client.get(f"/invite/{token}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "第十七条" in zh and "自愿" in zh


@pytest.mark.parametrize("problem, status, words", [
    ("unknown", 404, "not valid"), ("expired", 410, "expired"), ("used", 409, "already been used")])
def test_bad_links_say_so_plainly(world, client, problem, status, words):
    case, party, token = invited_case(world)
    invitation = db.session.execute(select(Invitation).where(Invitation.case_id == case.id)).scalar_one()
    if problem == "unknown":
        token = token[:-4] + "xxxx"
    elif problem == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
    else:
        invitation.used_at = utcnow()
    db.session.commit()
    for response in (client.get(f"/invite/{token}", headers={"Accept-Language": "en"}),
                     client.post(f"/invite/{token}/link", headers={"Accept-Language": "en"})):
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert words in html and "/login" in html  # and a way forward
    assert case.parties_on(Side.RESPONDENT)[0].user_id is None


def test_create_an_account_from_the_invitation(world, client):
    case, party, token = invited_case(world)
    bad = client.post(f"/invite/{token}/account", data={"name": "李四", "email": "", "phone": "",
                                                        "password": "short"})
    assert bad.status_code == 422
    assert 'value="李四"' in bad.get_data(as_text=True)  # what was typed is kept
    done = client.post(f"/invite/{token}/account", data={
        "name": "李四", "email": "LI.SI@example.test", "phone": "", "password": "a-long-password-1"})
    assert done.status_code == 303 and done.location.endswith(f"/respond/{case.id}")
    user = db.session.execute(select(User).where(User.email == "li.si@example.test")).scalar_one()
    db.session.refresh(party)
    assert party.user_id == user.id and user.password_hash and user.role.value == "respondent"
    assert client.get(f"/respond/{case.id}").status_code == 200
    again = client.get(f"/invite/{token}")
    assert again.status_code == 409  # single use


def test_continue_with_the_link_only_then_set_a_password(world, client):
    case, party, token = invited_case(world)
    done = client.post(f"/invite/{token}/link")
    assert done.status_code == 303
    db.session.refresh(party)
    user = db.session.get(User, party.user_id)
    assert user.password_hash is None and user.email == "li.si@example.test"
    page = client.get(f"/respond/{case.id}").get_data(as_text=True)
    assert "Set a password" in page or "设置密码" in page
    assert client.post(f"/respond/{case.id}/password", data={"password": "x"}).status_code == 422
    assert client.post(f"/respond/{case.id}/password",
                       data={"password": "another-long-one"}).status_code == 303
    db.session.refresh(user)
    assert user.password_hash


def test_link_only_never_opens_an_account_with_a_password(world, client):
    case, party, token = invited_case(world, email=world.stranger.email)
    response = client.post(f"/invite/{token}/link", headers={"Accept-Language": "en"})
    assert response.status_code == 409 and "Sign in" in response.get_data(as_text=True)
    db.session.refresh(party)
    assert party.user_id is None


def test_a_signed_in_party_links_their_account(world, login):
    case, party, token = invited_case(world)
    client = login(world.respondent)
    assert client.post(f"/invite/{token}/link").status_code == 303
    db.session.refresh(party)
    assert party.user_id == world.respondent.id


def test_staff_cannot_take_the_respondents_place(world, login):
    case, party, token = invited_case(world)
    assert login(world.clerk).post(f"/invite/{token}/link").status_code == 409
    db.session.refresh(party)
    assert party.user_id is None


def _joined(world, client, **kw):
    case, party, token = invited_case(world, **kw)
    assert client.post(f"/invite/{token}/link").status_code == 303
    return case, party


def test_consent_starts_mediation_and_tells_the_applicant(world, client):
    case, party = _joined(world, client)
    assert client.post(f"/respond/{case.id}/consent").status_code == 303
    db.session.refresh(case)
    assert case.state == CaseState.MEDIATION
    assert [n.kind for n in _in_app(world.applicant)] == ["respondent_consented"]


def test_consent_without_a_mediator_is_explained_and_the_clerk_asked(world, client):
    case, party = _joined(world, client, mediator=False)
    response = client.post(f"/respond/{case.id}/consent", follow_redirects=True,
                           headers={"Accept-Language": "en"})
    assert "No mediator has been named" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.state == CaseState.AWAITING_RESPONDENT
    assert [n.kind for n in _in_app(world.clerk)] == ["consent_needs_mediator"]


def test_decline_needs_a_reason_and_keeps_the_text(world, client):
    case, party = _joined(world, client)
    empty = client.post(f"/respond/{case.id}/decline", data={"reason": "  "},
                        headers={"Accept-Language": "en"})
    assert empty.status_code == 422 and "Please give a reason." in empty.get_data(as_text=True)
    long = client.post(f"/respond/{case.id}/decline", data={"reason": "太远了" * 700})
    assert long.status_code == 422 and "太远了太远了" in long.get_data(as_text=True)
    db.session.refresh(case)
    assert case.state == CaseState.AWAITING_RESPONDENT
    assert client.post(f"/respond/{case.id}/decline", data={"reason": "公司已经付清"}).status_code == 303
    db.session.refresh(case)
    assert case.state == CaseState.REFERRAL_OFFERED
    assert last_event("case.transition", case.id).payload["reason"] == "公司已经付清"
    [told] = _in_app(world.applicant)
    assert told.kind == "respondent_declined" and "公司已经付清" in told.body


def test_statement_and_evidence_from_the_respondent(world, client):
    case, party = _joined(world, client)
    assert client.post(f"/respond/{case.id}/statement", data={"statement": " "}).status_code == 422
    assert client.post(f"/respond/{case.id}/statement",
                       data={"statement": "工资已于十月付清。"}).status_code == 303
    db.session.refresh(party)
    assert party.statement == "工资已于十月付清。" and party.statement_at is not None
    assert audit_count("party.statement_given", case.id) == 1
    bad = client.post(f"/respond/{case.id}/evidence", data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")},
                      content_type="multipart/form-data")
    assert bad.status_code == 415
    ok = client.post(f"/respond/{case.id}/evidence",
                     data={"file": (io.BytesIO(PDF), "收据.pdf"), "description": "银行回单"},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    db.session.refresh(case)
    assert [e.filename for e in case.evidence] == ["收据.pdf"]
    assert case.evidence[0].uploaded_by_id == party.user_id


def test_the_respondent_sees_neither_another_case_nor_private_evidence(world, client):
    case, party = _joined(world, client)
    private = case_ops.add_evidence(case, world.applicant, filename="secret.pdf", data=PDF,
                                    private_to_side=Side.APPLICANT)
    other = build_case(world, CaseState.AWAITING_RESPONDENT, title="另一个案件")
    db.session.commit()
    page = client.get(f"/respond/{case.id}").get_data(as_text=True)
    assert "secret.pdf" not in page
    assert client.get(f"/evidence/{private.id}/download").status_code == 403
    assert last_event("access.denied", case.id).payload["attempted"] == "evidence.download"
    for url in (f"/respond/{other.id}", f"/cases/{other.id}"):
        assert client.get(url).status_code == 404
    for step in ("consent", "decline", "statement", "evidence"):
        assert client.post(f"/respond/{other.id}/{step}", data={"reason": "x", "statement": "x"}).status_code == 404
    assert last_event("access.denied", other.id) is not None
    db.session.refresh(other)
    assert other.state == CaseState.AWAITING_RESPONDENT


def test_the_applicant_may_not_answer_for_the_respondent(world, login):
    case = build_case(world, CaseState.AWAITING_RESPONDENT)
    db.session.commit()
    client = login(world.applicant)
    assert client.get(f"/respond/{case.id}").status_code == 403
    assert client.post(f"/respond/{case.id}/consent").status_code == 403


def _awaiting(world, days_left: float, **kw):
    case, party, token = invited_case(world, **kw)
    case.state_deadline = utcnow() + timedelta(days=days_left)
    db.session.commit()
    return case


def test_the_reminder_is_sent_once(world):
    case = _awaiting(world, 1.5)
    far = _awaiting(world, 5)
    assert _consent_jobs() == {"reminded": 1, "expired": 0}
    assert _consent_jobs() == {"reminded": 0, "expired": 0}
    reminders = outbox(kind="consent_reminder")
    assert sorted(m.channel for m in reminders) == ["email", "sms"]
    assert {m.case_id for m in reminders} == {case.id} and far.id not in {m.case_id for m in reminders}
    token = LINK.search(reminders[0].body).group(1)  # a fresh link that still works
    assert db.session.execute(select(Invitation).where(Invitation.case_id == case.id)).scalars().all()
    assert token


def test_no_answer_by_the_deadline_offers_referral_and_tells_the_applicant(world, runner):
    case = _awaiting(world, -0.1)
    result = runner.invoke(args=["odr", "run-due-jobs"])
    assert "consent deadlines passed: 1" in result.output
    db.session.refresh(case)
    assert case.state == CaseState.REFERRAL_OFFERED
    event = last_event("case.transition", case.id)
    assert (event.payload["step"], event.actor_id) == ("consent_expired", None)
    assert [n.kind for n in _in_app(world.applicant)] == ["consent_expired"]
    assert _consent_jobs() == {"reminded": 0, "expired": 0}


def test_the_case_page_leads_the_respondent_to_their_answer(world, login):
    case = build_case(world, CaseState.AWAITING_RESPONDENT)
    db.session.commit()
    mine = login(world.respondent).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/respond/{case.id}" in mine and f"/cases/{case.id}/invitation" not in mine
    staff = login(world.clerk).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/invitation" in staff and f"/respond/{case.id}" not in staff


def test_staff_send_a_new_link(world, login):
    case, party, token = invited_case(world)
    before = len(outbox(kind="invitation"))
    assert login(world.applicant).post(f"/cases/{case.id}/invitation").status_code == 403
    assert login(world.stranger).post(f"/cases/{case.id}/invitation").status_code == 404
    assert last_event("access.denied", case.id).payload["attempted"] == "case.invite"
    assert len(outbox(kind="invitation")) == before
    response = login(world.clerk).post(f"/cases/{case.id}/invitation")
    assert response.status_code == 303
    fresh = outbox(kind="invitation")[before:]
    assert sorted(m.channel for m in fresh) == ["email", "sms"]
    new_token = LINK.search(fresh[0].body).group(1)
    assert new_token != token
    db.session.refresh(case)
    case_ops.transition(case, "consent_expired", None)
    db.session.commit()
    assert login(world.clerk).post(f"/cases/{case.id}/invitation").status_code == 409
