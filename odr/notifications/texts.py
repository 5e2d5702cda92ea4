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
    # A new staff member (odr/admin/invitations.py): %(organisation)s, %(role)s, %(url)s, %(days)s.
    "staff_invitation": Texts(
        _l("You are invited to work on the mediation service"),
        _l("Dear %(name)s,\n\nAn account was made for you as %(role)s of %(organisation)s. Open the "
           "link below to choose your password; it works once and for %(days)s days:\n\n%(url)s\n\n"
           "If you were not expecting this, ignore this message."),
        _l("[ODR] You are invited as %(role)s of %(organisation)s. Choose your password: %(url)s"),
    ),
    # One-time codes (odr/identity): sent by SMS only; %(code)s, %(minutes)s.
    "code_phone": Texts(
        _l("Your verification code"),
        _l("Your code to verify this mobile number is %(code)s. It is valid for %(minutes)s minutes. "
           "If you did not ask for it, ignore this message."),
        _l("[ODR] Verification code %(code)s, valid for %(minutes)s minutes. Do not give it to anyone."),
    ),
    "code_sign": Texts(
        _l("Your signing code"),
        _l("Your code to confirm your signature is %(code)s. It is valid for %(minutes)s minutes. "
           "If you are not signing a document now, do not use it and tell the mediator."),
        _l("[ODR] Signing code %(code)s, valid for %(minutes)s minutes. Do not give it to anyone."),
    ),
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
    # Mediation sessions (odr/mediation/sessions.py). %(when)s is the start as
    # "2026-12-01 09:30 (Asia/Shanghai)", %(agenda)s the agenda; the e-mail carries the .ics.
    "session_invitation": Texts(
        _l("Mediation session on %(when)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe mediator has arranged an online mediation session for \"%(title)s\" "
           "(case %(reference)s) on %(when)s, for %(minutes)s minutes.\n\nAgenda: %(agenda)s\n\n"
           "Open the mediation room at that time; the calendar file attached (or on the case page) "
           "puts the session in your calendar.\n\n%(url)s"),
        _l("[ODR] Mediation session, case %(reference)s: %(when)s. %(url)s"),
    ),
    "session_rescheduled": Texts(
        _l("Mediation session moved to %(when)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe mediation session for \"%(title)s\" (case %(reference)s) has been "
           "moved to %(when)s, for %(minutes)s minutes. The reason given: %(reason)s\n\nAgenda: "
           "%(agenda)s\n\nThe calendar file attached updates the entry in your calendar.\n\n%(url)s"),
        _l("[ODR] Mediation session moved, case %(reference)s: now %(when)s. %(url)s"),
    ),
    "session_cancelled": Texts(
        _l("Mediation session of %(when)s cancelled (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe mediation session for \"%(title)s\" (case %(reference)s) on "
           "%(when)s has been cancelled. The reason given: %(reason)s\n\nThe calendar file attached "
           "removes it from your calendar.\n\n%(url)s"),
        _l("[ODR] Mediation session of %(when)s cancelled, case %(reference)s. %(url)s"),
    ),
    "session_reminder": Texts(
        _l("Reminder: mediation session on %(when)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThis is a reminder of the online mediation session for \"%(title)s\" "
           "(case %(reference)s) on %(when)s.\n\nAgenda: %(agenda)s\n\nOpen the mediation room at "
           "that time:\n\n%(url)s"),
        _l("[ODR] Reminder: mediation session, case %(reference)s, %(when)s. %(url)s"),
    ),
    "mediator_conflict": Texts(
        _l("A mediator declared a relation to the parties (case %(reference)s)"),
        _l("Dear %(name)s,\n\nThe mediator %(mediator)s declared a relation to the parties of "
           "\"%(title)s\" (case %(reference)s). The mediator is held back from the case until you "
           "decide, with a reason, whether the assignment stands.\n\n%(url)s"),
        _l("[ODR] Mediator %(mediator)s declared a relation to the parties of case %(reference)s. "
           "Decide: %(url)s"),
    ),
    # The roster (odr/roster): a party asks for a mediator; the clerk's answer.
    "mediator_requested": Texts(
        _l("A party asks for a mediator (case %(reference)s)"),
        _l("Dear %(name)s,\n\nA party of \"%(title)s\" (case %(reference)s) asks for a mediator: "
           "%(mediator)s (a dash means \"a different mediator\"). Please decide, with a reason.\n\n%(url)s"),
        _l("[ODR] A party asks for a mediator in case %(reference)s. Decide: %(url)s"),
    ),
    "mediator_request_decided": Texts(
        _l("Your request for a mediator was %(decision)s (case %(reference)s)"),
        _l("Dear %(name)s,\n\nYour request for a mediator in \"%(title)s\" (case %(reference)s) was "
           "%(decision)s. The clerk's reason: %(reason)s\n\n%(url)s"),
        _l("[ODR] Your request for a mediator in case %(reference)s was %(decision)s: %(url)s"),
    ),
}
