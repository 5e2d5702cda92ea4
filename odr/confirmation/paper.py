"""The court's ruling on a joint application for judicial confirmation (民事裁定书), as plain data
for templates/documents/papers/<lang>/confirmation_ruling.html (its `Paper` entry is in
documents/data.PAPERS). Civil Procedure Law Art. 206: the court rules the agreement valid, or
dismisses the application; either way the ruling states its reasons.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.enums import CaseState
from ..extensions import db
from .models import ApplicationStatus, ConfirmationApplication

DECIDED_STATES = frozenset({CaseState.CONFIRMED, CaseState.CONFIRMATION_REFUSED})


def application_of(case) -> ConfirmationApplication | None:
    return db.session.execute(
        select(ConfirmationApplication).where(ConfirmationApplication.case_id == case.id)
    ).scalar_one_or_none()


def not_ready(case):
    application = application_of(case)
    if (case.state not in DECIDED_STATES or application is None
            or application.status not in (ApplicationStatus.CONFIRMED, ApplicationStatus.REFUSED)):
        return _l("The court has not decided on the application for judicial confirmation yet.")
    return None


def build(case, lang: str) -> dict:
    from ..auth.models import User
    from ..documents.case_papers import _current
    from ..documents.codes import grouped
    from ..documents.data import _organisation, date_text
    from ..documents.models import DocumentType

    application = application_of(case)
    agreements = _current(case, DocumentType.SETTLEMENT_AGREEMENT)
    agreement = next((a for a in agreements if a.lang == lang), agreements[0] if agreements else None)
    clerk = db.session.get(User, application.decided_by_id)
    return {
        "court": _organisation(application.court, lang),
        "ruling": {
            "confirmed": application.status == ApplicationStatus.CONFIRMED,
            "reasons": application.reasons,
            "filed_on": date_text(application.filed_at, lang),
            "decided_on": date_text(application.decided_at, lang),
            "clerk": clerk.name if clerk is not None else "",
            "written": application.filed_by_clerk_id is not None,
        },
        "agreement": {
            "effective_on": date_text(case.settled_at, lang),
            "code": grouped(agreement.verification_code) if agreement is not None else "",
            "version": agreement.version if agreement is not None else None,
        },
    }
