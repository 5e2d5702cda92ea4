"""How referral events read on the case timeline (added to cases.timeline.DESCRIBERS).

The parties see every step: where the case was sent and by when the body answers, a return and
its reason (the workflow step's own line), each side's answer on sharing the mediation record, a
court's delegation and its result, an import. Exporting the file is staff business.
"""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..cases.timeline import DESCRIBERS, STEP_TEXTS, _hidden, _staff_only
from ..core.i18n import localized_name
from ..core.labels import label
from ..extensions import db
from ..orgs.models import Organisation


def _organisation(organisation_id) -> str:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    return localized_name(organisation)


def _when(value) -> str:
    from datetime import datetime

    return format_datetime(datetime.fromisoformat(value), "medium") if value else ""


def _sent(event, actor, ctx):
    p = event.payload
    name = _organisation(p.get("to_organisation_id"))
    text = _("%(actor)s sent the case to %(organisation)s", actor=actor, organisation=name)
    note = _("It answers by %(deadline)s.", deadline=_when(p.get("due_at"))) if p.get("due_at") else ""
    return text, {"referral_id": p.get("referral_id"), "route": p.get("route"),
                  "to_organisation_id": p.get("to_organisation_id"), "organisation": name,
                  "due_at": p.get("due_at")}, note


def _withdrawn(event, actor, ctx):
    return _("The referral that was waiting for an answer was withdrawn"), {
        "referral_id": event.payload.get("referral_id")}, ""


def _consent(event, actor, ctx):
    if event.payload.get("consented"):
        text = _("%(actor)s agreed that the mediation record may go to the receiving body", actor=actor)
    else:
        text = _("%(actor)s did not agree that the mediation record may go to the receiving body",
                 actor=actor)
    return text, {"consented": bool(event.payload.get("consented")),
                  "party_ids": event.payload.get("party_ids", [])}, ""


def _delegated(event, actor, ctx):
    p = event.payload
    name = _organisation(p.get("organisation_id"))
    text = _("%(actor)s sent the case from %(court)s to %(organisation)s for mediation", actor=actor,
             court=_organisation(p.get("court_id")), organisation=name)
    note = _("Mediation is due to end by %(deadline)s.", deadline=_when(p.get("due_at"))) if p.get("due_at") else ""
    return text, {"referral_id": p.get("referral_id"), "organisation": name}, note


def _reported(event, actor, ctx):
    p = event.payload
    text = _("%(court)s was told the result of the mediation: %(result)s",
             court=_organisation(p.get("court_id")), result=label(p.get("result")))
    return text, {"referral_id": p.get("referral_id"), "result": p.get("result")}, ""


def _transferred(event, actor, ctx):
    p = event.payload
    text = _("The case continues as %(reference)s at %(organisation)s", reference=p.get("reference", ""),
             organisation=_organisation(p.get("organisation_id")))
    return text, {"new_case_id": p.get("new_case_id"), "reference": p.get("reference")}, ""


def _imported(event, actor, ctx):
    p = event.payload
    text = _("%(actor)s imported the case from %(source)s (their reference %(reference)s)", actor=actor,
             source=p.get("source_organisation") or p.get("source_url", ""),
             reference=p.get("source_reference", ""))
    return text, {"source_reference": p.get("source_reference"), "source_url": p.get("source_url"),
                  "bundle_sha256": p.get("bundle_sha256")}, ""


STEP_TEXTS["return_referral"] = _l("%(actor)s returned the referred case")
DESCRIBERS.update({
    "referral.sent": _sent,
    # The workflow step (refer, return_referral) already says it, with the reason.
    "referral.accepted": _hidden,
    "referral.returned": _hidden,
    "referral.withdrawn": _withdrawn,
    "referral.record_consent": _consent,
    "referral.delegated": _delegated,
    "referral.delegation_reported": _reported,
    "bundle.exported": _staff_only(_l("%(actor)s exported the case file (bundle)")),
    "case.imported": _imported,
    "referral.transferred": _transferred,
})
