"""Who may do what: the one place that answers `can(user, action, obj)`.

Access to a case follows from the user's roles *in that case* (case_roles): a party side, the
filer, an assigned mediator, staff of the organisation (or one above it) handling the case, the
clerk of the body a case was referred to, an administrator. Lists are filtered by the same rules
(visible_cases_clause), so a list never shows a case its detail page would refuse.

A refusal is audited. Where even the existence of a case must not leak (the user has no role in
it at all), the answer is 404; where the user may see the case but not act, 403.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true, union

from ..extensions import db
from .enums import CaseState, Role, Side
from .errors import NotAllowed, NotFound

# Case roles: party sides and staff roles, plus these two that only exist relative to a case.
FILER = "filer"  # whoever filed the case (an applicant for themselves, a grid worker for a resident)
RECEIVING_CLERK = "receiving_clerk"  # clerk of the body the case was referred to / court asked
SYSTEM = "system"  # scheduled jobs (deadlines), never a person

PARTY_SIDES = frozenset({Side.APPLICANT.value, Side.RESPONDENT.value})
ORG_STAFF = frozenset({Role.CLERK.value, Role.SUPERVISOR.value, Role.CONSULTANT.value})
EVERYONE_IN_CASE = frozenset(
    {
        Side.APPLICANT.value,
        Side.RESPONDENT.value,
        Role.REPRESENTATIVE.value,
        FILER,
        Role.MEDIATOR.value,
        Role.CLERK.value,
        Role.SUPERVISOR.value,
        Role.CONSULTANT.value,
        Role.ADMIN.value,
        RECEIVING_CLERK,
        Role.GRID_WORKER.value,  # follows the cases of their grid (read only; odr/intake)
    }
)
STAFF_IN_CASE = frozenset(
    {Role.MEDIATOR.value, Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value}
)

# Actions on a case that are not workflow transitions, and the case roles that may do them.
CASE_RULES: dict[str, frozenset[str]] = {
    "case.view": EVERYONE_IN_CASE,
    "case.timeline": EVERYONE_IN_CASE,
    "case.edit": frozenset({Side.APPLICANT.value, FILER, Role.CLERK.value}),
    "case.party.add": frozenset({Side.APPLICANT.value, FILER, Role.CLERK.value}),
    "case.evidence.upload": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, FILER,
         Role.CLERK.value, Role.MEDIATOR.value}
    ),
    "case.evidence.list": EVERYONE_IN_CASE,
    "case.assign_mediator": frozenset({Role.CLERK.value, Role.ADMIN.value}),
    "case.set_risk": frozenset({Role.CLERK.value, Role.MEDIATOR.value, Role.SUPERVISOR.value}),
    # Send a case to another organisation, with a reason (odr/intake): only before mediation.
    "case.reroute": frozenset({Role.CLERK.value}),
    "case.invite": frozenset({Role.CLERK.value, Role.MEDIATOR.value}),
    # The respondent's answer page and their own account of the dispute (odr/invitations).
    "case.respond": frozenset({Side.RESPONDENT.value}),
    "case.statement": frozenset({Side.RESPONDENT.value}),
    "case.audit": frozenset({Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value}),
    "case.document.view": EVERYONE_IN_CASE,
    "case.document.issue": frozenset({Role.CLERK.value, Role.MEDIATOR.value}),
    # Evaluation (odr/evaluation, docs/evaluation.md): everyone in the case reads the report and
    # the expert notes; the applicant's side and staff write reports; both sides tick the evidence
    # checklist; mediators and consultants add expert notes, which both parties see (a mediator's
    # private notes are not part of the evaluation).
    "case.evaluation.view": EVERYONE_IN_CASE,
    "case.evaluation.edit": frozenset(
        {Side.APPLICANT.value, FILER, Role.CLERK.value, Role.MEDIATOR.value, Role.CONSULTANT.value}
    ),
    "case.evaluation.checklist": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, FILER, Role.CLERK.value, Role.MEDIATOR.value,
         Role.CONSULTANT.value}
    ),
    "case.evaluation.note": frozenset({Role.MEDIATOR.value, Role.CONSULTANT.value}),
    # Judicial confirmation (odr/confirmation, docs/confirmation.md): a party starts or joins the
    # joint application; the committee's clerk files the parties' joint written application; the
    # court's clerk confirms or refuses (ONLY_IN_STATES says when).
    "confirmation.apply": frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value}),
    "confirmation.file": frozenset({Role.CLERK.value}),
    "confirmation.decide": frozenset({RECEIVING_CLERK}),
    # Performance of the agreement (odr/performance, docs/performance.md): the parties report and
    # confirm terms (which side may do which is the term's own rule), staff add terms agreed
    # outside the online agreement, the mediator records follow-up visits.
    "performance.report": frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value}),
    "performance.manage": frozenset({Role.MEDIATOR.value, Role.CLERK.value}),
    "performance.follow_up": frozenset({Role.MEDIATOR.value}),
    # What the parties told the mediator at a follow-up visit: for those who work the case.
    "performance.follow_up.view": frozenset(
        {Role.MEDIATOR.value, Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value}
    ),
    # Referral (odr/referral, docs/referral.md): each party says whether the mediation record may go
    # to the receiving body (mediation is confidential: default no); the case file (bundle) is
    # exported by the organisation's staff and by the clerk of the body it was referred to.
    "case.referral.consent": frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value}),
    "case.bundle.export": frozenset(
        {Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value, RECEIVING_CLERK}
    ),
    # Mediation rooms (odr/mediation, docs/realtime.md). The joint channel: the parties and the
    # mediator talk; the organisation's clerks and supervisors may follow it (read only). A side's
    # caucus channel: that side and the mediator, nobody else. When a channel may be written (the
    # case in mediation) is the room's own rule, in mediation/operations.py.
    "room.joint.read": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, Role.MEDIATOR.value,
         Role.CLERK.value, Role.SUPERVISOR.value}
    ),
    "room.joint.write": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, Role.MEDIATOR.value}
    ),
    "room.caucus.applicant": frozenset({Side.APPLICANT.value, Role.MEDIATOR.value}),
    "room.caucus.respondent": frozenset({Side.RESPONDENT.value, Role.MEDIATOR.value}),
    # Proposals, blind bidding, the agreement (odr/mediation/proposals.py, bids.py, agreement.py):
    # seen by those who follow the joint channel (a bid's figure only by its own side); offers and
    # bids by the parties; the agreement drafted and locked by the mediator, signed by all.
    "mediation.view": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, Role.MEDIATOR.value,
         Role.CLERK.value, Role.SUPERVISOR.value}
    ),
    "mediation.bargain": frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value}),
    "mediation.agreement.draft": frozenset({Role.MEDIATOR.value}),
    "mediation.agreement.sign": frozenset(
        {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, Role.MEDIATOR.value}
    ),
    # Sessions (odr/mediation/sessions.py, docs/sessions.md): the mediator schedules, moves,
    # cancels, opens and closes them; who sees a session is who may follow its channel (a caucus
    # session only that side and the mediator). The mediator's notes of the sessions are the
    # mediator's alone: never the parties', not even the clerk's (they read the issued record).
    "mediation.session.manage": frozenset({Role.MEDIATOR.value}),
    "mediation.notes.view": frozenset({Role.MEDIATOR.value}),
    "mediation.notes.edit": frozenset({Role.MEDIATOR.value}),
    # The assigned mediator's declaration of any relation to the parties (conflict of interest).
    "case.mediator.declare": frozenset({Role.MEDIATOR.value}),
    # Satisfaction (odr/satisfaction, docs/statistics.md): the parties rate a closed case; the
    # ratings with their comments are for the organisation's clerks and supervisors, never for
    # the other party (nor the mediator rated, who sees averages in the scorecards).
    "case.rate": frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value}),
    "case.ratings.view": frozenset({Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value}),
    # Supervision (odr/supervision, docs/supervision.md): a supervisor sends an instruction (督办)
    # to whoever handles the case; the person instructed answers it (the operation checks it is
    # them); instructions and the clocks' alerts are internal: those who work the case see them.
    "case.instruct": frozenset({Role.SUPERVISOR.value}),
    "case.instruction.answer": frozenset(
        {Role.CLERK.value, Role.MEDIATOR.value, Role.CONSULTANT.value, RECEIVING_CLERK}
    ),
    "case.instruction.view": frozenset(
        {Role.CLERK.value, Role.MEDIATOR.value, Role.CONSULTANT.value, Role.SUPERVISOR.value,
         Role.ADMIN.value, RECEIVING_CLERK}
    ),
}
# What stays allowed on a finished case: reading (the room's record included).
READ_ACTIONS = frozenset(
    {"case.view", "case.timeline", "case.evidence.list", "case.audit", "case.document.view",
     "case.evaluation.view", "case.bundle.export",
     "room.joint.read", "room.caucus.applicant", "room.caucus.respondent", "mediation.view",
     "mediation.notes.view", "performance.follow_up.view",
     "case.instruction.view", "party.identity.full", "case.ratings.view"}
)
# What may be done on a finished case besides reading: rating it.
AFTER_CLOSE_ACTIONS = frozenset({"case.rate"})
# Edits that only make sense before a case is submitted, for those who are not staff.
DRAFT_ONLY_FOR_PARTIES = {"case.edit", "case.party.add"}
# After settlement, while the case is open: the agreement is being performed.
PERFORMANCE_STATES = frozenset({CaseState.SETTLED, CaseState.CONFIRMATION_REQUESTED, CaseState.CONFIRMED,
                                CaseState.CONFIRMATION_REFUSED})
# Actions that only exist in some states.
ONLY_IN_STATES = {
    "case.reroute": frozenset({CaseState.SUBMITTED, CaseState.ACCEPTED}),
    "confirmation.apply": frozenset({CaseState.SETTLED}),
    "confirmation.file": frozenset({CaseState.SETTLED}),
    "confirmation.decide": frozenset({CaseState.CONFIRMATION_REQUESTED}),
    "performance.report": PERFORMANCE_STATES,
    "performance.manage": PERFORMANCE_STATES,
    "performance.follow_up": PERFORMANCE_STATES,
    "performance.follow_up.view": PERFORMANCE_STATES | {CaseState.CLOSED},
    "case.rate": frozenset({CaseState.CLOSED}),
}

# Actions that are not about one case.
GLOBAL_RULES: dict[str, frozenset[str]] = {
    "case.create": frozenset(r.value for r in Role),
    "audit.verify": frozenset({Role.ADMIN.value}),
    "user.manage": frozenset({Role.ADMIN.value}),
    # How long a party's particulars stay in a closed case after they ask to anonymise it.
    "privacy.retention.set": frozenset({Role.ADMIN.value}),
    # Administration pages (odr/admin): administrators everywhere; an organisation's clerks for
    # their own organisation (which rows: managed_organisation_ids). The region tree: admins only.
    "admin.use": frozenset({Role.ADMIN.value, Role.CLERK.value}),
    "admin.regions": frozenset({Role.ADMIN.value}),
    "admin.organisations": frozenset({Role.ADMIN.value, Role.CLERK.value}),
    "admin.users": frozenset({Role.ADMIN.value, Role.CLERK.value}),
    "admin.invite": frozenset({Role.ADMIN.value, Role.CLERK.value}),
    "outbox.view": frozenset({Role.ADMIN.value, Role.CLERK.value}),
    # The clerk desk (odr/documents/desk.py): search, ZIP export, paper service; cases filtered by
    # visible_cases_clause and each case authorised again.
    "desk.use": frozenset({Role.CLERK.value}),
    # The printable QR posters of grids and organisations (odr/intake).
    "intake.posters": frozenset(
        {Role.ADMIN.value, Role.CLERK.value, Role.SUPERVISOR.value, Role.GRID_WORKER.value}
    ),
    # Consultation (odr/consultation): any signed-in user may ask; consultants and supervisors
    # have an inbox (which questions they see in it is QUESTION_RULES' business).
    "consult.ask": frozenset(r.value for r in Role),
    "consult.inbox": frozenset({Role.CONSULTANT.value, Role.SUPERVISOR.value}),
    # A court clerk's inbox of applications for judicial confirmation (odr/confirmation): the
    # applications filed with their court; each case is authorised again when opened.
    "confirmation.inbox": frozenset({Role.CLERK.value}),
    # Referral (odr/referral): the receiving body's inbox, a court's delegation into mediation
    # (the operation checks that the clerk's organisation is a court), importing a case bundle.
    "referral.inbox": frozenset({Role.CLERK.value}),
    "referral.delegate": frozenset({Role.CLERK.value}),
    "bundle.import": frozenset({Role.CLERK.value}),
    # Supervision (odr/supervision): the supervisors' board of overdue, high-risk and repeatedly
    # complained cases (each row filtered by visible_cases_clause); every user sets which e-mails
    # and text messages they want (odr/notifications/preferences.py).
    "supervision.board": frozenset({Role.SUPERVISOR.value, Role.ADMIN.value}),
    "notifications.preferences": frozenset(r.value for r in Role),
    # Statistics and scorecards (odr/statistics): administrators see everything, supervisors and
    # clerks the organisations they belong to and those below (statistics_paths).
    "statistics.view": frozenset({Role.ADMIN.value, Role.SUPERVISOR.value, Role.CLERK.value}),
}

# Actions on an organisation: its own settings (the deadlines of its clocks), for its clerks and
# supervisors and those of the organisations above it, and administrators.
ORGANISATION_RULES: dict[str, frozenset[str]] = {
    "organisation.deadlines": frozenset({Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value}),
}


def organisation_roles(user, organisation) -> frozenset[str]:
    roles = {Role.ADMIN.value} if user.role == Role.ADMIN else set()
    for membership in user.memberships:
        if organisation.path.startswith(membership.organisation.path):
            roles.add(membership.role.value)
    return frozenset(roles)

# A question to a consultant is not a case: its roles are the asker, and the consultants and
# supervisors of the organisation it was sent to (or one above it). Nobody else sees it.
ASKER = "asker"
QUESTION_RULES: dict[str, frozenset[str]] = {
    "consult.view": frozenset({ASKER, Role.CONSULTANT.value, Role.SUPERVISOR.value}),
    "consult.reply": frozenset({ASKER, Role.CONSULTANT.value, Role.SUPERVISOR.value}),
    "consult.close": frozenset({ASKER, Role.CONSULTANT.value, Role.SUPERVISOR.value}),
    "consult.publish": frozenset({Role.CONSULTANT.value, Role.SUPERVISOR.value}),
}


# A party's real-name details (odr/identity): given by the person (or their representative), or
# taken by the case's clerk or mediator from the card shown to them; read in full only by the
# person. Everyone else who sees the party sees the number masked.
SELF = "self"
PARTY_RULES: dict[str, frozenset[str]] = {
    "party.identity.give": frozenset({SELF, Role.CLERK.value, Role.MEDIATOR.value}),
    "party.identity.full": frozenset({SELF}),
}


def party_roles(user, party) -> frozenset[str]:
    roles = set(case_roles(user, party.case))
    if roles and user.id in (party.user_id, party.representative_user_id):
        roles.add(SELF)
    return frozenset(roles)


# A party may ask for a particular mediator from the roster, or for a different one (People's
# Mediation Law Art. 23), until the case is settled; the clerk of the case decides.
MEDIATOR_CHOICE_STATES = frozenset({CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.CONSULTATION,
                                    CaseState.EVALUATION, CaseState.AWAITING_RESPONDENT, CaseState.MEDIATION})


def may_request_mediator(user, case) -> bool:
    if case.state not in MEDIATOR_CHOICE_STATES or not getattr(user, "is_authenticated", False):
        return False
    return bool(case_roles(user, case) & {Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value})


def may_decide_mediator_request(user, case) -> bool:
    if case.state not in MEDIATOR_CHOICE_STATES or not getattr(user, "is_authenticated", False):
        return False
    return Role.CLERK.value in case_roles(user, case)


def managed_organisation_ids(user) -> set[int] | None:
    """The organisations whose particulars and staff `user` administers: None means all
    (administrators); a clerk, the organisations they are a clerk of."""
    if user.role == Role.ADMIN:
        return None
    return {m.organisation_id for m in user.memberships if m.role == Role.CLERK}


def _member_orgs(user, roles) -> list:
    return [m.organisation for m in user.memberships if m.role.value in roles]


def question_roles(user, question) -> frozenset[str]:
    """The roles this user holds for a consultation question (empty: none at all)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = {ASKER} if question.asker_id == user.id else set()
    org = question.organisation
    for membership in user.memberships:
        if (membership.role.value in (Role.CONSULTANT.value, Role.SUPERVISOR.value)
                and org.path.startswith(membership.organisation.path)):
            roles.add(membership.role.value)
    return frozenset(roles)


def grid_paths(user) -> list[str]:
    """The region paths a grid worker serves (GridAssignment); empty for everyone else."""
    if user.role != Role.GRID_WORKER:
        return []
    from ..intake.models import GridAssignment
    from ..orgs.models import Region

    return list(
        db.session.execute(
            select(Region.path).join(GridAssignment, GridAssignment.region_id == Region.id)
            .where(GridAssignment.user_id == user.id)
        ).scalars()
    )


def case_roles(user, case) -> frozenset[str]:
    """The roles this user holds in this case (empty: the user has nothing to do with it)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: set[str] = set()
    if user.role == Role.ADMIN:
        roles.add(Role.ADMIN.value)
    for party in case.parties:
        if party.user_id == user.id:
            roles.add(party.side.value)
        if party.representative_user_id == user.id:
            roles.update({party.side.value, Role.REPRESENTATIVE.value})
    if case.filed_by_id == user.id:
        roles.add(FILER)
    if user.id in case.mediator_ids:
        roles.add(Role.MEDIATOR.value)
    if case.state != CaseState.DRAFT:
        # Drafts are the filer's own until submitted; staff see cases from submission on.
        org = case.organisation
        for membership in user.memberships:
            member_org = membership.organisation
            if membership.role.value in ORG_STAFF and org is not None and org.path.startswith(member_org.path):
                roles.add(membership.role.value)
            target = case.target_organisation
            if (
                membership.role == Role.CLERK
                and target is not None
                and target.path.startswith(member_org.path)
            ):
                roles.add(RECEIVING_CLERK)
        region = case.region
        if region is not None and any(region.path.startswith(p) for p in grid_paths(user)):
            roles.add(Role.GRID_WORKER.value)
    return frozenset(roles)


# Not case staff: the parties, whoever filed, and a grid worker following their grid's cases.
PARTY_CASE_ROLES = frozenset({Side.APPLICANT.value, Side.RESPONDENT.value, Role.REPRESENTATIVE.value, FILER,
                              Role.GRID_WORKER.value})


def works_the_case(roles: frozenset[str]) -> bool:
    """Staff who work the case see its internal assessments (the risk level, refused accesses);
    the parties and those who follow it for them do not."""
    return bool(roles - PARTY_CASE_ROLES)


def sees_internal(user, case) -> bool:
    return works_the_case(case_roles(user, case))


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` (on `obj`)? Pure: no side effects, no auditing."""
    from ..cases import workflow
    from ..cases.models import Case, Evidence, Party
    from ..consultation.models import Question

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if isinstance(obj, Party):
        if obj.case.is_final and action not in READ_ACTIONS:
            return False  # a finished case is read-only for everyone
        return bool(party_roles(user, obj) & PARTY_RULES.get(action, frozenset()))
    if obj is None:
        allowed = GLOBAL_RULES.get(action)
        return allowed is not None and user.role.value in allowed
    if isinstance(obj, Evidence):
        return _can_evidence(user, action, obj)
    if isinstance(obj, Question):
        return bool(question_roles(user, obj) & QUESTION_RULES.get(action, frozenset()))
    if action in ORGANISATION_RULES:
        return bool(organisation_roles(user, obj) & ORGANISATION_RULES[action])
    if isinstance(obj, Case):
        roles = case_roles(user, obj)
        if not roles:
            return False
        if action in CASE_RULES:
            if not roles & CASE_RULES[action]:
                return False
            if obj.is_final and action not in READ_ACTIONS and action not in AFTER_CLOSE_ACTIONS:
                return False  # a finished case is read-only for everyone
            if action in ONLY_IN_STATES and obj.state not in ONLY_IN_STATES[action]:
                return False
            if action in DRAFT_ONLY_FOR_PARTIES and obj.state != CaseState.DRAFT:
                return bool(roles & STAFF_IN_CASE)
            return True
        if action.startswith("case.transition."):
            rule = workflow.find(obj.state, action.removeprefix("case.transition."))
            return rule is not None and bool(roles & rule.roles)
    return False


def _can_evidence(user, action: str, evidence) -> bool:
    roles = case_roles(user, evidence.case)
    if action != "evidence.download" or not roles:
        return False
    if evidence.private_to_side is None:
        return True
    # One side's private material: that side and the mediators, nobody else.
    return evidence.private_to_side.value in roles or Role.MEDIATOR.value in roles


def may_see_paper(user, case, doc_type) -> bool:
    """May `user` open an issued paper of this type? Whoever may view the case's documents, except
    that the mediation record is confidential: the clerk of the body the case was referred to
    (and nobody else there) reads it only when every party consented (odr/referral)."""
    if not can(user, "case.document.view", case):
        return False
    if getattr(doc_type, "value", doc_type) != "mediation_record":
        return True
    if case_roles(user, case) - {RECEIVING_CLERK}:
        return True
    from ..referral.operations import record_shared

    return record_shared(case)


def allowed_transitions(user, case) -> list:
    """The workflow actions this user may take on this case now (for buttons and the API)."""
    from ..cases import workflow

    roles = case_roles(user, case)
    return [t for t in workflow.from_state(case.state) if roles & t.roles]


def authorize(user, action: str, obj=None) -> None:
    """Raise NotFound (no role at all in the case) or NotAllowed, and audit the refusal."""
    if can(user, action, obj):
        return
    refuse(user, action, obj)


def require(allowed: bool, user, action: str, obj=None) -> None:
    """authorize() for the rules that are functions of this module rather than table entries."""
    if not allowed:
        refuse(user, action, obj)


def refuse(user, action: str, obj=None) -> None:
    """Audit a refusal and raise NotFound (no role at all in the case) or NotAllowed."""
    from ..cases.models import Case, Evidence, Party
    from ..consultation.models import Question
    from .audit import record

    case = obj.case if isinstance(obj, Evidence | Party) else obj if isinstance(obj, Case) else None
    hidden = case is not None and not case_roles(user, case)
    if isinstance(obj, Question):
        hidden = not question_roles(user, obj)  # a stranger must not learn the question exists
    actor = user if getattr(user, "is_authenticated", False) else None
    # The refusal is recorded on its own: nothing else of this request is saved.
    db.session.rollback()
    record(
        "access.denied",
        actor=actor,
        case=case,
        attempted=action,
        target=f"{type(obj).__name__}:{getattr(obj, 'id', '')}" if obj is not None else "",
    )
    db.session.commit()
    if hidden:
        raise NotFound()
    raise NotAllowed()


def visible_cases_clause(user):
    """A WHERE clause selecting exactly the cases for which case_roles(user, case) is not empty."""
    from ..cases.models import Case, CaseAssignment, Party
    from ..orgs.models import Organisation

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if user.role == Role.ADMIN:
        return true()
    # The user's own cases as one set of ids. As a single IN (UNION ...) the databases fetch the
    # few ids through their indexes; as separate OR terms PostgreSQL walked the whole cases table
    # in id order testing each row (60-120 ms at 100k cases for a party or a mediator).
    own = union(
        select(Case.id).where(Case.filed_by_id == user.id),
        select(Party.case_id).where(
            or_(Party.user_id == user.id, Party.representative_user_id == user.id)
        ),
        select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == user.id, CaseAssignment.removed_at.is_(None),
            # Held back by a declared conflict of interest until a clerk decides (mediator_ids).
            or_(CaseAssignment.conflict_status.is_(None), CaseAssignment.conflict_status != "pending"),
        ),
    )
    clauses = [Case.id.in_(own)]
    staff_paths = [org.path for org in _member_orgs(user, ORG_STAFF)]
    if staff_paths:
        subtree = select(Organisation.id).where(
            or_(*[Organisation.path.startswith(path) for path in staff_paths])
        )
        clauses.append(and_(Case.state != CaseState.DRAFT, Case.organisation_id.in_(subtree)))
    clerk_paths = [org.path for org in _member_orgs(user, {Role.CLERK.value})]
    if clerk_paths:
        subtree = select(Organisation.id).where(
            or_(*[Organisation.path.startswith(path) for path in clerk_paths])
        )
        clauses.append(and_(Case.state != CaseState.DRAFT, Case.target_organisation_id.in_(subtree)))
    paths = grid_paths(user)
    if paths:
        from ..orgs.models import Region

        regions = select(Region.id).where(or_(*[Region.path.startswith(path) for path in paths]))
        clauses.append(and_(Case.state != CaseState.DRAFT, Case.region_id.in_(regions)))
    return or_(*clauses) if len(clauses) > 1 else clauses[0]


ALL_ORGANISATIONS = None


def statistics_paths(user):
    """Whose statistics this user may see: ALL_ORGANISATIONS (an administrator), or the paths of
    the organisations where they are a clerk or supervisor (each with everything below it)."""
    if not can(user, "statistics.view"):
        return []
    if user.role == Role.ADMIN:
        return ALL_ORGANISATIONS
    return [org.path for org in _member_orgs(user, {Role.CLERK.value, Role.SUPERVISOR.value})]


def may_see_statistics_of(user, organisation) -> bool:
    """May this user see the statistics (and scorecards) of this organisation?"""
    paths = statistics_paths(user)
    if paths is ALL_ORGANISATIONS:
        return True
    return organisation is not None and any(organisation.path.startswith(p) for p in paths)
