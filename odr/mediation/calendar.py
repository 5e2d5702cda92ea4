"""A session as an iCalendar file (RFC 5545, with RFC 5546's METHOD), built with `icalendar`.

The UID stays the same for the life of a session and SEQUENCE goes up with every change, so a
calendar program updates (METHOD:REQUEST) or removes (METHOD:CANCEL) the entry it already has
instead of adding a second one. DTSTART carries the session's own IANA zone with its VTIMEZONE.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from ..core.models import utcnow
from .session_models import SessionKind, SessionStatus

CONTENT_TYPE = "text/calendar"


def session_ics(session, case, *, room_url: str, organiser=None) -> bytes:
    """The calendar file of `session`, in the current language: METHOD:CANCEL once cancelled."""
    cancelled = session.status == SessionStatus.CANCELLED
    zone = ZoneInfo(session.timezone)
    start = session.starts_at.astimezone(zone)

    calendar = Calendar()
    calendar.add("prodid", "-//odr//mediation sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=session.duration_minutes))
    if session.kind == SessionKind.CAUCUS:
        title = _("Private mediation session, case %(reference)s", reference=case.reference)
    else:
        title = _("Mediation session, case %(reference)s", reference=case.reference)
    event.add("summary", title)
    event.add("description", f"{session.agenda}\n\n{room_url}")
    event.add("location", vText(room_url))
    event.add("url", room_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organiser is not None and organiser.email:
        address = vCalAddress(f"mailto:{organiser.email}")
        address.params["cn"] = vText(organiser.name)
        event.add("organizer", address)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def filename(case, session) -> str:
    return f"{case.reference}-session-{session.id}.ics"
