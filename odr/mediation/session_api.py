"""JSON API for sessions, the mediator's notes and choosing a mediator (docs/api.md, "Sessions").

Load the case and ask the policy (404 for outsiders, audited), one operation, commit once. A
session another viewer may not see (another case's, the other side's caucus) is 404; so are the
notes for anyone but the case's mediator.
"""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from ..auth.models import User
from ..cases import operations as case_ops
from ..cases.api import _case
from ..cases.models import CaseAssignment
from ..core.audit import record
from ..core.errors import NotFound
from ..core.policy import can
from ..extensions import db
from . import sessions
from .api import blp
from .schemas import (
    AssignInSchema,
    CancelSchema,
    ConflictDecisionSchema,
    DeclarationInSchema,
    NotesInSchema,
    RecordInSchema,
    RescheduleSchema,
    SessionInSchema,
)

VIEW = "mediation.view"
MANAGE = "mediation.session.manage"


def _session(case, session_id):
    return sessions.get_session(case, current_user, session_id)


def _notes_case(case_id: int, action: str):
    """The case, if the user is its mediator; 404 for everyone else (audited): a party must not
    even learn whether there are notes."""
    case = _case(case_id, "case.view")
    if not can(current_user, action, case):
        db.session.rollback()
        record("access.denied", actor=current_user, case=case, attempted=action, target=f"Case:{case.id}")
        db.session.commit()
        raise NotFound()
    return case


@blp.route("/cases/<id:case_id>/sessions")
@blp.response(200)
@blp.errors(401, 404)
def list_sessions(case_id):
    """The case's sessions the caller may see (a caucus session only its side and the mediator),
    and whether the caller is in the waiting room now."""
    case = _case(case_id, VIEW)
    return {"items": [sessions.session_payload(s) for s in sessions.visible_sessions(case, current_user)],
            "waiting": sessions.waiting_room(case, current_user) is not None}


@blp.route("/cases/<id:case_id>/sessions", methods=["POST"])
@blp.arguments(SessionInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def schedule_session(data, case_id):
    """The mediator schedules a session; the parties are invited (notification with an .ics)."""
    case = _case(case_id, MANAGE)
    session = sessions.schedule(case, current_user, **data)
    db.session.commit()
    return sessions.session_payload(session), 201


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>")
@blp.response(200)
@blp.errors(401, 404)
def get_session(case_id, session_id):
    case = _case(case_id, VIEW)
    return sessions.session_payload(_session(case, session_id))


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/reschedule", methods=["POST"])
@blp.arguments(RescheduleSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def reschedule_session(data, case_id, session_id):
    """Move a scheduled session (same calendar UID, SEQUENCE + 1); a reason is required."""
    case = _case(case_id, MANAGE)
    session = sessions.reschedule(case, current_user, _session(case, session_id), **data)
    db.session.commit()
    return sessions.session_payload(session)


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def cancel_session(data, case_id, session_id):
    """Cancel a scheduled session (METHOD:CANCEL to the invited); a reason is required."""
    case = _case(case_id, MANAGE)
    session = sessions.cancel(case, current_user, _session(case, session_id), **data)
    db.session.commit()
    return sessions.session_payload(session)


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/<any(open,close):step>", methods=["POST"])
@blp.response(200)
@blp.errors(401, 403, 404, 409)
def session_step(case_id, session_id, step):
    """open: let the parties in (the waiting room ends); close: end the session."""
    case = _case(case_id, MANAGE)
    operation = sessions.open_session if step == "open" else sessions.close_session
    session = operation(case, current_user, _session(case, session_id))
    db.session.commit()
    return sessions.session_payload(session)


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/calendar.ics")
@blp.response(200, content_type="text/calendar")
@blp.errors(401, 404)
def session_calendar(case_id, session_id):
    """The session's iCalendar file (METHOD:CANCEL once cancelled)."""
    case = _case(case_id, VIEW)
    body, name = sessions.ics_for_download(case, _session(case, session_id))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/notes")
@blp.response(200)
@blp.errors(401, 404)
def get_notes(case_id, session_id):
    """The mediator's notes of a session (the mediator only; 404 for everyone else)."""
    case = _notes_case(case_id, "mediation.notes.view")
    return {"session_id": session_id,
            "notes": sessions.notes_payload(sessions.notes_of(_session(case, session_id)))}


@blp.route("/cases/<id:case_id>/sessions/<id:session_id>/notes", methods=["PUT"])
@blp.arguments(NotesInSchema)
@blp.response(200)
@blp.errors(401, 404, 409, 422)
def put_notes(data, case_id, session_id):
    """Write the notes (attendees, discussed, results); `expected_version` guards a stale edit."""
    case = _notes_case(case_id, "mediation.notes.edit")
    notes = sessions.save_notes(case, current_user, _session(case, session_id), **data)
    db.session.commit()
    return {"session_id": session_id, "notes": sessions.notes_payload(notes)}


@blp.route("/cases/<id:case_id>/sessions/record", methods=["POST"])
@blp.arguments(RecordInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 422)
def issue_record(data, case_id):
    """Issue the mediation record paper (调解笔录) with the sessions' notes."""
    case = _notes_case(case_id, "mediation.notes.edit")
    document = sessions.issue_record(case, current_user, data["lang"])
    db.session.commit()
    return {"document_id": getattr(document, "id", None), "queued": document is None}, 201


@blp.route("/cases/<id:case_id>/mediator/suggestions")
@blp.response(200)
@blp.errors(401, 403, 404)
def mediator_suggestions(case_id):
    """Mediators who may take the case, best first (fewest open cases, then experience with the
    category, then with the region), with the numbers behind the order."""
    case = _case(case_id, "case.assign_mediator")
    return {"items": [{"id": s.user.id, "name": s.user.name, "open_cases": s.open_cases,
                       "same_category": s.same_category, "same_region": s.same_region}
                      for s in case_ops.suggest_mediators(case)]}


@blp.route("/cases/<id:case_id>/mediator", methods=["POST"])
@blp.arguments(AssignInSchema)
@blp.response(201)
@blp.errors(401, 403, 404, 409, 422)
def assign_mediator(data, case_id):
    case = _case(case_id, "case.assign_mediator")
    case_ops._check_exists(User, "mediator_id", data["mediator_id"])
    mediator = db.session.get(User, data["mediator_id"])
    assignment = case_ops.assign_mediator(case, current_user, mediator)
    db.session.commit()
    return {"assignment_id": assignment.id, "mediator_id": mediator.id}, 201


@blp.route("/cases/<id:case_id>/mediator/declaration", methods=["POST"])
@blp.arguments(DeclarationInSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def declare_relation(data, case_id):
    """The assigned mediator's declaration; a relation holds them back until a clerk decides."""
    case = _case(case_id, "case.mediator.declare")
    assignment = case_ops.declare_relation(case, current_user, has_relation=data["has_relation"],
                                           details=data["relation_details"])
    db.session.commit()
    return {"assignment_id": assignment.id, "has_relation": assignment.has_relation,
            "conflict_status": assignment.conflict_status}


@blp.route("/cases/<id:case_id>/mediator/<id:assignment_id>/decision", methods=["POST"])
@blp.arguments(ConflictDecisionSchema)
@blp.response(200)
@blp.errors(401, 403, 404, 409, 422)
def decide_conflict(data, case_id, assignment_id):
    """A clerk decides on a declared relation: allow (the mediator continues) or replace."""
    case = _case(case_id, "case.assign_mediator")
    assignment = db.session.get(CaseAssignment, assignment_id)
    if assignment is None or assignment.case_id != case.id:
        raise NotFound()
    case_ops.decide_conflict(case, current_user, assignment, allow=data["decision"] == "allow",
                             reason=data["reason"])
    db.session.commit()
    return {"assignment_id": assignment.id, "conflict_status": assignment.conflict_status}
