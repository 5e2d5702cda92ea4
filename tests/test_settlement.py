"""Proposals, blind bidding and the settlement agreement through the JSON API (odr/mediation/api.py)
and the operations; the real-server socket tests are in test_settlement_server.py."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState
from odr.core.errors import ValidationFailed
from odr.core.storage import blob_path
from odr.documents.models import Document, DocumentType
from odr.extensions import db
from odr.mediation.models import MessageKind, RoomMessage

from .factories import PASSWORD, make_case, make_user
from .foundation_support import shows


@pytest.fixture()
def deal(world, login):
    """A case in mediation, signed-in clients for its people and for a party of another case."""
    from types import SimpleNamespace

    d = SimpleNamespace(world=world)
    d.case = make_case(world, CaseState.MEDIATION)
    d.outsider_user = make_user("applicant", name="王五")
    d.other_case = make_case(world, CaseState.MEDIATION, applicant=d.outsider_user,
                             respondent_user=make_user("respondent", name="赵六"))
    db.session.commit()
    d.applicant, d.respondent = login(world.applicant), login(world.respondent)
    d.mediator, d.clerk, d.outsider = login(world.mediator), login(world.clerk), login(d.outsider_user)
    d.url = f"/api/v1/cases/{d.case.id}"
    return d


def _denied(user) -> list[dict]:
    db.session.rollback()
    return list(db.session.execute(
        select(AuditEvent.payload).where(AuditEvent.action == "access.denied", AuditEvent.actor_id == user.id)
    ).scalars())


def _system_messages(case_id) -> list[str]:
    db.session.rollback()
    return list(db.session.execute(
        select(RoomMessage.body).where(RoomMessage.case_id == case_id, RoomMessage.kind == MessageKind.SYSTEM)
        .order_by(RoomMessage.seq)
    ).scalars())


# ---- proposals ----------------------------------------------------------------------------------

def test_a_proposal_is_countered_and_accepted_and_only_the_other_side_may_answer(deal):
    offer = {"amount": "9000.00", "instalments": [{"amount": "4000.00", "due_date": "2027-01-31"},
                                                  {"amount": "5000.00", "due_date": "2027-02-28"}],
             "terms": "公司出具道歉信 / a letter of apology"}
    made = deal.applicant.post(f"{deal.url}/proposals", json=offer)
    assert made.status_code == 201, made.json
    first = made.json
    assert first["status"] == "offered" and first["side"] == "applicant" and first["amount"] == "9000.00"
    own = deal.applicant.post(f"{deal.url}/proposals/{first['id']}/accept")
    assert own.status_code == 403 and own.json["error"]["code"] == "forbidden"
    assert deal.mediator.post(f"{deal.url}/proposals", json=offer).status_code == 403

    countered = deal.respondent.post(f"{deal.url}/proposals/{first['id']}/counter", json={"amount": "7000.00"})
    assert countered.status_code == 201 and countered.json["answers_id"] == first["id"]
    accepted = deal.applicant.post(f"{deal.url}/proposals/{countered.json['id']}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    again = deal.respondent.post(f"{deal.url}/proposals/{first['id']}/reject")
    assert again.status_code == 409 and again.json["error"]["code"] == "proposal_closed"

    listed = deal.clerk.get(f"{deal.url}/proposals").json["items"]
    assert [(p["side"], p["status"]) for p in listed] == [("applicant", "countered"), ("respondent", "accepted")]
    assert len(_system_messages(deal.case.id)) == 3  # made, countered, accepted
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.case_id == deal.case.id,
                                                                 AuditEvent.action.like("proposal.%"))
                                 .order_by(AuditEvent.id)).scalars().all()
    assert actions == ["proposal.made", "proposal.countered", "proposal.made", "proposal.accepted"]


def test_one_open_proposal_per_side_and_only_its_side_withdraws(deal):
    first = deal.applicant.post(f"{deal.url}/proposals", json={"amount": "8000"}).json
    second = deal.applicant.post(f"{deal.url}/proposals", json={"terms": "另一个 another"})
    assert second.status_code == 409 and second.json["error"]["code"] == "open_proposal_exists"
    assert deal.respondent.post(f"{deal.url}/proposals/{first['id']}/withdraw").status_code == 403
    assert deal.applicant.post(f"{deal.url}/proposals/{first['id']}/withdraw").json["status"] == "withdrawn"
    assert deal.applicant.post(f"{deal.url}/proposals", json={"terms": "另一个 another"}).status_code == 201


def test_instalments_must_add_up_and_an_offer_needs_content(deal):
    bad = deal.applicant.post(f"{deal.url}/proposals", json={
        "amount": "9000", "instalments": [{"amount": "1000", "due_date": "2027-01-01"}]})
    assert bad.status_code == 422 and "instalments" in bad.json["error"]["fields"]
    assert deal.applicant.post(f"{deal.url}/proposals", json={}).status_code == 422


def test_outsiders_get_not_found_and_are_audited(deal):
    url = deal.url
    for method, path, body in (("get", "/proposals", None), ("post", "/proposals", {"amount": "1"}),
                               ("get", "/bids", None), ("post", "/bids", {"amount": "1"}),
                               ("get", "/agreement", None),
                               ("post", "/signatures", {"password": PASSWORD, "typed_signature": "x", "sha256": "0" * 64})):
        response = getattr(deal.outsider, method)(url + path, json=body)
        assert response.status_code == 404, (method, path)
    assert len(_denied(deal.outsider_user)) == 6


# ---- blind bidding ------------------------------------------------------------------------------

def _bidding(deal, gap="0"):
    assert deal.applicant.post(f"{deal.url}/bids/propose", json={"gap_percent": gap}).status_code == 200
    wrong = deal.respondent.post(f"{deal.url}/bids/agree", json={"gap_percent": "7"})
    assert wrong.status_code == 422
    agreed = deal.respondent.post(f"{deal.url}/bids/agree", json={"gap_percent": gap})
    assert agreed.status_code == 200 and agreed.json["bidding"]["status"] == "open"


def _audit_text(case_id) -> str:
    db.session.rollback()
    rows = db.session.execute(select(AuditEvent.payload).where(AuditEvent.case_id == case_id)).scalars()
    return json.dumps(list(rows), ensure_ascii=False)


def test_shows_finds_amounts_and_ignores_hashes():
    assert shows("7313", '{"amount": "7313.00"}') and shows("7313", "报价 7,313 元")
    assert not shows("7313", '{"hash": "ab7313cd", "token": "x7313", "id": 17313}')


def test_crossing_figures_settle_at_the_midpoint_and_no_figure_reaches_the_other_side(deal):
    _bidding(deal)
    seen = {"applicant": [], "respondent": [], "mediator": []}
    seen["applicant"].append(deal.applicant.post(f"{deal.url}/bids", json={"amount": "7313.00"}).get_data(as_text=True))
    seen["respondent"].append(deal.respondent.get(f"{deal.url}/bids").get_data(as_text=True))
    settled = deal.respondent.post(f"{deal.url}/bids", json={"amount": "9871"})
    seen["respondent"].append(settled.get_data(as_text=True))
    assert settled.json["bidding"]["status"] == "settled"
    assert settled.json["bidding"]["settled_amount"] == "8592.00"  # (7313 + 9871) / 2
    assert settled.json["my_bids"] == [{"round": 1, "side": "respondent", "amount": "9871.00"}]
    for name, client in (("applicant", deal.applicant), ("respondent", deal.respondent), ("mediator", deal.mediator)):
        for path in ("/bids", "/proposals", "/timeline"):
            seen[name].append(client.get(deal.url + path).get_data(as_text=True))
    assert not shows("7313", "".join(seen["respondent"])) and not shows("9871", "".join(seen["applicant"]))
    assert not shows("7313", "".join(seen["mediator"])) and not shows("9871", "".join(seen["mediator"]))
    room = " ".join(_system_messages(deal.case.id))
    assert shows("8592", room) and not shows("7313", room) and not shows("9871", room)
    audit = _audit_text(deal.case.id)
    assert not shows("7313", audit) and not shows("9871", audit)
    proposal = deal.mediator.get(f"{deal.url}/proposals").json["items"][-1]
    assert (proposal["status"], proposal["amount"], proposal["from_bidding"]) == ("accepted", "8592.00", True)


def test_figures_within_the_agreed_gap_settle(deal):
    _bidding(deal, gap="5")
    deal.applicant.post(f"{deal.url}/bids", json={"amount": "10000"})
    result = deal.respondent.post(f"{deal.url}/bids", json={"amount": "9600"}).json["bidding"]
    assert (result["status"], result["settled_amount"]) == ("settled", "9800.00")


def test_no_agreement_says_only_so_and_the_rounds_run_out(deal):
    _bidding(deal)
    for k in (1, 2, 3):
        assert deal.applicant.post(f"{deal.url}/bids", json={"amount": "10317"}).status_code == 200
        again = deal.applicant.post(f"{deal.url}/bids", json={"amount": "10318"})
        assert again.status_code == 409 and again.json["error"]["code"] == "already_bid"
        reply = deal.respondent.post(f"{deal.url}/bids", json={"amount": "5129"})
        assert not shows("10317", reply.get_data(as_text=True))
        state = reply.json["bidding"]
        assert state["rounds"][-1] == {"round": k, "outcome": "no_agreement"}
    assert state["status"] == "exhausted" and state["settled_amount"] is None
    late = deal.applicant.post(f"{deal.url}/bids", json={"amount": "1"})
    assert late.status_code == 409 and late.json["error"]["code"] == "bidding_closed"
    assert not shows("10317", deal.respondent.get(f"{deal.url}/bids").get_data(as_text=True))


# ---- the agreement ------------------------------------------------------------------------------

def _sign(client, url, sha, password=PASSWORD, name="签名"):
    return client.post(f"{url}/signatures", json={"password": password, "typed_signature": name, "sha256": sha})


def test_draft_versions_comments_lock_sign_settle_and_the_paper(deal):
    offered = deal.respondent.post(f"{deal.url}/proposals", json={"amount": "8592.00"}).json
    deal.applicant.post(f"{deal.url}/proposals/{offered['id']}/accept")
    assert deal.applicant.post(f"{deal.url}/agreement", json={}).status_code == 403
    draft = deal.mediator.post(f"{deal.url}/agreement", json={})
    assert draft.status_code == 201
    agreement = draft.json["agreement"]
    assert agreement["version"] == 1 and "8592.00" in agreement["clauses"]["terms"]
    assert "第三十一条" in agreement["text"] and "张三" in agreement["clauses"]["parties"]

    edited = deal.mediator.put(f"{deal.url}/agreement", json={
        "expected_version": 1, "clauses": {"performance": "2027年1月31日前一次性转账支付。"}})
    assert edited.status_code == 200 and edited.json["agreement"]["version"] == 2
    stale = deal.mediator.put(f"{deal.url}/agreement", json={"expected_version": 1, "clauses": {"performance": "x"}})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    assert stale.json["error"]["current_version"] == 2
    assert stale.json["error"]["current_text"] == edited.json["agreement"]["text"]
    assert deal.respondent.put(f"{deal.url}/agreement", json={"expected_version": 2, "clauses": {}}).status_code == 403

    comment = deal.respondent.post(f"{deal.url}/agreement/comments", json={"body": "请写明账户 / name the account"})
    assert comment.status_code == 201 and comment.json["version"] == 2
    assert [c["body"] for c in deal.applicant.get(f"{deal.url}/agreement").json["comments"]] == ["请写明账户 / name the account"]

    settle_early = pytest.raises(ValidationFailed)
    with settle_early:
        case_ops.transition(db.session.get(type(deal.case), deal.case.id), "settle", deal.world.mediator)
    db.session.rollback()

    locked = deal.mediator.post(f"{deal.url}/agreement/lock", json={"expected_version": 2}).json["agreement"]
    sha = locked["sha256"]
    assert sha == hashlib.sha256(locked["text"].encode()).hexdigest()
    after_lock = deal.mediator.put(f"{deal.url}/agreement", json={"expected_version": 2, "clauses": {"facts": "x"}})
    assert after_lock.status_code == 409 and after_lock.json["error"]["code"] == "agreement_locked"
    assert deal.mediator.post(f"{deal.url}/agreement/unlock").status_code == 200
    locked = deal.mediator.post(f"{deal.url}/agreement/lock", json={"expected_version": 2}).json["agreement"]
    assert locked["sha256"] == sha

    wrong = _sign(deal.applicant, deal.url, sha, password="wrong password")
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "reauth_failed"
    assert _sign(deal.applicant, deal.url, "0" * 64).json["error"]["code"] == "text_changed"
    signed = _sign(deal.applicant, deal.url, sha, name="张三")
    assert signed.status_code == 201 and signed.json["case_state"] == "mediation"
    assert _sign(deal.applicant, deal.url, sha).json["error"]["code"] == "already_signed"
    unlock = deal.mediator.post(f"{deal.url}/agreement/unlock")
    assert unlock.status_code == 409 and unlock.json["error"]["code"] == "already_signed"
    assert _sign(deal.respondent, deal.url, sha, name="李四").status_code == 201
    last = _sign(deal.mediator, deal.url, sha, name="陈调解")
    assert last.status_code == 201 and last.json["case_state"] == "settled"
    assert last.json["agreement"]["status"] == "signed"
    assert [s["role"] for s in deal.clerk.get(f"{deal.url}/signatures").json["items"]] == [
        "applicant", "respondent", "mediator"]

    db.session.rollback()
    document = db.session.execute(select(Document).where(
        Document.case_id == deal.case.id, Document.type == DocumentType.SETTLEMENT_AGREEMENT)).scalar_one()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes())).pages)
    flat = "".join(text.split())
    assert "张三" in flat and "某某公司" in flat and "8592.00" in flat and sha in flat
    assert document.inputs["agreement"]["signatures"][0]["sha256"] == sha


def test_the_case_page_shows_the_proposals_to_the_people_of_the_case(deal):
    deal.applicant.post(f"{deal.url}/proposals", json={"amount": "9100.00", "terms": "道歉信"})
    page = deal.respondent.get(f"/cases/{deal.case.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="proposals"' in html and "9100.00" in html and "道歉信" in html
    assert deal.outsider.get(f"/cases/{deal.case.id}").status_code == 404
    other = deal.outsider.get(f"/cases/{deal.other_case.id}").get_data(as_text=True)
    assert "9100.00" not in other and 'id="proposals"' not in other


def test_the_english_paper_renders_the_signed_text(deal):
    from odr.documents.operations import issue_document
    from odr.mediation import agreement as agreements

    case, world = deal.case, deal.world
    agreement = agreements.create(case, world.mediator, {"terms": "The respondent pays 8592.00."})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    for user in (world.applicant, world.respondent, world.mediator):
        agreements.sign(case, user, agreement, password=PASSWORD, typed_signature=user.name,
                        sha256=agreement.text_sha256)
    assert case.state == CaseState.SETTLED
    document = issue_document(case, DocumentType.SETTLEMENT_AGREEMENT, world.mediator, "en")
    db.session.commit()
    reader = PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes()))
    flat = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert "Mediationagreement" in flat and agreement.text_sha256 in flat and "8592.00" in flat


def test_with_a_task_queue_the_paper_is_queued_only_after_the_commit(deal, app, monkeypatch):
    from odr.documents import tasks
    from odr.mediation import agreement as agreements

    queued = []
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setattr(tasks, "issue", lambda case, doc_type, actor, lang: queued.append((case.id, doc_type, lang)))
    case, world = deal.case, deal.world
    agreement = agreements.create(case, world.mediator, {"terms": "付款 8592.00 元"})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    for user in (world.applicant, world.respondent, world.mediator):
        agreements.sign(case, user, agreement, password=PASSWORD, typed_signature=user.name,
                        sha256=agreement.text_sha256)
    case_id = case.id
    assert queued == []
    db.session.commit()
    assert queued == [(case_id, DocumentType.SETTLEMENT_AGREEMENT, "zh_CN")]


def test_an_organisation_requiring_real_names_refuses_a_signature_without_them(deal):
    from odr.core.errors import ValidationFailed
    from odr.identity import operations as identity_ops
    from odr.mediation import agreement as agreements

    case, world = deal.case, deal.world
    case.organisation.requires_real_name = True
    agreement = agreements.create(case, world.mediator, {"terms": "付款 8592.00 元"})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    with pytest.raises(ValidationFailed) as refused:
        agreements.sign(case, world.applicant, agreement, password=PASSWORD, typed_signature="张三",
                        sha256=agreement.text_sha256)
    assert refused.value.code == "identity_required"
    # The mediator signs without: the rule is for the parties.
    agreements.sign(case, world.mediator, agreement, password=PASSWORD, typed_signature="调解员",
                    sha256=agreement.text_sha256)
    applicant = next(p for p in case.parties if p.user_id == world.applicant.id)
    identity_ops.give_identity(applicant, world.applicant, "11010519491231002X")
    signature = agreements.sign(case, world.applicant, agreement, password=PASSWORD, typed_signature="张三",
                                sha256=agreement.text_sha256)
    assert signature.user_id == world.applicant.id
