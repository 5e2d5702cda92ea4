"""The later case papers: mediation record, application for judicial confirmation, referral
letter and proof of service. Each has its `not_ready(case)` and its builder of plain data; the
`Paper` entries are in data.PAPERS.

A paper's fixed words live in its template; the few words that depend on facts (steps of the
case, service methods) are here, in both languages, because they are printed, not shown.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.audit import AuditEvent
from ..core.enums import CaseState
from ..extensions import db
from . import wording
from .codes import grouped
from .models import Document, DocumentService, DocumentType

# States in which a mediation has taken place (or is taking place).
MEDIATED_STATES = frozenset({
    CaseState.MEDIATION, CaseState.MEDIATION_FAILED, CaseState.SETTLED,
    CaseState.CONFIRMATION_REQUESTED, CaseState.CONFIRMED, CaseState.CONFIRMATION_REFUSED,
})
REFERRAL_STATES = frozenset({CaseState.REFERRAL_OFFERED, CaseState.REFERRED})
CONFIRMATION_STATES = frozenset({CaseState.SETTLED, CaseState.CONFIRMATION_REQUESTED})
# People's Mediation Law Art. 33, Civil Procedure Law Art. 205: within 30 days of the agreement
# taking effect.
CONFIRMATION_DAYS = 30
MAX_RECORD_CHARS = 20000

# Steps of the case as a paper tells them.
STEP_WORDS = {
    "zh_CN": {
        "submit": "当事人提交调解申请", "accept": "调解组织受理", "start_consultation": "开始咨询",
        "evaluate": "进入评估", "invite_respondent": "邀请对方当事人参加调解",
        "consent": "对方当事人同意调解", "decline": "对方当事人拒绝调解",
        "consent_expired": "对方当事人逾期未答复", "settle": "达成调解协议",
        "fail": "调解员终止调解", "end_mediation": "当事人要求终止调解",
        "offer_referral": "告知当事人其他解决途径", "choose_referral": "选定移送机关",
        "refer": "接收机关接收案件", "return_referral": "接收机关退回案件",
        "request_confirmation": "申请司法确认",
    },
    "en": {
        "submit": "the application was submitted", "accept": "the case was accepted",
        "start_consultation": "consultation began", "evaluate": "evaluation began",
        "invite_respondent": "the other party was invited to mediation",
        "consent": "the other party agreed to mediation", "decline": "the other party declined mediation",
        "consent_expired": "the other party did not answer by the deadline",
        "settle": "an agreement was reached", "fail": "the mediator ended the mediation",
        "end_mediation": "a party asked to end the mediation",
        "offer_referral": "the parties were told of other ways to resolve the dispute",
        "choose_referral": "the receiving body was chosen", "refer": "the receiving body took the case",
        "return_referral": "the receiving body returned the case",
        "request_confirmation": "judicial confirmation was applied for",
    },
}
# Why mediation ended, when the step itself is the reason (no reason was typed).
ENDED_WITHOUT_REASON = {
    "zh_CN": {"consent_expired": "对方当事人在规定期限内未答复是否同意调解，视为拒绝调解。"},
    "en": {"consent_expired": "The other party did not say by the deadline whether it agreed to "
                              "mediation, which counts as refusing it."},
}
ENDING_STEPS = ("fail", "end_mediation", "decline", "consent_expired", "refuse_confirmation")

SERVICE_METHODS = {
    "zh_CN": {"electronic": "电子送达（当事人在线打开文书）", "in_person": "直接送达", "post": "邮寄送达"},
    "en": {"electronic": "electronic service (opened online by the recipient)",
           "in_person": "personal service", "post": "service by post"},
}


def _transitions(case) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action == "case.transition")
        .order_by(AuditEvent.id)
    ).scalars())


def _current(case, doc_type: DocumentType) -> list[Document]:
    return list(db.session.execute(
        select(Document).where(Document.case_id == case.id, Document.type == doc_type,
                               Document.superseded_by_id.is_(None))
        .order_by(Document.lang)
    ).scalars())


# ---- 调解笔录 mediation record ------------------------------------------------------------------

def record_not_ready(case):
    if case.state not in MEDIATED_STATES:
        return _l("The mediation has not started.")
    if not case.mediator_ids:
        return _l("No mediator is assigned.")
    return None


def _sessions(case, lang: str) -> list[dict]:
    """The days on which the joint room was used: first and last message, how many."""
    from .data import local_time, time_text

    try:
        from ..mediation.models import Channel, RoomMessage
    except ImportError:  # pragma: no cover - the rooms are part of the service
        return []
    rows = db.session.execute(
        select(RoomMessage.created_at).where(RoomMessage.case_id == case.id,
                                             RoomMessage.channel == Channel.JOINT)
        .order_by(RoomMessage.created_at)
    ).scalars().all()
    days: dict = {}
    for moment in rows:
        days.setdefault(local_time(moment).date(), []).append(moment)
    return [
        {"start": time_text(moments[0], lang), "end": time_text(moments[-1], lang)[-5:],
         "messages": len(moments)}
        for moments in days.values()
    ]


def build_record(case, lang: str, details: dict) -> dict:
    from .data import date_text

    text = (details.get("record") or "").strip()
    steps = [
        {"on": date_text(event.created_at, lang),
         "text": STEP_WORDS[lang].get(event.payload.get("step"), "")}
        for event in _transitions(case)
    ]
    representatives = [p.representative_name for p in case.parties if p.representative_name]
    return {
        "record": {
            "text": text[:MAX_RECORD_CHARS],
            "place": "线上（在线纠纷多元化解平台）" if lang == "zh_CN" else "Online (dispute resolution platform)",
            "steps": [s for s in steps if s["text"]],
            "sessions": _sessions(case, lang),
            "representatives": representatives,
        }
    }


def record_details_problem(case, details: dict):
    text = (details.get("record") or "").strip()
    if not text:
        return _l("Write what was discussed: the record is printed as you enter it.")
    if len(text) > MAX_RECORD_CHARS:
        return _l("The record is too long (at most 20,000 characters).")
    return None


# ---- 司法确认申请书 application for judicial confirmation ----------------------------------------

def confirmation_not_ready(case):
    if case.state not in CONFIRMATION_STATES:
        return _l("Judicial confirmation can only be applied for after a settlement.")
    if case.target_organisation is None:
        return _l("Choose the court first.")
    if not _current(case, DocumentType.SETTLEMENT_AGREEMENT):
        return _l("The settlement agreement has not been issued yet.")
    return None


def build_confirmation(case, lang: str) -> dict:
    from .data import _organisation, date_text

    agreements = _current(case, DocumentType.SETTLEMENT_AGREEMENT)
    agreement = next((a for a in agreements if a.lang == lang), agreements[0])
    effective = case.settled_at or agreement.issued_at
    return {
        "court": _organisation(case.target_organisation, lang),
        "agreement": {
            "issued_on": date_text(agreement.issued_at, lang),
            "effective_on": date_text(effective, lang),
            "code": grouped(agreement.verification_code),
            "version": agreement.version,
            "deadline": date_text(effective + timedelta(days=CONFIRMATION_DAYS), lang),
        },
    }


# ---- 移送函 referral letter -----------------------------------------------------------------------

def referral_not_ready(case):
    if case.state not in REFERRAL_STATES:
        return _l("The case is not being referred.")
    if case.target_organisation is None:
        return _l("Choose where to refer the case first.")
    return None


def build_referral(case, lang: str) -> dict:
    from ..referral.operations import record_shared
    from .data import _organisation, date_text

    reason, ended_on = "", ""
    for event in reversed(_transitions(case)):
        step = event.payload.get("step")
        if step in ENDING_STEPS:
            reason = event.payload.get("reason") or ENDED_WITHOUT_REASON[lang].get(step, "")
            ended_on = date_text(event.created_at, lang)
            break
    # The mediation record is confidential: it goes with the case only where every party
    # consented (odr/referral/operations.record_shared).
    left_out = [DocumentType.REFERRAL_LETTER]
    if not record_shared(case):
        left_out.append(DocumentType.MEDIATION_RECORD)
    enclosed = [
        {"title": wording.title(d.type, d.lang), "code": grouped(d.verification_code),
         "version": d.version}
        for d in db.session.execute(
            select(Document).where(Document.case_id == case.id, Document.lang == lang,
                                   Document.superseded_by_id.is_(None),
                                   Document.type.not_in(left_out))
            .order_by(Document.issued_at)
        ).scalars()
    ]
    return {
        "receiver": _organisation(case.target_organisation, lang),
        "referral": {"reason": reason, "ended_on": ended_on, "enclosed": enclosed},
    }


# ---- 送达回证 proof of service ----------------------------------------------------------------

def service_not_ready(case):
    found = db.session.execute(
        select(DocumentService.id).join(Document, Document.id == DocumentService.document_id)
        .where(Document.case_id == case.id).limit(1)
    ).first()
    if found is None:
        return _l("No service has been recorded for this case yet.")
    return None


def load_service(case, service_id) -> DocumentService | None:
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(
        select(DocumentService).join(Document, Document.id == DocumentService.document_id)
        .where(DocumentService.id == service_id, Document.case_id == case.id)
    ).scalar_one_or_none()


def service_details_problem(case, details: dict):
    if load_service(case, details.get("service_id")) is None:
        return _l("Choose a recorded service of this case.")
    return None


def build_service(case, lang: str, details: dict) -> dict:
    from .data import date_text, time_text

    service = load_service(case, details.get("service_id"))
    document = db.session.get(Document, service.document_id)
    return {
        "service": {
            "document_title": wording.title(document.type, document.lang),
            "document_code": grouped(document.verification_code),
            "document_version": document.version,
            "recipient": service.recipient_name,
            "method": SERVICE_METHODS[lang][service.method.value],
            "electronic": service.method.value == "electronic",
            # Paper service is recorded by its date; electronic service to the minute.
            "served_at": (time_text(service.served_at, lang) if service.method.value == "electronic"
                          else date_text(service.served_at, lang)),
            "read_at": time_text(service.read_at, lang),
            "note": service.note or "",
        }
    }
