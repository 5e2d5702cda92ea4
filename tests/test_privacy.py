"""Personal data (issue 9 item 5): a person downloads what the service holds about them (JSON and
PDF), and asks for closed cases to be anonymised after the retention period an administrator sets;
issued papers and the audit chain are kept, and the person is told why."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from odr.cases.models import Party
from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import CaseState, Side
from odr.core.models import utcnow
from odr.extensions import db
from odr.identity import operations as identity_ops
from odr.identity.models import PartyIdentity
from odr.mediation import operations as room_ops
from odr.notifications.jobs import run_due_jobs
from odr.privacy import operations
from odr.privacy.models import AnonymisationRequest

from .factories import make_case

OWN_ID = "11010519491231002X"


def side_of(case, side):
    return next(p for p in case.parties if p.side == side)


@pytest.fixture()
def mediation_case(world):
    case = make_case(world, CaseState.MEDIATION)
    side_of(case, Side.APPLICANT).user_id = world.applicant.id
    identity_ops.give_identity(side_of(case, Side.APPLICANT), world.applicant, OWN_ID)
    room_ops.post_message(case, "joint", world.applicant, "我的话 my own words", "a1")
    room_ops.post_message(case, "caucus:applicant", world.applicant, "只对调解员说 to the mediator", "a2")
    room_ops.post_message(case, "joint", world.respondent, "对方的话 the other side's words", "r1")
    room_ops.post_message(case, "caucus:respondent", world.respondent, "对方的秘密 their secret", "r2")
    db.session.commit()
    return case


def test_the_json_export_holds_what_is_mine_and_nothing_of_the_other_side(mediation_case, world, login):
    response = login(world.applicant).get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == world.applicant.email
    mine = [c for c in data["cases"] if c["case"] == mediation_case.reference]
    assert mine and mine[0]["side"] == "applicant" and mine[0]["resident_id"] == OWN_ID
    bodies = [m["body"] for m in data["room_messages"]]
    assert bodies == ["我的话 my own words", "只对调解员说 to the mediator"]
    text = response.get_data(as_text=True)
    other = side_of(mediation_case, Side.RESPONDENT)
    assert "their secret" not in text and "the other side's words" not in text
    assert other.phone not in text
    # What the person did is there too (from the audit chain), with the case it concerned.
    assert any(a["action"] == "party.identity_given" and a["case"] == mediation_case.reference
               for a in data["activity"])
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.exported")).scalar_one()


def test_the_export_is_the_same_size_of_work_for_many_rows(mediation_case, world, app):
    """The export's statements do not grow with the number of messages or cases named."""
    from sqlalchemy import event

    def statements() -> int:
        count = [0]

        def on_statement(*args):
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", on_statement)
        try:
            db.session.expire_all()
            operations.personal_data(world.applicant)
        finally:
            event.remove(db.engine, "before_cursor_execute", on_statement)
        return count[0]

    few = statements()
    for n in range(10):
        room_ops.post_message(mediation_case, "joint", world.applicant, f"more {n}", f"m{n}")
        make_case(world, CaseState.SUBMITTED)
    db.session.commit()
    assert statements() == few


def test_the_pdf_export_is_a_real_pdf_with_my_text(mediation_case, world, login):
    world.applicant.locale = "en"
    db.session.commit()
    response = login(world.applicant).get("/account/data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Personal data held about you" in text
    assert mediation_case.reference in text
    assert "my own words" in text
    assert "their secret" not in text


def test_a_stranger_gets_an_empty_export_not_someone_elses(mediation_case, world, login):
    data = json.loads(login(world.stranger).get("/account/data.json").data)
    assert data["cases"] == [] and data["room_messages"] == []


@pytest.fixture()
def closed_case(world):
    case = make_case(world, CaseState.CLOSED)
    party = side_of(case, Side.APPLICANT)
    party.user_id = world.applicant.id
    party.phone, party.address, party.statement = "13700000000", "西湖区某路1号", "我的陈述 my statement"
    identity_ops.give_identity(party, world.applicant, OWN_ID)
    case.closed_at = utcnow() - timedelta(days=10)
    db.session.commit()
    return case


def test_anonymisation_waits_for_the_retention_period_then_replaces_the_particulars(closed_case, world, login):
    client = login(world.applicant)
    page = client.get("/account/data").get_data(as_text=True)
    assert "audit chain" in page.lower() or "审计链" in page  # what is kept, and why
    party = side_of(closed_case, Side.APPLICANT)
    assert client.post(f"/account/data/anonymise/{party.id}").status_code == 302
    request = db.session.execute(select(AnonymisationRequest)).scalar_one()
    assert request.due_at == closed_case.closed_at + timedelta(days=operations.DEFAULT_RETENTION_DAYS)

    run_due_jobs()  # not due yet: nothing changes
    db.session.expire_all()
    assert db.session.get(Party, party.id).phone == "13700000000"

    run_due_jobs(now=request.due_at + timedelta(minutes=1))
    db.session.expire_all()
    party = db.session.get(Party, party.id)
    assert party.name == operations.ANONYMISED_NAME
    assert party.phone is None and party.address is None and party.statement is None
    assert db.session.get(PartyIdentity, party.id) is None
    assert db.session.get(AnonymisationRequest, request.id).done_at is not None
    assert verify_chain().ok  # the audit chain is kept whole
    # Asking twice does not make a second request.
    client.post(f"/account/data/anonymise/{party.id}")
    assert len(db.session.execute(select(AnonymisationRequest)).all()) == 1


def test_an_open_case_cannot_be_anonymised(mediation_case, world, login):
    party = side_of(mediation_case, Side.APPLICANT)
    response = login(world.applicant).post(f"/account/data/anonymise/{party.id}", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.execute(select(AnonymisationRequest)).first() is None


def test_nobody_else_can_ask_for_a_partys_anonymisation(closed_case, world, login):
    party = side_of(closed_case, Side.APPLICANT)
    for other in (world.respondent, world.clerk, world.admin):
        assert login(other).post(f"/account/data/anonymise/{party.id}").status_code == 404
    assert db.session.execute(select(AnonymisationRequest)).first() is None


def test_only_an_administrator_sets_the_retention_period_within_bounds(world, login):
    assert login(world.clerk).get("/admin/retention").status_code == 403
    admin = login(world.admin)
    assert admin.get("/admin/retention").status_code == 200
    assert admin.post("/admin/retention", data={"days": "5"}).status_code == 422
    assert admin.post("/admin/retention", data={"days": "abc"}).status_code == 422
    assert operations.retention_days() == operations.DEFAULT_RETENTION_DAYS
    assert admin.post("/admin/retention", data={"days": "400"}).status_code == 302
    assert operations.retention_days() == 400
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.retention_set")).scalar_one()
    assert event.payload["days"] == 400 and event.payload["before"] == operations.DEFAULT_RETENTION_DAYS
