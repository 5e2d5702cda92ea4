"""What the case page shows to one viewer. The policy decides; the template gets the decisions."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import format_currency, format_date, format_decimal
from sqlalchemy import select

from ..core.enums import OrgType, Side
from ..core.i18n import localized_name
from ..core.policy import PARTY_SIDES, allowed_transitions, can, case_roles, works_the_case
from ..extensions import db
from ..orgs.models import Organisation, Region
from .dashboard import is_overdue
from .forms import EvidenceForm


def sees_contact(roles: frozenset[str], party) -> bool:
    """A party sees the other side's name only; their own side's details and staff see all."""
    sides = roles & PARTY_SIDES
    return not sides or party.side.value in sides


@dataclass
class Step:
    """A workflow action the viewer may take now, with what a failed attempt left in its form."""

    action: str
    label: str
    needs_reason: bool
    targets: list[tuple[int, str]] | None
    reason: str = ""
    target: int = 0
    errors: list = field(default_factory=list)
    reason_errors: list = field(default_factory=list)
    target_errors: list = field(default_factory=list)


def _target_choices(case, transition) -> list[tuple[int, str]]:
    query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.type, Organisation.name)
    if case.organisation_id is not None:
        query = query.where(Organisation.id != case.organisation_id)
    if transition.action == "request_confirmation":
        query = query.where(Organisation.type == OrgType.COURT)
    return [(org.id, localized_name(org)) for org in db.session.execute(query).scalars()]


def steps_for(case, user, step_form=None) -> list[Step]:
    steps = []
    for transition in allowed_transitions(user, case):
        if transition.own_form or (transition.only_when_ready and transition.guard(case, {})):
            continue
        takes_target = "target_organisation_id" in transition.takes
        step = Step(
            action=transition.action,
            label=str(transition.label),
            needs_reason=transition.needs_reason,
            targets=_target_choices(case, transition) if takes_target else None,
            target=case.target_organisation_id or 0,
        )
        if step_form is not None and step_form.action.data == transition.action:
            step.reason = step_form.reason.data or ""
            step.target = step_form.target_organisation_id.data or step.target
            step.errors = list(step_form.form_errors)
            step.reason_errors = list(step_form.reason.errors)
            step.target_errors = list(step_form.target_organisation_id.errors)
        steps.append(step)
    return steps


def case_page_context(case, user, *, step_form=None, evidence_form=None, **intake_forms) -> dict:
    from .timeline import case_timeline

    roles = case_roles(user, case)
    own_sides = [side for side in Side if side.value in roles]
    can_upload = can(user, "case.evidence.upload", case)
    return {
        "case": case,
        "overdue": is_overdue(case),
        "parties": [(party, sees_contact(roles, party)) for party in case.parties],
        "sees_internal": works_the_case(roles),
        "mediators": [a.user for a in case.assignments if a.removed_at is None],
        "evidence": [item for item in case.evidence if can(user, "evidence.download", item)],
        "evidence_form": evidence_form or (EvidenceForm(formdata=None) if can_upload else None),
        "can_upload": can_upload,
        # Private material belongs to one side: offered only to someone who is on exactly one.
        "private_side": own_sides[0] if len(own_sides) == 1 else None,
        "can_add_party": can(user, "case.party.add", case),
        "steps": steps_for(case, user, step_form),
        "timeline": case_timeline(case, user),
        "documents_url": _documents_url(case, user),
        **_intake_forms(case, user, intake_forms),
    }


def _intake_forms(case, user, forms: dict) -> dict:
    """Re-route and risk forms (odr/intake), when that blueprint is registered."""
    if "intake.reroute" not in current_app.view_functions:
        return {"reroute_form": None, "risk_form": None}
    from ..intake.views import case_page_forms

    return case_page_forms(case, user, **forms)


def _documents_url(case, user) -> str | None:
    """The case's documents page (odr/documents), when that page exists and the user may see it."""
    if "documents.case_documents" not in current_app.view_functions:
        return None
    if not can(user, "case.document.view", case):
        return None
    return url_for("documents.case_documents", case_id=case.id)


def region_choices() -> list[tuple[int, str]]:
    """Every region as "district › street › community › grid", in tree order."""
    regions = db.session.execute(select(Region).order_by(Region.path)).scalars().all()

    def full_name(region):
        names = []
        while region is not None:
            names.append(localized_name(region))
            region = region.parent
        return " › ".join(reversed(names))

    return [(region.id, full_name(region)) for region in regions]


# Template filters, registered by the blueprint.
def day(value) -> str:
    return format_date(value, "medium") if value else ""


def money(amount, currency="CNY") -> str:
    return format_currency(amount, currency or "CNY") if amount is not None else ""


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(size / 1024, '#,##0.#')} KB"
    return f"{format_decimal(size / 1024 / 1024, '#,##0.#')} MB"
