"""How supervision reads on the case timeline (added to cases.timeline.DESCRIBERS). Reminders,
escalations and instructions are the staff's business: the parties do not see them."""

from __future__ import annotations

from flask_babel import gettext as _

from ..cases.timeline import DESCRIBERS
from ..core.labels import label
from .clocks import ROLE_LABELS


def _alert(kind):
    def describe(event, actor, ctx):
        if not ctx.is_staff:
            return None
        p = event.payload
        state = label(p.get("state"))
        told = len(p.get("recipients") or [])
        if kind == "reminder":
            text = _("Reminder sent: the step at \"%(state)s\" is due soon (%(n)d told)", state=state, n=told)
        elif kind == "escalated":
            text = _("Overdue at \"%(state)s\": reported to the supervisor (%(n)d told)", state=state, n=told)
        else:
            text = _("Still overdue at \"%(state)s\": reported one level up (%(n)d told)", state=state, n=told)
        who = ", ".join(f"{m.get('name')} ({ROLE_LABELS.get(m.get('role'), m.get('role'))})" for m in p.get("must_act") or [])
        note = _("Who must act: %(who)s", who=who) if who else ""
        return text, {"level": p.get("level"), "state": p.get("state"), "late_days": p.get("late_days"),
                      "recipients": p.get("recipients")}, note

    return describe


def _instruction(kind):
    def describe(event, actor, ctx):
        if not ctx.is_staff:
            return None
        p = event.payload
        if kind == "issued":
            return (_("%(actor)s sent an instruction", actor=actor), {"instruction_id": p.get("instruction_id")},
                    p.get("text") or "")
        if kind == "answered":
            return (_("%(actor)s answered an instruction", actor=actor), {"instruction_id": p.get("instruction_id")},
                    p.get("answer") or "")
        return (_("An instruction was not answered in time and was escalated"),
                {"instruction_id": p.get("instruction_id")}, "")

    return describe


DESCRIBERS.update({
    "supervision.reminder_sent": _alert("reminder"),
    "supervision.escalated": _alert("escalated"),
    "supervision.escalated_up": _alert("up"),
    "supervision.instruction_issued": _instruction("issued"),
    "supervision.instruction_answered": _instruction("answered"),
    "supervision.instruction_overdue": _instruction("overdue"),
})
