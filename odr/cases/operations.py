"""Business rules for cases. Every change of a case goes through a function here.

Operations check their own preconditions, flush, and audit; they never commit: the caller (a
view, an API endpoint, a CLI command) commits once, so a failure rolls back everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import storage
from ..core.audit import record
from ..core.enums import CaseState, Category, OrgType, PartyKind, RiskLevel, Side
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import next_value, utcnow
from ..core.policy import SYSTEM, case_roles
from ..core.uploads import ALLOWED_TYPES, MAX_EVIDENCE_BYTES, sniff
from ..extensions import db
from ..orgs.models import (
    DeadlineSetting,
    Membership,
    Organisation,
    OrganisationCategory,
    Region,
    organisation_regions,
)
from . import workflow
from .models import Case, CaseAssignment, Evidence, Party

CASE_FIELDS = ("category", "title", "facts", "claims", "claim_amount", "currency", "language", "region_id")
PARTY_FIELDS = (
    "side", "kind", "name", "phone", "email", "address",
    "representative_name", "representative_phone",
)


def new_reference(now=None) -> str:
    year = (now or utcnow()).year
    return f"ODR-{year}-{next_value(f'case-ref-{year}'):06d}"


def _ensure_open(case: Case) -> None:
    if case.is_final:
        raise NotAllowed(_("This case is closed and can no longer be changed."))


def create_case(actor, *, category, title, facts="", claims="", claim_amount=None, currency="CNY",
                language="zh_CN", region_id=None, organisation_id=None, applicant=None,
                on_behalf=False) -> Case:
    """Open a draft. The filer becomes the applicant unless filing for someone else (grid worker)."""
    _check_exists(Region, "region_id", region_id)
    _check_exists(Organisation, "organisation_id", organisation_id)
    case = Case(
        reference=new_reference(),
        state=CaseState.DRAFT,
        category=Category(category),
        title=title.strip(),
        facts=facts or "",
        claims=claims or "",
        claim_amount=Decimal(claim_amount) if claim_amount is not None else None,
        currency=currency,
        language=language,
        region_id=region_id,
        organisation_id=organisation_id,
        filed_by_id=actor.id,
        risk_level=RiskLevel.LOW,
        state_entered_at=utcnow(),
    )
    db.session.add(case)
    if applicant is not None:
        case.parties.append(Party(side=Side.APPLICANT, **applicant))
    elif not on_behalf:
        case.parties.append(
            Party(side=Side.APPLICANT, kind=PartyKind.PERSON, name=actor.name,
                  phone=actor.phone, email=actor.email, user_id=actor.id)
        )
    if case.organisation_id is None and case.region_id is not None:
        route(case)
    db.session.flush()
    record("case.created", actor=actor, case=case, reference=case.reference, category=case.category)
    return case


def _check_version(case: Case, expected_version) -> None:
    """Optimistic concurrency: a change made from a stale copy is refused with the current version."""
    if expected_version is not None and int(expected_version) != case.version:
        message = _("Someone else changed this case in the meantime. Reload and try again.")
        raise Conflict(message, code="stale_version", fields={"expected_version": [message]},
                       extra={"current_version": case.version})


def _check_exists(model, field: str, value) -> None:
    """An id that names no row is the caller's mistake (422), not a foreign-key crash."""
    if value is not None and db.session.get(model, value) is None:
        message = _("There is no such entry.")
        raise ValidationFailed(message, fields={field: [message]})


def update_case(case: Case, actor, *, expected_version=None, **changes) -> Case:
    _ensure_open(case)
    _check_version(case, expected_version)
    _check_exists(Region, "region_id", changes.get("region_id"))
    changed = {}
    for name in CASE_FIELDS:
        if name in changes and getattr(case, name) != changes[name]:
            changed[name] = changes[name]
            setattr(case, name, changes[name])
    if changed:
        db.session.flush()
        record("case.updated", actor=actor, case=case, fields=sorted(changed))
    return case


def add_party(case: Case, actor, **fields) -> Party:
    _ensure_open(case)
    party = Party(**{k: fields[k] for k in PARTY_FIELDS if k in fields})
    case.parties.append(party)
    db.session.flush()
    record("party.added", actor=actor, case=case, party_id=party.id, side=party.side)
    return party


# Applications go to bodies that mediate; courts and arbitration commissions receive referrals.
MEDIATING_TYPES = (
    OrgType.PEOPLES_MEDIATION_COMMITTEE,
    OrgType.PROFESSIONAL_MEDIATION_COMMITTEE,
    OrgType.MEDIATOR_STUDIO,
    OrgType.ADMINISTRATIVE_BODY,
)


def find_organisation(region: Region | None, category: Category) -> Organisation | None:
    """The organisation that serves `region` (or the nearest region above it) for `category`.

    Among several, the one deepest in the organisation tree (most local) wins, then the lowest id.
    Where nobody lists the category, a people's mediation committee of the region takes the case:
    they handle civil disputes of every kind (People's Mediation Law Art. 2), and a case must
    never sit where no clerk can see it.
    """
    base = (
        select(Organisation)
        .join(organisation_regions, organisation_regions.c.organisation_id == Organisation.id)
        .where(Organisation.active.is_(True), Organisation.type.in_(MEDIATING_TYPES))
        .order_by(Organisation.path.desc(), Organisation.id)
        .limit(1)
    )
    by_category = base.join(
        OrganisationCategory, OrganisationCategory.organisation_id == Organisation.id
    ).where(OrganisationCategory.category == category)
    general = base.where(Organisation.type == OrgType.PEOPLES_MEDIATION_COMMITTEE)
    for query in (by_category, general):
        node = region
        while node is not None:
            found = db.session.execute(query.where(organisation_regions.c.region_id == node.id)).scalar()
            if found is not None:
                return found
            node = node.parent
    return None


def route(case: Case) -> Organisation | None:
    """Give a case without an organisation the one that serves its region and category."""
    region = db.session.get(Region, case.region_id) if case.region_id is not None else None
    organisation = find_organisation(region, case.category)
    if organisation is not None:
        case.organisation_id = organisation.id
        case.organisation = organisation
    return organisation


def deadline_days(case: Case, state: CaseState) -> int | None:
    if state not in workflow.DEFAULT_DEADLINE_DAYS:
        return None
    if case.organisation_id is not None:
        own = db.session.get(DeadlineSetting, (case.organisation_id, state))
        if own is not None:
            return own.days
    return workflow.DEFAULT_DEADLINE_DAYS[state]


# What other domains do when a step is taken (invite the respondent, tell the applicant):
# action -> functions(case, actor, reason). Registered with @after_step by those domains
# (odr/invitations/operations.py, odr/intake/operations.py); they run inside transition(), in
# the same transaction, after the step is applied and audited, so a failing hook rolls the step
# back with it. Slow work (rendering a paper) is queued to run after the commit, not done here.
STEP_HOOKS: dict[str, list] = {}


def after_step(*actions: str):
    def register(function):
        for action in actions:
            if function not in STEP_HOOKS.setdefault(action, []):
                STEP_HOOKS[action].append(function)
        return function

    return register


def transition(case: Case, action: str, actor, *, reason: str | None = None, expected_version=None, **data) -> Case:
    """Move a case along the workflow. The only code that assigns case.state.

    `actor` is a User, or None for the system (scheduled deadline jobs).
    """
    rule = workflow.find(case.state, action)
    if rule is None:
        raise Conflict(
            _("This step is not possible while the case is %(state)s.", state=case.state.value),
            code="invalid_transition",
        )
    roles = case_roles(actor, case) if actor is not None else frozenset({SYSTEM})
    if not roles & rule.roles:
        raise NotAllowed(_("You may not take this step in this case."))
    _check_version(case, expected_version)
    reason = (reason or "").strip()
    if rule.needs_reason and not reason:
        raise ValidationFailed(_("Please give a reason."), fields={"reason": [_("Please give a reason.")]})
    # Guards read `data`, not the case, so they run before anything is applied: a refused step
    # leaves the case exactly as it was, even before the caller rolls back.
    if rule.guard is not None:
        problem = rule.guard(case, data)
        if problem:
            raise ValidationFailed(str(problem))

    if rule.target == CaseState.SUBMITTED and case.organisation_id is None and route(case) is None:
        message = _("No organisation serves this region yet. Choose the region where the dispute happened.")
        raise ValidationFailed(message, fields={"region_id": [message]})

    previous = case.state
    # Looked up before the case is touched: a query in between would autoflush half the change
    # as a separate UPDATE (and bump the version twice for one step).
    days = deadline_days(case, rule.target) if rule.target != previous else None
    for name in rule.takes:
        if data.get(name) is not None:
            _apply_field(case, name, data[name])
    for name in rule.clears:
        _apply_field(case, name, None)
    now = utcnow()
    if rule.target != previous:
        case.state = rule.target
        case.state_entered_at = now
        case.state_deadline = now + timedelta(days=days) if days else None
    if rule.outcome is not None:
        case.outcome = rule.outcome
        case.closed_at = now
    if rule.target == CaseState.SUBMITTED:
        case.submitted_at = now
    if rule.target == CaseState.SETTLED:
        case.settled_at = now
    db.session.flush()
    record(
        "case.transition",
        actor=actor,
        case=case,
        step=action,
        from_state=previous,
        to_state=case.state,
        reason=reason or None,
        outcome=case.outcome,
        deadline=case.state_deadline,
        **{k: data[k] for k in rule.takes if data.get(k) is not None},
    )
    for hook in STEP_HOOKS.get(action, ()):
        hook(case, actor, reason=reason or None)
    return case


def _apply_field(case: Case, name: str, value) -> None:
    if name == "target_organisation_id" and value is None:
        case.target_organisation_id = None
        case.target_organisation = None
    elif name == "target_organisation_id":
        target = db.session.get(Organisation, int(value))
        if target is None or not target.active:
            raise ValidationFailed(_("No such organisation."), fields={name: [_("No such organisation.")]})
        case.target_organisation_id = target.id
        case.target_organisation = target


def assign_mediator(case: Case, actor, mediator) -> CaseAssignment:
    from ..core.enums import Role

    _ensure_open(case)
    is_member = any(
        m.role == Role.MEDIATOR and case.organisation is not None
        and case.organisation.path.startswith(m.organisation.path)
        for m in mediator.memberships
    )
    if not is_member:
        raise ValidationFailed(_("This mediator does not belong to the organisation handling the case."))
    if any(a.user_id == mediator.id and a.removed_at is None for a in case.assignments):
        raise Conflict(_("This mediator is already assigned."))
    assignment = CaseAssignment(user_id=mediator.id, user=mediator)
    case.assignments.append(assignment)
    db.session.flush()
    record("case.mediator_assigned", actor=actor, case=case, mediator_id=mediator.id)
    from ..roster.conflicts import hold_if_conflicted

    hold_if_conflicted(case, assignment, mediator)  # family, employer, colleague: held for a clerk
    return assignment


def unassign_mediator(case: Case, actor, assignment: CaseAssignment, *, reason: str) -> CaseAssignment:
    """Take a mediator off a case; the assignment stays on record with when it ended."""
    _ensure_open(case)
    if assignment.case_id != case.id or assignment.removed_at is not None:
        raise Conflict(_("This mediator is not assigned to the case."))
    assignment.removed_at = utcnow()
    db.session.flush()
    record("case.mediator_removed", actor=actor, case=case, mediator_id=assignment.user_id, reason=reason)
    return assignment


# ---- choosing a mediator: suggestions, the conflict-of-interest declaration -----------------

@dataclass(frozen=True)
class Suggestion:
    """A mediator who may take the case, with what the ranking looked at."""

    user: object
    open_cases: int  # cases the mediator works now that are not finished
    same_category: int  # cases of this category the mediator has worked (any state)
    same_region: int  # cases from this case's region the mediator has worked (any state)


def suggest_mediators(case: Case) -> list[Suggestion]:
    """The mediators who may take `case` (members of its organisation or one above it, as
    assign_mediator requires), best first.

    The ranking, in this order: fewest open cases first (spreading the work is what keeps every
    case moving); among equal loads, more experience with this category (a specialty is what
    one has done, until the roster of a later issue records declared specialties); then more
    cases from this region (knowing the place and its people); then by name. Three grouped
    queries, whatever the number of mediators.
    """
    from sqlalchemy import func

    from ..auth.models import User
    from ..core.enums import FINAL_STATES, Role

    if case.organisation is None:
        return []
    # The organisation and those above it: "/1/4/9/" -> "/1/", "/1/4/", "/1/4/9/".
    parts = [p for p in case.organisation.path.split("/") if p]
    paths = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
    org_ids = select(Organisation.id).where(Organisation.path.in_(paths))
    candidates = db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.MEDIATOR, Membership.organisation_id.in_(org_ids),
               User.active.is_(True))
        .distinct()
    ).scalars().all()
    if not candidates:
        return []
    ids = [user.id for user in candidates]
    working = (CaseAssignment.user_id.in_(ids), CaseAssignment.removed_at.is_(None))

    def counts(*where) -> dict[int, int]:
        rows = db.session.execute(
            select(CaseAssignment.user_id, func.count(func.distinct(Case.id)))
            .join(Case, Case.id == CaseAssignment.case_id)
            .where(*working, Case.id != case.id, *where)
            .group_by(CaseAssignment.user_id)
        ).all()
        return dict(rows)

    open_cases = counts(Case.state.not_in(list(FINAL_STATES)))
    same_category = counts(Case.category == case.category)
    same_region = counts(Case.region_id == case.region_id) if case.region_id is not None else {}
    assigned = {a.user_id for a in case.assignments if a.removed_at is None}
    suggestions = [
        Suggestion(user, open_cases.get(user.id, 0), same_category.get(user.id, 0),
                   same_region.get(user.id, 0))
        for user in candidates if user.id not in assigned
    ]
    suggestions.sort(key=lambda s: (s.open_cases, -s.same_category, -s.same_region, s.user.name, s.user.id))
    return suggestions


def _own_assignment(case: Case, mediator) -> CaseAssignment:
    for assignment in case.assignments:
        if assignment.user_id == mediator.id and assignment.removed_at is None:
            return assignment
    raise NotAllowed(_("You are not assigned to this case."))


def declare_relation(case: Case, mediator, *, has_relation: bool, details: str = "") -> CaseAssignment:
    """The assigned mediator says whether they have any relation to the parties (a relative, a
    business partner, a prior dispute: People's Mediation Law Art. 15 and the mediator's duty of
    impartiality). Once; a declared relation holds the mediator back until a clerk decides."""
    _ensure_open(case)
    assignment = _own_assignment(case, mediator)
    if assignment.declared_at is not None:
        raise Conflict(_("You have already made your declaration for this case."))
    details = (details or "").strip()
    if has_relation and not details:
        message = _("Say what the relation is.")
        raise ValidationFailed(message, fields={"relation_details": [message]})
    assignment.declared_at = utcnow()
    assignment.has_relation = bool(has_relation)
    assignment.relation_details = details[:2000] if has_relation else None
    if has_relation:
        assignment.conflict_status = "pending"
    db.session.flush()
    record("case.mediator_declared", actor=mediator, case=case, mediator_id=mediator.id,
           has_relation=bool(has_relation), details=assignment.relation_details)
    if has_relation:
        tell_clerks_of_conflict(case, mediator)
    return assignment


def clerks_of(case: Case) -> list:
    """The active clerks of the organisation handling the case, or of one above it."""
    from ..core.enums import Role

    if case.organisation is None:
        return []
    clerks = db.session.execute(
        select(Membership).where(Membership.role == Role.CLERK)
    ).scalars().all()
    return [m.user for m in clerks
            if case.organisation.path.startswith(m.organisation.path) and m.user.active]


def tell_clerks_of_conflict(case: Case, mediator) -> None:
    from ..notifications.operations import notify

    for clerk in clerks_of(case):
        notify(clerk, "mediator_conflict", {"url": f"/cases/{case.id}", "mediator": mediator.name},
               case=case, channels=("in_app",))


def pending_conflicts(case: Case) -> list[CaseAssignment]:
    return [a for a in case.assignments if a.removed_at is None and a.conflict_status == "pending"]


def decide_conflict(case: Case, clerk, assignment: CaseAssignment, *, allow: bool, reason: str) -> CaseAssignment:
    """A clerk decides on a declared relation: let the mediator work the case anyway, or take
    them off it. Either way with a reason, audited."""
    _ensure_open(case)
    if assignment.case_id != case.id or assignment.conflict_status != "pending" or assignment.removed_at:
        raise Conflict(_("There is no declared conflict waiting for a decision."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give a reason."), fields={"reason": [_("Please give a reason.")]})
    now = utcnow()
    assignment.conflict_status = "allowed" if allow else "replaced"
    assignment.conflict_reason = reason[:2000]
    assignment.conflict_decided_by_id = clerk.id
    assignment.conflict_decided_at = now
    if not allow:
        assignment.removed_at = now
    db.session.flush()
    record("case.mediator_conflict_decided", actor=clerk, case=case, mediator_id=assignment.user_id,
           decision=assignment.conflict_status, reason=reason)
    return assignment


def set_risk(case: Case, actor, level: RiskLevel, reason: str) -> Case:
    _ensure_open(case)
    if not (reason or "").strip():
        raise ValidationFailed(_("Please give a reason."), fields={"reason": [_("Please give a reason.")]})
    previous = case.risk_level
    case.risk_level = RiskLevel(level)
    db.session.flush()
    record("case.risk_changed", actor=actor, case=case, from_level=previous, to_level=case.risk_level, reason=reason)
    return case


class UploadRefused(ValidationFailed):
    """413 or 415: the file is refused before anything is stored."""


def add_evidence(case: Case, actor, *, filename: str, data: bytes, description: str = "",
                 private_to_side: Side | None = None) -> Evidence:
    _ensure_open(case)
    if not data:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if len(data) > MAX_EVIDENCE_BYTES:
        error = UploadRefused(_("The file is too large (at most 20 MB)."), code="too_large",
                              fields={"file": [_("The file is too large (at most 20 MB).")]})
        error.status = 413
        raise error
    mime = sniff(data)
    if mime not in ALLOWED_TYPES:
        error = UploadRefused(
            _("This type of file is not accepted. Use PDF, images, audio, video, Word, Excel or plain text."),
            code="unsupported_type",
            fields={"file": [_("This type of file is not accepted.")]},
        )
        error.status = 415
        raise error
    if private_to_side is not None:
        roles = case_roles(actor, case)
        if private_to_side.value not in roles:
            raise NotAllowed(_("Only that side can add private material."))
    safe_name = _clean_filename(filename, ALLOWED_TYPES[mime])
    digest = storage.put_bytes(data)
    item = Evidence(
        filename=safe_name,
        content_type=mime,
        size=len(data),
        sha256=digest,
        description=(description or "")[:500],
        uploaded_by_id=actor.id,
        private_to_side=private_to_side,
    )
    case.evidence.append(item)
    db.session.flush()
    record("evidence.added", actor=actor, case=case, evidence_id=item.id, sha256=digest,
           size=item.size, content_type=mime, private_to_side=private_to_side)
    return item


def _clean_filename(name: str, extension: str) -> str:
    """Keep the user's name for display (Chinese included) without path parts or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'file')[:200]}.{extension}"
