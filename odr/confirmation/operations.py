"""Judicial confirmation (司法确认): the joint application, the court's review and ruling.

    start(case, party, court_id)        one side starts the joint application (case stays settled)
    join(case, party)                   the other side joins: the application is filed
    file_written(case, clerk, ...)      or the committee's clerk files the parties' joint written
                                        application (with a note, and the scan as evidence)
    decide(case, court_clerk, ...)      the court's clerk confirms or refuses, with reasons

Filing takes the workflow step `request_confirmation` (its guard asks joint_problem() here, so
no single party can take the step alone), issues the application paper (司法确认申请书) when the
agreement paper exists, and tells the court's clerks. The ruling takes `confirm` or
`refuse_confirmation` and issues the ruling paper (民事裁定书). People's Mediation Law Art. 33 and
Civil Procedure Law Arts. 205-206: jointly, within 30 days of the agreement taking effect; the
court confirms or dismisses. Like every operation: check, act, flush, audit; the caller commits.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import User
from ..cases import operations as case_ops
from ..cases.models import Case, Evidence
from ..core.audit import record
from ..core.enums import CaseState, OrgType, Role, Side
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.i18n import localized_name
from ..core.models import utcnow
from ..core.policy import case_roles
from ..extensions import db
from ..notifications.operations import Contact, notify
from ..orgs.models import Membership, Organisation
from . import texts  # noqa: F401 (registers the notification kinds)
from .models import ApplicationStatus, ConfirmationApplication
from .paper import application_of

WINDOW_DAYS = 30  # People's Mediation Law Art. 33; Civil Procedure Law Art. 205
MAX_REASONS = 4000
MAX_NOTE = 500


def case_url(case) -> str:
    return f"/cases/{case.id}"


def deadline_of(case):
    """The last moment to apply: 30 days from the agreement taking effect (the settlement)."""
    return case.settled_at + timedelta(days=WINDOW_DAYS) if case.settled_at else None


def joint_problem(case):
    """For the workflow guard of `request_confirmation`: None when the parties have applied
    jointly (both joined, or their joint written application was filed by the clerk)."""
    application = application_of(case)
    if application is None or not application.is_joint:
        return _("Both parties must apply together: one starts the application, the other joins it.")
    return None


def _check_window(case) -> None:
    if case.state != CaseState.SETTLED:
        raise Conflict(_("Judicial confirmation can only be applied for after a settlement."),
                       code="not_settled")
    deadline = deadline_of(case)
    if deadline is not None and utcnow() > deadline:
        raise ValidationFailed(_("The 30 days for applying for judicial confirmation have passed."),
                               code="window_passed")


def _court(court_id) -> Organisation:
    court = db.session.get(Organisation, court_id) if isinstance(court_id, int) else None
    if court is None or not court.active or court.type != OrgType.COURT:
        message = _("Choose the court that is to confirm the agreement.")
        raise ValidationFailed(message, fields={"court_id": [message]})
    return court


def _party_side(user, case) -> Side:
    sides = [side for side in Side if side.value in case_roles(user, case)]
    if len(sides) != 1:
        raise NotAllowed(_("Only the parties apply for judicial confirmation."))
    return sides[0]


def _join_side(application: ConfirmationApplication, side: Side, user) -> None:
    now = utcnow()
    if side == Side.APPLICANT:
        application.applicant_joined_by_id, application.applicant_joined_at = user.id, now
    else:
        application.respondent_joined_by_id, application.respondent_joined_at = user.id, now


def _users_of(case, side: Side) -> list:
    """Who speaks for a side: their accounts, or their addresses when they have none."""
    people = []
    for party in case.parties_on(side):
        ids = [i for i in (party.user_id, party.representative_user_id) if i]
        if ids:
            people.extend(db.session.get(User, i) for i in ids)
        elif party.email or party.phone:
            people.append(Contact(name=party.name, email=party.email, phone=party.phone))
    return people


def _court_clerks(court: Organisation) -> list:
    return list(db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.role == Role.CLERK, User.active.is_(True),
               Organisation.path.in_(_ancestor_paths(court)))
    ).scalars().unique())


def _ancestor_paths(org: Organisation) -> list[str]:
    parts = [p for p in org.path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def start(case: Case, user, court_id) -> ConfirmationApplication:
    """One side starts the joint application, naming the court; the other side is asked to join."""
    _check_window(case)
    side = _party_side(user, case)
    court = _court(court_id)
    application = application_of(case)
    if application is not None:
        raise Conflict(_("An application for judicial confirmation has already been started: join it."),
                       code="application_exists")
    application = ConfirmationApplication(case_id=case.id, court_id=court.id, court=court,
                                          status=ApplicationStatus.OPEN, started_by_id=user.id,
                                          started_side=side)
    _join_side(application, side, user)
    db.session.add(application)
    db.session.flush()
    record("confirmation.started", actor=user, case=case, application_id=application.id, side=side,
           court_id=court.id)
    other = Side.RESPONDENT if side == Side.APPLICANT else Side.APPLICANT
    for person in _users_of(case, other):
        with force_locale(getattr(person, "locale", None) or case.language or "zh_CN"):
            court_name = localized_name(court)
        notify(person, "confirmation_join", {"court": court_name, "deadline": deadline_of(case),
                                             "url": case_url(case)}, case=case)
    return application


def join(case: Case, user) -> ConfirmationApplication:
    """The other side joins the application; with both sides on it, it is filed with the court."""
    _check_window(case)
    side = _party_side(user, case)
    application = application_of(case)
    if application is None or application.status != ApplicationStatus.OPEN:
        raise Conflict(_("There is no application waiting for you to join."), code="no_open_application")
    if application.joined(side):
        raise Conflict(_("Your side has already joined the application."), code="already_joined")
    _join_side(application, side, user)
    db.session.flush()
    record("confirmation.joined", actor=user, case=case, application_id=application.id, side=side)
    _file(case, application, user)
    return application


def file_written(case: Case, clerk, court_id, *, note: str, evidence_id=None) -> ConfirmationApplication:
    """The committee's clerk files the parties' joint written application (e.g. signed on paper at
    the committee): a note saying so is required, the scan may be attached as evidence."""
    _check_window(case)
    court = _court(court_id)
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        message = _("Say how the parties applied jointly (at most %(n)d characters).", n=MAX_NOTE)
        raise ValidationFailed(message, fields={"note": [message]})
    evidence = None
    if evidence_id is not None:
        evidence = db.session.get(Evidence, evidence_id) if isinstance(evidence_id, int) else None
        if evidence is None or evidence.case_id != case.id or evidence.private_to_side is not None:
            message = _("Choose a file of this case that both sides can see.")
            raise ValidationFailed(message, fields={"evidence_id": [message]})
    application = application_of(case)
    if application is not None and application.status != ApplicationStatus.OPEN:
        raise Conflict(_("The application has already been filed."), code="already_filed")
    if application is None:
        application = ConfirmationApplication(case_id=case.id, started_by_id=clerk.id, started_side=None,
                                              status=ApplicationStatus.OPEN)
        db.session.add(application)
    application.court_id, application.court = court.id, court
    application.filed_by_clerk_id = clerk.id
    application.written_note = note
    application.evidence_id = evidence.id if evidence is not None else None
    db.session.flush()
    record("confirmation.written_application", actor=clerk, case=case, application_id=application.id,
           court_id=court.id, evidence_id=application.evidence_id)
    _file(case, application, clerk)
    return application


def _file(case: Case, application: ConfirmationApplication, actor) -> None:
    from ..documents.case_papers import confirmation_not_ready
    from ..documents.models import DocumentType
    from ..documents.operations import issue_document
    from ..mediation.agreement import lang_of

    application.status = ApplicationStatus.FILED
    application.filed_at = utcnow()
    db.session.flush()
    case_ops.transition(case, "request_confirmation", actor, target_organisation_id=application.court_id)
    record("confirmation.filed", actor=actor, case=case, application_id=application.id,
           court_id=application.court_id)
    # The paper the court receives; for an agreement made on paper or orally (no issued agreement
    # paper) the clerk issues it once the agreement is on file.
    if confirmation_not_ready(case) is None:
        issue_document(case, DocumentType.CONFIRMATION_APPLICATION, actor, lang_of(case))
    recipients = _court_clerks(application.court) + _users_of(case, Side.APPLICANT) + _users_of(case, Side.RESPONDENT)
    for person in recipients:
        with force_locale(getattr(person, "locale", None) or case.language or "zh_CN"):
            court_name = localized_name(application.court)
        notify(person, "confirmation_filed", {"court": court_name, "url": case_url(case)}, case=case)


def decide(case: Case, clerk, *, confirmed: bool, reasons: str) -> tuple:
    """The court's clerk records the court's ruling: the agreement confirmed as valid, or the
    application dismissed. Reasons are required either way; the ruling paper is issued."""
    from ..documents.models import DocumentType
    from ..documents.operations import issue_document
    from ..mediation.agreement import lang_of

    application = application_of(case)
    if case.state != CaseState.CONFIRMATION_REQUESTED or application is None \
            or application.status != ApplicationStatus.FILED:
        raise Conflict(_("There is no application for judicial confirmation to decide."), code="nothing_to_decide")
    reasons = (reasons or "").strip()
    if not reasons or len(reasons) > MAX_REASONS:
        message = _("Give the reasons for the decision (at most %(n)d characters).", n=MAX_REASONS)
        raise ValidationFailed(message, fields={"reasons": [message]})
    case_ops.transition(case, "confirm" if confirmed else "refuse_confirmation", clerk, reason=reasons)
    application.status = ApplicationStatus.CONFIRMED if confirmed else ApplicationStatus.REFUSED
    application.decided_by_id = clerk.id
    application.decided_at = utcnow()
    application.reasons = reasons
    db.session.flush()
    record("confirmation.decided", actor=clerk, case=case, application_id=application.id,
           confirmed=confirmed)
    document = issue_document(case, DocumentType.CONFIRMATION_RULING, clerk, lang_of(case))
    staff = [a.user for a in case.assignments if a.removed_at is None]
    for person in _users_of(case, Side.APPLICANT) + _users_of(case, Side.RESPONDENT) + staff:
        with force_locale(getattr(person, "locale", None) or case.language or "zh_CN"):
            court_name = localized_name(application.court)
            decision = (_("the agreement is confirmed as valid; if a party does not perform it, the "
                          "other may apply to the court for enforcement.") if confirmed else
                        _("the application is dismissed; the parties may change the agreement or reach "
                          "a new one through mediation, or sue."))
        notify(person, "confirmation_decided", {"court": court_name, "decision": decision, "reason": reasons,
                                                "url": f"/cases/{case.id}/documents"}, case=case)
    return application, document


def inbox(user, *, status: ApplicationStatus | None = ApplicationStatus.FILED) -> list[ConfirmationApplication]:
    """The applications filed with the courts where `user` is a clerk (or a court below them)."""
    paths = [m.organisation.path for m in user.memberships if m.role == Role.CLERK]
    if not paths:
        return []
    from sqlalchemy import or_

    courts = select(Organisation.id).where(or_(*[Organisation.path.startswith(p) for p in paths]),
                                           Organisation.type == OrgType.COURT)
    query = (select(ConfirmationApplication)
             .where(ConfirmationApplication.court_id.in_(courts),
                    ConfirmationApplication.status != ApplicationStatus.OPEN)
             .order_by(ConfirmationApplication.filed_at.desc(), ConfirmationApplication.id.desc()))
    if status is not None:
        query = query.where(ConfirmationApplication.status == status)
    return list(db.session.execute(query).scalars())


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _rulings(case_ids) -> dict:
    from ..documents.models import Document, DocumentType

    if not case_ids:
        return {}
    rows = db.session.execute(
        select(Document).where(Document.case_id.in_(case_ids), Document.type == DocumentType.CONFIRMATION_RULING,
                               Document.superseded_by_id.is_(None)).order_by(Document.id)
    ).scalars()
    found: dict = {}
    for document in rows:
        found.setdefault(document.case_id, document)
    return found


def application_payloads(applications) -> list[dict]:
    """Several applications in three queries (the cases and the rulings loaded at once)."""
    ids = [a.case_id for a in applications]
    cases = {c.id: c for c in db.session.execute(select(Case).where(Case.id.in_(ids))).scalars()} if ids else {}
    rulings = _rulings(ids)
    return [application_payload(a, cases[a.case_id], rulings.get(a.case_id), with_ruling=False) for a in applications]


def application_payload(application: ConfirmationApplication, case=None, ruling=None, *, with_ruling=True) -> dict:
    from ..documents.codes import grouped

    case = case or db.session.get(Case, application.case_id)
    if with_ruling:
        ruling = _rulings([application.case_id]).get(application.case_id)
    return {
        "id": application.id, "case_id": application.case_id, "case_reference": case.reference,
        "title": case.title,
        "court": {"id": application.court_id, "name": localized_name(application.court)},
        "status": application.status.value,
        "started_side": application.started_side.value if application.started_side else None,
        "applicant_joined_at": _time(application.applicant_joined_at),
        "respondent_joined_at": _time(application.respondent_joined_at),
        "written": application.filed_by_clerk_id is not None, "written_note": application.written_note,
        "evidence_id": application.evidence_id, "filed_at": _time(application.filed_at),
        "deadline": _time(deadline_of(case)), "decided_at": _time(application.decided_at),
        "reasons": application.reasons,
        "ruling": None if ruling is None else {"document_id": ruling.id, "code": grouped(ruling.verification_code),
                                              "lang": ruling.lang},
    }
