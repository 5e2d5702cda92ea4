"""Socket events for sessions (docs/realtime.md, "Sessions and the waiting room").

    session:list   {case_id}              -> {ok, sessions: [...], waiting: bool}
    session:open   {case_id, session_id}  -> {ok, session}   (the mediator; `session` to the channel)
    session:close  {case_id, session_id}  -> {ok, session}

Registered on MediationNamespace like the settlement events; the `session` broadcast goes out
after the commit (sessions._announce).
"""

from __future__ import annotations

from ..extensions import db
from . import sessions
from .events import MediationNamespace, _handler, _load_case, _positive_int

MANAGE = "mediation.session.manage"


def session_list(user, data):
    case = _load_case(user, data, "mediation.view")
    items = [sessions.session_payload(s) for s in sessions.visible_sessions(case, user)]
    waiting = sessions.waiting_room(case, user) is not None
    db.session.rollback()
    return {"ok": True, "case_id": case.id, "sessions": items, "waiting": waiting}


def _step(operation):
    def handle(user, data):
        case = _load_case(user, data, MANAGE)
        session = sessions.get_session(case, user, _positive_int(data.get("session_id"), "session_id"))
        operation(case, user, session)
        payload = sessions.session_payload(session)
        db.session.commit()
        return {"ok": True, "session": payload}

    handle.__name__ = operation.__name__
    return handle


EVENTS = {
    "session:list": session_list,
    "session:open": _step(sessions.open_session),
    "session:close": _step(sessions.close_session),
}


def _method(fn):
    def method(self, user, connection, data):
        return fn(user, data)

    method.__name__ = fn.__name__
    return _handler(method)


for _event, _fn in EVENTS.items():
    setattr(MediationNamespace, "on_" + _event.replace(":", "_"), _method(_fn))
