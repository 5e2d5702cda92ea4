"""Loading a case for an evaluation page or endpoint: 404 when it does not exist, and the policy
(404 for someone with no role in the case, 403 otherwise, both audited)."""

from __future__ import annotations

from flask_login import current_user

from ..cases.models import Case
from ..core.errors import NotFound
from ..core.policy import authorize
from ..extensions import db


def case_for(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.evaluation.view", case)
    if action != "case.evaluation.view":
        authorize(current_user, action, case)
    return case
