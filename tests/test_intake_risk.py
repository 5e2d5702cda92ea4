"""Risk flags (重大纠纷预警): each signal in both languages, repeated complaints, the automatic
raise on submit with the supervisors alerted, and the grid worker's view of their grid."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases.models import Case
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, RiskLevel, Side
from odr.core.policy import can, case_roles, visible_cases_clause
from odr.extensions import db
from odr.intake import operations, risk
from odr.intake.models import GridAssignment

from . import factories
from .foundation_support import build_case
from .test_intake import assert_notified


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("他威胁要报复我", "threat"), ("说要同归于尽", "threat"), ("He said he would kill me", "threat"),
        ("对方动手打人", "violence"), ("他持刀上门", "violence"), ("he beat my son", "violence"),
        ("有群体上访的可能", "group"), ("多人聚集在门口", "group"), ("a crowd gathered at the gate", "group"),
        ("她说要跳楼", "self_harm"), ("扬言自杀", "self_harm"), ("he talked about suicide", "self_harm"),
    ],
)
def test_each_signal_in_both_languages(text, signal):
    assert signal in risk.text_signals(text)


@pytest.mark.parametrize("text", ["拖欠工资三个月", "The skillful worker was not paid", "邻居噪音扰民",
                                  "a beautiful apartment"])
def test_ordinary_disputes_raise_nothing(text):
    assert risk.text_signals(text) == []


def _filed(world, facts, respondent="某某公司", phone="13800000000", submit=True):
    case = case_ops.create_case(world.applicant, category="labour", title="t", facts=facts, claims="c",
                                region_id=world.grid.id)
    case_ops.add_party(case, world.applicant, side=Side.RESPONDENT, name=respondent, phone=phone)
    item = operations.IntakeRecord(case_id=case.id)
    db.session.add(item)
    if submit:
        operations.submit(case, item, world.applicant)
    db.session.flush()
    return case


def _events(action, case_id):
    return db.session.execute(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.case_id == case_id)
                              ).scalars().all()


def test_submit_raises_the_level_and_alerts_the_supervisors(world):
    case = _filed(world, "对方威胁我，还动手打人")
    assert case.risk_level == RiskLevel.MAJOR  # two kinds of signal
    [changed] = _events("case.risk_changed", case.id)
    assert changed.actor_id is None and "threat" in changed.payload["reason"]
    assert "violence" in changed.payload["reason"]
    [alert] = _events("case.risk_alert", case.id)
    assert alert.payload["supervisors"] == [world.supervisor.id]
    told = _events("intake.told", case.id)
    [told] = told
    assert told.payload["recipients"] == [world.supervisor.id] and told.payload["kind"] == "risk_alert"
    assert_notified(told, world.supervisor, "risk_alert", case.reference)


def test_one_signal_is_high_and_nothing_is_low(world):
    assert _filed(world, "He threatened me").risk_level == RiskLevel.HIGH
    quiet = _filed(world, "wages unpaid", respondent="别的公司", phone="13800000009")
    assert quiet.risk_level == RiskLevel.LOW
    assert not _events("case.risk_alert", quiet.id) and not _events("case.risk_changed", quiet.id)


def test_repeated_complaints_about_the_same_respondent(world):
    _filed(world, "wages", respondent="甲公司", phone="13811110000")
    second = _filed(world, "wages", respondent="甲公司", phone="13822220000")
    assert second.risk_level == RiskLevel.LOW  # one other case is not yet a pattern
    # The same phone under another name counts too; a draft does not.
    _filed(world, "wages", respondent="别名", phone="13811110000", submit=False)
    third = _filed(world, "wages", respondent="乙", phone="13811110000")
    assert risk.repeated_complaints(third) == 1 and third.risk_level == RiskLevel.LOW
    fourth = _filed(world, "wages", respondent="甲公司", phone="1")
    assert fourth.risk_level == RiskLevel.MEDIUM
    assert "repeated" in _events("case.risk_changed", fourth.id)[0].payload["reason"]
    # A closed case no longer counts.
    for case in db.session.execute(select(Case).where(Case.id != fourth.id, Case.state == CaseState.SUBMITTED)
                                   ).scalars():
        case_ops.transition(case, "reject", world.clerk, reason="r")
    assert risk.repeated_complaints(fourth) == 0


def test_submit_never_lowers_a_level_set_by_staff(world):
    case = _filed(world, "wages", submit=False)
    case_ops.set_risk(case, world.clerk, RiskLevel.HIGH, "known conflict")
    item = db.session.execute(select(operations.IntakeRecord).where(
        operations.IntakeRecord.case_id == case.id)).scalar()
    operations.submit(case, item, world.applicant)
    assert case.risk_level == RiskLevel.HIGH


def test_grid_worker_follows_the_cases_of_their_grid(world):
    worker = factories.make_user("grid_worker", name="钱网格")
    db.session.add(GridAssignment(user_id=worker.id, region_id=world.community.id))
    mine = build_case(world, CaseState.SUBMITTED)  # in world.grid, below world.community
    draft = build_case(world, CaseState.DRAFT)
    elsewhere = case_ops.create_case(world.stranger, category="labour", title="elsewhere",
                                     facts="f", region_id=world.other_grid.id)
    case_ops.add_party(elsewhere, world.stranger, side=Side.RESPONDENT, name="r", phone="1")
    case_ops.transition(elsewhere, "submit", world.stranger)
    db.session.commit()
    assert case_roles(worker, mine) == {"grid_worker"}
    assert can(worker, "case.view", mine) and not can(worker, "case.edit", mine)
    assert not can(worker, "case.view", draft) and not can(worker, "case.view", elsewhere)
    # The list shows exactly the cases the detail page opens, for every user of the world.
    cases = [mine, draft, elsewhere]
    for user in [worker, world.grid_worker, world.applicant, world.clerk, world.other_clerk, world.admin,
                 world.stranger, AnonymousUserMixin()]:
        expected = {c.id for c in cases if case_roles(user, c)}
        selected = set(db.session.execute(select(Case.id).where(visible_cases_clause(user))).scalars())
        assert selected == expected, getattr(user, "name", "anonymous")


def test_grid_worker_pages(world, login):
    worker = factories.make_user("grid_worker", name="钱网格")
    db.session.add(GridAssignment(user_id=worker.id, region_id=world.grid.id))
    mine = build_case(world, CaseState.SUBMITTED)
    other = build_case(world, CaseState.SUBMITTED)
    other.region_id = world.other_grid.id
    db.session.commit()
    client = login(worker)
    assert client.get(f"/cases/{mine.id}").status_code == 200
    assert client.get(f"/cases/{other.id}").status_code == 404
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f"/cases/{mine.id}\"" in dashboard and f"/cases/{other.id}\"" not in dashboard
    assert client.post(f"/cases/{mine.id}/risk", data={"level": "low", "reason": "x"}).status_code == 403
    # Their posters: their grid only.
    assert client.get(f"/qr/grid/{world.grid.id}.pdf").status_code == 200
    assert client.get(f"/qr/grid/{world.other_grid.id}.pdf").status_code == 404
