"""Pages of judicial confirmation: the panel on the case page (start, join, file a written
application, decide) and the court clerk's inbox. Thin: parse, authorise, one operation, commit
once; a refused attempt shows the case page again with what was entered (422/409)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..cases.models import Case
from ..core.enums import OrgType
from ..core.errors import NotFound, OperationError
from ..core.i18n import localized_name
from ..core.policy import authorize, can
from ..extensions import db
from ..orgs.models import Organisation
from . import operations, timeline  # noqa: F401 (timeline registers the timeline's words)
from .models import ApplicationStatus
from .paper import application_of

bp = Blueprint("confirmation", __name__)


def _case(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, "case.view", case)
    authorize(current_user, action, case)
    return case


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _done(case, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="confirmation"), code=303)


def _again(case_id, error: OperationError):
    """The case page once more, with the panel's entries and the error (nothing is lost)."""
    from ..cases.views import _load_case, _render_case

    db.session.rollback()
    g.confirmation_form = {"values": request.form.to_dict(), "error": error.message, "fields": error.fields}
    return _render_case(_load_case(case_id), error.status)


def courts() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True), Organisation.type == OrgType.COURT)
        .order_by(Organisation.name)
    ).scalars()
    return [(org.id, localized_name(org)) for org in rows]


@bp.app_template_global()
def may_review_confirmations() -> bool:
    """The main menu's link to the inbox: for clerks of a court (no query: memberships are loaded
    with the user; clerks of a body above courts reach /confirmations too)."""
    from ..core.enums import Role

    return can(current_user, "confirmation.inbox") and any(
        m.role == Role.CLERK and m.organisation.type == OrgType.COURT for m in current_user.memberships)


@bp.app_template_global()
def confirmation_panel(case) -> dict | None:
    """What the case page shows of judicial confirmation to this viewer, or None."""
    application = application_of(case)
    may = {name: can(current_user, f"confirmation.{name}", case) for name in ("apply", "file", "decide")}
    if application is None and not (may["apply"] or may["file"]):
        return None
    joined = False
    if application is not None and application.status == ApplicationStatus.OPEN:
        from ..core.enums import Side
        from ..core.policy import case_roles

        roles = case_roles(current_user, case)
        joined = any(application.joined(side) for side in Side if side.value in roles)
    open_app = application is not None and application.status == ApplicationStatus.OPEN
    return {
        "application": None if application is None else operations.application_payload(application, case),
        "deadline": operations.deadline_of(case),
        "can_start": may["apply"] and application is None,
        "can_join": may["apply"] and open_app and not joined,
        "waiting": may["apply"] and open_app and joined,
        "can_file": may["file"] and (application is None or open_app),
        "can_decide": may["decide"] and application is not None and application.status == ApplicationStatus.FILED,
        "courts": courts() if (may["apply"] or may["file"]) else [],
        "form": g.get("confirmation_form") or {"values": {}, "error": None, "fields": {}},
    }


@bp.post("/cases/<int:case_id>/confirmation/start")
@login_required
def start(case_id: int):
    case = _case(case_id, "confirmation.apply")
    try:
        operations.start(case, current_user, _int(request.form.get("court_id")))
    except OperationError as error:
        return _again(case_id, error)
    return _done(case, _("The application was started. The other party is asked to join it."))


@bp.post("/cases/<int:case_id>/confirmation/join")
@login_required
def join(case_id: int):
    case = _case(case_id, "confirmation.apply")
    try:
        operations.join(case, current_user)
    except OperationError as error:
        return _again(case_id, error)
    return _done(case, _("You joined the application. It has been filed with the court."))


@bp.post("/cases/<int:case_id>/confirmation/written")
@login_required
def written(case_id: int):
    case = _case(case_id, "confirmation.file")
    try:
        operations.file_written(case, current_user, _int(request.form.get("court_id")),
                                note=request.form.get("note", ""))
    except OperationError as error:
        return _again(case_id, error)
    return _done(case, _("The parties' joint application has been filed with the court."))


@bp.post("/cases/<int:case_id>/confirmation/decision")
@login_required
def decision(case_id: int):
    case = _case(case_id, "confirmation.decide")
    choice = request.form.get("decision")
    try:
        if choice not in ("confirm", "refuse"):
            from ..core.errors import ValidationFailed

            message = _("Choose the court's decision.")
            raise ValidationFailed(message, fields={"decision": [message]})
        operations.decide(case, current_user, confirmed=choice == "confirm", reasons=request.form.get("reasons", ""))
    except OperationError as error:
        return _again(case_id, error)
    return _done(case, _("The court's decision was recorded and the ruling issued."))


@bp.get("/confirmations")
@login_required
def inbox():
    authorize(current_user, "confirmation.inbox")
    status = request.args.get("status", "filed")
    if status not in ("filed", "confirmed", "refused", "all"):
        status = "filed"
    items = operations.inbox(current_user, status=None if status == "all" else ApplicationStatus(status))
    return render_template("confirmation/inbox.html", rows=operations.application_payloads(items), status=status)
