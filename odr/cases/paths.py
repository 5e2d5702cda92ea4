"""The shortest run of workflow actions that brings a new draft to each state.

Used by the demo seed and the tests to put cases in a state the honest way: through
transition(), with the audit trail and deadlines that real cases get.
"""

from __future__ import annotations

from ..core.enums import CaseState as S

# state -> (previous state, action, who acts: a key of the cast dict)
STEPS: dict[S, tuple[S, str, str]] = {
    S.SUBMITTED: (S.DRAFT, "submit", "applicant"),
    S.ACCEPTED: (S.SUBMITTED, "accept", "clerk"),
    S.REJECTED: (S.SUBMITTED, "reject", "clerk"),
    S.CONSULTATION: (S.ACCEPTED, "start_consultation", "clerk"),
    S.EVALUATION: (S.CONSULTATION, "evaluate", "clerk"),
    S.AWAITING_RESPONDENT: (S.EVALUATION, "invite_respondent", "clerk"),
    S.MEDIATION: (S.AWAITING_RESPONDENT, "consent", "respondent"),
    S.MEDIATION_FAILED: (S.MEDIATION, "fail", "mediator"),
    S.REFERRAL_OFFERED: (S.MEDIATION_FAILED, "offer_referral", "mediator"),
    S.REFERRED: (S.REFERRAL_OFFERED, "refer", "receiving_clerk"),
    S.SETTLED: (S.MEDIATION, "settle", "mediator"),
    S.CONFIRMATION_REQUESTED: (S.SETTLED, "request_confirmation", "applicant"),
    S.CONFIRMED: (S.CONFIRMATION_REQUESTED, "confirm", "receiving_clerk"),
    S.CONFIRMATION_REFUSED: (S.CONFIRMATION_REQUESTED, "refuse_confirmation", "receiving_clerk"),
    S.WITHDRAWN: (S.EVALUATION, "withdraw", "applicant"),
    S.CLOSED: (S.SETTLED, "close", "mediator"),
}


def path_to(target: S) -> list[tuple[str, str]]:
    """[(action, cast key), ...] from draft to `target`."""
    steps = []
    state = target
    while state != S.DRAFT:
        previous, action, who = STEPS[state]
        steps.append((action, who))
        state = previous
    return list(reversed(steps))
