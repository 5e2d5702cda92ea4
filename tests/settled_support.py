"""A case settled the honest way for the confirmation and performance tests: an offer with
instalments accepted in mediation, the agreement drafted, locked and signed by everyone (which
settles the case, issues the agreement paper and starts tracking the instalments)."""

from __future__ import annotations

from datetime import timedelta

from odr.core.enums import CaseState
from odr.core.models import utcnow
from odr.extensions import db
from odr.mediation import agreement as agreements
from odr.mediation import proposals

from .factories import PASSWORD, make_case


def instalment_dates(*days_ahead: int) -> list:
    today = utcnow().date()
    return [today + timedelta(days=n) for n in days_ahead]


def settle(world, *, instalments=((3000, 10), (3000, 40)), case=None):
    """`instalments`: (amount, days from today) pairs; the respondent pays the applicant."""
    case = case or make_case(world, CaseState.MEDIATION)
    total = sum(amount for amount, _ in instalments)
    offer = proposals.create(case, world.respondent, amount=str(total), instalments=[
        {"amount": str(amount), "due_date": utcnow().date() + timedelta(days=days)}
        for amount, days in instalments])
    proposals.accept(case, world.applicant, offer)
    agreement = agreements.create(case, world.mediator, {"performance": "按期转账 / by bank transfer"})
    agreements.lock(case, world.mediator, agreement, expected_version=1)
    for user in (world.applicant, world.respondent, world.mediator):
        agreements.sign(case, user, agreement, password=PASSWORD, typed_signature=user.name,
                        sha256=agreement.text_sha256)
    assert case.state == CaseState.SETTLED
    db.session.commit()
    return case
