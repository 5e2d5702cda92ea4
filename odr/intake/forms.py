"""One form per intake step. Limits and messages follow odr/cases/forms.py."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp, ValidationError

from ..cases.forms import (
    EMAIL_PATTERN,
    MAX_AMOUNT,
    MAX_CLAIMS,
    MAX_FACTS,
    MAX_REASON,
    PHONE_PATTERN,
    AmountField,
    _max,
    _strip,
)
from ..core.enums import Category, PartyKind, RiskLevel
from ..core.labels import label


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as SelectChoice (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(str(value), label_) for value, label_ in pairs]


def _choices(values) -> list[SelectChoice]:
    return options((v.value, label(v)) for v in values)


PHONE_MESSAGE = _l("Enter a phone number such as 13800000000.")


class ResidentForm(FlaskForm):
    name = StringField(_l("Resident's name"), filters=[_strip],
                       validators=[DataRequired(message=_l("Enter the resident's name.")), _max(120)])
    phone = StringField(_l("Resident's phone"), filters=[_strip],
                        validators=[DataRequired(message=_l("Enter the resident's phone number.")), _max(32),
                                    Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    consent = BooleanField(
        _l("The resident agrees that I file this dispute for them"),
        validators=[DataRequired(message=_l("The resident must agree that you file this dispute for them."))],
    )


class CategoryForm(FlaskForm):
    category = RadioField(_l("Kind of dispute"),
                          validators=[InputRequired(message=_l("Choose the kind of dispute."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _choices(Category)


class FactsForm(FlaskForm):
    facts = TextAreaField(_l("What happened"), filters=[_strip],
                          validators=[DataRequired(message=_l("Describe what happened.")), _max(MAX_FACTS)],
                          description=_l("Who did what, when and where. Plain words are fine."))
    started_on = DateField(_l("When did it start?"), validators=[Optional()],
                           description=_l("A date such as 2025-03-01. Leave empty if you are not sure."))
    region_id = SelectField(_l("Where did it happen?"), coerce=int, validate_choice=False,
                            validators=[DataRequired(message=_l("Choose where the dispute happened."))],
                            description=_l("Choose down to your community or grid if you can."))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = options([(0, _l("Choose…"))] + list(regions))
        self._region_ids = {r for r, _name in regions}
        if self.started_on.process_errors:
            self.started_on.process_errors = [str(_l("Enter a date such as 2025-03-01."))]

    def validate_started_on(self, field):
        if field.data is not None and field.data > date.today():
            raise ValidationError(_l("The date cannot be in the future."))

    def validate_region_id(self, field):
        if not field.data or field.data not in self._region_ids:
            raise ValidationError(_l("Choose where the dispute happened."))


class ClaimsForm(FlaskForm):
    claims = TextAreaField(_l("What you ask for"), filters=[_strip],
                           validators=[DataRequired(message=_l("Say what you ask for.")), _max(MAX_CLAIMS)],
                           description=_l("For example: pay the three months' wages owed."))
    claim_amount = AmountField(
        _l("Amount claimed (yuan, CNY)"), places=2,
        validators=[Optional()],
        description=_l("Leave empty if the dispute is not about money."),
        render_kw={"inputmode": "decimal"},
    )

    def validate_claim_amount(self, field):
        if field.data is None:
            return
        if field.data < 0 or field.data > MAX_AMOUNT:
            raise ValidationError(_l("Enter an amount between 0 and 999,999,999,999.99."))
        if field.data.as_tuple().exponent < -2:
            raise ValidationError(_l("At most two decimal places."))


class OtherPartyForm(FlaskForm):
    kind = RadioField(_l("Person or organisation"), default=PartyKind.PERSON.value,
                      validators=[InputRequired(message=_l("Choose person or organisation."))])
    name = StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(message=_l("Enter the name.")), _max(120)])
    phone = StringField(_l("Phone"), filters=[_strip],
                        validators=[Optional(), _max(32), Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), filters=[_strip],
                        validators=[Optional(), _max(254), Regexp(
                            EMAIL_PATTERN, message=_l("Enter an e-mail address such as name@example.com."))],
                        render_kw={"inputmode": "email", "autocomplete": "off", "autocapitalize": "none"})
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), _max(255)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(PartyKind)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.phone.data or self.email.data or self.address.data):
            self.phone.errors.append(_l("Give at least one way to reach them: phone, e-mail or address."))
            return False
        return ok


class EvidenceUploadForm(FlaskForm):
    file = FileField(_l("File"),
                     description=_l("PDF, images, audio, video, Word, Excel or plain text, at most 20 MB."))
    description = StringField(_l("What does it show?"), filters=[_strip], validators=[_max(500)])


class LanguageForm(FlaskForm):
    language = RadioField(_l("Preferred language"),
                          choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")],
                          validators=[InputRequired(message=_l("Choose a language."))],
                          description=_l("The language of letters and documents about your case."))


class SubmitForm(FlaskForm):
    """The review page's button: nothing to fill in but the CSRF token."""


class RerouteForm(FlaskForm):
    organisation_id = SelectField(_l("Send to"), coerce=int, validate_choice=False, default=0,
                                  validators=[DataRequired(message=_l("Choose an organisation that mediates."))])
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           validators=[DataRequired(message=_l("Please give a reason.")), _max(MAX_REASON)])


class RiskForm(FlaskForm):
    level = SelectField(_l("Risk level"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           validators=[DataRequired(message=_l("Please give a reason.")), _max(MAX_REASON)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = _choices(RiskLevel)
