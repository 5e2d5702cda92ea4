"""The account page (mobile number verified by SMS code) and a party's real-name details."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..cases.models import Case, Party
from ..core.errors import NotAllowed, ValidationFailed
from ..core.policy import authorize, can
from ..extensions import db, limiter
from . import operations
from .forms import CodeForm, IdentityForm, PhoneForm

bp = Blueprint("identity", __name__)


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


def _account(phone_form=None, code_form=None, status=200):
    phone_form = phone_form or PhoneForm(formdata=None, data={"phone": current_user.phone})
    return render_template("identity/account.html", phone_form=phone_form, code_form=code_form), status


@bp.route("/account")
@login_required
def account():
    return _account()


@bp.post("/account/phone")
@login_required
@limiter.limit("5 per 10 minutes; 20 per day", key_func=_per_user)
def send_phone_code():
    form = PhoneForm()
    if not form.validate_on_submit():
        return _account(phone_form=form, status=422)
    try:
        operations.send_code(current_user, "phone", form.phone.data)
    except ValidationFailed as error:
        db.session.rollback()
        form.phone.errors = error.fields.get("phone", [error.message])
        return _account(phone_form=form, status=422)
    db.session.commit()
    flash(_("We sent a six-digit code to %(phone)s. It is valid for %(minutes)d minutes.",
            phone=form.phone.data, minutes=operations.CODE_MINUTES), "success")
    return _account(phone_form=form, code_form=CodeForm(formdata=None, data={"phone": form.phone.data}))


@bp.post("/account/phone/verify")
@login_required
@limiter.limit("20 per 10 minutes", key_func=_per_user)
def verify_phone():
    form = CodeForm()
    phone_form = PhoneForm(formdata=None, data={"phone": form.phone.data})
    if not form.validate_on_submit():
        return _account(phone_form=phone_form, code_form=form, status=422)
    try:
        operations.verify_phone(current_user, form.phone.data, form.code.data)
    except ValidationFailed as error:
        # Only the counted attempt (and its audit entry) was written: keep it, so guessing stops.
        db.session.commit()
        form.code.errors = error.fields.get("code", [error.message])
        if "phone" in error.fields:
            phone_form.phone.errors = error.fields["phone"]
        return _account(phone_form=phone_form, code_form=form, status=422)
    except NotAllowed as error:
        db.session.rollback()
        form.code.errors = [error.message]
        return _account(phone_form=phone_form, code_form=form, status=403)
    db.session.commit()
    flash(_("Your mobile number is verified."), "success")
    return redirect(url_for(".account"))


def _party(case_id: int, party_id: int) -> Party:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    authorize(current_user, "case.view", case)
    party = db.session.get(Party, party_id)
    if party is None or party.case_id != case.id:
        abort(404)
    authorize(current_user, "party.identity.give", party)
    return party


@bp.route("/cases/<int:case_id>/parties/<int:party_id>/identity", methods=["GET", "POST"])
@login_required
def party_identity(case_id: int, party_id: int):
    party = _party(case_id, party_id)
    form = IdentityForm()
    status = 200
    if form.validate_on_submit():
        try:
            operations.give_identity(party, current_user, form.id_number.data)
        except ValidationFailed as error:
            db.session.rollback()
            form.id_number.errors = error.fields.get("id_number", [error.message])
            status = 422
        else:
            db.session.commit()
            flash(_("The real-name details were saved."), "success")
            return redirect(url_for("cases.show", case_id=case_id) + "#parties-title")
    elif form.is_submitted():
        status = 422
    identity = operations.identity_of(party)
    return render_template("identity/party_identity.html", party=party, case=party.case, form=form,
                           identity=identity), status


@bp.app_template_global("party_identities")
def party_identities(parties) -> dict[int, str]:
    """What the viewer may see of each party's ID number: in full for their own, masked otherwise."""
    shown = {}
    for party_id, identity in operations.identities_for(parties).items():
        party = next(p for p in parties if p.id == party_id)
        full = can(current_user, "party.identity.full", party)
        shown[party_id] = operations.full_number(identity) if full else identity.number_masked
    return shown


@bp.app_template_global("may_give_identity")
def may_give_identity(party) -> bool:
    return can(current_user, "party.identity.give", party)
