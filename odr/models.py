"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from .auth.models import ApiToken, Invitation, User
from .cases.models import Case, CaseAssignment, Evidence, Party
from .confirmation.models import ConfirmationApplication
from .consultation.models import FaqEntry, Message, Question
from .core.audit import AuditEvent
from .core.models import Counter
from .documents.models import Document, DocumentService
from .evaluation.models import ChecklistTick, EvaluationReport, ExpertNote
from .identity.models import OneTimeCode, PartyIdentity
from .intake.models import GridAssignment, IntakeRecord
from .mediation.models import (
    Agreement,
    AgreementComment,
    AgreementVersion,
    Bid,
    Bidding,
    Proposal,
    RoomMessage,
    Signature,
)
from .mediation.session_models import MediationSession, SessionNotes
from .notifications.models import Notification, OutboxMessage
from .notifications.preferences import NotificationOptOut
from .orgs.models import DeadlineSetting, Membership, Organisation, OrganisationCategory, Region
from .performance.models import FollowUp, Obligation
from .privacy.models import AnonymisationRequest, ServiceSetting
from .referral.models import CaseOrigin, RecordConsent, Referral
from .roster.models import MediatorProfile, MediatorRequest
from .satisfaction.models import Rating
from .statistics.models import CaseStage
from .supervision.models import ClockAlert, Instruction

__all__ = [
    "FaqEntry", "Message", "Question",
    "Agreement", "AgreementComment", "AgreementVersion", "Bid", "Bidding", "Proposal", "Signature",
    "ApiToken", "AuditEvent", "Case", "CaseAssignment", "ChecklistTick", "EvaluationReport", "ExpertNote", "Counter", "DeadlineSetting", "Document", "Evidence", "GridAssignment", "IntakeRecord",
    "Invitation", "Membership", "Notification", "OutboxMessage", "Organisation", "OrganisationCategory", "Party", "Region", "RoomMessage",
    "DocumentService", "User",
    "MediationSession", "SessionNotes",
    "OneTimeCode", "PartyIdentity", "AnonymisationRequest", "ServiceSetting", "MediatorProfile", "MediatorRequest",
    "CaseOrigin", "RecordConsent", "Referral",
    "ClockAlert", "Instruction", "NotificationOptOut",
    "ConfirmationApplication", "FollowUp", "Obligation",
    "Rating", "CaseStage",
]
