"""The satisfaction API's input and output (odr/satisfaction/api.py)."""

from __future__ import annotations

from marshmallow import fields

from ..core.schemas import Length, Range, Schema, Text


class RatingInSchema(Schema):
    process_score = fields.Integer(required=True, validate=Range(1, 5),
                                   metadata={"description": "The process, 1 (very dissatisfied) to 5."})
    mediator_score = fields.Integer(load_default=None, allow_none=True, validate=Range(1, 5),
                                    metadata={"description": "The mediator, 1 to 5; required when the "
                                                             "case had a mediator."})
    comment = Text(load_default="", validate=Length(max=2000))


class RatingSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    party_id = fields.Integer()
    mediator_id = fields.Integer(allow_none=True)
    process_score = fields.Integer()
    mediator_score = fields.Integer(allow_none=True)
    comment = fields.String()
    created_at = fields.DateTime()


class RatingListSchema(Schema):
    items = fields.List(fields.Nested(RatingSchema))
