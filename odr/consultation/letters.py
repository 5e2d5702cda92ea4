"""Letters a user fills in and downloads (a demand letter, a complaint): their own paper, never
stored as a case document. Rendered by odr.documents.render.render_pdf from
templates/documents/papers/<lang>/letters/letter.html (the papers' own Jinja environment:
autoescaped, strict, static-only fetcher)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..documents.render import render_pdf
from .pathways import text


def _amount(value: str) -> str:
    number = Decimal(value.replace(",", "").replace("，", "").strip())
    return f"{number:,.2f}"


def render_letter(letter: dict, values: dict, lang: str) -> bytes:
    shown = dict(values)
    for spec in letter["fields"]:
        if spec["type"] == "amount" and shown.get(spec["name"]):
            shown[spec["name"]] = _amount(shown[spec["name"]])
        if not shown.get(spec["name"]):
            shown[spec["name"]] = "____"
    paragraphs = [p.format_map(shown) for p in text(letter["body"], lang)]
    context = {
        "title": text(letter["title"], lang),
        "recipient": shown[letter["recipient"]],
        "sender": shown[letter["sender"]],
        "paragraphs": paragraphs,
        "today": date.today().isoformat(),
    }
    return render_pdf("letters/letter.html", context, lang=lang)
