"""API schemas of the evaluation (odr/core/schemas.py style: translated messages, unknown keys
refused, amounts as decimal strings)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from ..core.schemas import N_, Amount, Day, OneOf, Range, Schema


def _count(high):
    return fields.Integer(validate=Range(0, high))


class LimitationInSchema(Schema):
    knew_on = Day(metadata={"description": "When the person knew of the harm and the obligor."})
    harm_on = Day(metadata={"description": "When the harm happened (for the 20-year cap)."})
    wage_claim = fields.Boolean(load_default=False)
    still_employed = fields.Boolean(load_default=False)
    employment_ended_on = Day()

    @validates_schema
    def _start(self, data, **kwargs):
        if data.get("wage_claim"):
            if not data.get("still_employed") and not data.get("employment_ended_on"):
                raise ValidationError(N_("Give the end date, or say that the employment continues."),
                                      "employment_ended_on")
        elif not data.get("knew_on"):
            raise ValidationError(N_("Missing data for required field."), "knew_on")


class WagesInSchema(Schema):
    monthly_wage = Amount(required=True)
    wages_owed = Amount()
    service_months = _count(600)
    local_average_wage = Amount()
    months_without_contract = _count(120)
    termination = fields.String(load_default="none", validate=OneOf(["none", "compensation", "unlawful"]))


class TenancyInSchema(Schema):
    deposit = Amount(required=True)
    rent_arrears = Amount()
    damage = Amount()
    agreed_penalty = Amount()


class TrafficInSchema(Schema):
    medical_costs = Amount()
    daily_income = Amount()
    lost_days = _count(3650)
    nursing_daily = Amount()
    nursing_days = _count(3650)
    carers = fields.Integer(validate=Range(1, 10))
    transport = Amount()
    hospital_days = _count(3650)
    food_allowance_daily = Amount()
    nutrition = Amount()
    property_damage = Amount()
    other_at_fault = fields.Boolean(load_default=True)
    fault_percent = fields.Integer(validate=Range(0, 100), load_default=100,
                                   metadata={"description": "The other side's share of fault, in percent."})


class EvaluationInSchema(Schema):
    limitation = fields.Nested(LimitationInSchema)
    wages = fields.Nested(WagesInSchema)
    tenancy = fields.Nested(TenancyInSchema)
    traffic = fields.Nested(TrafficInSchema)


class AmountItemSchema(Schema):
    key = fields.String()
    amount = fields.String()
    formula = fields.String()
    source = fields.String(metadata={"description": "Key of the legal source; see `sources`."})


class ReportSchema(Schema):
    version = fields.Integer()
    created_at = fields.DateTime()
    inputs = fields.Dict()
    results = fields.Dict(metadata={"description": "limitation, wages, tenancy, traffic, checklist, similar "
                                                   "(aggregates only, or `enough: false` under 3 cases)."})


class ChecklistItemSchema(Schema):
    key = fields.String()
    text = fields.String()
    why = fields.String()
    present = fields.Boolean()
    evidence_id = fields.Integer(allow_none=True)


class NoteSchema(Schema):
    author = fields.Function(lambda note: note.author.name)
    body = fields.String()
    created_at = fields.DateTime()


class EvaluationSchema(Schema):
    case_id = fields.Integer()
    report = fields.Nested(ReportSchema, allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema))
    notes = fields.List(fields.Nested(NoteSchema))
    sources = fields.Dict(keys=fields.String(), values=fields.String())
