"""The settlement agreement paper (人民调解协议书): its readiness check and its data, for the
`settlement_agreement` entry of odr/documents/data.py PAPERS.

The paper prints the signed text itself (the clauses under their headings, exactly as hashed),
the signatures with their times and the SHA-256 of the text, the seal area and the copies
(People's Mediation Law Art. 29). A drawn signature is printed as an image beside the signer's
name: its PNG data URL (checked when it was signed and again by the renderer's fetcher, which
accepts inline PNGs and nothing else that is not a static file) is part of the paper's data, so
the document's stored inputs hold exactly what was printed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .agreement import CLAUSES, HEADINGS, current, signatures
from .models import AgreementStatus

ROLE_WORDS = {
    "zh_CN": {"applicant": "申请人", "respondent": "被申请人", "mediator": "人民调解员",
              "applicant_representative": "申请人委托代理人",
              "respondent_representative": "被申请人委托代理人"},
    "en": {"applicant": "Applicant", "respondent": "Respondent", "mediator": "People's mediator",
           "applicant_representative": "Applicant's representative",
           "respondent_representative": "Respondent's representative"},
}


def not_ready(case):
    agreement = current(case)
    if agreement is None or agreement.status != AgreementStatus.SIGNED:
        return _l("The settlement agreement has not been signed by everyone yet.")
    return None


def build(case, lang: str) -> dict:
    from ..documents.data import date_text, time_text

    agreement = current(case)
    signed = signatures(agreement)
    order = {"applicant": 0, "applicant_representative": 1, "respondent": 2,
             "respondent_representative": 3, "mediator": 4}
    return {
        "agreement": {
            "lang": agreement.lang,
            "version": agreement.version,
            "sha256": agreement.text_sha256,
            "sha256_lines": [agreement.text_sha256[:32], agreement.text_sha256[32:]],
            "clauses": [
                {"key": key, "heading": HEADINGS[agreement.lang][key],
                 "lines": [line for line in agreement.clauses.get(key, "").strip().split("\n")]}
                for key in CLAUSES if key != "parties"
            ],
            "effective_on": date_text(max(s.signed_at for s in signed), lang),
            "signatures": [
                {"role": ROLE_WORDS[lang].get(s.role, s.role), "name": s.name,
                 "typed": s.typed_signature, "drawn": s.drawn_signature,
                 "signed_at": time_text(s.signed_at, lang),
                 "sha256": s.text_sha256}
                for s in sorted(signed, key=lambda s: (order.get(s.role, 9), s.id))
            ],
        }
    }
