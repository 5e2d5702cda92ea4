"""Pages: a case's mediation room (the browser client of docs/realtime.md).

The page is a shell: the messages travel over the /mediation socket (static/js/room.js). Who may
open it: whoever may follow at least one of the room's channels (operations.channels_for, which
asks the policy); anyone else gets 404 and an access.denied audit entry.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.models import Case
from ..core.audit import record
from ..core.enums import CaseState
from ..core.errors import NotFound
from ..core.policy import authorize, can
from ..extensions import db
from .models import MAX_BODY_CHARS, Channel
from .operations import WRITABLE_STATES, channels_for, role_in_case, write_action

bp = Blueprint("mediation", __name__)

# The case page links to the room from mediation on: afterwards the room is the record.
ROOM_STATES = frozenset({
    CaseState.MEDIATION, CaseState.MEDIATION_FAILED, CaseState.REFERRAL_OFFERED,
    CaseState.REFERRED, CaseState.SETTLED, CaseState.CONFIRMATION_REQUESTED,
    CaseState.CONFIRMED, CaseState.CONFIRMATION_REFUSED, CaseState.CLOSED,
})


def channel_label(channel: Channel) -> str:
    return {
        Channel.JOINT: _("Joint session"),
        Channel.CAUCUS_APPLICANT: _("Private: applicant side"),
        Channel.CAUCUS_RESPONDENT: _("Private: respondent side"),
    }[channel]


@bp.app_template_global()
def room_url(case) -> str | None:
    """The room's address for the case page, when the case has reached mediation and the
    signed-in user may follow a channel; else None."""
    if case.state not in ROOM_STATES or not current_user.is_authenticated:
        return None
    if not channels_for(current_user, case):
        return None
    return url_for("mediation.room", case_id=case.id)


@bp.route("/cases/<int:case_id>/room")
@login_required
def room(case_id: int):
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)  # outsiders: 404, audited
    channels = channels_for(current_user, case)
    if not channels:  # in the case, but no channel to follow (e.g. a consultant)
        db.session.rollback()
        record("access.denied", actor=current_user, case=case, attempted="room.joint.read",
               target=f"Case:{case.id}")
        db.session.commit()
        raise NotFound()
    tabs = [
        {"channel": channel.value, "label": channel_label(channel),
         "writable": case.state in WRITABLE_STATES and can(current_user, write_action(channel), case)}
        for channel in channels
    ]
    role = role_in_case(current_user, case)
    return render_template(
        "mediation/room.html", case=case, tabs=tabs, max_chars=MAX_BODY_CHARS,
        role=role, settle=_settle_rights(case, role),
    )


def _settle_rights(case, role: str | None) -> dict | None:
    """What the settlement panels offer this user (the policy decides; the server checks again on
    every request). None when the user may not see proposals and the agreement at all."""
    if not can(current_user, "mediation.view", case):
        return None
    side = role.removesuffix("_representative") if role in (
        "applicant", "respondent", "applicant_representative", "respondent_representative") else None
    return {
        "open": case.state in WRITABLE_STATES,
        "side": side,
        "bargain": can(current_user, "mediation.bargain", case),
        "draft": can(current_user, "mediation.agreement.draft", case),
        "sign": can(current_user, "mediation.agreement.sign", case),
        "money_claim": case.claim_amount is not None,
        "currency": case.currency or "CNY",
    }


@bp.route("/cases/<int:case_id>/room/agreement.pdf")
@login_required
def agreement_paper(case_id: int):
    """The issued settlement agreement (in the agreement's language), for the room's link: the
    current version's download, or the case's documents page while it is still being made."""
    from ..documents.models import DocumentType
    from ..documents.operations import current_document
    from .agreement import current

    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.document.view", case)
    agreement = current(case)
    document = current_document(case, DocumentType.SETTLEMENT_AGREEMENT, agreement.lang) if agreement else None
    if document is None:
        flash(_("The settlement agreement has not been issued yet."), "info")
        return redirect(url_for("documents.case_documents", case_id=case.id))
    return redirect(url_for("documents.download", document_id=document.id))


from . import session_views  # noqa: E402, F401  (sessions, notes, choosing a mediator: routes on bp)
