"""The referral API's input and output (odr/core/schemas.py style: translated messages, unknown
keys refused)."""

from __future__ import annotations

from marshmallow import fields

from ..cases.schemas import (
    Enum,
    FileUpload,
    Label,
    OrganisationRefSchema,
    PartyFieldsSchema,
)
from ..core.enums import CaseState, Category
from ..core.labels import label
from ..core.schemas import MAX_TEXT, Amount, Id, Length, Schema, Text
from .models import ReferralKind, ReferralRoute, ReferralStatus


class ChooseInSchema(Schema):
    target_organisation_id = Id(required=True, metadata={
        "description": "One of the bodies listed in `options` of GET /cases/<id>/referral."})
    expected_version = Id()


class ReturnInSchema(Schema):
    reason = Text(required=True, validate=Length(1, 1000), metadata={
        "description": "Why your body does not take the case; the parties read it."})
    expected_version = Id()


class AcceptInSchema(Schema):
    expected_version = Id()


class ConsentInSchema(Schema):
    consented = fields.Boolean(required=True, metadata={
        "description": "May the mediation record go to the receiving body? For your own side(s)."})


class CaseRefSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    state = Enum(CaseState)
    state_label = Label("state")
    category = Enum(Category)


class ReferralSchema(Schema):
    id = fields.Integer()
    kind = Enum(ReferralKind)
    route = Enum(ReferralRoute)
    route_label = fields.Function(lambda r: label(r["route"]))
    status = Enum(ReferralStatus)
    status_label = fields.Function(lambda r: label(r["status"]))
    from_organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    to_organisation = fields.Nested(OrganisationRefSchema)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True, metadata={"description": "When the answer (or, for a "
                                                        "delegation, the mediation) is due."})
    overdue = fields.Boolean(metadata={"description": "Pending and past `due_at`."})
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "Why the case was returned."})
    result = fields.String(allow_none=True, metadata={"description": "A delegation's result: the state "
                                                      "the mediation ended in."})
    result_label = fields.String(allow_none=True)


class InboxItemSchema(ReferralSchema):
    case = fields.Nested(CaseRefSchema)


class InboxSchema(Schema):
    incoming = fields.List(fields.Nested(InboxItemSchema), metadata={
        "description": "Referred to your body and waiting for your answer, soonest due first."})
    decided = fields.List(fields.Nested(InboxItemSchema), metadata={
        "description": "The latest your body accepted or returned."})
    delegated = fields.List(fields.Nested(InboxItemSchema), metadata={
        "description": "Cases your court sent into mediation, with their result."})


class ReferralStateSchema(Schema):
    case_id = fields.Integer()
    state = Enum(CaseState)
    version = fields.Integer(metadata={"description": "Send it back as `expected_version`."})
    target_organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    pending = fields.Nested(ReferralSchema, allow_none=True)
    history = fields.List(fields.Nested(ReferralSchema))
    options = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(OrganisationRefSchema)),
                          metadata={"description": "route -> bodies the case may go to (for those "
                                    "who may choose)."})
    record_consents = fields.Dict(keys=fields.String(), values=fields.Boolean(), metadata={
        "description": "party id -> consented to share the mediation record (no answer: false)."})
    record_shared = fields.Boolean()
    allowed = fields.List(fields.String(), metadata={
        "description": "What you may do now: choose, accept, return, consent, export."})


class DelegationInSchema(Schema):
    organisation_id = Id(required=True, metadata={"description": "The mediation organisation."})
    category = Enum(Category, required=True)
    title = Text(required=True, validate=Length(1, 200))
    facts = Text(required=True, validate=Length(1, MAX_TEXT))
    claims = Text(load_default="", validate=Length(max=MAX_TEXT))
    claim_amount = Amount(allow_none=True)
    region_id = Id(allow_none=True)
    applicant = fields.Nested(PartyFieldsSchema, required=True)
    respondent = fields.Nested(PartyFieldsSchema, required=True)


class BundleUploadSchema(Schema):
    file = FileUpload(required=True, metadata={"description": "A case bundle (ZIP) exported by odr."})
    organisation_id = Id(metadata={"description": "Your organisation to import into (default: the "
                                   "first you are a clerk of)."})


class OriginSchema(Schema):
    source_url = fields.String()
    source_reference = fields.String()
    source_organisation = fields.String()
    exported_at = fields.DateTime(allow_none=True)
    bundle_sha256 = fields.String()
    imported_at = fields.DateTime()


class DelegatedSchema(Schema):
    case = fields.Nested(CaseRefSchema)


class ImportedSchema(Schema):
    case = fields.Nested(CaseRefSchema)
    origin = fields.Nested(OriginSchema)
    files = fields.Integer(metadata={"description": "Files stored as the case's evidence."})
    audit_events = fields.Integer(metadata={"description": "Audit rows of the source, all verified."})
