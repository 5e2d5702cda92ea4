"""Forms: a question, a reply, publishing to the FAQ, and letter forms built from a pathway file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.enums import Category
from ..core.labels import label
from .operations import MAX_TEXT


def _max(n):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class AskForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired(message=_l("Choose a category."))])
    region_id = SelectField(_l("Where is the dispute?"), coerce=_optional_int, validators=[Optional()],
                            description=_l("The consultants of the organisation serving this area will answer."))
    case_id = SelectField(_l("About one of your cases"), coerce=_optional_int, validators=[Optional()])
    body = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(message=_l("Please write your question.")), _max(MAX_TEXT)],
        description=_l("At most %(max)d characters. Leave out ID numbers and phone numbers.", max=MAX_TEXT),
        render_kw={"rows": 7, "maxlength": MAX_TEXT},
    )

    def fill_choices(self, regions, cases):
        self.category.choices = [(c.value, label(c)) for c in Category]
        self.region_id.choices = [("", _l("— choose —"))] + list(regions)
        self.case_id.choices = [("", _l("— none —"))] + [(c.id, f"{c.reference} {c.title}") for c in cases]


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(message=_l("Please write a message.")),
                                                         _max(MAX_TEXT)], render_kw={"rows": 5, "maxlength": MAX_TEXT})


class PublishForm(FlaskForm):
    question_text = TextAreaField(_l("Question as published"), validators=[
        DataRequired(message=_l("This field is required.")), _max(MAX_TEXT)], render_kw={"rows": 6})
    answer_text = TextAreaField(_l("Answer as published"), validators=[
        DataRequired(message=_l("This field is required.")), _max(MAX_TEXT * 2)], render_kw={"rows": 8})


class CloseForm(FlaskForm):
    pass


def _amount(form, field):
    if not field.data:
        return
    try:
        value = Decimal(field.data.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValidationError(_l("Enter an amount in yuan, e.g. 12000 or 12000.50.")) from None
    if not value.is_finite() or value <= 0 or value > Decimal("999999999999.99") or value != value.quantize(Decimal("0.01")):
        raise ValidationError(_l("Enter an amount in yuan, e.g. 12000 or 12000.50."))


def _date(form, field):
    if not field.data:
        return
    try:
        dt.date.fromisoformat(field.data.strip())
    except ValueError:
        raise ValidationError(_l("Enter a date as YYYY-MM-DD.")) from None


def letter_form_class(letter: dict, lang: str):
    """A FlaskForm class with one field per declared letter field (labels in `lang`)."""
    zh = lang.startswith("zh")
    attrs = {}
    for spec in letter["fields"]:
        checks = [DataRequired(message=_l("This field is required.")) if spec["required"] else Optional(),
                  _max(spec["max"])]
        kw = {"maxlength": spec["max"]}
        if spec["type"] == "amount":
            checks.append(_amount)
            kw["inputmode"] = "decimal"
        if spec["type"] == "date":
            checks.append(_date)
            kw["type"] = "date"
        if spec["type"] == "textarea":
            kw["rows"] = 4
        hint = spec.get("hint")
        cls = TextAreaField if spec["type"] == "textarea" else StringField
        attrs[spec["name"]] = cls(
            spec["label"]["zh_CN" if zh else "en"], validators=checks, render_kw=kw,
            description=(hint["zh_CN" if zh else "en"] if hint else ""),
            filters=[lambda v: v.strip() if isinstance(v, str) else v],
        )
    return type("LetterForm", (FlaskForm,), attrs)
