"""The case workflow as one table: (state, action) -> next state, who may do it, what it needs.

Only cases.operations.transition() applies this table; no other code assigns `case.state`.

    draft -> submitted -> accepted -> consultation (resolved here -> closed)
                       \\-> rejected
    consultation -> evaluation -> awaiting_respondent
    awaiting_respondent -> mediation (respondent consents) | referral_offered (declines / no answer)
    mediation -> settled -> closed | confirmation_requested -> confirmed / confirmation_refused -> closed
    settled / confirmed -> referral_offered (request_enforcement: a term of the agreement was missed)
    mediation -> mediation_failed -> referral_offered -> referred -> closed
    referral_offered -> (return_referral by the receiving body) -> referral_offered
    any state before settlement -> withdrawn (by the applicant)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from ..core.enums import CaseState as S
from ..core.enums import Outcome, Role, Side
from ..core.models import utcnow
from ..core.policy import FILER, RECEIVING_CLERK, SYSTEM

APPLICANT = Side.APPLICANT.value
RESPONDENT = Side.RESPONDENT.value
CLERK = Role.CLERK.value
MEDIATOR = Role.MEDIATOR.value
CONSULTANT = Role.CONSULTANT.value
REPRESENTATIVE = Role.REPRESENTATIVE.value

# People's Mediation Law Art. 33 / Civil Procedure Law Art. 205: apply within 30 days.
CONFIRMATION_WINDOW_DAYS = 30

# Days allowed in each state before the case is overdue; organisations may set their own.
DEFAULT_DEADLINE_DAYS: dict[S, int] = {
    S.SUBMITTED: 3,  # accept or reject the application
    S.ACCEPTED: 2,  # start consultation
    S.CONSULTATION: 7,
    S.EVALUATION: 7,
    S.AWAITING_RESPONDENT: 7,  # consent deadline
    S.MEDIATION: 30,
    S.MEDIATION_FAILED: 3,  # tell the parties their routes (Art. 26)
    S.REFERRAL_OFFERED: 15,
    S.REFERRED: 15,
    S.SETTLED: CONFIRMATION_WINDOW_DAYS,
    S.CONFIRMATION_REQUESTED: 15,
    S.CONFIRMED: 7,
    S.CONFIRMATION_REFUSED: 7,
}


def _has_parties(case, data):
    if not case.parties_on(Side.APPLICANT):
        return _l("Add the applicant before submitting.")
    if not case.parties_on(Side.RESPONDENT):
        return _l("Add the other party before submitting.")
    if not (case.facts or "").strip():
        return _l("Describe what happened before submitting.")
    return None


def _has_organisation(case, data):
    if case.organisation_id is None:
        return _l("Route the case to an organisation first.")
    return None


def _has_respondent_contact(case, data):
    if not any(p.phone or p.email or p.user_id for p in case.parties_on(Side.RESPONDENT)):
        return _l("The other party needs a phone number or e-mail address to be invited.")
    return None


def _has_mediator(case, data):
    if not case.mediator_ids:
        return _l("Assign a mediator before mediation starts.")
    return None


def _agreement_signed(case, data):
    # An agreement may be oral or on paper (People's Mediation Law Art. 28): the guard applies
    # only when an agreement is being drafted online (odr/mediation/agreement.py).
    from ..mediation.agreement import fully_signed

    if fully_signed(case) is False:
        return _l("The settlement agreement must be signed by every party and the mediator first.")
    return None


def _within_confirmation_window(case, data):
    if case.settled_at and utcnow() > case.settled_at + timedelta(days=CONFIRMATION_WINDOW_DAYS):
        return _l("The 30 days for applying for judicial confirmation have passed.")
    if not data.get("target_organisation_id"):
        return _l("Choose the court that is to confirm the agreement.")
    # Art. 33: the parties apply jointly; odr/confirmation records who has joined.
    from ..confirmation.operations import joint_problem

    return joint_problem(case)


def _has_missed_term(case, data):
    # A term of the agreement not performed by its date (odr/performance): the party owed may go
    # to court (People's Mediation Law Art. 32; enforcement of a confirmed agreement, Art. 33).
    from ..performance.operations import missed

    if not missed(case):
        return _l("No term of the agreement has been missed.")
    return None


def _performance_done(case, data):
    from ..performance.operations import open_obligations

    if open_obligations(case):
        return _l("Terms of the agreement are still to be performed: close the case when they are done.")
    return None


def _has_target(case, data):
    if case.target_organisation_id is None and not data.get("target_organisation_id"):
        return _l("Choose the body the case is referred to.")
    return None


def _eligible_target(case, data):
    # Which bodies a case may go to (type, region, category) is the referral domain's rule.
    from ..referral.routes import target_problem

    return _has_target(case, data) or target_problem(case, data.get("target_organisation_id"))


@dataclass(frozen=True)
class Transition:
    source: S
    action: str
    target: S
    roles: frozenset[str]
    label: object  # lazy translated text for buttons and the timeline
    guard: Callable | None = None
    needs_reason: bool = False
    outcome: Outcome | None = None
    # Data fields the action accepts and copies onto the case.
    takes: tuple[str, ...] = field(default=())
    # Fields of the case the step empties (a returned referral no longer has a receiving body).
    clears: tuple[str, ...] = field(default=())
    # How the case page offers the step: not as a button at all (taken from its own form, e.g. the
    # joint application's panel in odr/confirmation), or only while its guard passes.
    own_form: bool = False
    only_when_ready: bool = False


def T(source, action, target, roles, label, **kw) -> Transition:
    return Transition(source, action, target, frozenset(roles), label, **kw)


# Open states a party may withdraw from: everything before an agreement exists.
WITHDRAWABLE = (
    S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.CONSULTATION, S.EVALUATION,
    S.AWAITING_RESPONDENT, S.MEDIATION, S.MEDIATION_FAILED, S.REFERRAL_OFFERED,
)

TRANSITIONS: tuple[Transition, ...] = (
    T(S.DRAFT, "submit", S.SUBMITTED, {APPLICANT, FILER}, _l("Submit the application"), guard=_has_parties),
    T(S.SUBMITTED, "accept", S.ACCEPTED, {CLERK}, _l("Accept the case"), guard=_has_organisation),
    T(S.SUBMITTED, "reject", S.REJECTED, {CLERK}, _l("Reject the application"), needs_reason=True, outcome=Outcome.REJECTED),
    T(S.ACCEPTED, "start_consultation", S.CONSULTATION, {CLERK, CONSULTANT}, _l("Start consultation")),
    T(S.CONSULTATION, "resolve", S.CLOSED, {CONSULTANT, CLERK}, _l("Resolved in consultation"), outcome=Outcome.RESOLVED_IN_CONSULTATION),
    T(S.CONSULTATION, "evaluate", S.EVALUATION, {CONSULTANT, CLERK, APPLICANT}, _l("Go on to evaluation")),
    T(S.EVALUATION, "invite_respondent", S.AWAITING_RESPONDENT, {CLERK, MEDIATOR}, _l("Invite the other party"), guard=_has_respondent_contact),
    T(S.AWAITING_RESPONDENT, "consent", S.MEDIATION, {RESPONDENT}, _l("Agree to mediation"), guard=_has_mediator),
    T(S.AWAITING_RESPONDENT, "decline", S.REFERRAL_OFFERED, {RESPONDENT}, _l("Decline mediation"), needs_reason=True),
    T(S.AWAITING_RESPONDENT, "consent_expired", S.REFERRAL_OFFERED, {SYSTEM}, _l("No answer by the deadline")),
    T(S.MEDIATION, "settle", S.SETTLED, {MEDIATOR}, _l("Record the settlement"), guard=_agreement_signed),
    T(S.MEDIATION, "fail", S.MEDIATION_FAILED, {MEDIATOR}, _l("End mediation without agreement"), needs_reason=True),
    # People's Mediation Law Art. 23: a party may ask to end mediation.
    T(S.MEDIATION, "end_mediation", S.MEDIATION_FAILED, {APPLICANT, RESPONDENT}, _l("Ask to end mediation"), needs_reason=True),
    T(S.MEDIATION_FAILED, "offer_referral", S.REFERRAL_OFFERED, {MEDIATOR, CLERK}, _l("Offer referral")),
    T(S.REFERRAL_OFFERED, "choose_referral", S.REFERRAL_OFFERED, {APPLICANT, CLERK}, _l("Choose where to refer the case"), guard=_eligible_target, takes=("target_organisation_id",)),
    T(S.REFERRAL_OFFERED, "refer", S.REFERRED, {RECEIVING_CLERK}, _l("Accept the referred case"), guard=_has_target),
    # The receiving body sends the case back with its reason; the parties choose again.
    T(S.REFERRAL_OFFERED, "return_referral", S.REFERRAL_OFFERED, {RECEIVING_CLERK}, _l("Return the referred case"), needs_reason=True, clears=("target_organisation_id",)),
    T(S.REFERRAL_OFFERED, "close", S.CLOSED, {CLERK}, _l("Close: referral not pursued"), outcome=Outcome.NOT_PURSUED),
    T(S.REFERRED, "close", S.CLOSED, {CLERK, RECEIVING_CLERK}, _l("Close the case"), outcome=Outcome.REFERRED),
    T(S.SETTLED, "close", S.CLOSED, {CLERK, MEDIATOR}, _l("Close the case"), outcome=Outcome.SETTLED, guard=_performance_done),
    T(S.SETTLED, "request_enforcement", S.REFERRAL_OFFERED, {APPLICANT, RESPONDENT}, _l("Ask to take the unperformed agreement to court"), guard=_has_missed_term, only_when_ready=True),
    T(S.SETTLED, "request_confirmation", S.CONFIRMATION_REQUESTED, {APPLICANT, RESPONDENT, CLERK}, _l("Apply for judicial confirmation"), guard=_within_confirmation_window, takes=("target_organisation_id",), own_form=True),
    T(S.CONFIRMATION_REQUESTED, "confirm", S.CONFIRMED, {RECEIVING_CLERK}, _l("Confirm the agreement")),
    T(S.CONFIRMATION_REQUESTED, "refuse_confirmation", S.CONFIRMATION_REFUSED, {RECEIVING_CLERK}, _l("Refuse confirmation"), needs_reason=True),
    T(S.CONFIRMED, "close", S.CLOSED, {CLERK, RECEIVING_CLERK}, _l("Close the case"), outcome=Outcome.CONFIRMED, guard=_performance_done),
    T(S.CONFIRMED, "request_enforcement", S.REFERRAL_OFFERED, {APPLICANT, RESPONDENT}, _l("Apply to the court for enforcement"), guard=_has_missed_term, only_when_ready=True),
    T(S.CONFIRMATION_REFUSED, "offer_referral", S.REFERRAL_OFFERED, {CLERK, MEDIATOR}, _l("Offer referral")),
    T(S.CONFIRMATION_REFUSED, "close", S.CLOSED, {CLERK}, _l("Close the case"), outcome=Outcome.CONFIRMATION_REFUSED),
) + tuple(
    T(state, "withdraw", S.WITHDRAWN, {APPLICANT, FILER}, _l("Withdraw the case"), needs_reason=(state != S.DRAFT), outcome=Outcome.WITHDRAWN)
    for state in WITHDRAWABLE
)

_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "two transitions share a (state, action)"
ACTIONS = sorted({t.action for t in TRANSITIONS})


def find(state: S, action: str) -> Transition | None:
    return _BY_KEY.get((state, action))


def from_state(state: S) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]
