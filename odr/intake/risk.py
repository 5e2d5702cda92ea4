"""Risk flags (重大纠纷预警): signals in the facts and claims that a dispute may escalate.

A small, explainable rule set, not a model: each signal is a list of words in Chinese and
English; a match is reported by name so that the reason in the audit says why. Repeated
complaints: the same respondent (name or phone) in at least two other open cases.
People's Mediation Law Art. 25: where a dispute may turn into violence, the mediator takes
preventive measures and reports it; here the organisation's supervisors are alerted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..core.enums import FINAL_STATES, CaseState, RiskLevel, Side
from ..extensions import db

SIGNALS: dict[str, tuple[str, ...]] = {
    "threat": ("威胁", "报复", "同归于尽", "弄死", "kill", "threat", "revenge"),
    "violence": ("打人", "动手", "持刀", "伤害", "殴打", "assault", "beat", "knife", "violence", "hurt"),
    "group": ("群体", "多人", "上访", "聚集", "collective", "petition", "crowd", "many people"),
    "self_harm": ("自杀", "跳楼", "轻生", "suicide", "kill myself", "jump off"),
}
# Two other open cases against the same respondent make a third one a pattern.
REPEATED_THRESHOLD = 2
ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.MAJOR]


@dataclass
class Assessment:
    level: RiskLevel
    signals: list[str]

    @property
    def alert(self) -> bool:
        return self.level in (RiskLevel.HIGH, RiskLevel.MAJOR)


def _pattern(word: str) -> re.Pattern:
    # English words match whole words ("kill" not "skill"); Chinese has no spaces to match on.
    if word.isascii():
        return re.compile(rf"\b{re.escape(word)}\w*", re.IGNORECASE)
    return re.compile(re.escape(word))


_PATTERNS = {name: [_pattern(w) for w in words] for name, words in SIGNALS.items()}


def text_signals(text: str) -> list[str]:
    """The names of the signals found in `text`, in SIGNALS order."""
    text = text or ""
    return [name for name, patterns in _PATTERNS.items() if any(p.search(text) for p in patterns)]


def repeated_complaints(case) -> int:
    """How many other open cases name the same respondent (by name or phone)."""
    from ..cases.models import Case, Party

    respondents = case.parties_on(Side.RESPONDENT)
    names = {p.name.strip() for p in respondents if p.name and p.name.strip()}
    phones = {p.phone.strip() for p in respondents if p.phone and p.phone.strip()}
    if not names and not phones:
        return 0
    match = []
    if names:
        match.append(func.trim(Party.name).in_(names))
    if phones:
        match.append(func.trim(Party.phone).in_(phones))
    open_states = [s for s in CaseState if s not in FINAL_STATES and s != CaseState.DRAFT]
    query = (
        select(func.count(func.distinct(Party.case_id)))
        .join(Case, Case.id == Party.case_id)
        .where(Party.side == Side.RESPONDENT, Party.case_id != case.id, Case.state.in_(open_states),
               or_(*match))
    )
    return db.session.execute(query).scalar() or 0


def assess(case) -> Assessment:
    """The level the facts and claims call for. One kind of signal: high; two or more, or a
    threat to one's own life: major (重大). Repeated complaints alone: medium."""
    signals = text_signals(f"{case.title}\n{case.facts}\n{case.claims}")
    if repeated_complaints(case) >= REPEATED_THRESHOLD:
        signals.append("repeated")
    serious = [s for s in signals if s != "repeated"]
    if len(serious) >= 2 or "self_harm" in serious:
        level = RiskLevel.MAJOR
    elif serious:
        level = RiskLevel.HIGH
    elif signals:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.LOW
    return Assessment(level, signals)


def higher(a: RiskLevel, b: RiskLevel) -> bool:
    return ORDER.index(RiskLevel(a)) > ORDER.index(RiskLevel(b))
