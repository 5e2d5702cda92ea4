"""A case's audit events told in plain words, for the case page and GET /api/v1/cases/<id>/timeline.

    case_timeline(case, viewer) -> list[TimelineEntry]   (oldest first)

The caller has already authorised `case.timeline`. The function reads the case's audit events in
one query that joins the actors' names; party, mediator and evidence names come from the case's
own collections (loaded once each), so the number of queries does not grow with the events.

What a viewer does not see: a side's private evidence (unless that side or a mediator, the same
rule as downloading it), refused accesses and risk changes (case staff only: anyone in the case
who is not a party), and events this module has no words for yet (staff only, as a plain code),
so that a new kind of event is never shown to parties before someone decides it may be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from ..core.audit import AuditEvent
from ..core.labels import label
from ..core.policy import can, case_roles, works_the_case
from ..extensions import db
from . import workflow


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # aware, UTC
    actor_name: str  # the person, or "the system" for scheduled steps
    action: str  # the audit action code, e.g. "case.transition"
    text: str  # one sentence in the viewer's language: "张三 提交了申请"
    # Plain values behind the sentence, for clients and for a second line on the page, e.g.
    # {"step": "reject", "from_state": "submitted", "to_state": "rejected", "reason": "..."}.
    details: dict = field(default_factory=dict)
    note: str = ""  # the second line in plain words (a reason, a file name), or ""


# What happened, per workflow step ("%(actor)s" is the actor's name).
STEP_TEXTS = {
    "submit": _l("%(actor)s submitted the application"),
    "accept": _l("%(actor)s accepted the case"),
    "reject": _l("%(actor)s did not accept the application"),
    "start_consultation": _l("%(actor)s started the consultation"),
    "resolve": _l("%(actor)s closed the case as resolved in consultation"),
    "evaluate": _l("%(actor)s moved the case on to evaluation"),
    "invite_respondent": _l("%(actor)s invited the other party to mediation"),
    "consent": _l("%(actor)s agreed to mediation"),
    "decline": _l("%(actor)s declined mediation"),
    "consent_expired": _l("The other party did not answer by the deadline"),
    "settle": _l("%(actor)s recorded the settlement"),
    "fail": _l("%(actor)s ended mediation without agreement"),
    "end_mediation": _l("%(actor)s asked to end mediation"),
    "offer_referral": _l("%(actor)s offered a referral"),
    "choose_referral": _l("%(actor)s chose where to refer the case"),
    "refer": _l("%(actor)s accepted the referred case"),
    "close": _l("%(actor)s closed the case"),
    "request_confirmation": _l("%(actor)s applied for judicial confirmation"),
    "confirm": _l("%(actor)s confirmed the agreement"),
    "refuse_confirmation": _l("%(actor)s refused to confirm the agreement"),
    "withdraw": _l("%(actor)s withdrew the case"),
}


@dataclass
class _Context:
    case: object
    viewer: object
    roles: frozenset[str]
    _evidence: dict | None = None

    @property
    def is_staff(self) -> bool:
        return works_the_case(self.roles)

    def evidence(self, evidence_id):
        if self._evidence is None:
            self._evidence = {item.id: item for item in self.case.evidence}
        return self._evidence.get(evidence_id)

    def party_name(self, party_id) -> str:
        return next((p.name for p in self.case.parties if p.id == party_id), "")

    def mediator_name(self, user_id) -> str:
        return next((a.user.name for a in self.case.assignments if a.user_id == user_id), "")


# Each describer returns (text, details, note), or None when the viewer must not see the event.
Described = tuple[str, dict, str] | None


def _transition(event, actor, ctx) -> Described:
    p = event.payload
    step = p.get("step", "")
    text = STEP_TEXTS.get(step)
    if text is None:
        rule = workflow.find(p.get("from_state"), step) if p.get("from_state") else None
        text = _("%(actor)s: %(step)s", actor=actor, step=str(rule.label) if rule else step)
    else:
        text = str(text) % {"actor": actor}
    details = {
        "step": step,
        "from_state": p.get("from_state"),
        "to_state": p.get("to_state"),
        "from_state_label": label(p.get("from_state")),
        "to_state_label": label(p.get("to_state")),
    }
    note = ""
    if p.get("reason"):
        details["reason"] = p["reason"]
        note = _("Reason: %(reason)s", reason=p["reason"])
    if p.get("outcome"):
        details["outcome"] = p["outcome"]
    return text, details, note


def _evidence_added(event, actor, ctx) -> Described:
    p = event.payload
    item = ctx.evidence(p.get("evidence_id"))
    if item is None:
        # Not in the case any more (cannot happen today): decide from what the event says.
        if p.get("private_to_side") and not ctx.is_staff:
            return None
    elif not can(ctx.viewer, "evidence.download", item):
        return None
    name = item.filename if item is not None else ""
    details = {"evidence_id": p.get("evidence_id"), "filename": name,
               "private_to_side": p.get("private_to_side")}
    if p.get("private_to_side"):
        return _("%(actor)s added private evidence", actor=actor), details, name
    return _("%(actor)s added evidence", actor=actor), details, name


def _party_added(event, actor, ctx) -> Described:
    p = event.payload
    name = ctx.party_name(p.get("party_id"))
    text = _("%(actor)s added %(name)s as %(side)s", actor=actor, name=name, side=label(p.get("side")))
    return text, {"party_id": p.get("party_id"), "side": p.get("side"), "name": name}, ""


def _mediator_assigned(event, actor, ctx) -> Described:
    name = ctx.mediator_name(event.payload.get("mediator_id"))
    text = _("%(actor)s assigned the mediator %(name)s", actor=actor, name=name)
    return text, {"mediator_id": event.payload.get("mediator_id"), "name": name}, ""


def _risk_changed(event, actor, ctx) -> Described:
    if not ctx.is_staff:
        return None
    p = event.payload
    text = _("%(actor)s set the risk level to %(level)s", actor=actor, level=label(p.get("to_level")))
    note = _("Reason: %(reason)s", reason=p["reason"]) if p.get("reason") else ""
    return text, {"from_level": p.get("from_level"), "to_level": p.get("to_level"),
                  "reason": p.get("reason")}, note


def _access_denied(event, actor, ctx) -> Described:
    if not ctx.is_staff:
        return None
    attempted = event.payload.get("attempted", "")
    text = _("%(actor)s was refused access", actor=actor)
    return text, {"attempted": attempted, "target": event.payload.get("target", "")}, attempted


def _simple(message) -> Callable:
    def describe(event, actor, ctx) -> Described:
        return str(message) % {"actor": actor}, {}, ""

    return describe


def _invitation_created(event, actor, ctx) -> Described:
    name = ctx.party_name(event.payload.get("party_id"))
    text = _("%(actor)s sent an invitation to %(name)s", actor=actor, name=name)
    return text, {"party_id": event.payload.get("party_id"), "name": name}, ""


def _staff_only(message) -> Callable:
    def describe(event, actor, ctx) -> Described:
        return (str(message) % {"actor": actor}, {}, "") if ctx.is_staff else None

    return describe


def _hidden(event, actor, ctx) -> Described:
    return None


def _document_issued(event, actor, ctx) -> Described:
    from ..core.i18n import is_chinese
    from ..documents.wording import title

    p = event.payload
    name = title(p["type"], "zh_CN" if is_chinese() else "en")
    text = _("%(actor)s issued a paper: %(document)s, version %(version)s", actor=actor, document=name,
             version=p.get("version"))
    return text, {"document_id": p.get("document_id"), "type": p["type"], "version": p.get("version"),
                  "code": p.get("code")}, ""


# ---- mediation sessions and the mediator's declaration (odr/mediation/sessions.py) ------------

def _case_session(ctx, session_id):
    """The case's sessions, read once per timeline (ctx is per call)."""
    sessions = ctx.__dict__.get("_sessions")
    if sessions is None:
        from ..mediation.sessions import case_sessions

        sessions = ctx.__dict__["_sessions"] = {s.id: s for s in case_sessions(ctx.case)}
    return sessions.get(session_id)


def _session_when(iso: str | None, zone: str | None) -> str:
    from zoneinfo import ZoneInfo

    if not iso or not zone:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{moment:%Y-%m-%d %H:%M} ({zone})"


def _session_event(message) -> Callable:
    """A session's event, seen by whoever may see the session (a caucus: its side, the mediator)."""

    def describe(event, actor, ctx) -> Described:
        from ..mediation.sessions import may_see

        p = event.payload
        session = _case_session(ctx, p.get("session_id"))
        if session is None or not may_see(ctx.viewer, ctx.case, session):
            return None
        when = _session_when(p.get("starts_at"), p.get("timezone"))
        text = str(message) % {"actor": actor, "when": when}
        note = _("Reason: %(reason)s", reason=p["reason"]) if p.get("reason") else ""
        return text, {"session_id": session.id, "kind": session.kind.value, "starts_at": p.get("starts_at"),
                      "timezone": p.get("timezone"), "reason": p.get("reason")}, note

    return describe


def _notes_saved(event, actor, ctx) -> Described:
    if not can(ctx.viewer, "mediation.notes.view", ctx.case):
        return None  # the notes are the mediator's; even that they changed is theirs
    return _("%(actor)s updated the notes of a session", actor=actor), {
        "session_id": event.payload.get("session_id")}, ""


def _mediator_declared(event, actor, ctx) -> Described:
    p = event.payload
    if not p.get("has_relation"):
        return _("%(actor)s declared no relation to the parties", actor=actor), {"has_relation": False}, ""
    if not ctx.is_staff:
        return None
    return (_("%(actor)s declared a relation to the parties", actor=actor),
            {"has_relation": True, "details": p.get("details")}, p.get("details") or "")


def _conflict_decided(event, actor, ctx) -> Described:
    if not ctx.is_staff:
        return None
    p = event.payload
    name = ctx.mediator_name(p.get("mediator_id"))
    if p.get("decision") == "allowed":
        text = _("%(actor)s let %(name)s continue despite the declared relation", actor=actor, name=name)
    else:
        text = _("%(actor)s took %(name)s off the case because of the declared relation", actor=actor,
                 name=name)
    return text, {"decision": p.get("decision"), "mediator_id": p.get("mediator_id"),
                  "reason": p.get("reason")}, _("Reason: %(reason)s", reason=p.get("reason", ""))


DESCRIBERS: dict[str, Callable[..., Described]] = {
    "session.scheduled": _session_event(_l("%(actor)s scheduled a mediation session for %(when)s")),
    "session.rescheduled": _session_event(_l("%(actor)s moved a mediation session to %(when)s")),
    "session.cancelled": _session_event(_l("%(actor)s cancelled a mediation session")),
    "session.opened": _session_event(_l("%(actor)s opened the mediation session")),
    "session.closed": _session_event(_l("%(actor)s closed the mediation session")),
    "session.reminded": _hidden,  # the reminders themselves are the notice
    "session.notes_saved": _notes_saved,
    "session.record_issued": _hidden,  # "document.issued" tells it
    "case.mediator_declared": _mediator_declared,
    "case.mediator_conflict_decided": _conflict_decided,
    "document.issued": _document_issued,
    "document.downloaded": _staff_only(_l("%(actor)s downloaded a document")),
    # Room messages are read in the room, where the channel rules apply; the timeline would leak them.
    "room.message": _hidden,
    "demo.backdated": _staff_only(_l("Demo data: the dates of this case were moved into the past")),
    "case.created": _simple(_l("%(actor)s opened the case")),
    "case.updated": _simple(_l("%(actor)s edited the application")),
    "case.transition": _transition,
    "party.added": _party_added,
    "evidence.added": _evidence_added,
    "case.mediator_assigned": _mediator_assigned,
    "case.risk_changed": _risk_changed,
    "invitation.created": _invitation_created,
    "invitation.redeemed": _simple(_l("%(actor)s accepted the invitation and joined the case")),
    "access.denied": _access_denied,
    # Intake (odr/intake): the filing, re-routing, risk alerts; "told" is the notice itself.
    "intake.started": _simple(_l("%(actor)s started the application")),
    "party.updated": _simple(_l("%(actor)s changed the details of a party")),
    "case.rerouted": _simple(_l("%(actor)s sent the case to another organisation")),
    "case.risk_alert": _staff_only(_l("The supervisors were alerted to the risk")),
    "intake.told": _hidden,
}


def _unknown(event, actor, ctx) -> Described:
    if not ctx.is_staff:
        return None
    return _("%(actor)s: %(action)s", actor=actor, action=event.action), {}, ""


def case_timeline(case, viewer) -> list[TimelineEntry]:
    """The events of `case` that `viewer` may see, oldest first, in the viewer's language."""
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.id)
    ).all()
    ctx = _Context(case=case, viewer=viewer, roles=case_roles(viewer, case))
    entries = []
    for event, actor_name in rows:
        actor = actor_name or _("The system")
        described = DESCRIBERS.get(event.action, _unknown)(event, actor, ctx)
        if described is None:
            continue
        text, details, note = described
        entries.append(TimelineEntry(event.created_at, actor, event.action, text, details, note))
    return entries
