"""The judicial confirmation API's input and output (odr/confirmation/api.py)."""

from __future__ import annotations

from marshmallow import fields

from ..core.schemas import Id, Length, OneOf, Schema, Text


class ConfirmationStartSchema(Schema):
    court_id = Id(required=True, metadata={"description": "The court (an organisation of type `court`)."})


class ConfirmationWrittenSchema(Schema):
    court_id = Id(required=True)
    note = Text(required=True, validate=Length(1, 500),
                metadata={"description": "How and when the parties applied jointly in writing."})
    evidence_id = Id(load_default=None, allow_none=True,
                     metadata={"description": "The scan of the written application, uploaded as evidence."})


class ConfirmationDecisionSchema(Schema):
    confirmed = fields.Boolean(required=True, metadata={"description": "true: confirmed; false: dismissed."})
    reasons = Text(required=True, validate=Length(1, 4000))


class ConfirmationInboxArgsSchema(Schema):
    status = fields.String(load_default="filed", validate=OneOf(["filed", "confirmed", "refused", "all"]))


class ConfirmationSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = fields.String()
    title = fields.String()
    court = fields.Dict(metadata={"description": "`id` and `name` of the court."})
    status = fields.String(metadata={"description": "open, filed, confirmed, refused"})
    started_side = fields.String(allow_none=True)
    applicant_joined_at = fields.String(allow_none=True)
    respondent_joined_at = fields.String(allow_none=True)
    written = fields.Boolean(metadata={"description": "Filed by the clerk on a joint written application."})
    written_note = fields.String()
    evidence_id = fields.Integer(allow_none=True)
    filed_at = fields.String(allow_none=True)
    deadline = fields.String(allow_none=True, metadata={"description": "The last moment to apply (30 days)."})
    decided_at = fields.String(allow_none=True)
    reasons = fields.String()
    ruling = fields.Dict(allow_none=True, metadata={"description": "The ruling paper: `document_id`, `code`."})


class ConfirmationInboxSchema(Schema):
    items = fields.List(fields.Nested(ConfirmationSchema))
