"""The notifications of referral and delegation, added to notifications.texts.KINDS (one table of
kinds; these words live here beside the rules that send them). Placeholders as there, plus
%(organisation)s, %(deadline)s, %(reason)s and %(result)s."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..notifications.texts import KINDS, Texts

REFERRAL_KINDS = {
    "referral_received": Texts(
        _l("Referred case %(reference)s: please answer by %(deadline)s"),
        _l("Dear %(name)s,\n\n%(organisation)s has referred the case \"%(title)s\" (%(reference)s) "
           "to your body. Accept it, or return it with your reason, by %(deadline)s.\n\n%(url)s"),
        _l("[ODR] Case %(reference)s was referred to you. Please answer by %(deadline)s: %(url)s"),
    ),
    "referral_sent": Texts(
        _l("Your case was sent to %(organisation)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe case \"%(title)s\" (%(reference)s) was sent to %(organisation)s. "
           "It will accept the case or return it with a reason by %(deadline)s; you will be told "
           "either way.\n\n%(url)s"),
        _l("[ODR] Case %(reference)s was sent to %(organisation)s: %(url)s"),
    ),
    "referral_accepted": Texts(
        _l("%(organisation)s accepted your case (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(organisation)s accepted the case \"%(title)s\" (%(reference)s). "
           "The referral letter is on the case page; %(organisation)s will contact you about what "
           "happens next.\n\n%(url)s"),
        _l("[ODR] %(organisation)s accepted case %(reference)s: %(url)s"),
    ),
    "referral_returned": Texts(
        _l("%(organisation)s returned the case (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(organisation)s did not take the case \"%(title)s\" (%(reference)s). "
           "The reason given: %(reason)s\n\nYou can choose another body: open the case to see your "
           "options.\n\n%(url)s"),
        _l("[ODR] %(organisation)s returned case %(reference)s. See your options: %(url)s"),
    ),
    "delegation_received": Texts(
        _l("A court asks you to mediate (case %(reference)s)"),
        _l("Dear %(name)s,\n\n%(organisation)s has sent the dispute \"%(title)s\" (%(reference)s) to "
           "your organisation for mediation. Please deal with it by %(deadline)s; the court will be "
           "told the result.\n\n%(url)s"),
        _l("[ODR] %(organisation)s sent case %(reference)s for mediation: %(url)s"),
    ),
    "delegation_result": Texts(
        _l("Result of the mediation you delegated (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe mediation of \"%(title)s\" (%(reference)s) by %(organisation)s has "
           "ended: %(result)s.\n\n%(url)s"),
        _l("[ODR] Mediation of case %(reference)s ended: %(result)s. %(url)s"),
    ),
}

KINDS.update(REFERRAL_KINDS)

# Names of the referral codes (routes, statuses, kinds) beside the shared ones (core/labels.py);
# "court", "accepted", "withdrawn" and "mediation" are there already and mean the same here.
from ..core.labels import LABELS  # noqa: E402

for _code, _text in {
    "arbitration": _l("Arbitration commission"),
    "administrative": _l("Administrative body"),
    "transfer": _l("Another mediation organisation"),
    "pending": _l("Waiting for an answer"),
    "returned": _l("Returned"),
    "reported": _l("Result reported"),
    "referral": _l("Referral"),
    "delegation": _l("Delegated mediation"),
}.items():
    LABELS.setdefault(_code, _text)
