"""Who may do what: the whole matrix of `can()`, the list filter, private evidence, refusals.

The expected tables are written out by hand (role -> allowed actions, per state). When a rule is
added to CASE_RULES, test_matrix_covers_every_rule fails until the tables say who gets it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.cases import workflow
from odr.cases.models import Case
from odr.core import policy
from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import CaseState, Role, Side
from odr.core.errors import NotAllowed, NotFound
from odr.core.models import utcnow
from odr.core.policy import authorize, can, case_roles, visible_cases_clause
from odr.extensions import db

from . import factories
from .foundation_support import (
    REASON,
    build_case,
)

T = "case.transition."
READ = {"case.view", "case.timeline", "case.evidence.list", "case.document.view", "case.evaluation.view"}
EVALUATE = {"case.evaluation.edit", "case.evaluation.checklist"}
# Proposals, bids and the agreement (odr/mediation): parties bargain and sign, the mediator drafts.
PARTY_DEAL = {"mediation.view", "mediation.bargain", "mediation.agreement.sign"}
ROOM_APPLICANT = {"room.joint.read", "room.joint.write", "room.caucus.applicant"} | PARTY_DEAL
ROOM_RESPONDENT = {"room.joint.read", "room.joint.write", "room.caucus.respondent"} | PARTY_DEAL
ROOM_MEDIATOR = {"room.joint.read", "room.joint.write", "room.caucus.applicant", "room.caucus.respondent",
                 "mediation.view", "mediation.agreement.draft", "mediation.agreement.sign"}
# The organisation's clerk, while the case is open.
CLERK = READ | {
    "case.edit", "case.party.add", "case.evidence.upload", "case.assign_mediator", "case.set_risk",
    "case.invite", "case.audit", "case.document.issue", "room.joint.read", "mediation.view",
} | EVALUATE | {"case.bundle.export"}
SUPERVISOR = READ | {"case.set_risk", "case.audit", "room.joint.read", "mediation.view", "case.bundle.export"}
ADMIN = READ | {"case.assign_mediator", "case.audit", "case.bundle.export"}
# The clerk of the body a case was referred to (or the court asked) reads it and exports its file.
RECEIVING = READ | {"case.bundle.export"}
MEDIATOR = READ | ROOM_MEDIATOR | {
    "case.evidence.upload", "case.set_risk", "case.invite", "case.document.issue",
} | EVALUATE | {"case.evaluation.note"} | {
    # Sessions, their notes (the mediator's alone), the conflict-of-interest declaration.
    "mediation.session.manage", "mediation.notes.view", "mediation.notes.edit", "case.mediator.declare",
}
APPLICANT = READ | ROOM_APPLICANT | {"case.evidence.upload", "case.referral.consent"} | EVALUATE
RESPONDENT = READ | ROOM_RESPONDENT | {"case.evidence.upload", "case.evaluation.checklist",
                                      "case.respond", "case.statement", "case.referral.consent"}
FILER = READ | {"case.evidence.upload"} | EVALUATE
# An organisation's consultant, while the case is open: evaluation and expert notes.
CONSULTANT = READ | EVALUATE | {"case.evaluation.note"}
NOTHING: set[str] = set()

# Who the matrix asks. Everyone not named in a state's table may do nothing at all there.
USERS = (
    "applicant", "respondent", "representative", "grid_worker", "consultant", "mediator",
    "unassigned_mediator", "other_mediator", "clerk", "other_clerk", "supervisor", "court_clerk",
    "admin", "stranger", "inactive_clerk", "inactive_admin",
)

EXPECTED: dict[CaseState, dict[str, set[str]]] = {
    # A draft is the filer's own: staff see it from submission on (the admin sees everything).
    # The respondent is not linked yet (that happens through the invitation, later).
    CaseState.DRAFT: {
        "applicant": APPLICANT | {"case.edit", "case.party.add", T + "submit", T + "withdraw"},
        "grid_worker": FILER | {"case.edit", "case.party.add", T + "submit", T + "withdraw"},
        "admin": ADMIN,
    },
    CaseState.SUBMITTED: {
        "applicant": APPLICANT | {T + "withdraw"},
        "respondent": RESPONDENT,
        "representative": RESPONDENT,
        "grid_worker": FILER | {T + "withdraw"},
        "consultant": CONSULTANT,
        "clerk": CLERK | {T + "accept", T + "reject", "case.reroute"},
        "supervisor": SUPERVISOR,
        "admin": ADMIN,
    },
    CaseState.CONSULTATION: {
        "applicant": APPLICANT | {T + "evaluate", T + "withdraw"},
        "respondent": RESPONDENT,
        "representative": RESPONDENT,
        "grid_worker": FILER | {T + "withdraw"},
        "consultant": CONSULTANT | {T + "resolve", T + "evaluate"},
        "mediator": MEDIATOR,
        "clerk": CLERK | {T + "resolve", T + "evaluate"},
        "supervisor": SUPERVISOR,
        "admin": ADMIN,
    },
    CaseState.MEDIATION: {
        "applicant": APPLICANT | {T + "end_mediation", T + "withdraw"},
        "respondent": RESPONDENT | {T + "end_mediation"},
        "representative": RESPONDENT | {T + "end_mediation"},
        "grid_worker": FILER | {T + "withdraw"},
        "consultant": CONSULTANT,
        "mediator": MEDIATOR | {T + "settle", T + "fail"},
        "clerk": CLERK,
        "supervisor": SUPERVISOR,
        "admin": ADMIN,
    },
    # The applicant has chosen the court: its clerk now holds the case as receiving clerk.
    CaseState.REFERRAL_OFFERED: {
        "applicant": APPLICANT | {T + "choose_referral", T + "withdraw"},
        "respondent": RESPONDENT,
        "representative": RESPONDENT,
        "grid_worker": FILER | {T + "withdraw"},
        "consultant": CONSULTANT,
        "mediator": MEDIATOR,
        "clerk": CLERK | {T + "choose_referral", T + "close"},
        "supervisor": SUPERVISOR,
        "court_clerk": RECEIVING | {T + "refer", T + "return_referral"},
        "admin": ADMIN,
    },
    CaseState.CONFIRMATION_REQUESTED: {
        "applicant": APPLICANT,
        "respondent": RESPONDENT,
        "representative": RESPONDENT,
        "grid_worker": FILER,
        "consultant": CONSULTANT,
        "mediator": MEDIATOR,
        "clerk": CLERK,
        "supervisor": SUPERVISOR,
        "court_clerk": RECEIVING | {T + "confirm", T + "refuse_confirmation"},
        "admin": ADMIN,
    },
    # Closed after judicial confirmation: everyone keeps reading, nobody changes anything.
    CaseState.CLOSED: {
        "applicant": READ | {"room.joint.read", "room.caucus.applicant", "mediation.view"},
        "respondent": READ | {"room.joint.read", "room.caucus.respondent", "mediation.view"},
        "representative": READ | {"room.joint.read", "room.caucus.respondent", "mediation.view"},
        "grid_worker": READ,
        "consultant": READ,
        "mediator": READ | {"room.joint.read", "room.caucus.applicant", "room.caucus.respondent",
                            "mediation.view", "mediation.notes.view"},
        "clerk": READ | {"case.audit", "room.joint.read", "mediation.view", "case.bundle.export"},
        "supervisor": READ | {"case.audit", "room.joint.read", "mediation.view", "case.bundle.export"},
        "court_clerk": RECEIVING,
        "admin": READ | {"case.audit", "case.bundle.export"},
    },
}

# Judicial confirmation and performance (odr/confirmation, odr/performance). Settled: a party
# starts or joins the joint application, the clerk may file the parties' written one, anyone owed
# or owing reports terms, staff track terms, the mediator records follow-up visits; while the
# court reviews, the court's clerk decides and the terms are still being performed.
FOLLOW_UP_VIEW = {"performance.follow_up.view"}
PERFORMING = {
    "applicant": {"performance.report"},
    "respondent": {"performance.report"},
    "representative": {"performance.report"},
    "mediator": {"performance.manage", "performance.follow_up"} | FOLLOW_UP_VIEW,
    "clerk": {"performance.manage"} | FOLLOW_UP_VIEW,
    "supervisor": FOLLOW_UP_VIEW,
    "admin": FOLLOW_UP_VIEW,
}
EXPECTED[CaseState.SETTLED] = {
    "applicant": APPLICANT | {"confirmation.apply", T + "request_confirmation", T + "request_enforcement"},
    "respondent": RESPONDENT | {"confirmation.apply", T + "request_confirmation", T + "request_enforcement"},
    "representative": RESPONDENT | {"confirmation.apply", T + "request_confirmation", T + "request_enforcement"},
    "grid_worker": FILER,
    "consultant": CONSULTANT,
    "mediator": MEDIATOR | {T + "close"},
    "clerk": CLERK | {"confirmation.file", T + "request_confirmation", T + "close"},
    "supervisor": SUPERVISOR,
    "admin": ADMIN,
}
for _state in (CaseState.SETTLED, CaseState.CONFIRMATION_REQUESTED):
    for _name, _extra in PERFORMING.items():
        EXPECTED[_state][_name] = EXPECTED[_state][_name] | _extra
EXPECTED[CaseState.CONFIRMATION_REQUESTED]["court_clerk"] = (
    EXPECTED[CaseState.CONFIRMATION_REQUESTED]["court_clerk"] | {"confirmation.decide"})
for _name in ("mediator", "clerk", "supervisor", "admin"):
    EXPECTED[CaseState.CLOSED][_name] = EXPECTED[CaseState.CLOSED][_name] | FOLLOW_UP_VIEW

# Satisfaction (odr/satisfaction): the parties rate a closed case; the organisation's clerks and
# supervisors, and administrators, read the ratings with their comments (in any state).
for _table in EXPECTED.values():
    for _name in ("clerk", "supervisor", "admin"):
        if _name in _table:
            _table[_name] = _table[_name] | {"case.ratings.view"}
for _name in ("applicant", "respondent", "representative"):
    EXPECTED[CaseState.CLOSED][_name] = EXPECTED[CaseState.CLOSED][_name] | {"case.rate"}

# Supervision (odr/supervision): instructions (督办) are internal, seen by those who work the case
# (once closed too); on an open case the supervisor instructs and the staff who handle it answer.
HANDLERS = ("clerk", "mediator", "consultant", "court_clerk")
for _state, _table in EXPECTED.items():
    for _name in (*HANDLERS, "supervisor", "admin"):
        if _name in _table and "case.view" in _table[_name]:
            _table[_name] = _table[_name] | {"case.instruction.view"}
            if _state == CaseState.CLOSED:
                continue
            if _name in HANDLERS:
                _table[_name] = _table[_name] | {"case.instruction.answer"}
            if _name == "supervisor":
                _table[_name] = _table[_name] | {"case.instruct"}

ALL_ACTIONS = sorted(set(policy.CASE_RULES) | {T + action for action in workflow.ACTIONS})


def _people(w) -> SimpleNamespace:
    people = SimpleNamespace(**{name: getattr(w, name) for name in USERS if hasattr(w, name)})
    people.unassigned_mediator = factories.make_user("mediator", w.committee)
    people.inactive_clerk = factories.make_user("clerk", w.committee, active=False)
    people.inactive_admin = factories.make_user("admin", active=False)
    return people


def _case(w, state) -> Case:
    if state == CaseState.DRAFT:
        return build_case(w, state, link_respondent=False)
    if state == CaseState.CLOSED:
        case = build_case(w, CaseState.CONFIRMED)
        case_ops.transition(case, "close", w.court_clerk)
        return case
    return build_case(w, state, choose_court=state == CaseState.REFERRAL_OFFERED)


def test_matrix_covers_every_rule():
    covered = set().union(*(allowed for table in EXPECTED.values() for allowed in table.values()))
    uncovered = set(policy.CASE_RULES) - covered
    assert not uncovered, f"CASE_RULES has actions no expected table grants anyone: {sorted(uncovered)}"
    unknown = {a for a in covered if not a.startswith(T)} - set(policy.CASE_RULES)
    assert not unknown, f"the tables name actions CASE_RULES does not have: {sorted(unknown)}"
    for table in EXPECTED.values():
        assert set(table) <= set(USERS)


@pytest.mark.parametrize("state", list(EXPECTED), ids=str)
def test_can_matches_the_expected_table(world, state):
    people = _people(world)
    case = _case(world, state)
    assert case.state == state
    if state != CaseState.DRAFT:
        assert world.mediator.id in case.mediator_ids or state == CaseState.SUBMITTED
    db.session.commit()
    mismatches = []
    for name in USERS:
        user = getattr(people, name)
        expected = EXPECTED[state].get(name, NOTHING)
        actual = {action for action in ALL_ACTIONS if can(user, action, case)}
        if actual != expected:
            mismatches.append(f"{name}: missing {sorted(expected - actual)}, extra {sorted(actual - expected)}")
        # The buttons a page shows come from allowed_transitions: the same answer.
        buttons = {T + t.action for t in policy.allowed_transitions(user, case)}
        assert buttons == {a for a in actual if a.startswith(T)}, name
    assert not mismatches, f"in state {state}:\n" + "\n".join(mismatches)


def test_representative_acts_for_their_side(world):
    case = build_case(world, CaseState.AWAITING_RESPONDENT)
    assert case_roles(world.representative, case) == {"respondent", "representative"}
    case_ops.transition(case, "consent", world.representative)
    assert case.state == CaseState.MEDIATION


def test_global_rules(world):
    people = _people(world)
    expected = {
        "case.create": {n for n in USERS if not n.startswith("inactive")},
        "audit.verify": {"admin"},
        "user.manage": {"admin"},
        "outbox.view": {"admin", "clerk", "other_clerk", "court_clerk"},
        "desk.use": {"clerk", "other_clerk", "court_clerk"},
        "intake.posters": {"admin", "clerk", "other_clerk", "court_clerk", "supervisor", "grid_worker"},
        "consult.ask": {n for n in USERS if not n.startswith("inactive")},
        "consult.inbox": {"consultant", "supervisor"},
        "referral.inbox": {"clerk", "other_clerk", "court_clerk"},
        "referral.delegate": {"clerk", "other_clerk", "court_clerk"},
        "bundle.import": {"clerk", "other_clerk", "court_clerk"},
    }
    expected["confirmation.inbox"] = {"clerk", "other_clerk", "court_clerk"}
    expected["statistics.view"] = {"admin", "supervisor", "clerk", "other_clerk", "court_clerk"}
    expected["supervision.board"] = {"admin", "supervisor"}
    expected["notifications.preferences"] = {n for n in USERS if not n.startswith("inactive")}
    # Personal data (odr/privacy) and the administration pages (odr/admin).
    expected["privacy.retention.set"] = {"admin"}
    expected["admin.regions"] = {"admin"}
    for action in ("admin.use", "admin.organisations", "admin.users", "admin.invite"):
        expected[action] = {"admin", "clerk", "other_clerk", "court_clerk"}
    assert set(expected) == set(policy.GLOBAL_RULES)
    for action, names in expected.items():
        allowed = {n for n in USERS if can(getattr(people, n), action)}
        assert allowed == names, action
        assert not can(AnonymousUserMixin(), action)
        assert not can(None, action)


def test_list_filter_selects_exactly_the_cases_with_a_role(world):
    """visible_cases_clause(user) and case_roles(user, case) agree for every user and case."""
    people = _people(world)
    cases = [_case(world, state) for state in CaseState]
    # Filed by the applicant themselves, still a draft.
    cases.append(case_ops.create_case(world.applicant, category="labour", title="own draft",
                                      region_id=world.grid.id))
    # A case of the other committee, with its own mediator assigned.
    other = case_ops.create_case(world.stranger, category="labour", title="elsewhere", facts="f",
                                 region_id=world.other_grid.id)
    case_ops.add_party(other, world.stranger, side=Side.RESPONDENT, name="r", phone="1")
    case_ops.transition(other, "submit", world.stranger)
    case_ops.assign_mediator(other, world.other_clerk, world.other_mediator)
    cases.append(other)
    # Not routed anywhere (a draft without a region): only its filer, parties and the admin see it.
    cases.append(build_case(world, CaseState.DRAFT, region=False))
    # A mediator taken off a case no longer sees it.
    removed = build_case(world, CaseState.MEDIATION)
    case_ops.assign_mediator(removed, world.clerk, people.unassigned_mediator)
    next(a for a in removed.assignments if a.user_id == people.unassigned_mediator.id).removed_at = utcnow()
    cases.append(removed)
    db.session.commit()
    assert world.other_mediator.id in other.mediator_ids

    everyone = [getattr(people, name) for name in USERS]
    for user in everyone + [AnonymousUserMixin()]:
        expected = {c.id for c in cases if case_roles(user, c)}
        selected = set(db.session.execute(select(Case.id).where(visible_cases_clause(user))).scalars())
        assert selected == expected, getattr(user, "name", "anonymous")
    # The admin sees all, an inactive admin nothing, a stranger only their own case.
    assert set(db.session.execute(select(Case.id).where(visible_cases_clause(world.admin))).scalars()) == {
        c.id for c in cases
    }
    assert not db.session.execute(select(Case.id).where(visible_cases_clause(people.inactive_admin))).all()
    assert set(db.session.execute(select(Case.id).where(visible_cases_clause(world.stranger))).scalars()) == {
        other.id
    }


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_private_evidence_only_for_that_side_and_the_mediators(world):
    people = _people(world)
    case = build_case(world, CaseState.MEDIATION)
    shared = case_ops.add_evidence(case, world.applicant, filename="contract.pdf", data=PDF)
    mine = case_ops.add_evidence(case, world.applicant, filename="bottom line.pdf", data=PDF + b"1",
                                 private_to_side=Side.APPLICANT)
    theirs = case_ops.add_evidence(case, world.representative, filename="note.pdf", data=PDF + b"2",
                                   private_to_side=Side.RESPONDENT)
    db.session.commit()
    participants = {n for n in USERS if case_roles(getattr(people, n), case)}
    expected = {
        shared: participants,
        mine: {"applicant", "mediator"},
        theirs: {"respondent", "representative", "mediator"},
    }
    for evidence, names in expected.items():
        allowed = {n for n in USERS if can(getattr(people, n), "evidence.download", evidence)}
        assert allowed == names, evidence.filename
        assert not any(can(getattr(people, n), "evidence.delete", evidence) for n in USERS)
    assert "grid_worker" in participants and "clerk" in participants and "admin" in participants
    # Only a side adds to its own private material; not the mediator, not the other side.
    for actor, side in ((world.mediator, Side.APPLICANT), (world.respondent, Side.APPLICANT),
                        (world.clerk, Side.RESPONDENT), (world.grid_worker, Side.APPLICANT)):
        with pytest.raises(NotAllowed):
            case_ops.add_evidence(case, actor, filename="x.pdf", data=PDF + b"3", private_to_side=side)


def _denials():
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.id)
    ).scalars().all()


def test_authorize_hides_the_case_from_outsiders_and_audits_it(world):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    case.title = "changed by the refused request"
    db.session.flush()
    with pytest.raises(NotFound):
        authorize(world.stranger, "case.view", case)
    db.session.rollback()  # what the error handler does
    [denial] = _denials()
    assert denial.actor_id == world.stranger.id and denial.case_id == case.id
    assert denial.payload == {"attempted": "case.view", "target": f"Case:{case.id}"}
    assert db.session.get(Case, case.id).title != "changed by the refused request"
    assert verify_chain().ok


def test_authorize_refuses_a_participant_lacking_the_right_and_audits_it(world):
    case = build_case(world, CaseState.SUBMITTED)
    db.session.commit()
    authorize(world.respondent, "case.view", case)  # allowed: no exception, no audit
    assert not _denials()
    with pytest.raises(NotAllowed):
        authorize(world.respondent, "case.assign_mediator", case)
    with pytest.raises(NotAllowed):
        authorize(world.consultant, T + "accept", case)
    db.session.rollback()
    denials = _denials()
    assert [(d.actor_id, d.payload["attempted"]) for d in denials] == [
        (world.respondent.id, "case.assign_mediator"), (world.consultant.id, T + "accept"),
    ]
    assert verify_chain().ok


def test_authorize_on_evidence_and_anonymous(world):
    case = build_case(world, CaseState.MEDIATION)
    private = case_ops.add_evidence(case, world.applicant, filename="a.pdf", data=PDF,
                                    private_to_side=Side.APPLICANT)
    db.session.commit()
    with pytest.raises(NotAllowed):
        authorize(world.respondent, "evidence.download", private)
    with pytest.raises(NotFound):
        authorize(world.stranger, "evidence.download", private)
    with pytest.raises(NotFound):
        authorize(AnonymousUserMixin(), "case.view", case)
    with pytest.raises(NotAllowed):
        authorize(AnonymousUserMixin(), "audit.verify")
    denials = _denials()
    assert [d.actor_id for d in denials] == [world.respondent.id, world.stranger.id, None, None]
    assert all(d.case_id == case.id for d in denials[:3])
    assert denials[0].payload["target"] == f"Evidence:{private.id}"


def test_inactive_users_can_do_nothing(world):
    people = _people(world)
    case = build_case(world, CaseState.MEDIATION)
    # The applicant and the mediator, deactivated, lose every right they had.
    for user in (world.applicant, world.mediator, world.clerk, world.admin):
        assert case_roles(user, case)
        user.active = False
    db.session.flush()
    for user in (world.applicant, world.mediator, world.clerk, world.admin, people.inactive_clerk):
        assert not case_roles(user, case)
        assert not any(can(user, action, case) for action in ALL_ACTIONS)
        assert not any(can(user, action) for action in policy.GLOBAL_RULES)
        assert not db.session.execute(select(Case.id).where(visible_cases_clause(user))).all()
        with pytest.raises(NotAllowed):
            case_ops.transition(case, "settle", user, reason=REASON)
    assert Role(people.inactive_clerk.role) == Role.CLERK
