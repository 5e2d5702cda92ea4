"""What the case timeline says about judicial confirmation (added to cases.timeline.DESCRIBERS)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..cases.timeline import DESCRIBERS, STEP_TEXTS, _simple

STEP_TEXTS["request_enforcement"] = _l("%(actor)s asked to take the unperformed agreement to court")


def _decided(event, actor, ctx):
    if event.payload.get("confirmed"):
        text = _("%(actor)s recorded the court's ruling: the agreement is confirmed as valid", actor=actor)
    else:
        text = _("%(actor)s recorded the court's ruling: the application is dismissed", actor=actor)
    return text, {"confirmed": bool(event.payload.get("confirmed"))}, ""


DESCRIBERS.update({
    "confirmation.started": _simple(_l("%(actor)s started a joint application for judicial confirmation")),
    "confirmation.joined": _simple(_l("%(actor)s joined the application for judicial confirmation")),
    "confirmation.written_application": _simple(
        _l("%(actor)s filed the parties' joint written application for judicial confirmation")),
    "confirmation.filed": _simple(_l("The application for judicial confirmation was filed with the court")),
    "confirmation.decided": _decided,
})
