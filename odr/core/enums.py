"""Enumerations shared by models, schemas, policy and templates.

Values are the code names from the glossary; labels are translated in odr/core/labels.py.
"""

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    REPRESENTATIVE = "representative"
    GRID_WORKER = "grid_worker"
    CONSULTANT = "consultant"
    MEDIATOR = "mediator"
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


PARTY_ROLES = frozenset({Role.APPLICANT, Role.RESPONDENT, Role.REPRESENTATIVE})
# Roles held through a membership of an organisation.
MEMBER_ROLES = (Role.MEDIATOR, Role.CLERK, Role.CONSULTANT, Role.SUPERVISOR)


class RegionLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


REGION_CHILD_LEVEL = {
    RegionLevel.DISTRICT: RegionLevel.STREET,
    RegionLevel.STREET: RegionLevel.COMMUNITY,
    RegionLevel.COMMUNITY: RegionLevel.GRID,
}


class OrgType(StrEnum):
    PEOPLES_MEDIATION_COMMITTEE = "peoples_mediation_committee"
    PROFESSIONAL_MEDIATION_COMMITTEE = "professional_mediation_committee"
    MEDIATOR_STUDIO = "mediator_studio"
    ADMINISTRATIVE_BODY = "administrative_body"
    COURT = "court"
    ARBITRATION_COMMISSION = "arbitration_commission"


class Category(StrEnum):
    NEIGHBOURHOOD = "neighbourhood"
    FAMILY = "family"
    LABOUR = "labour"
    PROPERTY_MANAGEMENT = "property_management"
    TENANCY = "tenancy"
    CONSUMER = "consumer"
    TRAFFIC = "traffic"
    MEDICAL = "medical"
    CONSTRUCTION = "construction"
    LAND_CONTRACT = "land_contract"
    PRIVATE_LENDING = "private_lending"
    ECOMMERCE = "ecommerce"
    OTHER = "other"


class CaseState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONSULTATION = "consultation"
    EVALUATION = "evaluation"
    AWAITING_RESPONDENT = "awaiting_respondent"
    MEDIATION = "mediation"
    MEDIATION_FAILED = "mediation_failed"
    REFERRAL_OFFERED = "referral_offered"
    REFERRED = "referred"
    SETTLED = "settled"
    CONFIRMATION_REQUESTED = "confirmation_requested"
    CONFIRMED = "confirmed"
    CONFIRMATION_REFUSED = "confirmation_refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


# A case in one of these states is finished: nothing about it may change any more.
FINAL_STATES = frozenset({CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.CLOSED})


class Outcome(StrEnum):
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    RESOLVED_IN_CONSULTATION = "resolved_in_consultation"
    SETTLED = "settled"
    CONFIRMED = "confirmed"
    CONFIRMATION_REFUSED = "confirmation_refused"
    REFERRED = "referred"
    NOT_PURSUED = "not_pursued"


class Side(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    MAJOR = "major"  # 重大纠纷: escalated to supervisors at once
