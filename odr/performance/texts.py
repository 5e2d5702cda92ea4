"""The notifications of performance tracking, added to notifications.texts.KINDS (placeholders
as documented there, plus %(term)s: the term in words)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..notifications.texts import KINDS, Texts

KINDS.update({
    "performance_due": Texts(
        _l("Reminder: a term of your agreement is due on %(deadline)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nUnder the agreement in \"%(title)s\" (case %(reference)s) this term is "
           "due on %(deadline)s:\n\n%(term)s\n\nThe agreement is legally binding (People's Mediation "
           "Law Art. 31). When you have performed it, mark it done on the case page, with a receipt "
           "if you have one:\n\n%(url)s"),
        _l("[ODR] Due %(deadline)s (case %(reference)s): %(term)s %(url)s"),
    ),
    "performance_reported": Texts(
        _l("The other party reports a term performed (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe other party reports that this term of the agreement in "
           "\"%(title)s\" (case %(reference)s) has been performed:\n\n%(term)s\n\nPlease confirm it, "
           "or say why not, on the case page:\n\n%(url)s"),
        _l("[ODR] The other party reports done (case %(reference)s): %(term)s. Confirm or dispute: "
           "%(url)s"),
    ),
    "performance_disputed": Texts(
        _l("A term of the agreement is disputed (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe performance of this term of the agreement in \"%(title)s\" (case "
           "%(reference)s) is disputed:\n\n%(term)s\n\nThe reason given: %(reason)s\n\n%(url)s"),
        _l("[ODR] A term is disputed (case %(reference)s): %(reason)s %(url)s"),
    ),
    "performance_missed": Texts(
        _l("A term of the agreement was not performed on time (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThis term of the agreement in \"%(title)s\" (case %(reference)s) was "
           "due on %(deadline)s and has not been performed:\n\n%(term)s\n\nThe mediation committee "
           "supervises performance (People's Mediation Law Art. 31). The party owed may ask for "
           "the case to go to court: for enforcement of a confirmed agreement (Art. 33), or a "
           "suit about performance (Art. 32).\n\n%(url)s"),
        _l("[ODR] Not performed by %(deadline)s (case %(reference)s): %(term)s %(url)s"),
    ),
})
