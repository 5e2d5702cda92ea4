"""JSON shapes of proposals, blind bidding and the agreement, for the API and the socket events
(the same schemas load both)."""

from __future__ import annotations

from marshmallow import fields

from ..core.schemas import Amount, Day, Length, OneOf, Range, Regexp, Schema, Text


class InstalmentSchema(Schema):
    amount = Amount(required=True)
    due_date = Day(required=True)


class ProposalInSchema(Schema):
    amount = Amount(load_default=None, allow_none=True, metadata={"description": "The sum offered."})
    currency = fields.String(load_default=None, validate=Regexp(r"^[A-Z]{3}$"))
    instalments = fields.List(fields.Nested(InstalmentSchema), load_default=list,
                              metadata={"description": "Optional; must add up to `amount`."})
    terms = Text(load_default="", validate=Length(max=4000), metadata={"description": "Non-monetary terms."})
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)


class Percent(fields.Decimal):
    """A percentage 0-50 with two decimals, documented as a decimal string (like Amount)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "format": "decimal", "pattern": r"^\d{1,2}(\.\d{1,2})?$", "example": "5"})
        super().__init__(places=2, as_string=True, **kwargs)
        self._range = Range(0, 50)

    def _deserialize(self, value, attr, data, **kwargs):
        return self._range(super()._deserialize(value, attr, data, **kwargs))


class BiddingInSchema(Schema):
    gap_percent = Percent(load_default="0", metadata={
        "description": "Agreed gap, per cent of the applicant's minimum (0-50)."})


class BidInSchema(Schema):
    amount = Amount(required=True, metadata={"description": "The sealed figure (never shown to the other side)."})


class AgreementInSchema(Schema):
    clauses = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class AgreementEditSchema(Schema):
    expected_version = fields.Integer(required=True, validate=Range(1, 2**31 - 1))
    clauses = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class LockSchema(Schema):
    expected_version = fields.Integer(required=True, validate=Range(1, 2**31 - 1))


class CommentInSchema(Schema):
    body = Text(required=True, validate=Length(min=1, max=2000))
    version = fields.Integer(load_default=None, allow_none=True, validate=Range(1, 2**31 - 1))


class SignInSchema(Schema):
    password = fields.String(required=True, validate=Length(max=200), load_only=True)
    typed_signature = Text(required=True, validate=Length(min=1, max=200))
    sha256 = fields.String(required=True, validate=Regexp(r"^[0-9a-f]{64}$"),
                           metadata={"description": "SHA-256 of the locked text the signer read."})
    drawn_signature = fields.String(load_default=None, allow_none=True, validate=Length(max=140_000),
                                    metadata={"description": "A PNG data URL, at most 100 kB."})


# ---- sessions (odr/mediation/sessions.py, docs/sessions.md) -------------------------------------

class SessionInSchema(Schema):
    starts_at = fields.NaiveDateTime(required=True, metadata={
        "description": "Local date and time in `timezone`, without an offset: 2026-12-01T09:30."})
    timezone = fields.String(load_default="Asia/Shanghai", validate=Length(max=64),
                             metadata={"description": "IANA time zone name."})
    duration_minutes = fields.Integer(load_default=60, metadata={"description": "30, 45, 60, 90, 120, 180 or 240."})
    agenda = Text(required=True, validate=Length(max=4000))
    kind = fields.String(load_default="joint", validate=OneOf(["joint", "caucus"]))
    side = fields.String(load_default=None, allow_none=True, validate=OneOf(["applicant", "respondent"]),
                         metadata={"description": "For a caucus (private) session: the side."})


class RescheduleSchema(Schema):
    starts_at = fields.NaiveDateTime(required=True)
    timezone = fields.String(load_default=None, allow_none=True, validate=Length(max=64))
    duration_minutes = fields.Integer(load_default=None, allow_none=True)
    agenda = Text(load_default=None, allow_none=True, validate=Length(max=4000))
    reason = Text(required=True, validate=Length(max=2000))


class CancelSchema(Schema):
    reason = Text(required=True, validate=Length(max=2000))


class NotesInSchema(Schema):
    attendees = Text(load_default="", validate=Length(max=20000))
    discussed = Text(load_default="", validate=Length(max=20000))
    results = Text(load_default="", validate=Length(max=20000))
    expected_version = fields.Integer(load_default=None, allow_none=True, validate=Range(1, 2**31 - 1))


class RecordInSchema(Schema):
    lang = fields.String(load_default="zh_CN", validate=OneOf(["zh_CN", "en"]))


class DeclarationInSchema(Schema):
    has_relation = fields.Boolean(required=True)
    relation_details = Text(load_default="", validate=Length(max=2000))


class AssignInSchema(Schema):
    mediator_id = fields.Integer(required=True, validate=Range(1, 2**31 - 1))


class ConflictDecisionSchema(Schema):
    decision = fields.String(required=True, validate=OneOf(["allow", "replace"]))
    reason = Text(required=True, validate=Length(max=2000))
