"""The roster's rules: profiles, the list parties choose from, requests for a mediator.

Who may do what is in odr/core/policy.py (`may_request_mediator`, `may_decide_mediator_request`);
every change is audited; the clerk's decision is notified to the party who asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..core.audit import record
from ..core.enums import FINAL_STATES, Category, Role
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from .models import MediatorProfile, MediatorRequest

# Languages a mediator can mediate in (the interface itself is zh_CN and en).
LANGUAGES = {
    "zh": _l("Mandarin Chinese"),
    "yue": _l("Cantonese"),
    "wuu": _l("Wu (Shanghainese, Hangzhou dialect)"),
    "en": _l("English"),
    "csl": _l("Chinese Sign Language"),
}
MAX_YEARS = 70
TEXT_LIMITS = {"qualifications": 2000, "bio": 4000, "availability": 200, "studio_name": 200,
               "home_address": 255, "employer": 200}


# ---- profiles ---------------------------------------------------------------------------------

def profile_of(user_id: int) -> MediatorProfile | None:
    return db.session.get(MediatorProfile, user_id)


def save_profile(mediator, actor, **fields) -> MediatorProfile:
    """Create or update `mediator`'s profile; ValidationFailed names every bad field."""
    problems: dict[str, list[str]] = {}
    specialties = list(dict.fromkeys(fields.get("specialties") or []))
    if any(value not in {c.value for c in Category} for value in specialties):
        problems["specialties"] = [_("Choose from the list.")]
    languages = list(dict.fromkeys(fields.get("languages") or []))
    if any(value not in LANGUAGES for value in languages):
        problems["languages"] = [_("Choose from the list.")]
    years = fields.get("years_of_practice") or 0
    if not isinstance(years, int) or not 0 <= years <= MAX_YEARS:
        problems["years_of_practice"] = [_("Between 0 and %(n)d years.", n=MAX_YEARS)]
    texts = {}
    for name, limit in TEXT_LIMITS.items():
        value = (fields.get(name) or "").strip()
        if len(value) > limit:
            problems[name] = [_("At most %(n)d characters.", n=limit)]
        texts[name] = value
    studio_public = bool(fields.get("studio_public"))
    if studio_public and not texts["studio_name"]:
        problems["studio_name"] = [_("A published studio needs a name.")]
    if problems:
        raise ValidationFailed(_("Please correct the marked fields."), fields=problems)
    profile = profile_of(mediator.id)
    if profile is None:
        profile = MediatorProfile(user_id=mediator.id)
        db.session.add(profile)
    profile.specialties, profile.languages, profile.years_of_practice = specialties, languages, years
    profile.studio_public = studio_public
    for name, value in texts.items():
        setattr(profile, name, value or ("" if name in ("qualifications", "bio", "availability") else None))
    db.session.flush()
    record("roster.profile_saved", actor=actor, mediator_id=mediator.id,
           specialties=specialties, languages=languages, studio_public=studio_public)
    return profile


# ---- the roster -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    user: object
    profile: MediatorProfile | None
    organisations: tuple
    open_cases: int
    ratings: int
    satisfaction: float | None  # mean of the parties' 1-5 marks for the mediator


def roster(*, category: str | None = None, language: str | None = None, organisation_ids=None,
           public_studios_only: bool = False) -> list[RosterEntry]:
    """Active mediators with what a party weighs: specialties, languages, experience, current
    caseload, satisfaction. Four queries, whatever the number of mediators."""
    from ..auth.models import User
    from ..cases.models import Case, CaseAssignment
    from ..orgs.models import Membership
    from ..satisfaction.models import Rating

    query = (select(Membership).join(User, User.id == Membership.user_id)
             .where(Membership.role == Role.MEDIATOR, User.active.is_(True)))
    if organisation_ids is not None:
        query = query.where(Membership.organisation_id.in_(list(organisation_ids) or [-1]))
    memberships = db.session.execute(query).scalars().all()
    users, organisations = {}, {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        organisations.setdefault(membership.user_id, []).append(membership.organisation)
    ids = list(users)
    if not ids:
        return []
    profiles = {p.user_id: p for p in db.session.execute(
        select(MediatorProfile).where(MediatorProfile.user_id.in_(ids))).scalars()}
    open_cases = dict(db.session.execute(
        select(CaseAssignment.user_id, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == CaseAssignment.case_id)
        .where(CaseAssignment.user_id.in_(ids), CaseAssignment.removed_at.is_(None),
               Case.state.not_in(list(FINAL_STATES)))
        .group_by(CaseAssignment.user_id)).all())
    marks = {row[0]: (row[1], row[2]) for row in db.session.execute(
        select(Rating.mediator_id, func.count(Rating.mediator_score), func.avg(Rating.mediator_score))
        .where(Rating.mediator_id.in_(ids), Rating.mediator_score.is_not(None))
        .group_by(Rating.mediator_id)).all()}
    entries = []
    for user_id, user in users.items():
        profile = profiles.get(user_id)
        if category and (profile is None or category not in (profile.specialties or [])):
            continue
        if language and (profile is None or language not in (profile.languages or [])):
            continue
        if public_studios_only and (profile is None or not profile.studio_public):
            continue
        count, mean = marks.get(user_id, (0, None))
        entries.append(RosterEntry(user, profile, tuple(organisations[user_id]), open_cases.get(user_id, 0),
                                   count, round(float(mean), 1) if mean is not None else None))
    entries.sort(key=lambda e: (e.open_cases, e.user.name, e.user.id))
    return entries


def studio(user_id: int) -> RosterEntry | None:
    """A published mediator studio, for its public page; None if there is none."""
    profile = profile_of(user_id)
    if profile is None or not profile.studio_public or not profile.user.active:
        return None
    found = [e for e in roster(public_studios_only=True) if e.user.id == user_id]
    return found[0] if found else None


# ---- a party asks for a mediator (People's Mediation Law Art. 23) --------------------------

def eligible_mediators(case) -> list:
    """Whom the party may choose: the mediators who may take the case, least busy first."""
    from ..cases.operations import suggest_mediators

    return [suggestion.user for suggestion in suggest_mediators(case)]


def pending_requests(case) -> list[MediatorRequest]:
    return list(db.session.execute(
        select(MediatorRequest).where(MediatorRequest.case_id == case.id, MediatorRequest.status == "pending")
        .order_by(MediatorRequest.id)).scalars())


def requests_of_case(case) -> list[MediatorRequest]:
    return list(db.session.execute(
        select(MediatorRequest).where(MediatorRequest.case_id == case.id).order_by(MediatorRequest.id)).scalars())


def request_mediator(case, user, *, side: str, mediator_id: int | None, reason: str) -> MediatorRequest:
    from ..auth.models import User
    from ..notifications.operations import notify

    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationFailed(_("At most %(n)d characters.", n=2000), fields={"reason": [_("At most %(n)d characters.", n=2000)]})
    if mediator_id is None:
        if not case.mediator_ids:
            message = _("No mediator is assigned yet: choose one from the roster instead.")
            raise ValidationFailed(message, fields={"mediator_id": [message]})
        if not reason:
            message = _("Say why you would like a different mediator.")
            raise ValidationFailed(message, fields={"reason": [message]})
    else:
        if mediator_id not in {m.id for m in eligible_mediators(case)}:
            message = _("This mediator cannot take this case: choose one from the list.")
            raise ValidationFailed(message, fields={"mediator_id": [message]})
    if any(r.side == side for r in pending_requests(case)):
        raise Conflict(_("Your earlier request is still waiting for the clerk's decision."))
    request = MediatorRequest(case_id=case.id, requested_by_id=user.id, side=side, mediator_id=mediator_id,
                              reason=reason)
    db.session.add(request)
    db.session.flush()
    record("case.mediator_requested", actor=user, case=case, request_id=request.id, side=side,
           mediator_id=mediator_id, different=mediator_id is None)
    from ..cases.operations import clerks_of

    chosen = db.session.get(User, mediator_id).name if mediator_id else ""
    for clerk in clerks_of(case):
        notify(clerk, "mediator_requested", {"url": f"/cases/{case.id}", "mediator": chosen or "—"},
               case=case, channels=("in_app",))
    return request


def decide_request(case, clerk, request: MediatorRequest, *, grant: bool, reason: str) -> MediatorRequest:
    """Grant: the chosen mediator is assigned (the current ones taken off), or, for "a different
    mediator", the current ones are taken off for the clerk to assign another. Refuse: nothing
    changes. Either way with a reason, audited, and the party is told."""
    from ..auth.models import User
    from ..cases.operations import assign_mediator, unassign_mediator
    from ..notifications.operations import notify

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give a reason."), fields={"reason": [_("Please give a reason.")]})
    if request.case_id != case.id or request.status != "pending":
        raise Conflict(_("This request was already decided."))
    if grant:
        current = [a for a in case.assignments if a.removed_at is None and a.user_id != request.mediator_id]
        for assignment in current:
            unassign_mediator(case, clerk, assignment, reason=reason)
        if request.mediator_id is not None and request.mediator_id not in case.mediator_ids:
            assign_mediator(case, clerk, db.session.get(User, request.mediator_id))
    request.status = "granted" if grant else "refused"
    request.decided_by_id, request.decided_at, request.decision_reason = clerk.id, utcnow(), reason[:2000]
    db.session.flush()
    record("case.mediator_request_decided", actor=clerk, case=case, request_id=request.id,
           decision=request.status, reason=reason)
    requester = db.session.get(User, request.requested_by_id)
    notify(requester, "mediator_request_decided",
           {"url": f"/cases/{case.id}", "decision": str(_("granted") if grant else _("refused")), "reason": reason},
           case=case)
    return request
