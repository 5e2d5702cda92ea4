"""What the case timeline says about performance and follow-up (added to cases.timeline.DESCRIBERS).
The terms of the case are loaded once per timeline, not once per event."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..cases.timeline import DESCRIBERS, _simple

METHOD_WORDS = {"phone": _l("by phone"), "visit": _l("in person"), "online": _l("online")}


def _number(ctx, obligation_id):
    cache = getattr(ctx, "_obligation_numbers", None)
    if cache is None:
        from .operations import obligations

        cache = {o.id: o.number for o in obligations(ctx.case)}
        ctx._obligation_numbers = cache
    return cache.get(obligation_id, "")


def _term(message, with_reason=False):
    def describe(event, actor, ctx):
        n = _number(ctx, event.payload.get("obligation_id"))
        note = ""
        if with_reason and event.payload.get("reason"):
            note = _("Reason: %(reason)s", reason=event.payload["reason"])
        return str(message) % {"actor": actor, "n": n}, {"obligation_id": event.payload.get("obligation_id"),
                                                         "number": n}, note

    return describe


def _follow_up(event, actor, ctx):
    method = event.payload.get("method", "")
    text = _("%(actor)s recorded a follow-up visit (%(method)s)", actor=actor, method=str(METHOD_WORDS.get(method, method)))
    return text, {"follow_up_id": event.payload.get("follow_up_id"), "method": method}, ""


DESCRIBERS.update({
    "performance.tracked": _simple(_l("The agreement's instalments are tracked as terms with due dates")),
    "performance.term_added": _term(_l("%(actor)s added term %(n)s of the agreement to be tracked")),
    "performance.reported": _term(_l("%(actor)s reported term %(n)s performed")),
    "performance.confirmed": _term(_l("%(actor)s confirmed that term %(n)s was performed")),
    "performance.disputed": _term(_l("%(actor)s disputed the performance of term %(n)s"), with_reason=True),
    "performance.reminded": _term(_l("A reminder of term %(n)s was sent before its due date")),
    "performance.missed": _term(_l("Term %(n)s was not performed by its due date")),
    "performance.completed": _simple(_l("Every term of the agreement has been performed")),
    "performance.follow_up": _follow_up,
})
