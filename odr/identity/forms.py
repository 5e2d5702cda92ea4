from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

# Mainland mobile numbers: 11 digits starting with 1 (a leading +86 or blanks are dropped first).
MOBILE = r"^1[3-9]\d{9}\Z"


def normalise_phone(value):
    if not value:
        return value
    value = "".join(value.split()).replace("-", "")
    return value[3:] if value.startswith("+86") else value


class PhoneForm(FlaskForm):
    phone = StringField(
        _l("Mobile number"),
        filters=[normalise_phone],
        validators=[DataRequired(message=_l("Enter your mobile number.")),
                    Regexp(MOBILE, message=_l("Enter an 11-digit mainland mobile number, e.g. 13800138000."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class CodeForm(FlaskForm):
    phone = StringField(filters=[normalise_phone], validators=[DataRequired(), Regexp(MOBILE)])
    code = StringField(
        _l("Code from the SMS"),
        validators=[DataRequired(message=_l("Enter the six-digit code we sent.")),
                    Regexp(r"^\s*\d{6}\s*\Z", message=_l("The code has six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class IdentityForm(FlaskForm):
    id_number = StringField(
        _l("Resident ID number"),
        description=_l("18 characters, as on the identity card. It is stored encrypted; others see it masked."),
        validators=[DataRequired(message=_l("Enter the resident ID number.")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
