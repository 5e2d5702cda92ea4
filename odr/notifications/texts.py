"""The words of every notification, per kind: a subject, a body (plain text, paragraphs separated
by blank lines) and a short SMS. Translatable like any other text (extracted by pybabel, Chinese
in odr/translations); rendered in the recipient's language by operations.render.

Placeholders: %(name)s the recipient, %(reference)s and %(title)s the case, %(url)s a link (made
absolute), %(deadline)s a date, %(reason)s, %(applicant)s.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Texts:
    subject: object
    body: object
    sms: object


KINDS: dict[str, Texts] = {
    "invitation": Texts(
        _l("Invitation to mediation: case %(reference)s"),
        _l("Dear %(name)s,\n\n%(applicant)s has asked for mediation of a dispute with you: "
           "\"%(title)s\" (case %(reference)s).\n\nMediation is voluntary and free of charge. Open "
           "the link below to read the claim, give your side, and say whether you agree to "
           "mediation, by %(deadline)s:\n\n%(url)s\n\nThe link is for you only and works once."),
        _l("[ODR] %(applicant)s asks for mediation with you (case %(reference)s). Read the claim "
           "and answer by %(deadline)s: %(url)s"),
    ),
    "consent_reminder": Texts(
        _l("Reminder: please answer by %(deadline)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nYou have not yet said whether you agree to mediation of \"%(title)s\" "
           "(case %(reference)s). Please answer by %(deadline)s; after that date the applicant "
           "will be offered other ways to resolve the dispute.\n\n%(url)s"),
        _l("[ODR] Reminder: please answer the mediation request (case %(reference)s) by "
           "%(deadline)s: %(url)s"),
    ),
    "consent_expired": Texts(
        _l("No answer from the other party (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe other party did not answer the invitation to mediation of "
           "\"%(title)s\" (case %(reference)s) by the deadline. Mediation is voluntary, so it cannot "
           "go ahead. You can now choose where to take the case: open it to see your options.\n\n"
           "%(url)s"),
        _l("[ODR] The other party did not answer in time (case %(reference)s). See your options: "
           "%(url)s"),
    ),
    "respondent_consented": Texts(
        _l("The other party agreed to mediation (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe other party agreed to mediation of \"%(title)s\" (case "
           "%(reference)s). The mediator will contact you.\n\n%(url)s"),
        _l("[ODR] The other party agreed to mediation (case %(reference)s): %(url)s"),
    ),
    "respondent_declined": Texts(
        _l("The other party declined mediation (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe other party declined mediation of \"%(title)s\" (case "
           "%(reference)s). The reason given: %(reason)s\n\nYou can now choose where to take the "
           "case: open it to see your options.\n\n%(url)s"),
        _l("[ODR] The other party declined mediation (case %(reference)s). See your options: "
           "%(url)s"),
    ),
    "consent_needs_mediator": Texts(
        _l("Assign a mediator: the respondent wants to agree (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe respondent of \"%(title)s\" (case %(reference)s) tried to agree to "
           "mediation, but no mediator is assigned yet. Assign one so that they can agree.\n\n"
           "%(url)s"),
        _l("[ODR] Assign a mediator to case %(reference)s: the respondent wants to agree. %(url)s"),
    ),
}
