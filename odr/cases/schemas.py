"""The cases API's input and output. Lengths follow the model columns (odr/cases/models.py).

Output is for the signed-in user (`current_user`): a party sees the other side's parties by name
only (no phone, e-mail, address, account), and only case staff see the risk level. The rule for
contact details is the case page's (`case_page.sees_contact`), so both show the same.
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, post_dump, validates_schema
from werkzeug.datastructures import FileStorage

from ..core.enums import CaseState, Category, Outcome, PartyKind, RiskLevel, Side
from ..core.i18n import localized_name
from ..core.labels import label
from ..core.policy import case_roles, sees_internal
from ..core.schemas import (
    MAX_TEXT,
    N_,
    Amount,
    Day,
    Id,
    Length,
    OneOf,
    PageArgsSchema,
    Regexp,
    Schema,
    Text,
)
from . import workflow


def Enum(enum, **kwargs) -> fields.Enum:  # noqa: N802 (a field factory)
    return fields.Enum(enum, by_value=True, **kwargs)


def Label(attribute: str) -> fields.Function:  # noqa: N802
    """The translated name of a code value, next to the value itself."""
    return fields.Function(lambda obj: label(getattr(obj, attribute)), dump_only=True,
                           metadata={"description": f"`{attribute}` in the user's language."})


def _optional_text(max_length: int, **kwargs) -> Text:
    return Text(allow_none=True, validate=Length(max=max_length), **kwargs)


# ---- parties -------------------------------------------------------------------------------

class PartyFieldsSchema(Schema):
    kind = Enum(PartyKind, load_default=PartyKind.PERSON)
    name = Text(required=True, validate=Length(1, 120))
    phone = _optional_text(32)
    email = fields.Email(allow_none=True, validate=Length(max=254))
    address = _optional_text(255)
    representative_name = _optional_text(120)
    representative_phone = _optional_text(32)


class PartyInSchema(PartyFieldsSchema):
    side = Enum(Side, required=True)


CONTACT_FIELDS = ("phone", "email", "address", "representative_phone", "user_id")


class PartySchema(Schema):
    id = fields.Integer()
    side = Enum(Side)
    side_label = Label("side")
    kind = Enum(PartyKind)
    name = fields.String()
    phone = fields.String(metadata={"description": "Absent when the viewer may not see it."})
    email = fields.String(metadata={"description": "Absent when the viewer may not see it."})
    address = fields.String(metadata={"description": "Absent when the viewer may not see it."})
    representative_name = fields.String()
    representative_phone = fields.String(metadata={"description": "Absent when the viewer may not see it."})
    user_id = fields.Integer(metadata={"description": "The party's account, if linked. Absent when hidden."})
    created_at = fields.DateTime()

    @post_dump(pass_original=True)
    def _hide_contact(self, data, party, **kwargs):
        from .case_page import sees_contact

        if not sees_contact(case_roles(current_user, party.case), party):
            for name in CONTACT_FIELDS:
                data.pop(name, None)
        return data


class PartyNameSchema(Schema):
    """What every list shows of a party."""

    id = fields.Integer()
    side = Enum(Side)
    kind = Enum(PartyKind)
    name = fields.String()


# ---- cases ---------------------------------------------------------------------------------

class CaseFieldsSchema(Schema):
    title = Text(validate=Length(1, 200))
    facts = Text(validate=Length(max=MAX_TEXT))
    claims = Text(validate=Length(max=MAX_TEXT))
    claim_amount = Amount(allow_none=True, metadata={"description": "Amount claimed."})
    currency = Text(validate=Regexp(r"^[A-Z]{3}\Z", error=N_("Three capital letters, e.g. CNY.")))
    language = Text(validate=OneOf(["zh_CN", "en"]))
    region_id = Id(allow_none=True)


class CaseCreateSchema(CaseFieldsSchema):
    category = Enum(Category, required=True)
    title = Text(required=True, validate=Length(1, 200))
    organisation_id = Id(allow_none=True)
    on_behalf = fields.Boolean(load_default=False, metadata={
        "description": "Filing for someone else (a grid worker for a resident): give `applicant`."})
    applicant = fields.Nested(PartyFieldsSchema, metadata={
        "description": "The applicant, when filing on behalf of someone; otherwise the filer is."})

    @validates_schema
    def _applicant_iff_on_behalf(self, data, **kwargs):
        if data.get("on_behalf") and not data.get("applicant"):
            raise ValidationError(N_("This field is required.").format(), "applicant")
        if data.get("applicant") and not data.get("on_behalf"):
            raise ValidationError(N_("Only when filing on behalf of someone (on_behalf).").format(), "applicant")


class CaseUpdateSchema(CaseFieldsSchema):
    category = Enum(Category)
    expected_version = Id(metadata={
        "description": "The `version` you last saw; a different current version is a 409."})


class OrganisationRefSchema(Schema):
    id = fields.Integer()
    name = fields.Function(localized_name)


class CaseSummarySchema(Schema):
    """A case in a list."""

    id = fields.Integer()
    reference = fields.String()
    state = Enum(CaseState)
    state_label = Label("state")
    category = Enum(Category)
    category_label = Label("category")
    title = fields.String()
    claim_amount = Amount()
    currency = fields.String()
    organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    created_at = fields.DateTime()
    state_deadline = fields.DateTime()
    parties = fields.List(fields.Nested(PartyNameSchema))


class CaseSchema(CaseSummarySchema):
    """One case, for its viewer."""

    facts = fields.String()
    claims = fields.String()
    language = fields.String()
    risk_level = Enum(RiskLevel, metadata={"description": "Case staff only."})
    outcome = Enum(Outcome, allow_none=True)
    target_organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    region_id = fields.Integer(allow_none=True)
    filed_by_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "Send it back as `expected_version`."})
    parties = fields.List(fields.Nested(PartySchema))

    @post_dump(pass_original=True)
    def _staff_only(self, data, case, **kwargs):
        if not sees_internal(current_user, case):
            data.pop("risk_level", None)
        return data


class CaseListArgsSchema(PageArgsSchema):
    state = fields.List(Enum(CaseState), metadata={"description": "Repeat for several states."})
    category = Enum(Category)
    organisation_id = Id()
    created_from = Day(metadata={"description": "First day (in the service's time zone)."})
    created_to = Day(metadata={"description": "Last day, included."})
    q = Text(validate=Length(1, 120), metadata={
        "description": "A reference (ODR-2026-000123, or its beginning) or part of a party's name."})


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


# ---- evidence ------------------------------------------------------------------------------

class FileUpload(Upload):
    """A file part of a multipart body (a plain form value with the same name is refused)."""

    default_error_messages = {"invalid": N_("Not a file.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class EvidenceUploadSchema(Schema):
    file = FileUpload(required=True, metadata={
        "description": "PDF, image, audio, video, Word, Excel or plain text; at most 20 MB. "
        "The type is read from the content, not the name."})
    description = Text(load_default="", validate=Length(max=500))
    private_to_side = Enum(Side, allow_none=True, load_default=None, metadata={
        "description": "Your side's private material: only your side and the mediator see it."})


class EvidenceSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    description = fields.String()
    private_to_side = Enum(Side, allow_none=True)
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    download_url = fields.Function(lambda item: url_for("cases_api.download_evidence", evidence_id=item.id))


# ---- workflow ------------------------------------------------------------------------------

class TransitionInSchema(Schema):
    action = Text(required=True, validate=OneOf(workflow.ACTIONS))
    reason = _optional_text(1000)
    expected_version = Id()
    target_organisation_id = Id()


class TransitionOptionSchema(Schema):
    action = fields.String()
    label = fields.Function(lambda t: str(t.label))
    target_state = Enum(CaseState, attribute="target")
    needs_reason = fields.Boolean()
    takes = fields.List(fields.String(), metadata={"description": "Extra fields the step accepts."})


class TimelineEntrySchema(Schema):
    at = fields.DateTime()
    actor_name = fields.String()
    action = fields.String()
    text = fields.String()
    note = fields.String()
    details = fields.Dict()

