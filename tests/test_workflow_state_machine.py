"""A Hypothesis state machine: random people try random steps, edits and uploads on a few cases.

Whatever they do, after every step: states are valid, a case has an outcome exactly when it is
finished, finished cases never change, every open case past the draft has a clock, a refused
attempt changed nothing, and the audit chain is intact with one `case.transition` row per step
actually taken.

The world and a case in every state are committed once; each example takes three of those
cases and runs inside one database transaction that teardown() rolls back (nothing in the
machine commits); each attempt runs inside a savepoint, rolled back when it is refused.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odr.cases import operations as case_ops
from odr.cases import workflow
from odr.cases.models import Case
from odr.core.audit import verify_chain
from odr.core.enums import FINAL_STATES, CaseState, PartyKind, RiskLevel, Side
from odr.core.errors import Conflict, NotAllowed, OperationError, ValidationFailed
from odr.core.models import utcnow
from odr.core.policy import SYSTEM, can, case_roles
from odr.extensions import db

from .foundation_support import (
    REASON,
    audit_count,
    build_case,
    snapshot,
)

ACTOR_NAMES = (
    "applicant", "respondent", "representative", "grid_worker", "consultant", "mediator",
    "other_mediator", "clerk", "other_clerk", "supervisor", "court_clerk", "admin", "stranger",
)
N_CASES = 3
PDF = b"%PDF-1.4\n%%EOF\n"

cases_ = st.integers(0, N_CASES - 1)
actors_ = st.integers(0, len(ACTOR_NAMES))  # the last index is the system (None)
reasons = st.sampled_from([None, "", "  ", REASON])
bodies = st.sampled_from([None, "court", "arbitration", "committee", "missing"])


# The cases the examples start from: one walked to each state (the court already chosen for a
# referral, so its clerk has a part), and a draft that still lacks its respondent.
STARTS = [*CaseState, "referral_to_court", "draft_without_respondent"]


class CaseWorkflowMachine(RuleBasedStateMachine):
    world = None  # built and committed once by the test, with the cases to start from
    start_ids: dict = {}

    def __init__(self):
        super().__init__()
        db.session.rollback()
        w = self.w = self.world
        self.actors = [getattr(w, name) for name in ACTOR_NAMES] + [None]
        self.cases = []
        self.steps_taken = 0
        self.steps_before = 0
        self.finished: dict[int, dict] = {}
        self.evidence_seq = 0

    @initialize(starts=st.lists(st.sampled_from(STARTS[:-1]), min_size=N_CASES - 1,
                                max_size=N_CASES - 1, unique=True))
    def open_cases(self, starts):
        """Two cases in random states (final ones included) and the draft without a respondent."""
        for start in [*starts, STARTS[-1]]:
            self.cases.append(db.session.get(Case, self.start_ids[start]))
        self.steps_before = audit_count("case.transition")

    def teardown(self):
        db.session.rollback()

    # --- attempting things ---------------------------------------------------------------------

    def _attempt(self, case, operation) -> OperationError | None:
        """Run one operation in a savepoint; if refused, roll it back and check nothing changed."""
        before = snapshot(case)
        savepoint = db.session.begin_nested()
        try:
            operation()
        except OperationError as refused:
            savepoint.rollback()
            assert snapshot(case) == before, f"refused ({refused.code}) but changed"
            return refused
        savepoint.commit()
        return None

    def _target(self, name):
        if name is None:
            return None
        if name == "missing":
            return 987654321
        return getattr(self.w, name).id

    def _transition(self, case, action, actor, reason, target):
        step = workflow.find(case.state, action)
        if actor is None:
            permitted = step is not None and SYSTEM in step.roles
        else:
            permitted = can(actor, f"case.transition.{action}", case)
        data = {} if target is None else {"target_organisation_id": self._target(target)}
        refused = self._attempt(
            case, lambda: case_ops.transition(case, action, actor, reason=reason, **data)
        )
        if step is None:
            assert isinstance(refused, Conflict), (case.state, action)
        elif not permitted:
            assert isinstance(refused, NotAllowed), (case.state, action, actor)
        elif refused is not None:
            # Allowed to try, refused on the merits: a reason, a guard, a bad target.
            assert isinstance(refused, ValidationFailed), refused
        if refused is None:
            self.steps_taken += 1
            assert case.state == step.target

    @rule(i=cases_, action=st.sampled_from(workflow.ACTIONS), who=actors_, reason=reasons, body=bodies)
    def any_step(self, i, action, who, reason, body):
        self._transition(self.cases[i], action, self.actors[who], reason, body)

    @rule(i=cases_, data=st.data())
    def a_step_the_table_offers(self, i, data):
        """Biased towards progress: a step possible in this state, by someone holding a role in it."""
        case = self.cases[i]
        # Withdrawing is possible almost everywhere and ends the story: leave it to any_step.
        steps = [step for step in workflow.from_state(case.state) if step.action != "withdraw"]
        if not steps:
            return
        step = data.draw(st.sampled_from(steps))
        holders = [a for a in self.actors if a is not None and case_roles(a, case) & step.roles]
        if SYSTEM in step.roles:
            holders.append(None)
        actor = data.draw(st.sampled_from(holders or self.actors))
        target = data.draw(st.sampled_from(["court", "arbitration"])) if step.takes else None
        self._transition(case, step.action, actor, data.draw(st.sampled_from([REASON, REASON, None])), target)

    @rule(i=cases_, who=actors_, title=st.text(min_size=1, max_size=30), party=st.booleans())
    def edit(self, i, who, title, party):
        """Change the title or add a respondent, as the policy allows (a final case refuses both)."""
        case, actor = self.cases[i], self.actors[who]
        if party:
            action = "case.party.add"
            fields = {"side": Side.RESPONDENT, "kind": PartyKind.ORGANISATION, "name": "物业公司",
                      "phone": "13700000000"}

            def change(by):
                case_ops.add_party(case, by, **fields)
        else:
            action = "case.edit"

            def change(by):
                case_ops.update_case(case, by, title=title.strip() or "空")

        if can(actor, action, case):
            assert self._attempt(case, lambda: change(actor)) is None
        elif case.is_final:
            assert isinstance(self._attempt(case, lambda: change(actor or self.w.clerk)), NotAllowed)

    @rule(i=cases_, who=actors_, private=st.sampled_from([None, Side.APPLICANT, Side.RESPONDENT]))
    def upload(self, i, who, private):
        case, actor = self.cases[i], self.actors[who] or self.w.clerk
        self.evidence_seq += 1
        data = PDF + str(self.evidence_seq).encode()

        def add():
            case_ops.add_evidence(case, actor, filename="证据.pdf", data=data, private_to_side=private)

        if case.is_final:
            assert isinstance(self._attempt(case, add), NotAllowed)
        elif can(actor, "case.evidence.upload", case):
            refused = self._attempt(case, add)
            if private is not None and private.value not in case_roles(actor, case):
                assert isinstance(refused, NotAllowed)
            else:
                assert refused is None

    @rule(i=cases_, mediator=st.sampled_from([None, "mediator", "other_mediator"]),
          level=st.sampled_from(list(RiskLevel)), reason=reasons)
    def clerk_work(self, i, mediator, level, reason):
        """The clerk assigns a mediator (None: sets the risk level instead)."""
        case, clerk = self.cases[i], self.w.clerk
        if mediator is not None:
            chosen = getattr(self.w, mediator)
            refused = self._attempt(case, lambda: case_ops.assign_mediator(case, clerk, chosen))
            if case.is_final:
                assert isinstance(refused, NotAllowed)
            elif mediator == "other_mediator":  # of another committee
                assert isinstance(refused, ValidationFailed)
            return
        refused = self._attempt(case, lambda: case_ops.set_risk(case, clerk, level, reason))
        if case.is_final:
            assert isinstance(refused, NotAllowed)
        elif not (reason or "").strip():
            assert isinstance(refused, ValidationFailed)
        else:
            assert refused is None and case.risk_level == level

    @precondition(lambda self: any(c.state == CaseState.SETTLED for c in self.cases))
    @rule(data=st.data())
    def confirmation_window_passes(self, data):
        case = data.draw(st.sampled_from([c for c in self.cases if c.state == CaseState.SETTLED]))
        case.settled_at = utcnow() - timedelta(days=workflow.CONFIRMATION_WINDOW_DAYS + 1)
        db.session.flush()

    # --- what must always hold -----------------------------------------------------------------

    @invariant()
    def cases_are_consistent(self):
        for case in self.cases:
            assert isinstance(case.state, CaseState)
            final = case.state in FINAL_STATES
            assert final == (case.outcome is not None), case
            assert final == (case.closed_at is not None), case
            if final or case.state == CaseState.DRAFT:
                assert case.state_deadline is None, case
            else:
                assert case.state_deadline is not None, case
            if case.state != CaseState.DRAFT and case.state != CaseState.WITHDRAWN:
                assert case.submitted_at is not None, case

    @invariant()
    def finished_cases_never_change(self):
        for case in self.cases:
            if case.is_final:
                now = snapshot(case)
                assert self.finished.setdefault(case.id, now) == now, case

    @invariant()
    def audit_chain_is_intact(self):
        report = verify_chain()
        assert report.ok, report
        assert audit_count("case.transition") == self.steps_before + self.steps_taken


def _build_starts(w) -> dict:
    cases = {state: build_case(w, state) for state in CaseState}
    cases["referral_to_court"] = build_case(w, CaseState.REFERRAL_OFFERED, choose_court=True)
    cases["draft_without_respondent"] = build_case(w, respondent=False)
    db.session.commit()
    return {start: case.id for start, case in cases.items()}


def test_workflow_state_machine(world):
    # Committed before the machine runs: each example changes them inside its own transaction
    # and rolls back, so every example starts from the same cases.
    CaseWorkflowMachine.world = world
    CaseWorkflowMachine.start_ids = _build_starts(world)
    run_state_machine_as_test(
        CaseWorkflowMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_released_savepoint_is_undone_by_the_outer_rollback(world):
    """What the machine relies on (and mediation's post_message too): a savepoint taken while the
    transaction has only read so far is still part of that transaction. With pysqlite's own
    transaction handling, such a SAVEPOINT began a transaction of its own, and releasing it
    committed."""
    case_id = build_case(world).id
    db.session.commit()
    db.session.remove()
    assert db.session.get(Case, case_id) is not None  # the transaction reads first...
    with db.session.begin_nested():  # ...then takes a savepoint and releases it
        db.session.get(Case, case_id).title = "released, then rolled back"
    db.session.rollback()
    db.session.remove()
    assert db.session.get(Case, case_id).title != "released, then rolled back"
