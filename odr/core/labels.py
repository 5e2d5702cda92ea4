"""Translated names for code values (states, roles, categories...), used by pages, API and PDFs."""

from __future__ import annotations

from enum import Enum

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LABELS: dict[str, object] = {
    # Case states
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "consultation": _l("Consultation"),
    "evaluation": _l("Evaluation"),
    "awaiting_respondent": _l("Waiting for the other party"),
    "mediation": _l("Mediation"),
    "mediation_failed": _l("Mediation failed"),
    "referral_offered": _l("Referral offered"),
    "referred": _l("Referred"),
    "settled": _l("Settled"),
    "confirmation_requested": _l("Judicial confirmation requested"),
    "confirmed": _l("Judicially confirmed"),
    "confirmation_refused": _l("Confirmation refused"),
    "withdrawn": _l("Withdrawn"),
    "closed": _l("Closed"),
    # Roles
    "applicant": _l("Applicant"),
    "respondent": _l("Respondent"),
    "representative": _l("Representative"),
    "grid_worker": _l("Grid worker"),
    "consultant": _l("Consultant"),
    "mediator": _l("Mediator"),
    "clerk": _l("Clerk"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
    # Categories
    "neighbourhood": _l("Neighbourhood"),
    "family": _l("Marriage and family"),
    "labour": _l("Labour and unpaid wages"),
    "property_management": _l("Property management"),
    "tenancy": _l("Tenancy"),
    "consumer": _l("Consumer"),
    "traffic": _l("Traffic accident"),
    "medical": _l("Medical"),
    "construction": _l("Construction"),
    "land_contract": _l("Land contract"),
    "private_lending": _l("Private lending"),
    "ecommerce": _l("E-commerce"),
    "other": _l("Other"),
    # Organisation types
    "peoples_mediation_committee": _l("People's mediation committee"),
    "professional_mediation_committee": _l("Professional mediation committee"),
    "mediator_studio": _l("Mediator studio"),
    "administrative_body": _l("Administrative mediation body"),
    "court": _l("Court"),
    "arbitration_commission": _l("Arbitration commission"),
    # Region levels
    "district": _l("District"),
    "street": _l("Street"),
    "community": _l("Community"),
    "grid": _l("Grid"),
    # Risk
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "major": _l("Major (early warning)"),
    # Outcomes
    "resolved_in_consultation": _l("Resolved in consultation"),
    "not_pursued": _l("Referral not pursued"),
    # Party kinds
    "person": _l("Person"),
    "organisation": _l("Organisation"),
}


def label(value) -> str:
    if value is None:
        return ""
    key = value.value if isinstance(value, Enum) else str(value)
    text = LABELS.get(key)
    if text is None:
        return key
    if not has_request_context():
        return str(text)
    # A list page asks for the same few labels hundreds of times; translate each once per
    # request and language (force_locale may switch the language inside a request).
    cache = g.__dict__.setdefault("_odr_labels", {})
    cache_key = (str(get_locale()), key)
    if cache_key not in cache:
        cache[cache_key] = str(text)
    return cache[cache_key]
