"""The fixed words of the papers, per language: titles, dispute categories, party kinds, money.

A paper is evidence, so its words belong to the paper, not to the interface's translation
catalogue: they change only with the templates (in review), and data.py writes them into the
document's stored inputs, so the record shows exactly what was printed. Titles follow the
glossary (../shared/design/GLOSSARY.md).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

from .models import DocumentType

LANGS = ("zh_CN", "en")

TITLES: dict[DocumentType, dict[str, str]] = {
    DocumentType.APPLICATION: {"zh_CN": "调解申请书", "en": "Mediation application"},
    DocumentType.ACCEPTANCE_NOTICE: {"zh_CN": "受理通知书", "en": "Acceptance notice"},
    DocumentType.EVALUATION_REPORT: {"zh_CN": "评估报告", "en": "Evaluation report"},
    DocumentType.MEDIATION_RECORD: {"zh_CN": "调解笔录", "en": "Mediation record"},
    DocumentType.SETTLEMENT_AGREEMENT: {"zh_CN": "人民调解协议书", "en": "Mediation agreement"},
    DocumentType.CONFIRMATION_APPLICATION: {
        "zh_CN": "司法确认申请书", "en": "Application for judicial confirmation",
    },
    DocumentType.REFERRAL_LETTER: {"zh_CN": "移送函", "en": "Referral letter"},
    DocumentType.PROOF_OF_SERVICE: {"zh_CN": "送达回证", "en": "Proof of service"},
    DocumentType.CONFIRMATION_RULING: {"zh_CN": "民事裁定书", "en": "Ruling on judicial confirmation"},
}

CATEGORIES: dict[str, dict[str, str]] = {
    "zh_CN": {
        "neighbourhood": "邻里纠纷", "family": "婚姻家庭纠纷", "labour": "劳动争议（欠薪）",
        "property_management": "物业纠纷", "tenancy": "房屋租赁纠纷", "consumer": "消费纠纷",
        "traffic": "交通事故纠纷", "medical": "医疗纠纷", "construction": "建设工程纠纷",
        "land_contract": "土地承包纠纷", "private_lending": "民间借贷纠纷",
        "ecommerce": "电子商务纠纷", "other": "其他纠纷",
    },
    "en": {
        "neighbourhood": "Neighbourhood", "family": "Marriage and family",
        "labour": "Labour and unpaid wages", "property_management": "Property management",
        "tenancy": "Tenancy", "consumer": "Consumer", "traffic": "Traffic accident",
        "medical": "Medical", "construction": "Construction", "land_contract": "Land contract",
        "private_lending": "Private lending", "ecommerce": "E-commerce", "other": "Other",
    },
}

PARTY_KINDS = {
    "zh_CN": {"person": "自然人", "organisation": "法人或其他组织"},
    "en": {"person": "natural person", "organisation": "legal person or organisation"},
}

CURRENCY_NAMES = {"zh_CN": {"CNY": "人民币"}, "en": {}}

DATE_PATTERNS = {"zh_CN": "y年M月d日", "en": "d MMMM y"}
TIME_PATTERNS = {"zh_CN": "y年M月d日 HH:mm", "en": "d MMMM y, HH:mm"}


def title(doc_type: DocumentType | str, lang: str) -> str:
    return TITLES[DocumentType(doc_type)][lang]


def money(amount: Decimal, currency: str, lang: str) -> str:
    """人民币 12,000.00 元 / CNY 12,000.00."""
    number = format_decimal(amount, format="#,##0.00", locale=lang)
    if lang == "zh_CN":
        name = CURRENCY_NAMES["zh_CN"].get(currency, currency)
        return f"{name} {number} 元" if currency == "CNY" else f"{name} {number}"
    return f"{currency} {number}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _group_upper(group: int) -> str:
    """0..9999 in capital numerals, with 零 for inner gaps (1001 -> 壹仟零壹)."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _SMALL_UNITS[position]
    return text


def rmb_upper(amount: Decimal) -> str:
    """The amount in capital numerals (大写), as Chinese papers write money to prevent changes.

    12000 -> 壹万贰仟元整; 1001.05 -> 壹仟零壹元零伍分; 0.5 -> 伍角.
    """
    cents = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents < 0:
        raise ValueError("negative amount")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = ""
    if yuan:
        groups = []
        while yuan:
            groups.append(yuan % 10000)
            yuan //= 10000
        need_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                need_zero = bool(text)
                continue
            if text and (need_zero or group < 1000):
                text += "零"
            text += _group_upper(group) + _BIG_UNITS[index]
            need_zero = False
        text += "元"
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text
