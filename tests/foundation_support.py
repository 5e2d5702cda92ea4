"""Helpers shared by the foundation tests (workflow, policy, audit, auth, migrations).

`build_case` puts a case in any state the honest way, through transition(), like
factories.make_case, but filed by the grid worker on behalf of the applicant: then every user
of the world holds at most one role in the case, so a test can say "the clerk may, the
consultant may not" and mean exactly that role.

`extra_app` makes a second application (another database, rate limits on, ...) without
leaving the shared extension objects bound to it afterwards.
"""

from __future__ import annotations

import contextlib
import copy
import re

from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.cases.paths import path_to
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category, PartyKind, Side
from odr.extensions import api, babel, csrf, db, limiter, login_manager, migrate, socketio

REASON = "测试原因 test reason"
# Case role name -> attribute of the world holding it (None: the system, i.e. a scheduled job).
ROLE_HOLDERS = {
    "applicant": "applicant",
    "respondent": "respondent",
    "filer": "grid_worker",
    "mediator": "mediator",
    "clerk": "clerk",
    "consultant": "consultant",
    "supervisor": "supervisor",
    "receiving_clerk": "court_clerk",
    "admin": "admin",
    "system": None,
}


def holder(world, role: str):
    name = ROLE_HOLDERS[role]
    return None if name is None else getattr(world, name)


def build_case(w, state=CaseState.DRAFT, *, respondent=True, link_respondent=True,
               representative=True, mediator=True, facts="公司拖欠三个月工资。Three months' wages unpaid.",
               region=True, respondent_contact=True, choose_court=False, title="拖欠工资 unpaid wages"):
    """A case filed by w.grid_worker for w.applicant, walked to `state` through transition().

    The mediator is assigned as soon as the case is accepted; the court becomes the target when
    the applicant chooses it (before `refer`, or at the end with choose_court) or asks it for
    judicial confirmation.
    """
    case = case_ops.create_case(
        w.grid_worker, category=Category.LABOUR, title=title, facts=facts,
        claims="支付工资 12000 元", claim_amount="12000.00",
        region_id=w.grid.id if region else None, on_behalf=True,
        applicant={"kind": PartyKind.PERSON, "name": "张三", "phone": "13900000001",
                   "user_id": w.applicant.id},
    )
    if respondent:
        party = case_ops.add_party(case, w.grid_worker, side=Side.RESPONDENT, name="某某公司",
                                   phone="13800000000" if respondent_contact else None)
        if link_respondent:
            party.user_id = w.respondent.id
            if representative:
                party.representative_user_id = w.representative.id
    cast = {"applicant": w.applicant, "clerk": w.clerk, "respondent": w.respondent,
            "mediator": w.mediator, "receiving_clerk": w.court_clerk}
    for action, who in path_to(CaseState(state)):
        data = {}
        if action == "refer":
            case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.court.id)
        if action == "request_confirmation":
            # Applied for jointly (odr/confirmation): started by the applicant, joined by the other side.
            from odr.confirmation import operations as confirmation

            confirmation.start(case, w.applicant, w.court.id)
            if link_respondent:
                confirmation.join(case, w.respondent)
            else:
                confirmation.file_written(case, w.clerk, w.court.id, note=REASON)
            continue
        case_ops.transition(case, action, cast[who], reason=REASON, **data)
        if case.state == CaseState.ACCEPTED and mediator:
            # Assigned early, so that the mediator holds a role from evaluation on.
            case_ops.assign_mediator(case, w.clerk, w.mediator)
    if choose_court:
        case_ops.transition(case, "choose_referral", w.applicant, target_organisation_id=w.court.id)
    db.session.flush()
    return case


def snapshot(case) -> dict:
    """Everything about a case an operation could change, read fresh from the database."""
    db.session.flush()  # what the object holds is then what the database holds
    return {
        "state": case.state,
        "outcome": case.outcome,
        "version": case.version,
        "title": case.title,
        "facts": case.facts,
        "risk": case.risk_level,
        "deadline": case.state_deadline,
        "closed_at": case.closed_at,
        "settled_at": case.settled_at,
        "organisation": case.organisation_id,
        "target": case.target_organisation_id,
        "parties": [(p.id, p.side, p.name, p.user_id, p.representative_user_id) for p in case.parties],
        "evidence": [e.id for e in case.evidence],
        "mediators": sorted(case.mediator_ids),
        "audit": audit_count(case_id=case.id),
    }


def audit_count(action: str | None = None, case_id: int | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return db.session.execute(query).scalar_one()


def last_event(action: str, case_id: int | None = None) -> AuditEvent | None:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if case_id is not None:
        query = query.where(AuditEvent.case_id == case_id)
    return db.session.execute(query.order_by(AuditEvent.id.desc()).limit(1)).scalar()


# The extension objects are module globals: create_app() binds them to the newest app.
_EXTENSIONS = (api, babel, csrf, db, limiter, login_manager, migrate, socketio)


@contextlib.contextmanager
def extra_app(base_app, **config):
    """A second app with `config` on top of the test app's settings; the globals are restored after.

    Flask-Limiter keeps `enabled` and its storage on the Limiter object, flask-smorest and
    Flask-SocketIO keep the app they were last given: without the restore, a rate-limited
    second app would rate-limit the rest of the test session too.
    """
    from odr import create_app

    saved = [(ext, copy.copy(vars(ext))) for ext in _EXTENSIONS]
    settings = {key: base_app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "STORAGE_DIR", "SECRET_KEY", "WTF_CSRF_ENABLED",
        "RATELIMIT_ENABLED", "SERVER_NAME")}
    settings.update(config)
    app = None
    try:
        app = create_app(settings)
        yield app
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # its own pool: close it rather than leave it to the collector
        for ext, state in saved:
            vars(ext).clear()
            vars(ext).update(state)


# Room tests still import the cleanup from here; it lives in conftest for every module now.
from .conftest import _clean_database, delete_everything  # noqa: E402, F401


def shows(figure: str, text: str) -> bool:
    """Does `text` show the amount `figure` (as 7313, 7313.00 or 7,313)? A figure that only
    happens to sit inside a hex hash or a random token does not count: those are not amounts."""
    digits = figure if len(figure) <= 3 else f"(?:{figure}|{figure[:-3]},{figure[-3:]})"
    return re.search(rf"(?<![0-9A-Za-z_-]){digits}(?![0-9A-Za-z_-])", text) is not None
