"""Forms of the case pages. Limits match the model columns; messages are translated."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..core.enums import Category, PartyKind, Side
from ..core.labels import label

# Text columns have no length limit in the database; these keep one page of facts reasonable.
MAX_FACTS = 10000
MAX_CLAIMS = 5000
MAX_REASON = 2000
# Numeric(14, 2): twelve digits before the decimal point.
MAX_AMOUNT = Decimal("999999999999.99")

# A mobile or landline number: digits with optional spaces or hyphens, an optional leading +.
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{5,30}[0-9]$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _required(message):
    return DataRequired(message=message)


def _max(n):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _choices(values):
    """(value, translated label) pairs; labels are resolved when the form is built, in the user's language."""
    return [(v.value, label(v)) for v in values]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AmountField(DecimalField):
    """A money amount; what is not a number gets our own message, in the user's language."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None  # left empty: no amount
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter an amount such as 1200 or 1200.50."))) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # not a number: the range check has nothing to say


class DayField(DateField):
    """A date; what is not one gets our own message (WTForms' "Not a valid date value." has no
    Chinese translation)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter a date such as 2025-03-01."))) from None


class CaseForm(FlaskForm):
    category = SelectField(_l("Kind of dispute"), validators=[InputRequired(message=_l("Choose the kind of dispute."))])
    title = StringField(
        _l("Short title"),
        validators=[_required(_l("Give the case a short title.")), _max(200)],
        filters=[_strip],
        description=_l("For example: unpaid wages for three months."),
    )
    facts = TextAreaField(
        _l("What happened"),
        validators=[_required(_l("Describe what happened.")), _max(MAX_FACTS)],
        filters=[_strip],
    )
    claims = TextAreaField(
        _l("What you ask for"),
        validators=[_required(_l("Say what you ask for.")), _max(MAX_CLAIMS)],
        filters=[_strip],
    )
    claim_amount = AmountField(
        _l("Amount claimed (yuan)"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_AMOUNT, message=_l("Enter an amount between 0 and 999,999,999,999.99.")),
        ],
        description=_l("Leave empty if the dispute is not about money."),
        render_kw={"inputmode": "decimal"},
    )
    region_id = SelectField(
        _l("Place of the dispute"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose where the dispute happened."))],
    )
    # Shown only to people who file for someone else (grid workers, staff).
    applicant_name = StringField(_l("Applicant's name"), validators=[_max(120)], filters=[_strip])
    applicant_phone = StringField(_l("Applicant's phone"), validators=[_max(32)], filters=[_strip],
                                  render_kw={"inputmode": "tel", "autocomplete": "off"})

    def __init__(self, *args, regions=(), on_behalf=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf
        self.category.choices = [("", _l("Choose…"))] + _choices(Category)
        self.region_id.choices = [(0, _l("Choose…"))] + list(regions)
        if on_behalf:
            self.applicant_name.validators = [_required(_l("Enter the applicant's name.")), _max(120)]
            self.applicant_phone.validators = [
                _required(_l("Enter the applicant's phone number.")), _max(32),
                Regexp(PHONE_PATTERN, message=_l("Enter a phone number such as 13800000000.")),
            ]

    def validate_region_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose where the dispute happened."))

    def validate_claim_amount(self, field):
        if field.data is not None and field.data.as_tuple().exponent < -2:
            raise ValidationError(_l("At most two decimal places."))


class PartyForm(FlaskForm):
    side = SelectField(_l("Side"), validators=[InputRequired()])
    kind = SelectField(_l("Person or organisation"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[_required(_l("Enter the name.")), _max(120)], filters=[_strip])
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), _max(32), Regexp(PHONE_PATTERN, message=_l("Enter a phone number such as 13800000000."))],
        filters=[_strip],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), _max(254), Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address such as name@example.com."))],
        filters=[_strip],
        render_kw={"inputmode": "email", "autocomplete": "off", "autocapitalize": "none"},
    )
    address = StringField(_l("Address"), validators=[Optional(), _max(255)], filters=[_strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.side.choices = _choices(Side)
        self.kind.choices = _choices(PartyKind)
        if not self.side.data:
            self.side.data = Side.RESPONDENT.value


class TransitionForm(FlaskForm):
    """One workflow step. Rendered once per allowed step; `action` says which."""

    action = HiddenField(validators=[InputRequired()])
    expected_version = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[_max(MAX_REASON)], filters=[_strip])
    target_organisation_id = SelectField(_l("Receiving organisation"), coerce=int, validate_choice=False, default=0)


class EvidenceForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("PDF, images, audio, video, Word, Excel or plain text, at most 20 MB."),
    )
    description = StringField(_l("What does it show?"), validators=[_max(500)], filters=[_strip])
    private = BooleanField(_l("Only for my side and the mediator"))
