"""The workflow table, walked row by row: who may take each step, what it sets, what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.cases import workflow
from odr.cases.models import Case
from odr.core.audit import verify_chain
from odr.core.enums import FINAL_STATES, CaseState, Category, RiskLevel, Side
from odr.core.errors import Conflict, NotAllowed, ValidationFailed
from odr.core.models import utcnow
from odr.core.policy import case_roles
from odr.extensions import db
from odr.orgs.models import DeadlineSetting

from . import factories
from .conftest import delete_everything
from .foundation_support import (
    REASON,
    ROLE_HOLDERS,
    audit_count,
    build_case,
    holder,
    last_event,
    snapshot,
)

ALL_ROLES = sorted(ROLE_HOLDERS)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# No test here commits: the world is built once for the module and each test's cases are
# rolled back (building the world for each of these ~70 tests took longer than the tests).
@pytest.fixture(scope="module")
def world(app):
    db.session.rollback()
    data = factories.build_world()
    db.session.commit()
    yield data
    delete_everything()


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    db.session.rollback()
    leaked = db.session.execute(select(func.count()).select_from(Case)).scalar()
    assert leaked == 0, "a test of this module committed: it would leak into the next ones"


def _id(rule):
    return f"{rule.source.value}-{rule.action}"


def _data(w, rule) -> dict:
    data = {"reason": REASON if rule.needs_reason else None}
    if "target_organisation_id" in rule.takes:
        # A referral case already has the court as its target: choose another body, so the step
        # visibly changes something.
        referral = rule.source == CaseState.REFERRAL_OFFERED
        data["target_organisation_id"] = (w.arbitration if referral else w.court).id
    return data


def _case_for(w, rule):
    """A case in the rule's source state; offered for referral, it already has the court as target.
    A step whose guard asks for more finds it: a joint application for judicial confirmation, a
    missed term of the agreement (odr/confirmation, odr/performance)."""
    case = build_case(w, rule.source, choose_court=rule.source == CaseState.REFERRAL_OFFERED)
    if rule.action == "request_confirmation":
        from odr.confirmation.models import ApplicationStatus, ConfirmationApplication

        now = utcnow()
        db.session.add(ConfirmationApplication(
            case_id=case.id, court_id=w.court.id, status=ApplicationStatus.OPEN, started_by_id=w.applicant.id,
            applicant_joined_by_id=w.applicant.id, applicant_joined_at=now,
            respondent_joined_by_id=w.respondent.id, respondent_joined_at=now))
    if rule.action == "request_enforcement":
        from odr.core.enums import Side
        from odr.performance.models import Obligation

        db.session.add(Obligation(case_id=case.id, number=1, obligor_side=Side.RESPONDENT, description="第1期",
                                  due_on=utcnow().date() - timedelta(days=3)))
    db.session.flush()
    return case


def _sole_role(w, case, role):
    """The holder of `role`, after checking they hold that role and no other in this case."""
    actor = holder(w, role)
    if actor is not None:
        held = case_roles(actor, case)
        assert held <= {role}, f"{role} holder also holds {held}"
    return actor


def test_table_uses_known_roles_and_states():
    for rule in workflow.TRANSITIONS:
        assert rule.roles, _id(rule)
        assert rule.roles <= set(ALL_ROLES), _id(rule)
        assert rule.source not in FINAL_STATES, "nothing leaves a final state"
        assert (rule.outcome is not None) == (rule.target in FINAL_STATES), _id(rule)
    # Every state that is neither the start nor final has a clock, and no final state has one.
    for state in CaseState:
        has_clock = state in workflow.DEFAULT_DEADLINE_DAYS
        assert has_clock == (state not in FINAL_STATES and state != CaseState.DRAFT), state
    assert sorted({rule.action for rule in workflow.TRANSITIONS}) == workflow.ACTIONS


@pytest.mark.parametrize("rule", workflow.TRANSITIONS, ids=_id)
def test_transition_row(world, rule):
    """One row of the table: who is refused, what a missing reason does, who succeeds and what
    the step sets (with the default clock and with the organisation's own)."""
    case = _case_for(world, rule)
    assert case.state == rule.source
    _others_are_refused(world, case, rule)
    if rule.needs_reason:
        _blank_reason_is_refused(world, case, rule)
    for role in sorted(rule.roles):
        # Each allowed role acts on the same case, inside a savepoint rolled back afterwards.
        savepoint = db.session.begin_nested()
        _take_step(world, case, rule, role)
        savepoint.rollback()
        assert case.state == rule.source
    if rule.target != rule.source and rule.target in workflow.DEFAULT_DEADLINE_DAYS:
        _organisation_clock_applies(world, case, rule)


def _take_step(w, case, rule, role):
    actor = _sole_role(w, case, role)
    assert actor is None or role in case_roles(actor, case)
    before = snapshot(case)
    steps_before = audit_count("case.transition", case.id)
    data = _data(w, rule)
    start = utcnow()
    case_ops.transition(case, rule.action, actor, expected_version=before["version"], **data)
    end = utcnow()

    assert case.state == rule.target, role
    assert case.outcome == rule.outcome
    assert (case.closed_at is not None) == (rule.outcome is not None)
    if rule.outcome is not None:
        assert start <= case.closed_at <= end
    days = workflow.DEFAULT_DEADLINE_DAYS.get(rule.target)
    if rule.target == rule.source:
        assert case.state_deadline == before["deadline"], "a step that stays put keeps its clock"
    elif days is None:
        assert case.state_deadline is None
    else:
        assert start + timedelta(days=days) <= case.state_deadline <= end + timedelta(days=days)
    db.session.flush()
    assert case.version == before["version"] + 1, "one step, one UPDATE"
    if "target_organisation_id" in data:
        assert case.target_organisation_id == data["target_organisation_id"]
    event = last_event("case.transition", case.id)
    assert event is not None and event.actor_id == (actor.id if actor else None)
    assert event.payload["step"] == rule.action
    assert event.payload["from_state"] == rule.source.value
    assert event.payload["to_state"] == rule.target.value
    assert event.payload["reason"] == data["reason"]
    assert audit_count("case.transition", case.id) == steps_before + 1
    assert verify_chain().ok


def _others_are_refused(w, case, rule):
    refused = [role for role in ALL_ROLES if role not in rule.roles]
    assert refused
    for role in refused:
        actor = _sole_role(w, case, role)
        before = snapshot(case)
        with pytest.raises(NotAllowed):
            case_ops.transition(case, rule.action, actor, **_data(w, rule))
        assert snapshot(case) == before, role
    # A stranger, staff of another organisation and a deactivated holder of an allowed role too.
    outsiders = [w.stranger, w.other_clerk, w.other_mediator]
    allowed_actor = next((holder(w, r) for r in sorted(rule.roles) if holder(w, r)), None)
    savepoint = db.session.begin_nested()
    if allowed_actor is not None:
        allowed_actor.active = False
        outsiders.append(allowed_actor)
    for actor in outsiders:
        before = snapshot(case)
        with pytest.raises(NotAllowed):
            case_ops.transition(case, rule.action, actor, **_data(w, rule))
        assert snapshot(case) == before
    savepoint.rollback()


def _blank_reason_is_refused(w, case, rule):
    actor = holder(w, sorted(rule.roles)[0])
    data = _data(w, rule)
    for blank in (None, "", "   \n"):
        data["reason"] = blank
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as refused:
            case_ops.transition(case, rule.action, actor, **data)
        assert "reason" in refused.value.fields
        assert snapshot(case) == before


def _organisation_clock_applies(w, case, rule):
    savepoint = db.session.begin_nested()
    days = workflow.DEFAULT_DEADLINE_DAYS[rule.target] + 11
    db.session.add(DeadlineSetting(organisation_id=case.organisation_id, state=rule.target, days=days))
    # Another organisation's setting for the same state does not apply.
    db.session.add(DeadlineSetting(organisation_id=w.other_committee.id, state=rule.target, days=1))
    db.session.flush()
    start = utcnow()
    case_ops.transition(case, rule.action, holder(w, sorted(rule.roles)[0]), **_data(w, rule))
    end = utcnow()
    assert start + timedelta(days=days) <= case.state_deadline <= end + timedelta(days=days)
    assert last_event("case.transition", case.id).payload["deadline"] == case.state_deadline.isoformat()
    savepoint.rollback()


@pytest.mark.parametrize("state", list(CaseState), ids=str)
def test_action_not_in_the_table_is_a_conflict(world, state):
    case = build_case(world, state)
    missing = [action for action in workflow.ACTIONS if workflow.find(state, action) is None]
    assert missing
    for action in missing:
        # Checked before who is asking: a step the table does not have is a conflict for anyone.
        for actor in (world.clerk, None):
            before = snapshot(case)
            with pytest.raises(Conflict):
                case_ops.transition(case, action, actor, reason=REASON)
            assert snapshot(case) == before, action
    with pytest.raises(Conflict):
        case_ops.transition(case, "no_such_step", world.admin, reason=REASON)


def test_withdrawing_a_draft_needs_no_reason_but_later_it_does(world):
    assert not workflow.find(CaseState.DRAFT, "withdraw").needs_reason
    assert all(workflow.find(s, "withdraw").needs_reason for s in workflow.WITHDRAWABLE if s != CaseState.DRAFT)
    case = build_case(world)
    case_ops.transition(case, "withdraw", world.applicant)
    assert case.state == CaseState.WITHDRAWN


def _refused_by_guard(case, action, actor, message, **data):
    before = snapshot(case)
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        case_ops.transition(case, action, actor, **data)
    assert message in refused.value.message
    assert snapshot(case) == before


def test_submit_needs_respondent(world):
    case = build_case(world, respondent=False)
    _refused_by_guard(case, "submit", world.applicant, "Add the other party")


def test_submit_needs_applicant(world):
    case = case_ops.create_case(world.grid_worker, category="labour", title="t", facts="f",
                                region_id=world.grid.id, on_behalf=True)
    case_ops.add_party(case, world.grid_worker, side=Side.RESPONDENT, name="r", phone="1")
    _refused_by_guard(case, "submit", world.grid_worker, "Add the applicant")


@pytest.mark.parametrize("facts", ["", "   \n "])
def test_submit_needs_facts(world, facts):
    case = build_case(world, facts=facts)
    _refused_by_guard(case, "submit", world.grid_worker, "Describe what happened")


def test_submit_needs_an_organisation_serving_the_region(world):
    case = build_case(world, CaseState.DRAFT, region=False)
    before = snapshot(case)
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        case_ops.transition(case, "submit", world.grid_worker)
    assert "No organisation serves this region" in refused.value.message
    assert "region_id" in refused.value.fields
    assert snapshot(case) == before
    # A submitted case always has an organisation, so the accept guard is the last line only.
    rule = workflow.find(CaseState.SUBMITTED, "accept")
    with force_locale("en"):
        assert "Route the case" in str(rule.guard(case, {}))
    case.organisation_id = world.committee.id
    assert rule.guard(case, {}) is None


def test_routing_prefers_the_category_then_falls_back_to_the_peoples_committee(world):
    from odr.orgs.models import OrganisationCategory

    labour_studio = factories.make_org("劳动争议调解工作室", "mediator_studio", parent=world.committee,
                                       regions=[world.community], categories=[Category.LABOUR])
    world.committee.categories[:] = [OrganisationCategory(category=Category.NEIGHBOURHOOD)]
    world.district_committee.categories[:] = [OrganisationCategory(category=Category.NEIGHBOURHOOD)]
    db.session.flush()
    grid = db.session.get(type(world.grid), world.grid.id)
    assert case_ops.find_organisation(grid, Category.LABOUR) == labour_studio
    assert case_ops.find_organisation(grid, Category.NEIGHBOURHOOD) == world.committee
    # No mediating body lists tenancy (the court does, but courts take referrals, not
    # applications): the nearest people's mediation committee takes it.
    assert case_ops.find_organisation(grid, Category.TENANCY) == world.committee
    assert case_ops.find_organisation(None, Category.TENANCY) is None


def test_invite_needs_respondent_contact(world):
    case = build_case(world, CaseState.EVALUATION, link_respondent=False, respondent_contact=False)
    _refused_by_guard(case, "invite_respondent", world.clerk, "phone number or e-mail")


def test_consent_needs_a_mediator(world):
    case = build_case(world, CaseState.AWAITING_RESPONDENT, mediator=False)
    _refused_by_guard(case, "consent", world.respondent, "Assign a mediator")
    case_ops.assign_mediator(case, world.clerk, world.mediator)
    case_ops.transition(case, "consent", world.respondent)
    assert case.state == CaseState.MEDIATION


def test_confirmation_only_within_thirty_days(world):
    case = build_case(world, CaseState.SETTLED)
    court = world.court.id
    _refused_by_guard(case, "request_confirmation", world.applicant, "Choose the court")
    case.settled_at = utcnow() - timedelta(days=workflow.CONFIRMATION_WINDOW_DAYS, hours=1)
    db.session.flush()
    _refused_by_guard(case, "request_confirmation", world.applicant, "30 days", target_organisation_id=court)
    assert case.target_organisation_id is None, "a refused step leaves no half-applied data"
    case.settled_at = utcnow() - timedelta(days=workflow.CONFIRMATION_WINDOW_DAYS - 1)
    db.session.flush()
    # Art. 33: jointly. One side alone cannot take the step (odr/confirmation records who joined).
    _refused_by_guard(case, "request_confirmation", world.applicant, "Both parties", target_organisation_id=court)
    from odr.confirmation import operations as confirmation

    confirmation.start(case, world.applicant, court)
    assert case.state == CaseState.SETTLED
    confirmation.join(case, world.respondent)
    assert case.state == CaseState.CONFIRMATION_REQUESTED
    assert case.target_organisation_id == court


def test_choose_referral_needs_a_target(world):
    case = build_case(world, CaseState.AWAITING_RESPONDENT)
    case_ops.transition(case, "decline", world.respondent, reason=REASON)
    assert case.state == CaseState.REFERRAL_OFFERED and case.target_organisation_id is None
    _refused_by_guard(case, "choose_referral", world.applicant, "Choose the body")
    with pytest.raises(ValidationFailed):
        case_ops.transition(case, "choose_referral", world.applicant, target_organisation_id=987654)


def test_expected_version_mismatch_is_a_conflict(world):
    case = build_case(world, CaseState.SUBMITTED)
    before = snapshot(case)
    for stale in (before["version"] - 1, before["version"] + 1, str(before["version"] + 5)):
        with pytest.raises(Conflict):
            case_ops.transition(case, "accept", world.clerk, expected_version=stale)
        assert snapshot(case) == before
    case_ops.transition(case, "accept", world.clerk, expected_version=str(before["version"]))
    assert case.state == CaseState.ACCEPTED


FINAL = [CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.REJECTED]


@pytest.mark.parametrize("state", FINAL, ids=str)
def test_final_case_refuses_every_operation(world, state):
    case = build_case(world, state)
    assert case.is_final and case.outcome is not None and case.state_deadline is None
    before = snapshot(case)
    attempts = {
        "update_case": lambda: case_ops.update_case(case, world.clerk, title="改 changed"),
        "update_nothing": lambda: case_ops.update_case(case, world.clerk),
        "add_party": lambda: case_ops.add_party(case, world.clerk, side=Side.RESPONDENT, name="x"),
        "add_evidence": lambda: case_ops.add_evidence(case, world.applicant, filename="a.pdf", data=PDF),
        "assign_mediator": lambda: case_ops.assign_mediator(case, world.clerk, world.mediator),
        "set_risk": lambda: case_ops.set_risk(case, world.clerk, RiskLevel.HIGH, "reason"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotAllowed):
            attempt()
        assert snapshot(case) == before, name
    for action in workflow.ACTIONS:
        for actor in (world.admin, world.clerk, world.applicant, world.mediator, world.court_clerk, None):
            with pytest.raises(Conflict):
                case_ops.transition(case, action, actor, reason=REASON,
                                    target_organisation_id=world.court.id)
    assert snapshot(case) == before
