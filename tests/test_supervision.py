"""Supervision: the clocks (reminders, escalations, never twice), who must act, an organisation's
deadlines page, the supervisors' board (query count flat) and instructions (督办) with answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, RiskLevel, Role
from odr.core.models import utcnow
from odr.extensions import db
from odr.notifications.models import Notification, OutboxMessage
from odr.orgs.models import DeadlineSetting, Membership
from odr.supervision.clocks import People, acting_roles, case_rows, run_clocks
from odr.supervision.models import ClockAlert, Instruction

from .api_support import count_queries
from .factories import make_case, make_user

EN = {"Accept-Language": "en"}


def accept(lang):
    return {"Accept-Language": "zh" if lang == "zh_CN" else lang}


def alerts(case_id):
    return db.session.execute(
        select(ClockAlert.level, ClockAlert.recipients).where(ClockAlert.case_id == case_id).order_by(ClockAlert.level)
    ).all()


def told(kind):
    return sorted(db.session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars())


def audit_actions(case_id):
    return [a for a in db.session.execute(
        select(AuditEvent.action).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)).scalars()
        if a.startswith("supervision.")]


@pytest.fixture()
def street_supervisor(world):
    """A supervisor at the street committee: level 1 there, level 2 one region up (the district)."""
    user = make_user("supervisor", world.committee, name="街道督导")
    db.session.commit()
    return user


def test_a_reminder_goes_to_the_mediator_before_the_deadline_once(world):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    deadline = case.state_deadline
    assert run_clocks(deadline - timedelta(days=2))["reminders"] == 0  # not yet: 24 hours before
    assert run_clocks(deadline - timedelta(hours=12))["reminders"] == 1
    assert run_clocks(deadline - timedelta(hours=11))["reminders"] == 0  # never twice
    assert [(level, [r["user_id"] for r in recipients]) for level, recipients in alerts(case.id)] == [
        (0, [world.mediator.id])]
    assert told("clock_reminder") == [world.mediator.id]
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "clock_reminder")).scalar_one()
    assert mail.to == world.mediator.email and case.reference in mail.subject
    assert audit_actions(case.id) == ["supervision.reminder_sent"]


def test_overdue_escalates_to_the_supervisor_then_one_level_up_the_region_tree(world, street_supervisor):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    deadline = case.state_deadline
    result = run_clocks(deadline + timedelta(days=1))
    assert (result["reminders"], result["escalations"], result["escalations_up"]) == (0, 1, 0)
    assert told("clock_escalated") == [street_supervisor.id]
    body = db.session.execute(select(Notification.body).where(Notification.kind == "clock_escalated")).scalar_one()
    assert world.mediator.name in body  # who must act is named
    result = run_clocks(deadline + timedelta(days=4))
    assert (result["escalations"], result["escalations_up"]) == (0, 1)
    assert told("clock_escalated_up") == [world.supervisor.id]  # district committee: the district region
    assert run_clocks(deadline + timedelta(days=9)) == {
        "reminders": 0, "escalations": 0, "escalations_up": 0, "instructions_escalated": 0}
    assert [level for level, _r in alerts(case.id)] == [1, 2]
    assert audit_actions(case.id) == ["supervision.escalated", "supervision.escalated_up"]


def test_a_new_stay_in_a_state_is_a_new_clock(world):
    case = make_case(world, CaseState.REFERRAL_OFFERED)
    db.session.commit()
    first = case.state_deadline
    run_clocks(first + timedelta(days=1))
    assert [level for level, _r in alerts(case.id)] == [1]
    case_ops.transition(case, "return_referral", world.court_clerk, reason="不属于本院 not ours")
    db.session.commit()
    # return_referral keeps the state: the same clock (entered once) is not escalated again.
    run_clocks(first + timedelta(days=2))
    assert [level for level, _r in alerts(case.id)] == [1]


def test_the_timeline_shows_alerts_to_staff_only(world, login, street_supervisor):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    run_clocks(case.state_deadline + timedelta(days=1))
    staff_page = login(world.clerk).get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "reported to the supervisor" in staff_page
    assert "Who must act: " + world.mediator.name in staff_page
    party_page = login(world.applicant).get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "reported to the supervisor" not in party_page


@pytest.mark.parametrize("state, roles", [
    (CaseState.SUBMITTED, {"clerk"}),
    (CaseState.CONSULTATION, {"clerk", "consultant"}),
    (CaseState.MEDIATION, {"mediator"}),
    (CaseState.REFERRAL_OFFERED, {"receiving_clerk"}),  # the factory chose the court
    (CaseState.CONFIRMATION_REQUESTED, {"receiving_clerk"}),
])
def test_who_must_act_follows_the_workflow_table(world, state, roles):
    case = make_case(world, state)
    db.session.commit()
    assert acting_roles(case) == roles
    actors = People(case_rows([case_ops.Case.id == case.id])).must_act(case)
    expected = {"clerk": world.clerk, "consultant": world.consultant, "mediator": world.mediator,
                "receiving_clerk": world.court_clerk}
    assert {(a.role, a.user_id) for a in actors} == {(r, expected[r].id) for r in roles}


def test_with_no_body_chosen_the_clerk_must_act(world):
    case = make_case(world, CaseState.REFERRAL_OFFERED)
    case.target_organisation_id = None
    case.target_organisation = None
    db.session.commit()
    assert acting_roles(case) == {"clerk"}


# --- an organisation's deadlines --------------------------------------------------------------


def test_a_clerk_sets_the_organisations_deadlines_and_new_cases_use_them(world, login):
    client = login(world.clerk)
    page = client.get(f"/organisations/{world.committee.id}/deadlines", headers=EN)
    assert page.status_code == 200 and "Default: 30 days" in page.get_data(as_text=True)
    response = client.post(f"/organisations/{world.committee.id}/deadlines", data={"mediation": "10", "submitted": "3"})
    assert response.status_code == 303
    assert db.session.get(DeadlineSetting, (world.committee.id, CaseState.MEDIATION)).days == 10
    assert db.session.get(DeadlineSetting, (world.committee.id, CaseState.SUBMITTED)) is None  # the default
    case = make_case(world, CaseState.MEDIATION)
    assert (case.state_deadline - case.state_entered_at) == timedelta(days=10)
    assert db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "organisation.deadlines_changed")).scalar_one()


@pytest.mark.parametrize("lang, message", [("en", "A whole number of days from 1 to 365."),
                                           ("zh_CN", "1 至 365 之间的整数天数。")])
def test_bad_deadlines_are_refused_with_a_translated_error_and_nothing_saved(world, login, lang, message):
    client = login(world.clerk)
    response = client.post(f"/organisations/{world.committee.id}/deadlines", headers=accept(lang),
                           data={"mediation": "0", "evaluation": "12"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'value="12"' in text  # the rest of the input is kept
    assert db.session.execute(select(DeadlineSetting)).first() is None


def test_the_deadlines_of_another_organisation_are_refused(world, login):
    response = login(world.other_clerk).post(f"/organisations/{world.committee.id}/deadlines", data={"mediation": "9"})
    assert response.status_code == 403
    assert db.session.execute(select(DeadlineSetting)).first() is None
    assert login(world.applicant).get("/organisations/deadlines").status_code == 403


# --- the board -----------------------------------------------------------------------------------


def _overdue(world, n, state=CaseState.MEDIATION):
    cases = []
    for _ in range(n):
        case = make_case(world, state)
        case.state_deadline = utcnow() - timedelta(days=3)
        cases.append(case)
    db.session.commit()
    return cases


def test_the_board_lists_overdue_cases_with_who_must_act_and_how_late(world, login):
    [late] = _overdue(world, 1)
    on_time = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    page = login(world.supervisor).get("/supervision", headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert late.reference in text and on_time.reference not in text
    assert f"{world.mediator.name} <span class=\"muted small\">(Mediator)" in text
    assert "3 days late" in text


def test_the_board_is_for_supervisors_and_shows_only_their_subtree(world, login):
    assert login(world.clerk).get("/supervision").status_code == 403
    assert login(world.applicant).get("/supervision").status_code == 403
    elsewhere = make_user("supervisor", world.other_committee)
    [late] = _overdue(world, 1)
    text = login(elsewhere).get("/supervision").get_data(as_text=True)
    assert late.reference not in text


def test_the_board_filters_by_state_and_view(world, login):
    [mediation] = _overdue(world, 1)
    [submitted] = _overdue(world, 1, CaseState.SUBMITTED)
    client = login(world.supervisor)
    text = client.get("/supervision?state=submitted").get_data(as_text=True)
    assert submitted.reference in text and mediation.reference not in text
    mediation.risk_level = RiskLevel.HIGH
    db.session.commit()
    text = client.get("/supervision?show=high_risk").get_data(as_text=True)
    assert mediation.reference in text and submitted.reference not in text


def test_the_board_runs_the_same_number_of_queries_for_more_cases(world, login):
    client = login(world.supervisor)

    def queries(show):
        with count_queries() as n:
            assert client.get(f"/supervision?show={show}").status_code == 200
        return n()

    def instruct(cases):
        for case in cases:
            db.session.add(Instruction(case_id=case.id, issued_by_id=world.supervisor.id, handler_id=world.clerk.id,
                                       text="请尽快处理", due_at=utcnow() - timedelta(days=1)))
            db.session.add(Instruction(case_id=case.id, issued_by_id=world.supervisor.id, handler_id=world.clerk.id,
                                       text="再次督办", due_at=utcnow() + timedelta(days=1)))
        db.session.commit()

    instruct(_overdue(world, 2)[:1])
    few = {show: queries(show) for show in ("overdue", "repeated", "instructions")}
    cases = _overdue(world, 8, CaseState.CONSULTATION)
    instruct(cases[:3])
    many = {show: queries(show) for show in ("overdue", "repeated", "instructions")}
    assert many == few
    text = client.get("/supervision?show=repeated").get_data(as_text=True)
    assert all(case.reference in text for case in cases[:3])


def test_a_party_with_several_open_cases_is_repeated(world, login):
    first = make_case(world, CaseState.MEDIATION)
    second = make_case(world, CaseState.SUBMITTED)
    lone = make_case(world, CaseState.EVALUATION, applicant=world.stranger, respondent_user=world.representative)
    for party in lone.parties:
        party.phone = "13911112222"
    db.session.commit()
    text = login(world.supervisor).get("/supervision?show=repeated").get_data(as_text=True)
    assert first.reference in text and second.reference in text  # 张三 and the company in both
    assert lone.reference not in text


# --- instructions ----------------------------------------------------------------------------------


def test_a_supervisor_instructs_the_handler_who_answers(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    supervisor = login(world.supervisor)
    page = supervisor.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "Send an instruction" in page and world.mediator.name in page
    due = (utcnow() + timedelta(days=2)).date().isoformat()
    response = supervisor.post(f"/cases/{case.id}/instructions",
                               data={"handler_id": world.mediator.id, "text": "请三日内组织调解", "due_on": due})
    assert response.status_code == 303
    instruction = db.session.execute(select(Instruction)).scalar_one()
    assert told("instruction_issued") == [world.mediator.id]
    # Somebody else who works the case cannot answer for the mediator.
    refused = login(world.clerk).post(f"/cases/{case.id}/instructions/{instruction.id}/answer",
                                      data={"answer": "已处理"})
    assert refused.status_code == 403
    mediator = login(world.mediator)
    assert "Send the answer" in mediator.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    response = mediator.post(f"/cases/{case.id}/instructions/{instruction.id}/answer",
                             data={"answer": "已约定周三调解 session fixed for Wednesday"})
    assert response.status_code == 303
    db.session.refresh(instruction)
    assert instruction.answered_at is not None and "Wednesday" in instruction.answer
    assert told("instruction_answered") == [world.supervisor.id]
    assert audit_actions(case.id) == ["supervision.instruction_issued", "supervision.instruction_answered"]
    assert "Wednesday" in supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    # The parties see nothing of it.
    party_page = login(world.applicant).get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "请三日内组织调解" not in party_page and "Send an instruction" not in party_page


@pytest.mark.parametrize("lang, message", [("en", "Please write the instruction."), ("zh_CN", "请填写督办事项。")])
def test_an_empty_instruction_is_refused_and_the_form_kept(world, login, lang, message):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    response = login(world.supervisor).post(
        f"/cases/{case.id}/instructions", headers=accept(lang),
        data={"handler_id": world.mediator.id, "text": " ", "due_on": utcnow().date().isoformat()})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(Instruction)).first() is None


def test_only_supervisors_instruct_and_not_strangers(world, login):
    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    data = {"handler_id": world.mediator.id, "text": "x", "due_on": utcnow().date().isoformat()}
    assert login(world.clerk).post(f"/cases/{case.id}/instructions", data=data).status_code == 403
    assert login(world.stranger).post(f"/cases/{case.id}/instructions", data=data).status_code == 404
    # A handler must work the case: the other committee's mediator cannot be instructed.
    data["handler_id"] = world.other_mediator.id
    assert login(world.supervisor).post(f"/cases/{case.id}/instructions", data=data).status_code == 422
    assert db.session.execute(select(Instruction)).first() is None


def test_an_unanswered_instruction_escalates_once(world, street_supervisor):
    from odr.supervision import operations

    case = make_case(world, CaseState.MEDIATION)
    db.session.commit()
    instruction = operations.issue_instruction(case, street_supervisor, world.mediator.id, "请处理",
                                               utcnow().date())
    db.session.commit()
    later = instruction.due_at + timedelta(hours=1)
    assert run_clocks(later)["instructions_escalated"] == 1
    assert run_clocks(later + timedelta(hours=1))["instructions_escalated"] == 0
    assert told("instruction_overdue") == sorted([world.mediator.id, street_supervisor.id, world.supervisor.id])
    assert "supervision.instruction_overdue" in audit_actions(case.id)


def test_run_due_jobs_runs_the_clocks(world, runner, street_supervisor):
    case = make_case(world, CaseState.SUBMITTED)
    case.state_deadline = utcnow() - timedelta(days=1)
    db.session.commit()
    result = runner.invoke(args=["odr", "run-due-jobs"])
    assert result.exit_code == 0, result.output
    assert "escalated: 1" in result.output
    assert told("clock_escalated") == [street_supervisor.id]
    assert db.session.execute(select(Membership).where(Membership.role == Role.SUPERVISOR)).first()


def test_the_demo_has_overdue_cases_a_supervisor_sees_with_reminders_and_escalations_in_the_outbox(app, login):
    from odr import demo_content
    from odr.auth.models import User
    from odr.demo import seed_demo

    result = seed_demo(case_count=40)
    assert result["reminders"] >= 1 and result["escalations"] >= 1
    kinds = set(db.session.execute(select(OutboxMessage.kind)).scalars())
    assert {"clock_reminder", "clock_escalated"} <= kinds
    supervisor = db.session.execute(
        select(User).where(User.email == demo_content.USERS["supervisor"][0])).scalar_one()
    assert told("clock_escalated").count(supervisor.id) >= 1
    page = login(supervisor).get("/supervision").get_data(as_text=True)  # the demo supervisor reads Chinese
    assert re.search(r"超期 \d+ 天", page)
    assert re.search(r'\S+ <span class="muted small">\((书记员|调解员)\)</span>', page)  # who must act
    overdue = db.session.execute(select(ClockAlert.case_id).where(ClockAlert.level == 1)).scalars().all()
    from odr.cases.models import Case

    references = db.session.execute(select(Case.reference).where(Case.id.in_(overdue))).scalars().all()
    assert any(reference in page for reference in references)
