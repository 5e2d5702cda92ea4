"""What each paper shows: plain, JSON-ready data built from a case, per type and language.

Templates see only what these functions return (never ORM objects), and the same dict is stored
as the document's `inputs`, so the record says exactly what was printed. A paper type is one
`Paper` entry: its template, the check that the case is ready for it, and its own data. The
settlement agreement will be one more entry whose builder reads the signed text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..confirmation import paper as ruling_paper
from ..core.enums import CaseState, Side
from ..evaluation import paper as evaluation_paper
from ..mediation import paper as agreement_paper
from . import case_papers, wording
from .codes import grouped
from .models import DocumentType


@dataclass(frozen=True)
class Paper:
    type: DocumentType
    template: str  # under templates/documents/papers/<lang>/
    # None when the case can have this paper now, else why not (shown to the clerk).
    not_ready: Callable[[object], object | None]
    build: Callable[..., dict]  # (case, lang), or (case, lang, details) when the paper `takes` any
    # Signed as PAdES with the issuing organisation's certificate (signing.py): final papers.
    sign: bool = False
    # What the issuer enters or chooses for this paper (e.g. the record text), passed to `build`
    # as `details` after `details_problem(case, details)` has found nothing wrong.
    takes: tuple[str, ...] = ()
    details_problem: Callable[[object, dict], object | None] | None = None


# Final papers signed even if their entry does not say so: the settlement agreement (its entry
# comes with the mediation issue) is the paper a court is asked to confirm.
SIGNED_BY_DEFAULT = frozenset({DocumentType.SETTLEMENT_AGREEMENT})


def must_sign(paper: Paper) -> bool:
    return paper.sign or paper.type in SIGNED_BY_DEFAULT


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def date_text(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    return format_datetime(local_time(moment), wording.DATE_PATTERNS[lang], locale=lang)


def time_text(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    return format_datetime(local_time(moment), wording.TIME_PATTERNS[lang], locale=lang)


def _party(party, lang: str) -> dict:
    representative = None
    if party.representative_name:
        representative = {"name": party.representative_name, "phone": party.representative_phone or ""}
    return {
        "name": party.name,
        "is_person": party.kind.value == "person",
        "kind": wording.PARTY_KINDS[lang][party.kind.value],
        "phone": party.phone or "",
        "address": party.address or "",
        "representative": representative,
    }


def _organisation(org, lang: str) -> dict | None:
    if org is None:
        return None
    name = org.name_en if lang == "en" and org.name_en else org.name
    return {"name": name, "address": org.address or "", "phone": org.phone or "", "seal": seal_data_url(org)}


def seal_data_url(org) -> str | None:
    """The organisation's seal image as a PNG data URL (the papers' fetcher accepts only those
    and the service's own assets), or None: the paper then shows the empty seal area."""
    import base64

    from ..core.storage import blob_path

    if not getattr(org, "seal_sha256", None):
        return None
    path = blob_path(org.seal_sha256)
    if not path.exists():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def case_data(case, lang: str) -> dict:
    """The particulars every paper of a case shares."""
    amount = None
    if case.claim_amount is not None:
        amount = {
            "text": wording.money(case.claim_amount, case.currency, lang),
            "upper": wording.rmb_upper(case.claim_amount) if case.currency == "CNY" else "",
        }
    return {
        "case": {
            "reference": case.reference,
            "category": wording.CATEGORIES[lang][case.category.value],
            "title": case.title,
            "facts": case.facts or "",
            "claims": case.claims or "",
            "amount": amount,
            "submitted_on": date_text(case.submitted_at, lang),
            "submitted_at": time_text(case.submitted_at, lang),
        },
        "organisation": _organisation(case.organisation, lang),
        "applicants": [_party(p, lang) for p in case.parties_on(Side.APPLICANT)],
        "respondents": [_party(p, lang) for p in case.parties_on(Side.RESPONDENT)],
        "mediators": sorted(a.user.name for a in case.assignments if a.removed_at is None),
    }


def build_inputs(case, paper: Paper, *, lang: str, code: str, version: int, issued_at: datetime,
                 supersedes: dict | None, details: dict | None = None) -> dict:
    """Everything the template gets. `supersedes` names the version this one corrects."""
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    data = case_data(case, lang)
    data["paper"] = {
        "type": paper.type.value,
        "title": wording.title(paper.type, lang),
        "lang": lang,
        "version": version,
        "code": grouped(code),
        "verify_url": f"{base_url}/verify/{grouped(code)}",
        "verify_home": f"{base_url}/verify",
        "issued_on": date_text(issued_at, lang),
        "issued_at": issued_at.isoformat(),
        "supersedes": supersedes,
    }
    data.update(paper.build(case, lang, details or {}) if paper.takes else paper.build(case, lang))
    return data


# ---- the papers -------------------------------------------------------------------------------

def _application_not_ready(case):
    if case.submitted_at is None or case.state == CaseState.DRAFT:
        return _l("The application has not been submitted yet.")
    return None


def _acceptance_not_ready(case):
    if case.state in (CaseState.DRAFT, CaseState.SUBMITTED, CaseState.REJECTED, CaseState.WITHDRAWN):
        return _l("The case has not been accepted.")
    if case.organisation is None:
        return _l("No organisation is handling this case.")
    return None


def _no_extra(case, lang: str) -> dict:
    return {}


PAPERS: dict[DocumentType, Paper] = {
    paper.type: paper
    for paper in (
        Paper(DocumentType.APPLICATION, "application.html", _application_not_ready, _no_extra),
        Paper(DocumentType.ACCEPTANCE_NOTICE, "acceptance_notice.html", _acceptance_not_ready, _no_extra),
        Paper(DocumentType.EVALUATION_REPORT, "evaluation_report.html", evaluation_paper.not_ready,
              evaluation_paper.build),
        Paper(DocumentType.SETTLEMENT_AGREEMENT, "settlement_agreement.html", agreement_paper.not_ready,
              agreement_paper.build),
        Paper(DocumentType.MEDIATION_RECORD, "mediation_record.html", case_papers.record_not_ready,
              case_papers.build_record, takes=("record",),
              details_problem=case_papers.record_details_problem),
        Paper(DocumentType.CONFIRMATION_APPLICATION, "confirmation_application.html",
              case_papers.confirmation_not_ready, case_papers.build_confirmation, sign=True),
        Paper(DocumentType.REFERRAL_LETTER, "referral_letter.html", case_papers.referral_not_ready,
              case_papers.build_referral),
        Paper(DocumentType.PROOF_OF_SERVICE, "proof_of_service.html", case_papers.service_not_ready,
              case_papers.build_service, takes=("service_id",),
              details_problem=case_papers.service_details_problem),
        Paper(DocumentType.CONFIRMATION_RULING, "confirmation_ruling.html", ruling_paper.not_ready,
              ruling_paper.build),
    )
}
