"""Forms of the evaluation page. One form, four parts; a part counts when any of its numbers or
dates is filled in, and only then are its required fields required."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from ..cases.forms import MAX_AMOUNT, AmountField, DayField
from .operations import NOTE_MAX


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as SelectChoice (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, text) for value, text in pairs]


def _amount(text, description=None):
    return AmountField(text, places=2, description=description, validators=[
        Optional(), NumberRange(0, MAX_AMOUNT, message=_l("Enter an amount from 0 to 999,999,999,999.99."))])


def _count(text, high, description=None):
    return IntegerField(text, description=description, validators=[
        Optional(), NumberRange(0, high, message=_l("Enter a whole number from 0 to %(max)d.", max=high))],
        render_kw={"inputmode": "numeric"})


def _date(text, description=None):
    return DayField(text, description=description, validators=[Optional()])


_REQUIRED = _l("This field is required.")


class _Part(Form):
    """A part of the evaluation. REQUIRED: fields needed once the part is used."""

    REQUIRED: tuple[str, ...] = ()
    OPTIONS: tuple[str, ...] = ()  # checkboxes and choices: they alone do not make a part used

    def used(self) -> bool:
        return any(f.data not in (None, "") for name, f in self._fields.items() if name not in self.OPTIONS)

    def check(self) -> bool:
        ok = True
        for name in self.REQUIRED:
            if self[name].data in (None, ""):
                self[name].errors = [*self[name].errors, _REQUIRED]
                ok = False
        return ok

    def values(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if f.data not in (None, "")}


class LimitationForm(_Part):
    OPTIONS = ("wage_claim", "still_employed")
    knew_on = _date(_l("When you knew of the harm and who caused it"))
    harm_on = _date(_l("When the harm happened"), _l("Only if earlier than the date above."))
    wage_claim = BooleanField(_l("The claim is for unpaid wages (labour cases)"))
    still_employed = BooleanField(_l("I still work for this employer"))
    employment_ended_on = _date(_l("When the employment ended"))

    def used(self) -> bool:
        return super().used() or bool(self.wage_claim.data)

    def check(self) -> bool:
        if self.wage_claim.data:
            if self.still_employed.data or self.employment_ended_on.data:
                return True
            self.employment_ended_on.errors = [
                *self.employment_ended_on.errors, _l("Give the end date, or tick that you still work there.")]
            return False
        if self.knew_on.data is None:
            self.knew_on.errors = [*self.knew_on.errors, _REQUIRED]
            return False
        return True


class WagesForm(_Part):
    REQUIRED = ("monthly_wage",)
    OPTIONS = ("termination",)
    monthly_wage = _amount(_l("Monthly wage (average of the last 12 months)"))
    wages_owed = _amount(_l("Wages owed"))
    service_months = _count(_l("Months of service"), 600)
    local_average_wage = _amount(_l("Local average monthly wage"),
                                 _l("Published each year by the city; caps the compensation (Labour Contract Law Art. 47)."))
    months_without_contract = _count(_l("Months without a written contract, after the first month"), 120)
    termination = SelectField(_l("How the employment ended"), default="none", choices=options([
        ("none", _l("Not ended, or I left without a statutory reason")),
        ("compensation", _l("Ended with a right to economic compensation (Art. 46)")),
        ("unlawful", _l("Unlawfully dismissed (Art. 87)")),
    ]))


class TenancyForm(_Part):
    REQUIRED = ("deposit",)
    deposit = _amount(_l("Deposit paid"))
    rent_arrears = _amount(_l("Rent still owed (proven)"))
    damage = _amount(_l("Damage to the flat (proven)"))
    agreed_penalty = _amount(_l("Penalty agreed in the lease"), _l("Only if the lease provides one."))


class TrafficForm(_Part):
    OPTIONS = ("other_at_fault", "fault_percent", "carers")
    medical_costs = _amount(_l("Medical costs"))
    daily_income = _amount(_l("Daily income"))
    lost_days = _count(_l("Days off work"), 3650)
    nursing_daily = _amount(_l("Nursing: daily rate"))
    nursing_days = _count(_l("Nursing: days"), 3650)
    carers = _count(_l("Nursing: number of carers"), 10)
    transport = _amount(_l("Transport costs"))
    hospital_days = _count(_l("Days in hospital"), 3650)
    food_allowance_daily = _amount(_l("Hospital food allowance per day"))
    nutrition = _amount(_l("Nutrition costs"))
    property_damage = _amount(_l("Damage to property"))
    other_at_fault = SelectField(_l("Was the other driver at fault?"), default="yes", choices=options([
        ("yes", _l("Yes (higher insurance limits)")), ("no", _l("No (lower limits)"))]))
    fault_percent = _count(_l("Other side's share of fault (%)"), 100)

    def values(self) -> dict:
        values = super().values()
        values["other_at_fault"] = values.get("other_at_fault", "yes") == "yes"
        values["fault_percent"] = Decimal(values.get("fault_percent", 100))
        values.setdefault("carers", 1)
        return values


class EvaluationForm(FlaskForm):
    limitation = FormField(LimitationForm, label=_l("Limitation period"))
    wages = FormField(WagesForm, label=_l("Unpaid wages and compensation"))
    tenancy = FormField(TenancyForm, label=_l("Tenancy deposit"))
    traffic = FormField(TrafficForm, label=_l("Traffic accident"))

    PARTS = ("limitation", "wages", "tenancy", "traffic")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        used = [name for name in self.PARTS if self[name].form.used()]
        if not used:
            self.form_errors.append(_l("Fill in at least one part of the evaluation."))
            return False
        for name in used:
            ok = self[name].form.check() and ok
        return ok

    def inputs(self) -> dict:
        return {name: self[name].form.values() for name in self.PARTS if self[name].form.used()}


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Expert note"), validators=[Optional()],
                         description=_l("Both parties will see this note."),
                         render_kw={"maxlength": NOTE_MAX, "rows": 4})
