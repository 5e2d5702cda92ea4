"""Every change to questions and the FAQ. Operations flush and audit; the caller commits."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ..cases.models import Case, Party
from ..cases.operations import find_organisation
from ..core.audit import record
from ..core.enums import Category, Role
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from ..orgs.models import Organisation, Region
from .models import FaqEntry, Message, Question, QuestionStatus

MAX_TEXT = 2000
DEFAULT_ANSWER_HOURS = 48  # "two working days", simply


def answer_hours() -> int:
    return int(current_app.config.get("CONSULT_ANSWER_HOURS", DEFAULT_ANSWER_HOURS))


def own_cases(user) -> list[Case]:
    """The cases a user filed or is a party to (the ones a question may be linked to)."""
    parties = select(Party.case_id).where(or_(Party.user_id == user.id, Party.representative_user_id == user.id))
    return list(db.session.execute(
        select(Case).where(or_(Case.filed_by_id == user.id, Case.id.in_(parties))).order_by(Case.id.desc())
    ).scalars())


def _text(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Please write your question."), fields={field: [_("This field is required.")]})
    if len(body) > MAX_TEXT:
        message = _("At most %(max)d characters.", max=MAX_TEXT)
        raise ValidationFailed(message, fields={field: [message]})
    return body


def ask(user, *, category: Category, body: str, region_id: int | None = None, case_id: int | None = None,
        lang: str = "zh_CN") -> Question:
    """A new question, sent to the organisation serving its region and category."""
    body = _text(body)
    case = None
    if case_id is not None:
        case = next((c for c in own_cases(user) if c.id == case_id), None)
        if case is None:  # not theirs: the same answer as a case that does not exist
            raise ValidationFailed(_("Choose one of your own cases."), fields={"case_id": [_("Choose one of your own cases.")]})
    region = db.session.get(Region, region_id) if region_id is not None else None
    if region is None and case is not None and case.region_id is not None:
        region = db.session.get(Region, case.region_id)
    if region is None:
        message = _("Choose where the dispute is.")
        raise ValidationFailed(message, fields={"region_id": [message]})
    organisation = find_organisation(region, category)
    if organisation is None:
        message = _("No organisation answers questions for this place yet. Please choose a nearby area.")
        raise ValidationFailed(message, fields={"region_id": [message]})
    now = utcnow()
    question = Question(
        asker_id=user.id, organisation_id=organisation.id, organisation=organisation, region_id=region.id,
        case_id=case.id if case else None, category=category, lang=lang, created_at=now,
        due_at=now + timedelta(hours=answer_hours()), status=QuestionStatus.OPEN,
    )
    question.messages.append(Message(author_id=user.id, by_consultant=False, body=body, created_at=now))
    db.session.add(question)
    db.session.flush()
    record("consult.asked", actor=user, case=case, question_id=question.id, organisation_id=organisation.id,
           category=category.value, due_at=question.due_at)
    return question


def is_consultant_for(user, question: Question) -> bool:
    from ..core.policy import question_roles

    return bool(question_roles(user, question) & {Role.CONSULTANT.value, Role.SUPERVISOR.value})


def reply(question: Question, user, body: str) -> Message:
    """A message in the thread. A consultant's answers the question; the asker's reopens it."""
    if question.status == QuestionStatus.CLOSED:
        raise Conflict(_("This question is closed."))
    body = _text(body)
    now = utcnow()
    staff = is_consultant_for(user, question) and question.asker_id != user.id
    message = Message(author_id=user.id, by_consultant=staff, body=body, created_at=now)
    question.messages.append(message)
    if staff:
        question.status = QuestionStatus.ANSWERED
        question.answered_at = now
    else:
        question.status = QuestionStatus.OPEN
        question.due_at = now + timedelta(hours=answer_hours())
    db.session.flush()
    record("consult.answered" if staff else "consult.followed_up", actor=user, question_id=question.id,
           message_id=message.id)
    if staff:
        _tell_asker(question)
    return message


def _tell_asker(question: Question) -> None:
    """Tell the asker an answer is there, through odr.notifications once it knows the kind
    `consult_answered`; until then the audit row written by reply() is the only record."""
    try:
        from ..notifications.operations import notify
        from ..notifications.texts import KINDS
    except ImportError:
        return
    if "consult_answered" in KINDS:  # pragma: no cover (the kind is the notifications module's)
        from flask import url_for

        notify(question.asker, "consult_answered",
               {"url": url_for("consult.question", question_id=question.id)})


def close(question: Question, user) -> None:
    if question.status == QuestionStatus.CLOSED:
        raise Conflict(_("This question is closed."))
    question.status = QuestionStatus.CLOSED
    question.closed_at = utcnow()
    db.session.flush()
    record("consult.closed", actor=user, question_id=question.id)


# What anonymisation takes out: e-mail addresses, ID card numbers (18 or 15 digits) and phone
# numbers (mobiles, landlines with an area code, +86). The order matters: IDs before phones.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8})(?!\d)")


def anonymise(text: str, names: list[str], lang: str) -> str:
    """The text without e-mail addresses, ID numbers, phone numbers and the given names."""
    zh = lang.startswith("zh")
    text = _EMAIL.sub("[邮箱已隐去]" if zh else "[e-mail removed]", text)
    text = _ID_NUMBER.sub("[身份证号已隐去]" if zh else "[ID number removed]", text)
    text = _PHONE.sub("[电话已隐去]" if zh else "[phone removed]", text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(name), "某某" if zh else "[name]", text, flags=re.IGNORECASE)
    return text


def names_in(question: Question) -> list[str]:
    names = [question.asker.name]
    if question.case is not None:
        names += [p.name for p in question.case.parties if p.name]
    return names


def draft_faq(question: Question) -> tuple[str, str]:
    """The anonymised question and answer a consultant reviews before publishing."""
    names = names_in(question)
    asked = "\n\n".join(m.body for m in question.messages if not m.by_consultant)
    answered = "\n\n".join(m.body for m in question.messages if m.by_consultant)
    return anonymise(asked, names, question.lang), anonymise(answered, names, question.lang)


def publish(question: Question, user, *, question_text: str, answer_text: str) -> FaqEntry:
    if not any(m.by_consultant for m in question.messages):
        raise Conflict(_("Only an answered question can be published."))
    existing = db.session.execute(select(FaqEntry).where(FaqEntry.question_id == question.id)).scalar()
    if existing is not None:
        raise Conflict(_("This question is already in the FAQ."))
    names = names_in(question)
    # Stripped again: whatever the consultant typed back in, the same rules apply.
    entry = FaqEntry(
        question_id=question.id, category=question.category, lang=question.lang,
        question_text=anonymise(_text(question_text, "question_text"), names, question.lang),
        answer_text=anonymise(_text(answer_text, "answer_text"), names, question.lang),
        published_by_id=user.id, published_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    record("consult.published", actor=user, question_id=question.id, faq_id=entry.id)
    return entry


def inbox(user, status: QuestionStatus = QuestionStatus.OPEN) -> list[Question]:
    """The questions sent to the user's organisations (and those below them), oldest due first."""
    paths = [m.organisation.path for m in user.memberships
             if m.role in (Role.CONSULTANT, Role.SUPERVISOR)]
    if not paths:
        return []
    subtree = select(Organisation.id).where(or_(*[Organisation.path.startswith(p) for p in paths]))
    return list(db.session.execute(
        select(Question).where(and_(Question.organisation_id.in_(subtree), Question.status == status))
        .order_by(Question.due_at, Question.id).limit(200)
    ).scalars())


def my_questions(user) -> list[Question]:
    return list(db.session.execute(
        select(Question).where(Question.asker_id == user.id).order_by(Question.id.desc()).limit(200)
    ).scalars())


def search_faq(query: str, category: str | None = None, limit: int = 50) -> list[FaqEntry]:
    """FAQ entries containing every term of the query (LIKE on both texts, case-insensitive).

    Chinese has no spaces, so a Chinese term longer than two characters also matches when all
    of its two-character pieces (bigrams) occur: 拖欠工资怎么办 finds an entry about 拖欠工资.
    """
    stmt = select(FaqEntry).order_by(FaqEntry.published_at.desc(), FaqEntry.id.desc()).limit(limit)
    if category:
        stmt = stmt.where(FaqEntry.category == category)
    for term in (query or "").split()[:8]:
        term = term[:40].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(_matches(term))
    return list(db.session.execute(stmt).scalars())


def _like(term: str):
    pattern = f"%{term}%"
    return or_(FaqEntry.question_text.ilike(pattern, escape="\\"), FaqEntry.answer_text.ilike(pattern, escape="\\"))


def _matches(term: str):
    if len(term) > 2 and all("\u4e00" <= ch <= "\u9fff" for ch in term):
        bigrams = [term[i:i + 2] for i in range(len(term) - 1)]
        # The whole term, or most of its bigrams (a question word like 怎么 need not be there).
        need = max(1, len(bigrams) // 2)
        from sqlalchemy import Integer, cast

        hits = sum(cast(_like(b), Integer) for b in bigrams)
        return or_(_like(term), hits >= need)
    return _like(term)
