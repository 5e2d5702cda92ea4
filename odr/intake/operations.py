"""Intake operations: drafts saved step by step, filing for a resident, submission with routing
and risk flags, re-routing, and what follows the clerk's decision. They flush and audit, never
commit (the view commits once)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..cases import operations as case_ops
from ..cases.models import Case
from ..core.audit import record
from ..core.enums import CaseState, Category, PartyKind, Role, Side
from ..core.errors import NotAllowed, ValidationFailed
from ..core.i18n import localized_name
from ..core.labels import label
from ..core.models import utcnow
from ..extensions import db
from ..orgs.models import Membership, Organisation, Region
from . import risk
from .models import Channel, GridAssignment, IntakeRecord
from .notices import tell

STEPS = ("resident", "category", "facts", "claims", "other_party", "evidence", "language", "review")
REROUTABLE = (CaseState.SUBMITTED, CaseState.ACCEPTED)


def steps_for(record_or_user) -> list[str]:
    """The steps of a filing: the resident's step only when filing for someone else."""
    on_behalf = (
        record_or_user.channel == Channel.GRID_WORKER
        if isinstance(record_or_user, IntakeRecord)
        else record_or_user.role == Role.GRID_WORKER
    )
    return list(STEPS if on_behalf else STEPS[1:])


def intake_record(case: Case) -> IntakeRecord | None:
    return db.session.execute(select(IntakeRecord).where(IntakeRecord.case_id == case.id)).scalar()


def start_draft(actor, *, category=Category.OTHER, resident: dict | None = None, consent: bool = False,
                grid: Region | None = None, organisation: Organisation | None = None,
                language: str = "zh_CN") -> tuple[Case, IntakeRecord]:
    """Open the draft at the first step. A grid worker files for a resident, who must agree."""
    if resident is not None and not consent:
        message = _("The resident must agree that you file this dispute for them.")
        raise ValidationFailed(message, fields={"consent": [message]})
    applicant = None
    if resident is not None:
        applicant = {"kind": PartyKind.PERSON, "name": resident["name"], "phone": resident.get("phone")}
    case = case_ops.create_case(
        actor, category=category, title=str(_label(category)), language=language,
        region_id=grid.id if grid is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        applicant=applicant, on_behalf=resident is not None,
    )
    if resident is not None:
        channel = Channel.GRID_WORKER
    elif grid is not None or organisation is not None:
        channel = Channel.QR
    else:
        channel = Channel.SELF
    if grid is None and actor.role == Role.GRID_WORKER:
        assigned = db.session.execute(
            select(GridAssignment).where(GridAssignment.user_id == actor.id).order_by(GridAssignment.id)
        ).scalar()
        grid = assigned.region if assigned is not None else None
    now = utcnow()
    item = IntakeRecord(
        case_id=case.id, channel=channel, consent_given_at=now if resident is not None else None,
        grid_region_id=grid.id if grid is not None else None,
        preset_organisation_id=organisation.id if organisation is not None else None,
        steps_done="resident" if resident is not None else "",
    )
    db.session.add(item)
    db.session.flush()
    record(
        "intake.started", actor=actor, case=case, channel=channel,
        grid_region_id=item.grid_region_id, organisation_id=item.preset_organisation_id,
        resident=resident["name"] if resident is not None else None,
        consent_given_at=item.consent_given_at.isoformat() if item.consent_given_at else None,
    )
    return case, item


def _label(category):
    return label(Category(category))


def mark_done(item: IntakeRecord, step: str) -> None:
    done = item.done() | {step}
    item.steps_done = ",".join(s for s in STEPS if s in done)


def save_step(case: Case, item: IntakeRecord, actor, step: str, **changes) -> Case:
    """Save one step's fields into the draft (case fields through update_case)."""
    if case.state != CaseState.DRAFT:
        raise NotAllowed(_("This application has been submitted already."))
    started_on = changes.pop("dispute_started_on", None)
    if step == "facts":
        item.dispute_started_on = started_on
    if changes:
        case_ops.update_case(case, actor, **changes)
    mark_done(item, step)
    db.session.flush()
    return case


def replace_other_party(case: Case, actor, **fields):
    """The other party of the draft: added the first time, updated after."""
    existing = case.parties_on(Side.RESPONDENT)
    if not existing:
        return case_ops.add_party(case, actor, side=Side.RESPONDENT, **fields)
    party = existing[0]
    changed = sorted(k for k, v in fields.items() if getattr(party, k) != v)
    for name in changed:
        setattr(party, name, fields[name])
    if changed:
        db.session.flush()
        record("party.updated", actor=actor, case=case, party_id=party.id, fields=changed)
    return party


def submit(case: Case, item: IntakeRecord, actor) -> risk.Assessment:
    """Route (unless a QR code named the organisation), submit, and flag the risk."""
    if not case.parties_on(Side.RESPONDENT):
        message = _("Tell us who the other party is.")
        raise ValidationFailed(message, fields={"other_party": [message]})
    if item.preset_organisation_id is None:
        # Routed now, with the final category and region (a draft may have been routed early).
        case.organisation_id = None
        case.organisation = None
    case_ops.transition(case, "submit", actor)
    mark_done(item, "review")
    assessment = risk.assess(case)
    if risk.higher(assessment.level, case.risk_level):
        case_ops.set_risk(case, None, assessment.level,
                          "automatic: " + ", ".join(assessment.signals))
    if assessment.alert:
        alert_supervisors(case, assessment)
    return assessment


def supervisors_of(case: Case) -> list:
    if case.organisation is None:
        return []
    memberships = db.session.execute(
        select(Membership).where(Membership.role == Role.SUPERVISOR)
    ).scalars()
    return sorted(
        {m.user for m in memberships
         if m.user.active and case.organisation.path.startswith(m.organisation.path)},
        key=lambda u: u.id,
    )


def alert_supervisors(case: Case, assessment: risk.Assessment) -> None:
    supervisors = supervisors_of(case)
    record("case.risk_alert", case=case, level=assessment.level, signals=assessment.signals,
           supervisors=[u.id for u in supervisors])
    tell(supervisors, "risk_alert", case, level=label(assessment.level),
         signals=", ".join(assessment.signals))


def applicant_users(case: Case) -> list:
    users = [p.user_id for p in case.parties_on(Side.APPLICANT) if p.user_id]
    if case.filed_by_id:
        users.append(case.filed_by_id)
    from ..auth.models import User

    return [db.session.get(User, uid) for uid in dict.fromkeys(users)]


@case_ops.after_step("accept", "reject")
def after_decision(case: Case, actor, reason: str | None = None) -> None:
    """What follows the clerk's decision, however it was taken (page or API): accepted -> an
    acceptance notice, issued after the commit (documents.tasks.issue_after_commit); either way
    the applicant (and a grid worker who filed for them) is told."""
    if case.state == CaseState.ACCEPTED:
        from ..documents.models import DocumentType
        from ..documents.tasks import issue_after_commit

        issue_after_commit(case, DocumentType.ACCEPTANCE_NOTICE, actor, "en" if case.language == "en" else "zh_CN")
        tell(applicant_users(case), "case_accepted", case, organisation=localized_name(case.organisation))
    else:
        tell(applicant_users(case), "case_rejected", case, organisation=localized_name(case.organisation),
             reason=reason or "")


def reroute(case: Case, actor, organisation: Organisation | None, reason: str) -> Case:
    """Send a case to another organisation (only before mediation starts), with a reason."""
    if case.state not in REROUTABLE:
        raise NotAllowed(_("A case can only be sent elsewhere before it goes to mediation."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Please give a reason.")]
    if organisation is None or not organisation.active or organisation.type not in case_ops.MEDIATING_TYPES:
        errors["organisation_id"] = [_("Choose an organisation that mediates.")]
    elif organisation.id == case.organisation_id:
        errors["organisation_id"] = [_("The case is with this organisation already.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    previous = case.organisation_id
    case.organisation_id = organisation.id
    case.organisation = organisation
    # Mediators of the old organisation leave the case with it.
    for assignment in case.assignments:
        if assignment.removed_at is None:
            assignment.removed_at = utcnow()
    db.session.flush()
    record("case.rerouted", actor=actor, case=case, from_organisation_id=previous,
           to_organisation_id=organisation.id, reason=reason)
    return case
