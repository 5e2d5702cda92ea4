"""Pages: sessions, the mediator's notes and choosing a mediator, as forms on the case page
(templates/mediation/_sessions_panel.html, _assignment_panel.html), and a session's .ics.

Each handler: load the case (404 for outsiders, audited), ask the policy, one operation, commit,
redirect (303) with a flash. Invalid input renders the case page again with 422, the form filled
in as sent and the errors beside their fields; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import User
from ..cases import operations as case_ops
from ..cases.models import CaseAssignment
from ..cases.views import _case_for, _render_case
from ..core.audit import record
from ..core.errors import NotFound, OperationError
from ..core.i18n import is_chinese
from ..core.policy import can
from ..extensions import db
from . import sessions
from .views import bp

MANAGE = "mediation.session.manage"


def _see_case(case, anchor: str = "sessions"):
    return redirect(url_for("cases.show", case_id=case.id) + f"#{anchor}", code=303)


def _failed(case, form: str, error: OperationError, **values):
    """The case page again, the failed form open with what was sent and the errors."""
    db.session.rollback()
    g.session_form = {"form": form, "errors": error.fields, "message": error.message,
                      "values": {**request.form.to_dict(), **values}}
    return _render_case(case, error.status)


def _local_start(text: str):
    """The browser's datetime-local value ("2026-12-01T09:30"); None if it is not one."""
    try:
        return datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _notes_guard(case):
    """Notes are the mediator's: anyone else in the case gets 404, as if there were none."""
    if not can(current_user, "mediation.notes.edit", case):
        db.session.rollback()
        record("access.denied", actor=current_user, case=case, attempted="mediation.notes.edit",
               target=f"Case:{case.id}")
        db.session.commit()
        raise NotFound()


# ---- sessions -----------------------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/sessions", methods=["POST"])
@login_required
def schedule_session(case_id: int):
    case = _case_for(case_id, MANAGE)
    try:
        session = sessions.schedule(
            case, current_user, starts_at=_local_start(request.form.get("starts_at")),
            timezone=request.form.get("timezone"), duration_minutes=request.form.get("duration_minutes"),
            agenda=request.form.get("agenda", ""), kind=request.form.get("kind") or "joint",
            side=request.form.get("side") or None)
    except OperationError as error:
        return _failed(case, "new", error)
    db.session.commit()
    flash(_("The session is scheduled for %(when)s. The parties have been invited.",
            when=sessions.local_text(session)), "success")
    return _see_case(case)


@bp.route("/cases/<int:case_id>/sessions/<int:session_id>/reschedule", methods=["POST"])
@login_required
def reschedule_session(case_id: int, session_id: int):
    case = _case_for(case_id, MANAGE)
    session = sessions.get_session(case, current_user, session_id)
    try:
        sessions.reschedule(
            case, current_user, session, starts_at=_local_start(request.form.get("starts_at")),
            timezone=request.form.get("timezone"), duration_minutes=request.form.get("duration_minutes"),
            agenda=request.form.get("agenda"), reason=request.form.get("reason", ""))
    except OperationError as error:
        return _failed(case, f"reschedule-{session_id}", error)
    db.session.commit()
    flash(_("The session was moved to %(when)s. The parties have been told.",
            when=sessions.local_text(session)), "success")
    return _see_case(case)


@bp.route("/cases/<int:case_id>/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel_session(case_id: int, session_id: int):
    case = _case_for(case_id, MANAGE)
    session = sessions.get_session(case, current_user, session_id)
    try:
        sessions.cancel(case, current_user, session, reason=request.form.get("reason", ""))
    except OperationError as error:
        return _failed(case, f"cancel-{session_id}", error)
    db.session.commit()
    flash(_("The session was cancelled. The parties have been told."), "success")
    return _see_case(case)


@bp.route("/cases/<int:case_id>/sessions/<int:session_id>/<any(open,close):step>", methods=["POST"])
@login_required
def session_step(case_id: int, session_id: int, step: str):
    case = _case_for(case_id, MANAGE)
    session = sessions.get_session(case, current_user, session_id)
    try:
        (sessions.open_session if step == "open" else sessions.close_session)(case, current_user, session)
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _see_case(case)
    db.session.commit()
    if step == "open":
        flash(_("The session is open: the parties can now write in the room."), "success")
        return redirect(url_for("mediation.room", case_id=case.id), code=303)
    flash(_("The session is closed."), "success")
    return _see_case(case)


@bp.route("/cases/<int:case_id>/sessions/<int:session_id>.ics")
@login_required
def session_ics(case_id: int, session_id: int):
    case = _case_for(case_id, "mediation.view")
    session = sessions.get_session(case, current_user, session_id)
    body, name = sessions.ics_for_download(case, session)
    db.session.rollback()
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


# ---- the mediator's notes and the record paper -----------------------------------------------

@bp.route("/cases/<int:case_id>/sessions/<int:session_id>/notes", methods=["POST"])
@login_required
def save_session_notes(case_id: int, session_id: int):
    case = _case_for(case_id)
    _notes_guard(case)
    session = sessions.get_session(case, current_user, session_id)
    try:
        sessions.save_notes(case, current_user, session, attendees=request.form.get("attendees", ""),
                            discussed=request.form.get("discussed", ""),
                            results=request.form.get("results", ""),
                            expected_version=request.form.get("expected_version") or None)
    except OperationError as error:
        return _failed(case, f"notes-{session_id}", error)
    db.session.commit()
    flash(_("The notes are saved. Only you (the mediator) can see them."), "success")
    return _see_case(case)


@bp.route("/cases/<int:case_id>/sessions/record", methods=["POST"])
@login_required
def issue_session_record(case_id: int):
    case = _case_for(case_id, "case.document.issue")
    _notes_guard(case)
    lang = request.form.get("lang") or ("zh_CN" if is_chinese() else "en")
    try:
        document = sessions.issue_record(case, current_user, lang)
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _see_case(case)
    db.session.commit()
    if document is None:
        flash(_("The document is being prepared. It will appear here in a moment."), "info")
    else:
        flash(_("The mediation record was issued with your notes (version %(version)s).",
                version=document.version), "success")
    return redirect(url_for("documents.case_documents", case_id=case.id), code=303)


# ---- choosing a mediator, the declaration, the clerk's decision ------------------------------

@bp.route("/cases/<int:case_id>/mediator", methods=["POST"])
@login_required
def assign_mediator(case_id: int):
    case = _case_for(case_id, "case.assign_mediator")
    mediator_id = request.form.get("mediator_id", "")
    mediator = db.session.get(User, int(mediator_id)) if mediator_id.isdigit() else None
    try:
        if mediator is None:
            from ..core.errors import ValidationFailed

            message = _("Choose a mediator.")
            raise ValidationFailed(message, fields={"mediator_id": [message]})
        case_ops.assign_mediator(case, current_user, mediator)
    except OperationError as error:
        if not error.fields:
            error.fields = {"mediator_id": [error.message]}
        return _failed(case, "assign", error)
    db.session.commit()
    flash(_("%(name)s is assigned. They declare any relation to the parties before the first session.",
            name=mediator.name), "success")
    return _see_case(case, "mediator")


@bp.route("/cases/<int:case_id>/mediator/declaration", methods=["POST"])
@login_required
def declare_relation(case_id: int):
    case = _case_for(case_id, "case.mediator.declare")
    choice = request.form.get("has_relation")
    try:
        if choice not in ("yes", "no"):
            from ..core.errors import ValidationFailed

            message = _("Say whether you have any relation to the parties.")
            raise ValidationFailed(message, fields={"has_relation": [message]})
        case_ops.declare_relation(case, current_user, has_relation=choice == "yes",
                                  details=request.form.get("relation_details", ""))
    except OperationError as error:
        return _failed(case, "declare", error)
    db.session.commit()
    if choice == "yes":
        flash(_("Your declaration is recorded. A clerk decides whether you continue; until then "
                "the case is held for you."), "info")
        return redirect(url_for("cases.dashboard"), code=303)
    flash(_("Your declaration is recorded: no relation to the parties."), "success")
    return _see_case(case, "mediator")


@bp.route("/cases/<int:case_id>/mediator/<int:assignment_id>/decision", methods=["POST"])
@login_required
def decide_conflict(case_id: int, assignment_id: int):
    case = _case_for(case_id, "case.assign_mediator")
    assignment = db.session.get(CaseAssignment, assignment_id)
    if assignment is None or assignment.case_id != case.id:
        raise NotFound()
    try:
        case_ops.decide_conflict(case, current_user, assignment,
                                 allow=request.form.get("decision") == "allow",
                                 reason=request.form.get("reason", ""))
    except OperationError as error:
        return _failed(case, f"decide-{assignment_id}", error)
    db.session.commit()
    flash(_("Your decision is recorded."), "success")
    return _see_case(case, "mediator")


# ---- what the case page shows ---------------------------------------------------------------

COMMON_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi",
                "Asia/Singapore", "Asia/Tokyo", "Europe/London", "Europe/Berlin",
                "America/New_York", "America/Los_Angeles", "Australia/Sydney", "UTC")


@bp.app_template_global()
def sessions_panel(case):
    """For the case page: the sessions the viewer may see, with what they may do; None when
    there is nothing to show (before mediation and nothing scheduled)."""
    from ..core.enums import CaseState

    user = current_user
    if not user.is_authenticated or not can(user, "mediation.view", case):
        return None
    items = sessions.visible_sessions(case, user)
    manage = can(user, MANAGE, case) and case.state == CaseState.MEDIATION
    see_notes = can(user, "mediation.notes.view", case)
    if not items and not manage:
        return None
    notes = sessions.notes_by_session([s.id for s in items]) if see_notes else {}
    return {
        "sessions": [{"payload": sessions.session_payload(s), "when": sessions.local_text(s),
                      "status_label": sessions.status_label(s.status),
                      "notes": sessions.notes_payload(notes.get(s.id))} for s in items],
        "manage": manage,
        "see_notes": see_notes,
        "edit_notes": see_notes and can(user, "mediation.notes.edit", case),
        "issue_record": see_notes and can(user, "case.document.issue", case)
                        and "documents.case_documents" in _views(),
        "durations": sessions.DURATIONS,
        "zones": COMMON_ZONES,
        "default_zone": sessions.DEFAULT_TIMEZONE,
        "form": g.get("session_form") or {"form": None, "errors": {}, "values": {}, "message": ""},
    }


def _views():
    from flask import current_app

    return current_app.view_functions


@bp.app_template_global()
def mediator_panel(case):
    """For the case page: a clerk's choice of mediator (suggestions, ranked) and decisions on
    declared relations; the assigned mediator's declaration. None when the viewer has none."""
    user = current_user
    if not user.is_authenticated or case.is_final:
        return None
    assign = can(user, "case.assign_mediator", case)
    declare = None
    if can(user, "case.mediator.declare", case):
        own = next((a for a in case.assignments if a.user_id == user.id and a.removed_at is None), None)
        if own is not None and own.declared_at is None:
            declare = own
    if not assign and declare is None:
        return None
    return {
        "assign": assign,
        "suggestions": case_ops.suggest_mediators(case) if assign else [],
        "pending": case_ops.pending_conflicts(case) if assign else [],
        "declare": declare,
        "form": g.get("session_form") or {"form": None, "errors": {}, "values": {}, "message": ""},
    }


@bp.app_template_global()
def waiting_room_for(case):
    """For the room page (templates/mediation/_waiting.html): the mediator's open/close controls,
    or a party's waiting room; None when the case has no sessions (the room is free)."""
    from .models import Channel
    from .session_models import SessionStatus

    user = current_user
    if not user.is_authenticated:
        return None
    if can(user, MANAGE, case):
        items = [s for s in sessions.visible_sessions(case, user)
                 if s.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN)]
        if not items:
            return None
        return {"mediator": True, "waiting": False, "texts": {},
                "sessions": [{"payload": sessions.session_payload(s), "when": sessions.local_text(s),
                              "status_label": sessions.status_label(s.status)} for s in items]}
    gate = sessions.room_gate(case.id)
    if gate is None:
        return None
    upcoming = [s for s in sessions.visible_sessions(case, user) if s.status == SessionStatus.SCHEDULED]
    return {
        "mediator": False,
        "waiting": Channel.JOINT not in gate,
        "next": sessions.session_payload(upcoming[0]) if upcoming else None,
        "next_when": sessions.local_text(upcoming[0]) if upcoming else "",
        "texts": {
            "waiting": _("The mediator has not opened the session yet. You can read the room but "
                         "not write; you will be let in as soon as it starts."),
            "open": _("The session is open. You can write now."),
            "closed": _("The mediator closed the session. You can read the room but not write."),
        },
    }
