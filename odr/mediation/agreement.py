"""The settlement agreement (人民调解协议书): drafted by the mediator, commented on by the parties,
locked, signed by every party and the mediator, then the case settles and the paper is issued.

    draft (versions 1, 2, ...; `expected_version` or 409 with the current text)
      -> locked (text_sha256 = SHA-256 of the exact canonical text; unlock only before a signature)
      -> signed (everyone signed: transition "settle", then the paper settlement_agreement)

The clauses follow People's Mediation Law Art. 29. The canonical text is what is hashed, signed
and printed: the clause headings in the agreement's language and the clause texts, in a fixed
order, line ends "\\n", Unicode NFC, no trailing blanks. Signing re-authenticates with the
signer's password (werkzeug): there is no one-time-code channel in the service yet (no
odr.notifications), so an account without a password cannot sign online.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..core.audit import record
from ..core.enums import Role, Side
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import broadcast, proposals
from .models import (
    Agreement,
    AgreementComment,
    AgreementStatus,
    AgreementVersion,
    Signature,
)
from .operations import role_in_case

CLAUSES = ("parties", "facts", "terms", "performance", "breach", "effect")
MAX_CLAUSE = 10_000
MAX_COMMENT = 2000
MAX_DRAWN_BYTES = 100_000  # a drawn signature: a PNG of at most ~100 kB

HEADINGS = {
    "zh_CN": {
        "parties": "一、当事人基本情况", "facts": "二、纠纷的主要事实、争议事项及各方责任",
        "terms": "三、经调解，双方自愿达成如下协议", "performance": "四、履行方式和期限",
        "breach": "五、违约责任", "effect": "六、协议效力",
    },
    "en": {
        "parties": "1. The parties", "facts": "2. The main facts, the issues and each party's responsibility",
        "terms": "3. Through mediation the parties have freely agreed as follows",
        "performance": "4. Manner and time of performance", "breach": "5. Consequences of breach",
        "effect": "6. Effect of this agreement",
    },
}

EFFECT = {
    "zh_CN": "本协议经各方当事人签名、人民调解员签名并加盖人民调解委员会印章后生效，具有法律约束力，"
             "当事人应当按照约定履行（《中华人民共和国人民调解法》第三十一条）。双方当事人可以自本协议生效之日起"
             "三十日内共同向人民法院申请司法确认；经确认后，一方拒绝履行或者未全部履行的，对方当事人可以向"
             "人民法院申请强制执行（第三十三条）。本协议一式三份，双方当事人各执一份，人民调解委员会留存一份。",
    "en": "This agreement takes effect when every party and the mediator have signed it and the people's "
          "mediation committee has affixed its seal; it is legally binding and the parties shall perform it "
          "(People's Mediation Law, Art. 31). Within thirty days of its taking effect the parties may jointly "
          "apply to a people's court for judicial confirmation; once confirmed, if one party refuses to perform "
          "or performs only in part, the other may apply to the court for enforcement (Art. 33). This agreement "
          "is made in three copies: each party keeps one, the committee keeps one.",
}
BREACH = {
    "zh_CN": "任何一方未按本协议履行的，另一方可以请求人民调解委员会督促履行，也可以依法向人民法院提起诉讼；"
             "经司法确认的，可以申请强制执行。",
    "en": "If a party does not perform this agreement, the other may ask the committee to urge performance "
          "or bring the matter to a people's court; once the agreement is confirmed, apply for enforcement.",
}


def lang_of(case) -> str:
    return "en" if (case.language or "").startswith("en") else "zh_CN"


def canonical_text(clauses: dict, lang: str) -> str:
    """The exact text that is hashed, signed and printed."""
    blocks = []
    for key in CLAUSES:
        body = unicodedata.normalize("NFC", clauses.get(key, "").replace("\r\n", "\n").replace("\r", "\n"))
        body = "\n".join(line.rstrip() for line in body.strip().split("\n"))
        blocks.append(f"{HEADINGS[lang][key]}\n{body}")
    return "\n\n".join(blocks) + "\n"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parties_text(case, lang: str) -> str:
    lines = []
    for party in case.parties:
        if lang == "zh_CN":
            role = "申请人" if party.side == Side.APPLICANT else "被申请人"
            line = f"{role}：{party.name}"
            if party.address:
                line += f"，住所：{party.address}"
            if party.phone:
                line += f"，联系电话：{party.phone}"
        else:
            role = "Applicant" if party.side == Side.APPLICANT else "Respondent"
            line = f"{role}: {party.name}"
            if party.address:
                line += f", address: {party.address}"
            if party.phone:
                line += f", telephone: {party.phone}"
        lines.append(line)
    return "\n".join(lines)


def _terms_text(proposal, lang: str) -> str:
    if proposal is None:
        return ""
    lines = []
    if proposal.amount is not None:
        amount = f"{proposal.amount:.2f}"
        if lang == "zh_CN":
            currency = "人民币" if proposal.currency == "CNY" else proposal.currency
            lines.append(f"被申请人向申请人支付{currency}{amount}元。" if proposal.currency == "CNY"
                         else f"被申请人向申请人支付{currency} {amount}。")
            for n, item in enumerate(proposal.instalments, 1):
                lines.append(f"第{n}期：{item['due_date']}前支付{item['amount']}元。")
        else:
            lines.append(f"The respondent pays the applicant {proposal.currency} {amount}.")
            for n, item in enumerate(proposal.instalments, 1):
                lines.append(f"Instalment {n}: {proposal.currency} {item['amount']} by {item['due_date']}.")
    if proposal.terms:
        lines.append(proposal.terms)
    return "\n".join(lines)


def prefilled_clauses(case) -> dict:
    lang = lang_of(case)
    proposal = proposals.accepted_proposal(case)
    return {
        "parties": _parties_text(case, lang),
        "facts": case.facts or "",
        "terms": _terms_text(proposal, lang),
        "performance": "",
        "breach": BREACH[lang],
        "effect": EFFECT[lang],
    }


def current(case) -> Agreement | None:
    return db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar()


def _check_clauses(clauses) -> dict:
    if not isinstance(clauses, dict):
        raise ValidationFailed(_("Not a valid object."), fields={"clauses": [_("Not a valid object.")]})
    unknown = set(clauses) - set(CLAUSES)
    if unknown:
        raise ValidationFailed(_("Unknown field."), fields={f"clauses.{k}": [_("Unknown field.")] for k in unknown})
    for key, value in clauses.items():
        if not isinstance(value, str) or len(value) > MAX_CLAUSE or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", value):
            message = _("At most %(n)d characters of text.", n=MAX_CLAUSE)
            raise ValidationFailed(message, fields={f"clauses.{key}": [message]})
    return clauses


def _keep_version(agreement: Agreement, author) -> None:
    db.session.add(AgreementVersion(agreement_id=agreement.id, version=agreement.version,
                                    clauses=dict(agreement.clauses), text=agreement.text,
                                    author_id=author.id))


def create(case, mediator, clauses: dict | None = None) -> Agreement:
    proposals.ensure_open_case(case)
    if current(case) is not None:
        raise Conflict(_("This case already has an agreement draft."), code="agreement_exists")
    lang = lang_of(case)
    merged = {**prefilled_clauses(case), **_check_clauses(clauses or {})}
    accepted = proposals.accepted_proposal(case)
    agreement = Agreement(case_id=case.id, status=AgreementStatus.DRAFT, version=1, clauses=merged,
                          text=canonical_text(merged, lang), lang=lang, created_by_id=mediator.id,
                          proposal_id=accepted.id if accepted else None)
    db.session.add(agreement)
    db.session.flush()
    _keep_version(agreement, mediator)
    db.session.flush()
    record("agreement.drafted", actor=mediator, case=case, agreement_id=agreement.id, version=1,
           sha256=text_hash(agreement.text))
    _announce(case, agreement)
    return agreement


def _stale(agreement: Agreement) -> Conflict:
    message = _("Someone else changed the agreement in the meantime. Here is the current text.")
    return Conflict(message, code="stale_version",
                    extra={"current_version": agreement.version, "current_text": agreement.text,
                           "current_clauses": dict(agreement.clauses)})


def edit(case, mediator, agreement: Agreement, *, expected_version, clauses: dict) -> Agreement:
    proposals.ensure_open_case(case)
    if agreement.status != AgreementStatus.DRAFT:
        raise Conflict(_("The text is locked: it can no longer be edited."), code="agreement_locked")
    if expected_version != agreement.version:
        raise _stale(agreement)
    merged = {**agreement.clauses, **_check_clauses(clauses)}
    agreement.clauses = merged
    agreement.text = canonical_text(merged, agreement.lang)
    agreement.version += 1
    agreement.updated_at = utcnow()
    db.session.flush()
    _keep_version(agreement, mediator)
    db.session.flush()
    record("agreement.edited", actor=mediator, case=case, agreement_id=agreement.id,
           version=agreement.version, sha256=text_hash(agreement.text))
    _announce(case, agreement)
    return agreement


def comment(case, user, agreement: Agreement, body, version=None) -> AgreementComment:
    proposals.ensure_open_case(case)
    text = (body if isinstance(body, str) else "").strip()
    if not text or len(text) > MAX_COMMENT:
        message = _("Write a comment of at most %(n)d characters.", n=MAX_COMMENT)
        raise ValidationFailed(message, fields={"body": [message]})
    version = agreement.version if version is None else version
    if not 1 <= version <= agreement.version:
        message = _("There is no such version.")
        raise ValidationFailed(message, fields={"version": [message]})
    item = AgreementComment(agreement_id=agreement.id, version=version, author_id=user.id, body=text)
    db.session.add(item)
    db.session.flush()
    record("agreement.commented", actor=user, case=case, agreement_id=agreement.id, version=version,
           comment_id=item.id)
    broadcast.queue(case.id, "agreement_comment", {**comment_payload(item, user), "case_id": case.id})
    return item


def _can_sign_online(case) -> bool:
    return all(p.user_id or p.representative_user_id for p in case.parties)


def lock(case, mediator, agreement: Agreement, *, expected_version) -> Agreement:
    proposals.ensure_open_case(case)
    if agreement.status != AgreementStatus.DRAFT:
        raise Conflict(_("The text is already locked."), code="agreement_locked")
    if expected_version != agreement.version:
        raise _stale(agreement)
    if not _can_sign_online(case):
        raise Conflict(_("Every party needs an account to sign online."), code="signer_without_account")
    agreement.status = AgreementStatus.LOCKED
    agreement.text_sha256 = text_hash(agreement.text)
    agreement.locked_at = utcnow()
    agreement.locked_by_id = mediator.id
    db.session.flush()
    record("agreement.locked", actor=mediator, case=case, agreement_id=agreement.id,
           version=agreement.version, sha256=agreement.text_sha256)
    _announce(case, agreement)
    return agreement


def signatures(agreement: Agreement) -> list[Signature]:
    return list(db.session.execute(
        select(Signature).where(Signature.agreement_id == agreement.id).order_by(Signature.id)
    ).scalars())


def unlock(case, mediator, agreement: Agreement) -> Agreement:
    proposals.ensure_open_case(case)
    if agreement.status != AgreementStatus.LOCKED:
        raise Conflict(_("The text is not locked."), code="agreement_not_locked")
    if signatures(agreement):
        raise Conflict(_("Someone has signed already: the text can no longer be unlocked."),
                       code="already_signed")
    record("agreement.unlocked", actor=mediator, case=case, agreement_id=agreement.id,
           version=agreement.version, sha256=agreement.text_sha256)
    agreement.status = AgreementStatus.DRAFT
    agreement.text_sha256 = None
    agreement.locked_at = None
    agreement.locked_by_id = None
    db.session.flush()
    _announce(case, agreement)
    return agreement


def _drawn(value) -> str | None:
    """A drawn signature as sent by the room's canvas: a PNG data URL of at most 100 kB that
    really decodes as a PNG (it is printed on the agreement paper), else a clear refusal."""
    from ..documents.render import decode_png_data_url

    if value in (None, ""):
        return None
    if decode_png_data_url(value, max_bytes=MAX_DRAWN_BYTES) is None:
        error = _("The drawn signature must be a PNG image of at most 100 kB.")
        raise ValidationFailed(error, fields={"drawn_signature": [error]})
    return value


def _is_fully_signed(case, agreement: Agreement) -> bool:
    signed = {s.user_id for s in signatures(agreement)}
    for party in case.parties:
        if not ({party.user_id, party.representative_user_id} - {None}) & signed:
            return False
    return any(m in signed for m in case.mediator_ids)


def fully_signed(case) -> bool | None:
    """None when the case has no online agreement; else whether everyone has signed it."""
    agreement = current(case)
    if agreement is None:
        return None
    return agreement.status == AgreementStatus.SIGNED


def sign(case, user, agreement: Agreement, *, password, typed_signature, sha256, drawn_signature=None,
         ip="", user_agent="") -> Signature:
    """Sign the locked text after re-authenticating. The last signature settles the case (the
    mediator of the case takes the step) and issues the paper; the caller commits once."""
    proposals.ensure_open_case(case)
    if agreement.status != AgreementStatus.LOCKED:
        raise Conflict(_("Only the locked final text can be signed."), code="agreement_not_locked")
    if sha256 != agreement.text_sha256:
        raise Conflict(_("The text you read is not the final text. Reload it and read it again."),
                       code="text_changed", extra={"current_sha256": agreement.text_sha256})
    role = role_in_case(user, case)
    if role not in {Side.APPLICANT.value, Side.RESPONDENT.value, f"{Side.APPLICANT.value}_representative",
                    f"{Side.RESPONDENT.value}_representative", Role.MEDIATOR.value}:
        raise NotAllowed(_("Only the parties and the mediator sign the agreement."))
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        record("agreement.sign_refused", actor=user, case=case, agreement_id=agreement.id, reason="password")
        message = _("The password is not correct.")
        raise ValidationFailed(message, code="reauth_failed", fields={"password": [message]})
    if role != Role.MEDIATOR.value and case.organisation is not None and case.organisation.requires_real_name:
        from ..identity.operations import lacks_identity

        if lacks_identity(case, user):
            message = _("This organisation asks every party for real-name details before signing: give yours "
                        "on the case page first.")
            raise ValidationFailed(message, code="identity_required")
    typed = (typed_signature or "").strip() if isinstance(typed_signature, str) else ""
    if not typed or len(typed) > 200:
        message = _("Type your full name as your signature.")
        raise ValidationFailed(message, fields={"typed_signature": [message]})
    drawn = _drawn(drawn_signature)
    if any(s.user_id == user.id for s in signatures(agreement)):
        raise Conflict(_("You have already signed this agreement."), code="already_signed")
    signature = Signature(agreement_id=agreement.id, user_id=user.id, role=role, name=user.name,
                          typed_signature=typed, drawn_signature=drawn, method="password",
                          signed_at=utcnow(), ip=(ip or "")[:64], user_agent=(user_agent or "")[:400],
                          text_sha256=agreement.text_sha256)
    db.session.add(signature)
    db.session.flush()
    record("agreement.signed", actor=user, case=case, agreement_id=agreement.id, role=role,
           sha256=agreement.text_sha256, signature_id=signature.id)
    if _is_fully_signed(case, agreement):
        _complete(case, agreement)
    else:
        _announce(case, agreement)
    return signature


def _complete(case, agreement: Agreement) -> None:
    from ..auth.models import User
    from ..cases.operations import transition
    from ..documents.models import DocumentType
    from ..documents.tasks import issue

    agreement.status = AgreementStatus.SIGNED
    db.session.flush()
    record("agreement.completed", case=case, agreement_id=agreement.id, sha256=agreement.text_sha256)
    signed = {s.user_id for s in signatures(agreement)}
    mediator_id = next(m for m in case.mediator_ids if m in signed)
    mediator = db.session.get(User, mediator_id)
    transition(case, "settle", mediator)
    if current_app.config.get("CELERY_BROKER_URL"):
        # A worker reads the case as committed: send the task only once the signature is.
        ids = SimpleNamespace(id=case.id), SimpleNamespace(id=mediator.id), agreement.lang
        broadcast.call_after_commit(lambda: issue(ids[0], DocumentType.SETTLEMENT_AGREEMENT, ids[1], ids[2]))
    else:
        issue(case, DocumentType.SETTLEMENT_AGREEMENT, mediator, agreement.lang)
    _announce(case, agreement)


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def signature_payload(signature: Signature) -> dict:
    """A signature as the people of the case see it (address and browser stay in the record)."""
    return {"user_id": signature.user_id, "role": signature.role, "name": signature.name,
            "typed_signature": signature.typed_signature, "drawn": signature.drawn_signature is not None,
            "signed_at": _time(signature.signed_at), "sha256": signature.text_sha256}


def comment_payload(item: AgreementComment, author=None) -> dict:
    from ..auth.models import User

    author = author or db.session.get(User, item.author_id)
    return {"id": item.id, "case_id": None, "version": item.version, "body": item.body,
            "author": {"id": author.id, "name": author.name}, "created_at": _time(item.created_at)}


def agreement_payload(agreement: Agreement) -> dict:
    return {
        "case_id": agreement.case_id,
        "status": agreement.status.value,
        "version": agreement.version,
        "lang": agreement.lang,
        "clauses": dict(agreement.clauses),
        "text": agreement.text,
        "sha256": agreement.text_sha256,
        "locked_at": _time(agreement.locked_at),
        "proposal_id": agreement.proposal_id,
        "signatures": [signature_payload(s) for s in signatures(agreement)],
    }


def comments(agreement: Agreement) -> list[dict]:
    items = db.session.execute(
        select(AgreementComment).where(AgreementComment.agreement_id == agreement.id).order_by(AgreementComment.id)
    ).scalars()
    return [{**comment_payload(item), "case_id": agreement.case_id} for item in items]


def _announce(case, agreement: Agreement) -> None:
    broadcast.queue(case.id, "agreement", agreement_payload(agreement))
