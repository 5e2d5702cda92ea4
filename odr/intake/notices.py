"""What intake tells people, through odr.notifications when that package is there.

The kinds are added to the notifications' KINDS table at first use, so that the words live with
the feature that sends them. Without odr.notifications, `tell` records the audit entry only.
"""

from __future__ import annotations

import importlib.util

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..core.audit import record

WORDS = {
    "case_accepted": (
        _l("Your application was accepted (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(organisation)s accepted your application \"%(title)s\" (case "
           "%(reference)s). The acceptance notice is on the case page, with what happens next.\n\n"
           "%(url)s"),
        _l("[ODR] %(organisation)s accepted your application (case %(reference)s): %(url)s"),
    ),
    "case_rejected": (
        _l("Your application was not accepted (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(organisation)s did not accept your application \"%(title)s\" (case "
           "%(reference)s). The reason given: %(reason)s\n\nThe case page says where else you can "
           "turn.\n\n%(url)s"),
        _l("[ODR] Your application (case %(reference)s) was not accepted: %(reason)s. %(url)s"),
    ),
    "risk_alert": (
        _l("Risk warning: case %(reference)s"),
        _l("Dear %(name)s,\n\nThe application \"%(title)s\" (case %(reference)s) shows signs that "
           "the dispute may escalate (%(signals)s); its risk level is now %(level)s. Please look at "
           "it and take preventive measures (People's Mediation Law Art. 25).\n\n%(url)s"),
        _l("[ODR] Risk warning, case %(reference)s (%(level)s): %(url)s"),
    ),
}


def _notify():
    """odr.notifications' notify, with our kinds registered; None without that package."""
    if importlib.util.find_spec("odr.notifications") is None:
        return None
    try:
        from ..notifications import operations, texts
    except ImportError:
        return None
    for kind, (subject, body, sms) in WORDS.items():
        texts.KINDS.setdefault(kind, texts.Texts(subject, body, sms))
    return operations.notify


def tell(users, kind: str, case, **context) -> None:
    """Tell these people about `kind`; the audit says whom, and whether anything was sent."""
    recipients = [u for u in dict.fromkeys(users) if u is not None and u.active]
    notify = _notify()
    if notify is not None:
        context = {"url": url_for("cases.show", case_id=case.id), **context}
        for user in recipients:
            notify(user, kind, context, case=case)
    record("intake.told", case=case, kind=kind, recipients=[u.id for u in recipients],
           sent=notify is not None)
