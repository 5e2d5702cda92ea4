"""The case timeline: what each viewer reads, in plain words."""

from flask_babel import force_locale

from odr.cases.timeline import case_timeline
from odr.core.audit import record
from odr.core.enums import CaseState
from odr.extensions import db
from odr.mediation.operations import post_message

from .factories import make_case


def _texts(case, viewer, lang="en"):
    with force_locale(lang):
        return [entry.text for entry in case_timeline(case, viewer)]


def test_room_messages_stay_in_the_room(world, app):
    case = make_case(world, CaseState.MEDIATION)
    post_message(case, "caucus:applicant", world.applicant, "我的底线是一万元", "m-1")
    db.session.commit()
    for viewer in (world.applicant, world.respondent, world.mediator, world.clerk):
        texts = " ".join(_texts(case, viewer))
        assert "room.message" not in texts
        assert "一万元" not in texts


def test_an_issued_document_is_told_to_everyone_in_the_case(world, app):
    case = make_case(world, CaseState.ACCEPTED)
    record("document.issued", actor=world.clerk, case=case, document_id=1, type="acceptance_notice",
           lang="zh_CN", version=1, sha256="0" * 64, code="ABCD-EFGH-JKLM", supersedes=None)
    db.session.commit()
    assert f"{world.clerk.name} issued a paper: Acceptance notice, version 1" in _texts(case, world.applicant)
    assert any("受理通知书" in text for text in _texts(case, world.applicant, "zh_CN"))


def test_demo_backdating_is_shown_to_staff_only(world, app):
    case = make_case(world, CaseState.SUBMITTED)
    record("demo.backdated", actor=world.admin, case=case, days=3)
    db.session.commit()
    assert any("Demo data" in text for text in _texts(case, world.clerk))
    assert not any("Demo data" in text or "demo.backdated" in text for text in _texts(case, world.applicant))
