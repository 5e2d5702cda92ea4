"""The notifications of satisfaction ratings, added to notifications.texts.KINDS (placeholders
as documented there, plus %(process)s and %(mediator_score)s: the scores given)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..notifications.texts import KINDS, Texts

KINDS.update({
    "satisfaction_request": Texts(
        _l("How did we do? Rate the mediation of case %(reference)s"),
        _l("Dear %(name)s,\n\nCase %(reference)s (\"%(title)s\") is closed. Please tell us how "
           "satisfied you are with the process and with the mediator: two scores from 1 to 5 and, "
           "if you like, a comment. It takes a minute; the other party does not see what you "
           "write.\n\n%(url)s"),
        _l("[ODR] Case %(reference)s is closed. Please rate the mediation (1-5): %(url)s"),
    ),
    "satisfaction_low": Texts(
        _l("Low satisfaction rating in case %(reference)s"),
        _l("Dear %(name)s,\n\nA party rated case %(reference)s (\"%(title)s\") low: process "
           "%(process)s of 5, mediator %(mediator_score)s of 5. Please look into it; the comment "
           "is on the case's ratings page:\n\n%(url)s"),
        _l("[ODR] Low rating in case %(reference)s (process %(process)s/5, mediator "
           "%(mediator_score)s/5): %(url)s"),
    ),
})
