"""Satisfaction ratings: asking after closure, rating, alerting a supervisor about a low one.

Decisions (docs/statistics.md):
- Only parties with an account can rate (a Party row linked to a user, or its representative);
  one rating per party per case, and it is final once given: a score that could be changed later
  could also be talked into changing, and then it would no longer be a fact about the service.
- Only closed cases (state `closed`) are rated: a rejected or withdrawn case had no process to rate.
- A score of 2 or less, for the process or the mediator, alerts the supervisors of the case's
  organisation, or of the nearest organisation above it that has supervisors.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import User
from ..cases.models import Case, Party
from ..cases.operations import after_step
from ..core.audit import record
from ..core.enums import CaseState, Role
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..extensions import db
from ..notifications.operations import notify
from ..orgs.models import Membership, Organisation
from . import texts  # noqa: F401 (registers the notification kinds)
from .models import HIGHEST, LOW_SCORE, LOWEST, Rating

MAX_COMMENT = 2000


def rating_url(case) -> str:
    return f"/cases/{case.id}/rating"


def ratings_url(case) -> str:
    return f"/cases/{case.id}/ratings"


def parties_of(user, case: Case) -> list[Party]:
    """The parties this user speaks for in this case (their own, or as representative)."""
    return [p for p in case.parties if user.id in (p.user_id, p.representative_user_id)]


def ratings(case: Case) -> list[Rating]:
    return list(db.session.scalars(select(Rating).where(Rating.case_id == case.id).order_by(Rating.id)))


def own_ratings(case: Case, user) -> list[Rating]:
    party_ids = [p.id for p in parties_of(user, case)]
    return [r for r in ratings(case) if r.party_id in party_ids]


def unrated_party(case: Case, user) -> Party | None:
    """The first party this user speaks for that has not rated yet."""
    rated = {r.party_id for r in ratings(case)}
    return next((p for p in parties_of(user, case) if p.id not in rated), None)


def case_mediator_id(case: Case) -> int | None:
    """The mediator the parties rate: the one assigned most recently and still on the case
    (or, if none is on it any more, the last one who was)."""
    assignments = sorted(case.assignments, key=lambda a: (a.assigned_at, a.id))
    current = [a for a in assignments if a.removed_at is None and a.is_effective]
    chosen = (current or assignments)[-1:]
    return chosen[0].user_id if chosen else None


def _score(value, name: str, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            message = _("Choose a score from 1 to 5.")
            raise ValidationFailed(message, fields={name: [message]})
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not LOWEST <= number <= HIGHEST or str(value).strip() not in {str(number)}:
        message = _("A score is a whole number from 1 to 5.")
        raise ValidationFailed(message, fields={name: [message]})
    return number


def rate(case: Case, user, *, process_score, mediator_score=None, comment: str = "") -> Rating:
    """Record this user's rating for the party they speak for. The caller has authorised
    `case.rate` (a party of a closed case) and commits."""
    if case.state != CaseState.CLOSED:
        raise Conflict(_("Only a closed case can be rated."), code="not_closed")
    if not parties_of(user, case):
        raise NotAllowed(_("Only the parties can rate a case."))
    party = unrated_party(case, user)
    if party is None:
        raise Conflict(_("You have already rated this case; a rating cannot be changed."),
                       code="already_rated")
    mediator_id = case_mediator_id(case)
    process = _score(process_score, "process_score", required=True)
    mediator = _score(mediator_score, "mediator_score", required=mediator_id is not None)
    if mediator_id is None:
        mediator = None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        message = _("At most %(n)d characters.", n=MAX_COMMENT)
        raise ValidationFailed(message, fields={"comment": [message]})
    rating = Rating(case_id=case.id, party_id=party.id, user_id=user.id, mediator_id=mediator_id,
                    process_score=process, mediator_score=mediator, comment=comment)
    db.session.add(rating)
    db.session.flush()
    # The scores are facts for the record; the comment stays in the ratings table only.
    record("satisfaction.rated", actor=user, case=case, rating_id=rating.id, party_id=party.id,
           process_score=process, mediator_score=mediator, mediator_id=mediator_id)
    if rating.low:
        alert_supervisors(case, rating)
    return rating


def supervisors_for(organisation: Organisation | None) -> list:
    """The supervisors of this organisation, or of the nearest one above it that has any."""
    if organisation is None:
        return []
    chain = [int(part) for part in organisation.path.strip("/").split("/") if part]
    rows = db.session.execute(
        select(Membership.organisation_id, Membership.user_id)
        .where(Membership.role == Role.SUPERVISOR, Membership.organisation_id.in_(chain))
    ).all()
    for org_id in reversed(chain):
        user_ids = sorted({r.user_id for r in rows if r.organisation_id == org_id})
        if user_ids:
            users = db.session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True)))
            return sorted(users, key=lambda u: u.id)
    return []


def alert_supervisors(case: Case, rating: Rating) -> list:
    rows = []
    for supervisor in supervisors_for(case.organisation):
        rows += notify(supervisor, "satisfaction_low", {
            "url": ratings_url(case), "process": rating.process_score,
            "mediator_score": rating.mediator_score if rating.mediator_score is not None else "-",
        }, case=case)
    return rows


@after_step("close", "resolve")
def ask_for_ratings(case: Case, actor, **_):
    """Every party with an account (or their representative) is asked to rate the closed case."""
    if case.state != CaseState.CLOSED:
        return
    asked = set()
    for party in case.parties:
        for user in (party.user_id, party.representative_user_id):
            if user is None or user in asked:
                continue
            asked.add(user)
            person = db.session.get(User, user)
            if person is not None and person.active:
                notify(person, "satisfaction_request", {"url": rating_url(case)}, case=case)


__all__ = ["LOW_SCORE", "rate", "ratings", "own_ratings", "ask_for_ratings"]
