"""The performance API's input and output (odr/performance/api.py)."""

from __future__ import annotations

from marshmallow import fields

from ..core.enums import Side
from ..core.schemas import Amount, Day, Id, Length, OneOf, Regexp, Schema, Text
from .models import FollowUpMethod


class TermInSchema(Schema):
    obligor_side = fields.String(required=True, validate=OneOf([s.value for s in Side]),
                                 metadata={"description": "The side that owes the term."})
    description = Text(required=True, validate=Length(1, 500))
    due_on = Day(required=True)
    amount = Amount(load_default=None, allow_none=True)
    currency = fields.String(load_default=None, validate=Regexp(r"^[A-Z]{3}$"))


class TermReportSchema(Schema):
    note = Text(load_default="", validate=Length(max=1000))
    evidence_id = Id(load_default=None, allow_none=True,
                     metadata={"description": "A receipt uploaded as evidence of the case (not private)."})


class TermDisputeSchema(Schema):
    reason = Text(required=True, validate=Length(1, 1000))


class TermSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    number = fields.Integer()
    obligor_side = fields.String()
    description = fields.String()
    amount = fields.String(allow_none=True)
    currency = fields.String()
    due_on = fields.String()
    status = fields.String(metadata={"description": "pending, reported, performed, disputed"})
    missed = fields.Boolean(metadata={"description": "Past its due date and not performed."})
    reported_at = fields.String(allow_none=True)
    report_note = fields.String()
    evidence_id = fields.Integer(allow_none=True)
    answered_at = fields.String(allow_none=True)
    dispute_reason = fields.String()
    reminded_at = fields.String(allow_none=True)
    flagged_at = fields.String(allow_none=True)


class TermListSchema(Schema):
    items = fields.List(fields.Nested(TermSchema))


class FollowUpAnswerSchema(Schema):
    party_id = Id(required=True)
    satisfied = fields.Boolean(required=True)
    remaining_issues = Text(load_default="", validate=Length(max=1000))


class FollowUpInSchema(Schema):
    method = fields.String(required=True, validate=OneOf([m.value for m in FollowUpMethod]))
    visited_on = Day(required=True)
    answers = fields.List(fields.Nested(FollowUpAnswerSchema), required=True)
    notes = Text(load_default="", validate=Length(max=4000))


class FollowUpSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    method = fields.String()
    visited_on = fields.String()
    answers = fields.List(fields.Dict())
    notes = fields.String()
    recorded_by_id = fields.Integer()
    created_at = fields.String()


class FollowUpListSchema(Schema):
    items = fields.List(fields.Nested(FollowUpSchema))
