from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.enums import Category
from ..core.labels import label
from ..evaluation.forms import options
from .operations import LANGUAGES, MAX_YEARS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    specialties = SelectMultipleField(_l("Kinds of dispute you specialise in"), validators=[Optional()])
    languages = SelectMultipleField(_l("Languages you mediate in"), validators=[Optional()])
    years_of_practice = IntegerField(_l("Years of practice"), validators=[
        Optional(), NumberRange(0, MAX_YEARS, message=_l("Between 0 and %(max)s years."))])
    qualifications = TextAreaField(_l("Qualifications"), filters=[_strip], validators=[Length(max=2000)])
    availability = StringField(_l("When you are available"), filters=[_strip], validators=[Length(max=200)],
                               description=_l("For example: weekday evenings, Saturday mornings."))
    bio = TextAreaField(_l("About you"), filters=[_strip], validators=[Length(max=4000)])
    studio_name = StringField(_l("Name of your mediator studio (个人调解工作室)"), filters=[_strip],
                              validators=[Length(max=200)])
    studio_public = BooleanField(_l("Publish the studio's page"))
    home_address = StringField(_l("Home address (never shown)"), filters=[_strip], validators=[Length(max=255)],
                               description=_l("Only compared with the parties' addresses to find conflicts of interest."))
    employer = StringField(_l("Employer, if any (never shown)"), filters=[_strip], validators=[Length(max=200)],
                           description=_l("A case where this organisation is a party is held for a clerk's decision."))

    def set_choices(self):
        self.specialties.choices = options((c.value, label(c)) for c in Category)
        self.languages.choices = options((code, str(name)) for code, name in LANGUAGES.items())


class RequestForm(FlaskForm):
    mediator_id = SelectField(_l("Mediator"), coerce=int)
    reason = TextAreaField(_l("Why (optional when choosing, needed when asking for a different mediator)"),
                           filters=[_strip], validators=[Length(max=2000)])


class DecideForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=options([("grant", _l("Grant")), ("refuse", _l("Refuse"))]))
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)])
