"""The notifications of supervision, added to notifications.texts.KINDS. Placeholders as there,
plus %(state)s (the state's name), %(since)s and %(deadline)s (dates), %(late)s (days past the
deadline), %(who)s (who must act, with their roles), %(role)s (the recipient's role in the case),
%(supervisor)s, %(handler)s, %(instruction)s and %(answer)s."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..notifications.texts import KINDS, Texts

KINDS.update({
    "clock_reminder": Texts(
        _l("Case %(reference)s: the next step is due by %(deadline)s"),
        _l("Dear %(name)s,\n\nThe case \"%(title)s\" (%(reference)s) has been at the stage "
           "\"%(state)s\" since %(since)s. The next step is yours (as %(role)s) and is due by "
           "%(deadline)s. If it is not taken by then, the case is reported to the supervisor.\n\n%(url)s"),
        _l("[ODR] Case %(reference)s (%(state)s): the next step is due by %(deadline)s. %(url)s"),
    ),
    "clock_escalated": Texts(
        _l("Overdue: case %(reference)s (%(state)s)"),
        _l("Dear %(name)s,\n\nThe case \"%(title)s\" (%(reference)s) has been at the stage "
           "\"%(state)s\" since %(since)s; its deadline, %(deadline)s, has passed (%(late)s days "
           "late).\n\nWho must act: %(who)s.\n\nThe supervision board lists it; you can send an "
           "instruction from the case page.\n\n%(url)s"),
        _l("[ODR] Overdue case %(reference)s (%(state)s, %(late)s days late). Who must act: %(who)s. %(url)s"),
    ),
    "clock_escalated_up": Texts(
        _l("Still overdue, reported up: case %(reference)s (%(state)s)"),
        _l("Dear %(name)s,\n\nThe case \"%(title)s\" (%(reference)s) is still at the stage "
           "\"%(state)s\" (since %(since)s), %(late)s days after its deadline of %(deadline)s, "
           "although the organisation's supervisor was told. It is reported to you as the "
           "supervisor one level up.\n\nWho must act: %(who)s.\n\n%(url)s"),
        _l("[ODR] Reported up: case %(reference)s is %(late)s days overdue (%(state)s). Who must act: %(who)s. %(url)s"),
    ),
    "instruction_issued": Texts(
        _l("Instruction from the supervisor on case %(reference)s (answer by %(deadline)s)"),
        _l("Dear %(name)s,\n\n%(supervisor)s has sent you an instruction on the case \"%(title)s\" "
           "(%(reference)s):\n\n%(instruction)s\n\nPlease answer on the case page by %(deadline)s.\n\n%(url)s"),
        _l("[ODR] Instruction on case %(reference)s from %(supervisor)s; answer by %(deadline)s. %(url)s"),
    ),
    "instruction_answered": Texts(
        _l("%(handler)s answered your instruction on case %(reference)s"),
        _l("Dear %(name)s,\n\n%(handler)s answered your instruction on the case \"%(title)s\" "
           "(%(reference)s).\n\nThe instruction: %(instruction)s\n\nThe answer: %(answer)s\n\n%(url)s"),
        _l("[ODR] %(handler)s answered your instruction on case %(reference)s. %(url)s"),
    ),
    "instruction_overdue": Texts(
        _l("Unanswered instruction on case %(reference)s"),
        _l("Dear %(name)s,\n\nThe instruction of %(supervisor)s to %(handler)s on the case \"%(title)s\" "
           "(%(reference)s) was to be answered by %(deadline)s and has not been.\n\nThe instruction: "
           "%(instruction)s\n\n%(url)s"),
        _l("[ODR] The instruction on case %(reference)s to %(handler)s was not answered by %(deadline)s. %(url)s"),
    ),
})
