"""Mediation sessions: scheduling, invitations with a calendar file, reminders, the waiting room,
and the mediator's notes (docs/sessions.md).

Who may do what is the policy's (`mediation.session.manage`, `mediation.notes.*`; a session is
seen by whoever may follow its channel). What is possible when is decided here. Operations
flush and audit, never commit; room events go out after the commit (broadcast.py).

The waiting room: a case that has never had a session talks freely while in mediation (written,
asynchronous mediation). Once the mediator schedules a session, the parties write only while a
session is open: a joint session opens every channel, a caucus session its side's channel. The
mediator is never held back. The send handler asks `refuse_if_waiting`, which reads a
per-process cache (GATE_TTL seconds; this process's own changes clear it at once).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.audit import record
from ..core.enums import CaseState, Side
from ..core.errors import Conflict, NotFound, OperationError, ValidationFailed
from ..core.models import utcnow
from ..core.policy import can
from ..extensions import db
from . import broadcast
from .calendar import CONTENT_TYPE, filename, session_ics
from .models import Channel
from .session_models import MediationSession, SessionKind, SessionNotes, SessionStatus

DEFAULT_TIMEZONE = "Asia/Shanghai"
MAX_AGENDA = 4000
MAX_NOTES = 20000
DURATIONS = (30, 45, 60, 90, 120, 180, 240)
# Sessions can be arranged while the case is being mediated (not before consent, not after).
SCHEDULING_STATES = frozenset({CaseState.MEDIATION})
REMIND_DAY = timedelta(hours=24)
REMIND_HOUR = timedelta(hours=1)
GATE_TTL = 2.0  # seconds another process's open/close may take to reach this one's send check


class SessionNotOpen(OperationError):
    status = 409
    code = "session_not_open"


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def channel_of(session: MediationSession) -> Channel:
    if session.kind == SessionKind.JOINT:
        return Channel.JOINT
    return Channel(f"caucus:{session.side.value}")


def may_see(user, case, session: MediationSession) -> bool:
    """A session is seen by whoever may follow its channel: a caucus only by its side and the
    mediator (the policy's room.* actions)."""
    from .operations import read_action

    return can(user, read_action(channel_of(session)), case)


def case_sessions(case) -> list[MediationSession]:
    return list(db.session.execute(
        select(MediationSession).where(MediationSession.case_id == case.id)
        .order_by(MediationSession.starts_at, MediationSession.id)
    ).scalars())


def visible_sessions(case, user) -> list[MediationSession]:
    return [s for s in case_sessions(case) if may_see(user, case, s)]


def get_session(case, user, session_id) -> MediationSession:
    """One session of this case that `user` may see; 404 otherwise (another case's, the other
    side's caucus: the same answer as one that does not exist)."""
    session = db.session.get(MediationSession, session_id) if isinstance(session_id, int) else None
    if session is None or session.case_id != case.id or not may_see(user, case, session):
        raise NotFound()
    return session


# ---- checking what the mediator entered ------------------------------------------------------

@dataclass(frozen=True)
class When:
    starts_at: datetime  # UTC
    timezone: str
    duration_minutes: int


def check_when(local_start, timezone, duration_minutes, *, now=None) -> When:
    """The start as entered (a local date and time, without offset) in an IANA zone: in the
    future, a time that exists in that zone, a duration from DURATIONS. All problems at once."""
    problems: dict[str, list[str]] = {}
    zone_name = (timezone or "").strip() or DEFAULT_TIMEZONE
    if zone_name not in _zones():
        problems["timezone"] = [_("Unknown time zone. Use a name like Asia/Shanghai.")]
    if not isinstance(local_start, datetime):
        problems["starts_at"] = [_("Give the date and time of the session.")]
    elif local_start.tzinfo is not None:
        local_start = local_start.replace(tzinfo=None)  # the zone is the one named, not an offset
    try:
        minutes = int(duration_minutes if duration_minutes not in (None, "") else 60)
    except (TypeError, ValueError):
        minutes = 0
    if minutes not in DURATIONS:
        problems["duration_minutes"] = [_("Choose one of the offered durations.")]
    starts_at = None
    if not problems.get("starts_at") and not problems.get("timezone"):
        zone = ZoneInfo(zone_name)
        aware = local_start.replace(tzinfo=zone)
        # A wall time skipped by a daylight-saving change does not survive the round trip.
        if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != local_start:
            problems["starts_at"] = [_("This time does not exist in that time zone (the clocks change).")]
        else:
            starts_at = aware.astimezone(ZoneInfo("UTC"))
            if starts_at <= (now or utcnow()):
                problems["starts_at"] = [_("The session must start in the future.")]
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    return When(starts_at, zone_name, minutes)


def _check_agenda(agenda) -> str:
    text = (agenda or "").strip() if isinstance(agenda, str) else ""
    if not text:
        message = _("Write the agenda: what the session is to discuss.")
        raise ValidationFailed(message, fields={"agenda": [message]})
    if len(text) > MAX_AGENDA:
        message = _("The agenda is too long (at most %(n)d characters).", n=MAX_AGENDA)
        raise ValidationFailed(message, fields={"agenda": [message]})
    return text


def _check_reason(reason) -> str:
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_("Please give a reason."), fields={"reason": [_("Please give a reason.")]})
    return text[:2000]


def _ensure_schedulable(case, mediator) -> None:
    if case.state not in SCHEDULING_STATES:
        raise Conflict(_("Sessions can be arranged only while the case is being mediated."),
                       code="invalid_state")
    own = [a for a in case.assignments if a.user_id == mediator.id and a.removed_at is None]
    if own and own[0].declared_at is None:
        raise Conflict(_("Declare first whether you have any relation to the parties."),
                       code="declaration_missing")


def _ensure_upcoming(session: MediationSession) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(_("This session can no longer be changed (now: %(status)s).",
                         status=status_label(session.status)), code="session_not_scheduled")


def status_label(status: SessionStatus) -> str:
    return {
        SessionStatus.SCHEDULED: _("Scheduled"),
        SessionStatus.OPEN: _("In progress"),
        SessionStatus.CLOSED: _("Ended"),
        SessionStatus.CANCELLED: _("Cancelled"),
    }[SessionStatus(status)]


# ---- scheduling -----------------------------------------------------------------------------

def schedule(case, mediator, *, starts_at, timezone=None, duration_minutes=60, agenda="",
             kind="joint", side=None, now=None) -> MediationSession:
    """Arrange a session; the invited get a notification with its calendar file."""
    _ensure_schedulable(case, mediator)
    problems: dict[str, list[str]] = {}
    try:
        kind = SessionKind(kind or "joint")
    except ValueError:
        problems["kind"] = [_("Choose a joint session or a private one with one side.")]
        kind = None
    if kind == SessionKind.CAUCUS:
        try:
            side = Side(side)
        except ValueError:
            problems["side"] = [_("Choose the side for the private session.")]
    else:
        side = None
    try:
        when = check_when(starts_at, timezone, duration_minutes, now=now)
    except ValidationFailed as error:
        problems.update(error.fields)
    try:
        agenda = _check_agenda(agenda)
    except ValidationFailed as error:
        problems.update(error.fields)
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    now = utcnow()
    session = MediationSession(
        case_id=case.id, kind=kind, side=side, status=SessionStatus.SCHEDULED,
        starts_at=when.starts_at, timezone=when.timezone, duration_minutes=when.duration_minutes,
        agenda=agenda, uid=f"{uuid.uuid4()}@{_host()}", sequence=0, created_by_id=mediator.id,
        created_at=now, updated_at=now,
    )
    db.session.add(session)
    db.session.flush()
    record("session.scheduled", actor=mediator, case=case, session_id=session.id, kind=kind,
           side=side, starts_at=session.starts_at, timezone=session.timezone,
           duration_minutes=session.duration_minutes)
    _invite(case, session, "session_invitation")
    _announce(case, session)
    return session


def reschedule(case, mediator, session: MediationSession, *, starts_at, timezone=None,
               duration_minutes=None, agenda=None, reason="", now=None) -> MediationSession:
    """Move a scheduled session: the same calendar entry (UID), SEQUENCE + 1, reminders anew."""
    _ensure_schedulable(case, mediator)
    _ensure_upcoming(session)
    problems: dict[str, list[str]] = {}
    try:
        when = check_when(starts_at, timezone or session.timezone,
                          duration_minutes or session.duration_minutes, now=now)
    except ValidationFailed as error:
        problems.update(error.fields)
    if agenda is not None:
        try:
            agenda = _check_agenda(agenda)
        except ValidationFailed as error:
            problems.update(error.fields)
    try:
        reason = _check_reason(reason)
    except ValidationFailed as error:
        problems.update(error.fields)
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    previous = session.starts_at
    session.starts_at, session.timezone = when.starts_at, when.timezone
    session.duration_minutes = when.duration_minutes
    if agenda is not None:
        session.agenda = agenda
    session.sequence += 1
    session.reminded_day_at = session.reminded_hour_at = None
    session.updated_at = utcnow()
    db.session.flush()
    record("session.rescheduled", actor=mediator, case=case, session_id=session.id,
           from_starts_at=previous, starts_at=session.starts_at, timezone=session.timezone,
           sequence=session.sequence, reason=reason)
    _invite(case, session, "session_rescheduled", reason=reason)
    _announce(case, session)
    return session


def cancel(case, mediator, session: MediationSession, *, reason="") -> MediationSession:
    """Call a scheduled session off: METHOD:CANCEL to everyone invited."""
    _ensure_upcoming(session)
    reason = _check_reason(reason)
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason
    session.sequence += 1
    session.updated_at = utcnow()
    db.session.flush()
    record("session.cancelled", actor=mediator, case=case, session_id=session.id,
           sequence=session.sequence, reason=reason)
    _invite(case, session, "session_cancelled", reason=reason)
    _announce(case, session)
    return session


# ---- the waiting room ------------------------------------------------------------------------

def open_session(case, mediator, session: MediationSession) -> MediationSession:
    """Let everyone in: the parties may write in the session's channel(s) until it is closed."""
    if case.state not in SCHEDULING_STATES:
        raise Conflict(_("Sessions can be held only while the case is being mediated."),
                       code="invalid_state")
    _ensure_upcoming(session)
    already = db.session.execute(
        select(MediationSession.id).where(MediationSession.case_id == case.id,
                                          MediationSession.status == SessionStatus.OPEN)
    ).first()
    if already is not None:
        raise Conflict(_("Another session of this case is open. Close it first."), code="session_already_open")
    session.status = SessionStatus.OPEN
    session.opened_at = session.updated_at = utcnow()
    db.session.flush()
    record("session.opened", actor=mediator, case=case, session_id=session.id)
    _announce(case, session)
    return session


def close_session(case, mediator, session: MediationSession) -> MediationSession:
    if session.status != SessionStatus.OPEN:
        raise Conflict(_("This session is not open."), code="session_not_open")
    session.status = SessionStatus.CLOSED
    session.closed_at = session.updated_at = utcnow()
    db.session.flush()
    record("session.closed", actor=mediator, case=case, session_id=session.id)
    _announce(case, session)
    return session


class _Gate:
    """case id -> (open channels, or None when the room is not gated; when it was read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[frozenset | None, float]] = {}

    def lookup(self, case_id: int) -> frozenset | None:
        now = time.monotonic()
        hit = self._cache.get(case_id)
        if hit is not None and now - hit[1] < GATE_TTL:
            return hit[0]
        value = room_gate(case_id)
        with self._lock:
            self._cache[case_id] = (value, now)
        return value

    def forget(self, case_id: int) -> None:
        with self._lock:
            self._cache.pop(case_id, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


GATE = _Gate()


def room_gate(case_id: int) -> frozenset | None:
    """None: the case has no sessions, the room is free. Otherwise the channels an open session
    opens now (empty: the waiting room). One indexed query."""
    rows = db.session.execute(
        select(MediationSession.status, MediationSession.kind, MediationSession.side)
        .where(MediationSession.case_id == case_id,
               MediationSession.status != SessionStatus.CANCELLED)
    ).all()
    if not rows:
        return None
    opened: set[Channel] = set()
    for status, kind, side in rows:
        if status == SessionStatus.OPEN:
            if kind == SessionKind.JOINT:
                opened.update(Channel)
            else:
                opened.add(Channel(f"caucus:{side.value}"))
    return frozenset(opened)


def refuse_if_waiting(case_id: int, channel: Channel, role_in_case: str | None) -> None:
    """For the send handler: a party may not write while the room waits for the mediator.
    No query when the answer is cached (GATE); the mediator is never held back."""
    if role_in_case == "mediator":
        return
    gate = GATE.lookup(case_id)
    if gate is None or channel in gate:
        return
    raise SessionNotOpen(_("The session has not been opened yet. Please wait for the mediator."))


def waiting_room(case, user) -> dict | None:
    """What the room page shows a party before the session is opened; None when not waiting."""
    gate = room_gate(case.id)
    if gate is None or user.id in case.mediator_ids or Channel.JOINT in gate:
        return None
    upcoming = [s for s in visible_sessions(case, user) if s.status == SessionStatus.SCHEDULED]
    return {"next": session_payload(upcoming[0]) if upcoming else None}


# ---- notes (调解笔录) -------------------------------------------------------------------------

def _clean_notes(value, name: str, problems: dict) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if len(text) > MAX_NOTES:
        problems[name] = [_("Too long (at most %(n)d characters).", n=MAX_NOTES)]
    return text


def save_notes(case, mediator, session: MediationSession, *, attendees="", discussed="", results="",
               expected_version=None) -> SessionNotes:
    """The mediator's notes of one session; a stale `expected_version` is refused (two tabs)."""
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("A cancelled session has no record."), code="session_cancelled")
    problems: dict[str, list[str]] = {}
    attendees = _clean_notes(attendees, "attendees", problems)
    discussed = _clean_notes(discussed, "discussed", problems)
    results = _clean_notes(results, "results", problems)
    if not (attendees or discussed or results):
        problems["discussed"] = [_("Write at least what was discussed.")]
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    notes = notes_of(session)
    if notes is None:
        notes = SessionNotes(session_id=session.id, version=1, author_id=mediator.id)
        db.session.add(notes)
    else:
        if expected_version is not None and int(expected_version) != notes.version:
            message = _("These notes were changed in the meantime. Reload and try again.")
            raise Conflict(message, code="stale_version", extra={"current_version": notes.version})
        notes.version += 1
    notes.attendees, notes.discussed, notes.results = attendees, discussed, results
    notes.author_id = mediator.id
    notes.updated_at = utcnow()
    db.session.flush()
    # The audit says that the notes changed, never what they say (the timeline shows audit events).
    record("session.notes_saved", actor=mediator, case=case, session_id=session.id, version=notes.version)
    return notes


def notes_of(session: MediationSession) -> SessionNotes | None:
    return db.session.execute(
        select(SessionNotes).where(SessionNotes.session_id == session.id)
    ).scalar()


def notes_by_session(session_ids) -> dict[int, SessionNotes]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(SessionNotes).where(SessionNotes.session_id.in_(list(session_ids)))
    ).scalars()
    return {notes.session_id: notes for notes in rows}


def record_text(case, lang: str) -> str:
    """The text of the mediation record paper: each held session's notes, in order."""
    words = {
        "zh_CN": ("第%(n)d次调解（%(when)s）", "参加人员：", "调解情况：", "调解结果："),
        "en": ("Session %(n)d (%(when)s)", "Present: ", "Discussed: ", "Result: "),
    }[lang if lang == "zh_CN" else "en"]
    rows = db.session.execute(
        select(MediationSession, SessionNotes)
        .join(SessionNotes, SessionNotes.session_id == MediationSession.id)
        .where(MediationSession.case_id == case.id, MediationSession.status != SessionStatus.CANCELLED)
        .order_by(MediationSession.starts_at, MediationSession.id)
    ).all()
    blocks = []
    for number, (session, notes) in enumerate(rows, start=1):
        lines = [words[0] % {"n": number, "when": local_text(session)}]
        for label, value in zip(words[1:], (notes.attendees, notes.discussed, notes.results), strict=True):
            if value:
                lines.append(label + value)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def issue_record(case, mediator, lang: str):
    """Issue the mediation record paper (调解笔录) with the notes: the mediator's deliberate act
    of putting them on paper for the parties to check and sign."""
    from ..documents import tasks
    from ..documents.models import DocumentType

    text = record_text(case, lang)
    if not text:
        raise ValidationFailed(_("Write the notes of at least one session first."))
    document = tasks.issue(case, DocumentType.MEDIATION_RECORD, mediator, lang, {"record": text})
    record("session.record_issued", actor=mediator, case=case, lang=lang,
           document_id=getattr(document, "id", None))
    return document


# ---- invitations and reminders ---------------------------------------------------------------

def local_text(session: MediationSession) -> str:
    """"2026-12-01 09:30 (Asia/Shanghai)": the same in every language, unambiguous."""
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({session.timezone})"


def _host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(current_app.config.get("PUBLIC_BASE_URL", "")).hostname or "odr.invalid"


def room_path(case) -> str:
    return f"/cases/{case.id}/room"


def ics_path(case, session) -> str:
    return f"/cases/{case.id}/sessions/{session.id}.ics"


def invitees(case, session: MediationSession) -> list:
    """Who is invited: the parties of the session's side(s) and their representatives; a user
    account when there is one, else the contact details the case holds."""
    from ..auth.models import User
    from ..notifications.operations import Contact

    sides = {session.side} if session.kind == SessionKind.CAUCUS else {Side.APPLICANT, Side.RESPONDENT}
    user_ids: list[int] = []
    contacts: list = []
    for party in case.parties:
        if party.side not in sides:
            continue
        if party.user_id:
            user_ids.append(party.user_id)
        elif party.email or party.phone:
            contacts.append(Contact(name=party.name, email=party.email, phone=party.phone,
                                    locale=case.language))
        if party.representative_user_id:
            user_ids.append(party.representative_user_id)
        elif party.representative_phone:
            contacts.append(Contact(name=party.representative_name or party.name,
                                    phone=party.representative_phone, locale=case.language))
    users = db.session.execute(
        select(User).where(User.id.in_(set(user_ids)), User.active.is_(True)).order_by(User.id)
    ).scalars().all() if user_ids else []
    return [*users, *contacts]


def _ics(case, session) -> bytes:
    """The session's calendar file in the current language."""
    from ..auth.models import User
    from ..notifications.operations import absolute

    organiser = db.session.get(User, session.created_by_id)
    return session_ics(session, case, room_url=absolute(room_path(case)), organiser=organiser)


def _invite(case, session: MediationSession, kind: str, *, reason: str = "") -> None:
    from ..notifications.operations import locale_for, notify

    context = {"url": room_path(case), "when": local_text(session), "agenda": session.agenda,
               "minutes": session.duration_minutes, "reason": reason}
    for person in invitees(case, session):
        locale = locale_for(person, case)
        with force_locale(locale):  # the calendar entry's title in the recipient's language
            text = _ics(case, session).decode("utf-8")
        attachment = {"filename": filename(case, session), "content_type": CONTENT_TYPE, "text": text}
        notify(person, kind, context, case=case, attachments=[attachment])


def ics_for_download(case, session: MediationSession) -> tuple[bytes, str]:
    return _ics(case, session), filename(case, session)


def remind_due(now=None) -> int:
    """Send the reminders that are due: 24 hours and 1 hour before each scheduled session (the
    1-hour one alone when a session is set at short notice). Each session in its own transaction;
    the stamps on the session make a second run send nothing more. Returns how many were sent."""
    from ..cases.models import Case

    now = now or utcnow()
    ids = db.session.execute(
        select(MediationSession.id).where(
            MediationSession.status == SessionStatus.SCHEDULED,
            MediationSession.starts_at > now,
            MediationSession.starts_at <= now + REMIND_DAY,
        ).order_by(MediationSession.starts_at)
    ).scalars().all()
    sent = 0
    for session_id in ids:
        try:
            session = db.session.get(MediationSession, session_id)
            case = db.session.get(Case, session.case_id)
            if session.status != SessionStatus.SCHEDULED or case.state not in SCHEDULING_STATES:
                db.session.rollback()
                continue
            due_hour = session.starts_at - now <= REMIND_HOUR
            if due_hour and session.reminded_hour_at is None:
                session.reminded_hour_at = now
                session.reminded_day_at = session.reminded_day_at or now
                which = "hour"
            elif not due_hour and session.reminded_day_at is None:
                session.reminded_day_at = now
                which = "day"
            else:
                db.session.rollback()
                continue
            context = {"url": room_path(case), "when": local_text(session), "agenda": session.agenda,
                       "minutes": session.duration_minutes}
            for person in invitees(case, session):
                notify_reminder(person, context, case)
            record("session.reminded", case=case, session_id=session.id, which=which)
            db.session.commit()
            sent += 1
        except Exception:
            db.session.rollback()
            current_app.logger.exception("session reminder failed for session %s", session_id)
    return sent


def notify_reminder(person, context: dict, case) -> None:
    from ..notifications.operations import notify

    notify(person, "session_reminder", context, case=case)


# ---- what clients see ------------------------------------------------------------------------

def session_payload(session: MediationSession) -> dict:
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    return {
        "id": session.id,
        "case_id": session.case_id,
        "kind": session.kind.value,
        "side": session.side.value if session.side else None,
        "status": session.status.value,
        "starts_at": session.starts_at.isoformat().replace("+00:00", "Z"),
        "local_start": local.replace(tzinfo=None).isoformat(timespec="minutes"),
        "timezone": session.timezone,
        "duration_minutes": session.duration_minutes,
        "agenda": session.agenda,
        "sequence": session.sequence,
        "cancel_reason": session.cancel_reason,
        "opened_at": session.opened_at.isoformat().replace("+00:00", "Z") if session.opened_at else None,
        "closed_at": session.closed_at.isoformat().replace("+00:00", "Z") if session.closed_at else None,
        "ics_url": ics_path_for(session),
    }


def ics_path_for(session) -> str:
    try:
        return url_for("mediation.session_ics", case_id=session.case_id, session_id=session.id)
    except RuntimeError:  # outside a request (a job): the plain path
        return f"/cases/{session.case_id}/sessions/{session.id}.ics"


def notes_payload(notes: SessionNotes | None) -> dict | None:
    if notes is None:
        return None
    return {"attendees": notes.attendees, "discussed": notes.discussed, "results": notes.results,
            "version": notes.version, "updated_at": notes.updated_at.isoformat().replace("+00:00", "Z")}


def _announce(case, session: MediationSession) -> None:
    """After the commit: forget this process's cached gate, and tell the session's channel
    (`session` event; a caucus session only that side's channel)."""
    payload = {"case_id": case.id, "session": session_payload(session)}
    room = f"case:{case.id}:{channel_of(session).value}"
    case_id = case.id

    def emit():
        from ..extensions import socketio
        from .events import NAMESPACE

        GATE.forget(case_id)
        if getattr(socketio, "server", None) is not None:
            socketio.emit("session", payload, to=room, namespace=NAMESPACE)

    broadcast.call_after_commit(emit)
