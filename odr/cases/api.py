"""JSON API for cases under /api/v1 (docs/api.md; the OpenAPI document at /api/v1/openapi.json).

Every endpoint: parse with a schema (422), load (404), ask the policy (404 when the user has no
role in the case, 403 otherwise, both audited), call one operation, commit once, dump.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import get_timezone
from flask_login import current_user
from sqlalchemy import select

from ..core.api import ApiBlueprint
from ..core.errors import NotFound
from ..core.policy import allowed_transitions, authorize, can, visible_cases_clause
from ..core.schemas import keyset_page
from ..extensions import db
from . import operations, workflow
from .files import send_evidence
from .models import Case, Evidence, Party, list_load_options
from .schemas import (
    CaseCreateSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CaseSchema,
    CaseUpdateSchema,
    EvidenceSchema,
    EvidenceUploadSchema,
    PartyInSchema,
    PartySchema,
    TimelineEntrySchema,
    TransitionInSchema,
    TransitionOptionSchema,
)
from .timeline import case_timeline

blp = ApiBlueprint("cases_api", __name__, description="Cases, parties, evidence, workflow steps, timeline")

REFERENCE_PREFIX = "ODR-"


def _case(case_id: int, action: str) -> Case:
    """The case, if it exists (404) and the user may do `action` with it (404 or 403, audited)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound()
    authorize(current_user, action, case)
    return case


@blp.route("/cases")
@blp.arguments(CaseListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CasePageSchema)
@blp.errors(401)
def list_cases(limit, cursor, **filters):
    """Cases the user may see, newest first, one page at a time (keyset pagination)."""
    stmt = (
        select(Case)
        .where(visible_cases_clause(current_user), *_filters(**filters))
        .options(*list_load_options())
    )
    items, next_cursor = keyset_page(db.session, stmt, Case.id, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


def _filters(state=None, category=None, organisation_id=None, created_from=None, created_to=None, q=None):
    tz = get_timezone()
    if state:
        yield Case.state.in_(state)
    if category is not None:
        yield Case.category == category
    if organisation_id is not None:
        yield Case.organisation_id == organisation_id
    if created_from is not None:
        yield Case.created_at >= datetime.combine(created_from, time.min, tzinfo=tz)
    if created_to is not None:
        yield Case.created_at < datetime.combine(created_to + timedelta(days=1), time.min, tzinfo=tz)
    if q:
        if q.upper().startswith(REFERENCE_PREFIX):
            yield Case.reference.startswith(q.upper(), autoescape=True)
        else:
            yield Case.id.in_(select(Party.case_id).where(Party.name.contains(q, autoescape=True)))


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
@blp.errors(401, 403)
def create_case(data):
    """Open a draft. The filer becomes the applicant, unless filing `on_behalf` of an `applicant`."""
    authorize(current_user, "case.create")
    case = operations.create_case(current_user, **data)
    db.session.commit()
    return case, 201, {"Location": url_for("cases_api.get_case", case_id=case.id)}


@blp.route("/cases/<id:case_id>")
@blp.response(200, CaseSchema)
@blp.errors(401, 404)
def get_case(case_id):
    return _case(case_id, "case.view")


@blp.route("/cases/<id:case_id>", methods=["PATCH"])
@blp.arguments(CaseUpdateSchema)
@blp.response(200, CaseSchema)
@blp.errors(401, 403, 404, 409)
def update_case(data, case_id):
    """Edit a draft (staff also later). With `expected_version`, a newer case is a 409."""
    case = _case(case_id, "case.edit")
    operations.update_case(case, current_user, **data)
    db.session.commit()
    return case


@blp.route("/cases/<id:case_id>/parties")
@blp.response(200, PartySchema(many=True))
@blp.errors(401, 404)
def list_parties(case_id):
    case = _case(case_id, "case.view")
    return case.parties


@blp.route("/cases/<id:case_id>/parties", methods=["POST"])
@blp.arguments(PartyInSchema)
@blp.response(201, PartySchema)
@blp.errors(401, 403, 404)
def add_party(data, case_id):
    case = _case(case_id, "case.party.add")
    party = operations.add_party(case, current_user, **data)
    db.session.commit()
    return party


@blp.route("/cases/<id:case_id>/evidence")
@blp.response(200, EvidenceSchema(many=True))
@blp.errors(401, 404)
def list_evidence(case_id):
    """The case's files the user may download (another side's private material is left out)."""
    case = _case(case_id, "case.evidence.list")
    return [item for item in case.evidence if can(current_user, "evidence.download", item)]


@blp.route("/cases/<id:case_id>/evidence", methods=["POST"])
@blp.arguments(EvidenceUploadSchema, location="multipart")
@blp.response(201, EvidenceSchema)
@blp.errors(401, 403, 404, 413, 415)
def upload_evidence(data, case_id):
    """Upload a file (multipart/form-data). Too large: 413; a type not accepted: 415."""
    case = _case(case_id, "case.evidence.upload")
    upload = data["file"]
    item = operations.add_evidence(
        case, current_user, filename=upload.filename or "", data=upload.read(),
        description=data["description"], private_to_side=data["private_to_side"],
    )
    db.session.commit()
    return item


@blp.route("/evidence/<id:evidence_id>/download")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream",
              description="The file, as an attachment, with its own Content-Type.")
@blp.errors(401, 403, 404)
def download_evidence(evidence_id):
    """Another side's private material: 403 (see docs/api.md)."""
    item = db.session.get(Evidence, evidence_id)
    if item is None:
        raise NotFound()
    authorize(current_user, "evidence.download", item)
    return send_evidence(item)


@blp.route("/cases/<id:case_id>/transitions")
@blp.response(200, TransitionOptionSchema(many=True))
@blp.errors(401, 404)
def list_transitions(case_id):
    """The workflow steps the user may take on this case now."""
    case = _case(case_id, "case.view")
    return allowed_transitions(current_user, case)


@blp.route("/cases/<id:case_id>/transitions", methods=["POST"])
@blp.arguments(TransitionInSchema)
@blp.response(200, CaseSchema)
@blp.errors(401, 403, 404, 409)
def take_transition(data, case_id):
    """Take a workflow step. Not possible in the current state: 409 `invalid_transition`."""
    case = _case(case_id, "case.view")
    action = data.pop("action")
    if workflow.find(case.state, action) is not None:
        # A step that exists now but is not the user's is refused (and audited) here; one that
        # does not exist in this state is the operation's 409.
        authorize(current_user, f"case.transition.{action}", case)
    operations.transition(case, action, current_user, **data)
    db.session.commit()
    return case


@blp.route("/cases/<id:case_id>/timeline")
@blp.response(200, TimelineEntrySchema(many=True))
@blp.errors(401, 404)
def timeline(case_id):
    """What has happened in the case, in plain words, oldest first."""
    case = _case(case_id, "case.timeline")
    return case_timeline(case, current_user)

