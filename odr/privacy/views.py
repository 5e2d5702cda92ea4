"""Pages: a person's data (download JSON or PDF, ask for anonymisation) and the retention setting."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.models import Party
from ..core.audit import record
from ..core.errors import NotAllowed, ValidationFailed
from ..core.i18n import is_chinese
from ..core.policy import authorize
from ..extensions import db, limiter
from . import operations
from .forms import RetentionForm
from .report import data_report_pdf

bp = Blueprint("privacy", __name__)


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/account/data")
@login_required
def data_page():
    parties = operations.own_parties(current_user)
    return render_template("privacy/data.html", parties=parties, requests=operations.requests_of(current_user),
                           kept=operations.KEPT, retention_days=operations.retention_days())


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="odr-personal-data-{current_user.id}.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/data.json")
@login_required
@limiter.limit("10 per hour", key_func=_per_user)
def data_json():
    data = operations.personal_data(current_user)
    record("privacy.exported", actor=current_user, format="json")
    db.session.commit()
    return _download(json.dumps(data, ensure_ascii=False, indent=2).encode(), "application/json", "json")


@bp.route("/account/data.pdf")
@login_required
@limiter.limit("10 per hour", key_func=_per_user)
def data_pdf():
    data = operations.personal_data(current_user)
    pdf = data_report_pdf(data, "zh_CN" if is_chinese() else "en")
    record("privacy.exported", actor=current_user, format="pdf")
    db.session.commit()
    return _download(pdf, "application/pdf", "pdf")


@bp.post("/account/data/anonymise/<int:party_id>")
@login_required
def request_anonymisation(party_id: int):
    party = db.session.get(Party, party_id)
    if party is None or party.user_id != current_user.id:
        abort(404)
    try:
        request = operations.request_anonymisation(current_user, party)
    except (ValidationFailed, NotAllowed) as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".data_page"))
    db.session.commit()
    flash(_("Recorded. Your particulars in case %(reference)s will be anonymised on or after %(date)s.",
            reference=party.case.reference, date=request.due_at.date().isoformat()), "success")
    return redirect(url_for(".data_page"))


@bp.route("/admin/retention", methods=["GET", "POST"])
@login_required
def retention():
    authorize(current_user, "privacy.retention.set")
    form = RetentionForm(data={"days": operations.retention_days()})
    status = 200
    if form.validate_on_submit():
        operations.set_retention_days(current_user, form.days.data)
        db.session.commit()
        flash(_("The retention period is now %(days)d days.", days=form.days.data), "success")
        return redirect(url_for(".retention"))
    if form.is_submitted():
        status = 422
    return render_template("privacy/retention.html", form=form), status
