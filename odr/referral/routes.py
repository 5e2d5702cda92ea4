"""Where a case may be referred: the routes People's Mediation Law Art. 26 names (arbitration, an
administrative body, a court) and a transfer to another mediation organisation, each served by
the bodies of that type that serve the case's region and category, where that data exists.

An organisation that lists no regions (a city-wide arbitration commission) serves every region;
one that lists no categories takes every kind of dispute.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.enums import OrgType
from ..extensions import db
from ..orgs.models import Organisation
from .models import ReferralRoute

ROUTE_TYPES: dict[ReferralRoute, tuple[OrgType, ...]] = {
    ReferralRoute.ARBITRATION: (OrgType.ARBITRATION_COMMISSION,),
    ReferralRoute.COURT: (OrgType.COURT,),
    ReferralRoute.ADMINISTRATIVE: (OrgType.ADMINISTRATIVE_BODY,),
    ReferralRoute.TRANSFER: (
        OrgType.PEOPLES_MEDIATION_COMMITTEE,
        OrgType.PROFESSIONAL_MEDIATION_COMMITTEE,
        OrgType.MEDIATOR_STUDIO,
    ),
}
# The order the routes are offered in (and explained: templates/referral/_routes.html).
ROUTES = tuple(ROUTE_TYPES)
_ROUTE_OF_TYPE = {org_type: route for route, types in ROUTE_TYPES.items() for org_type in types}


def route_of(organisation) -> ReferralRoute | None:
    return _ROUTE_OF_TYPE.get(organisation.type)


def serves(organisation, case) -> bool:
    """Does `organisation` serve the case's region (or one above it) and its category?"""
    regions = organisation.regions_served
    if (regions and case.region is not None
            and not any(case.region.path.startswith(region.path) for region in regions)):
        return False
    categories = organisation.category_codes
    return not categories or case.category in categories


def options(case) -> dict[ReferralRoute, list]:
    """The bodies the case may go to, per route (the case's own organisation left out)."""
    rows = db.session.execute(
        select(Organisation)
        .where(Organisation.active.is_(True), Organisation.type.in_(list(_ROUTE_OF_TYPE)))
        .options(selectinload(Organisation.regions_served))
        .order_by(Organisation.type, Organisation.name, Organisation.id)
    ).scalars().all()
    found: dict[ReferralRoute, list] = {route: [] for route in ROUTES}
    for organisation in rows:
        if organisation.id != case.organisation_id and serves(organisation, case):
            found[route_of(organisation)].append(organisation)
    return found


def target_problem(case, target_id):
    """Why `target_id` cannot receive this case (a translated message), or None."""
    if target_id is None:
        return None
    try:
        organisation = db.session.get(Organisation, int(target_id))
    except (TypeError, ValueError, OverflowError):
        organisation = None
    if organisation is None or not organisation.active:
        return _l("No such organisation.")
    if route_of(organisation) is None:
        return _l("This body does not receive referrals.")
    if organisation.id == case.organisation_id:
        return _l("The case is already with this organisation: choose another body.")
    if not serves(organisation, case):
        return _l("This body does not serve the region or the kind of dispute of this case.")
    return None
