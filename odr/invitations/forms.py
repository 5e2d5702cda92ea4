"""Forms of the invitation and the respondent's answer page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.operations import MIN_PASSWORD_LENGTH
from ..cases.forms import EMAIL_PATTERN, MAX_REASON, PHONE_PATTERN, _max, _strip
from .operations import STATEMENT_MAX


def _password(label) -> PasswordField:
    too_short = _l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    return PasswordField(
        label,
        validators=[DataRequired(message=_l("Choose a password.")),
                    Length(min=MIN_PASSWORD_LENGTH, message=too_short)],
        description=too_short,
    )


class AccountForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), _max(120)],
                       filters=[_strip])
    email = EmailField(_l("E-mail address"), validators=[
        Optional(), _max(254), Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address."))],
        filters=[_strip])
    phone = TelField(_l("Mobile number"), validators=[
        Optional(), Regexp(PHONE_PATTERN, message=_l("Enter a valid phone number."))], filters=[_strip])
    password = _password(_l("Password"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.email.data or self.phone.data):
            self.email.errors.append(str(_l("Give an e-mail address or a mobile number.")))
            return False
        return ok


class PasswordForm(FlaskForm):
    password = _password(_l("New password"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you not agree to mediation?"),
        validators=[DataRequired(message=_l("Please give a reason.")), _max(MAX_REASON)], filters=[_strip],
        description=_l("The applicant will read this."),
    )


class StatementForm(FlaskForm):
    statement = TextAreaField(
        _l("Your side of the story"),
        validators=[DataRequired(message=_l("Write your side of the story first.")), _max(STATEMENT_MAX)],
        filters=[_strip],
        description=_l("What happened, as you see it, and what you think would be fair. The "
                       "applicant and the mediator will read it."),
    )


class ConsentForm(FlaskForm):
    """Only the CSRF token: agreeing needs nothing more."""
