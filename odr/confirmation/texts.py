"""The notifications of judicial confirmation, added to notifications.texts.KINDS (same rules:
a subject, a body of paragraphs, a short SMS; placeholders as documented there, plus
%(court)s and %(decision)s)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..notifications.texts import KINDS, Texts

KINDS.update({
    "confirmation_join": Texts(
        _l("Join the application for judicial confirmation (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe other party has started a joint application to %(court)s for "
           "judicial confirmation of the agreement in \"%(title)s\" (case %(reference)s). The law "
           "requires both parties to apply together (People's Mediation Law Art. 33; Civil "
           "Procedure Law Art. 205), within 30 days of the agreement taking effect, that is by "
           "%(deadline)s.\n\nOpen the case to join the application:\n\n%(url)s"),
        _l("[ODR] The other party asks you to join the application for judicial confirmation "
           "(case %(reference)s) by %(deadline)s: %(url)s"),
    ),
    "confirmation_filed": Texts(
        _l("Application for judicial confirmation filed (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe parties' joint application for judicial confirmation of the "
           "agreement in \"%(title)s\" (case %(reference)s) has been filed with %(court)s. The "
           "court reviews the agreement, the parties and the papers, and confirms the agreement or "
           "dismisses the application with its reasons (Civil Procedure Law Art. 206).\n\n%(url)s"),
        _l("[ODR] The application for judicial confirmation (case %(reference)s) was filed with "
           "%(court)s: %(url)s"),
    ),
    "confirmation_decided": Texts(
        _l("The court has decided on judicial confirmation (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(court)s has decided on the application for judicial confirmation "
           "in \"%(title)s\" (case %(reference)s): %(decision)s\n\nReasons: %(reason)s\n\nThe "
           "ruling is among the case's documents:\n\n%(url)s"),
        _l("[ODR] Judicial confirmation (case %(reference)s): %(decision)s %(url)s"),
    ),
})
