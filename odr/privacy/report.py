"""The PDF copy of a person's data: the export (operations.personal_data) laid out as tables."""

from __future__ import annotations

from flask_babel import force_locale, format_datetime
from flask_babel import lazy_gettext as _l

from ..documents.render import render_pdf

SECTIONS = {
    "account": _l("Account"),
    "cases": _l("Cases in which you are a party"),
    "evidence": _l("Evidence you uploaded"),
    "room_messages": _l("Messages you wrote in mediation rooms"),
    "proposals": _l("Proposals you made"),
    "bids": _l("Your sealed bids"),
    "agreement_comments": _l("Your comments on agreement drafts"),
    "signatures": _l("Your signatures"),
    "questions": _l("Questions you asked"),
    "notifications": _l("Notifications to you"),
    "activity": _l("What you did (the audit trail)"),
}
WORDS = {
    "title": _l("Personal data held about you"),
    "person": _l("Person"),
    "exported": _l("Exported"),
    "none": _l("Nothing."),
    "intro": _l("Everything this service holds about you, as on the date above. The same data is "
                "available as JSON from your account's data page."),
}


def _value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return "\n".join(_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(item)}" for key, item in value.items())
    return str(value)


def data_report_pdf(data: dict, lang: str) -> bytes:
    with force_locale(lang):
        words = {key: str(text) for key, text in WORDS.items()}
        sections = []
        for key, title in SECTIONS.items():
            items = data[key] if isinstance(data[key], list) else [data[key]]
            sections.append({"title": str(title),
                             "rows": [[(name, _value(value)) for name, value in item.items()] for item in items]})
        exported_on = format_datetime(None, "medium")
    return render_pdf("data_report.html", {"words": words, "sections": sections, "data": data,
                                           "exported_on": exported_on}, lang=lang)
