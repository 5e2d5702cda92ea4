"""Inviting new staff: an administrator (or a clerk, into their own organisation) creates the
account with its role and membership; the person receives an e-mail with a link to choose their
password. The link is signed (itsdangerous), expires, and works once: it carries a fingerprint of
the account's password hash, which changes when the password is set."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..auth import operations as auth_ops
from ..cases.forms import EMAIL_PATTERN
from ..core.enums import MEMBER_ROLES
from ..core.errors import OperationError
from ..core.labels import label
from ..core.policy import managed_organisation_ids
from ..evaluation.forms import options
from ..extensions import db
from ..invitations.forms import PasswordForm
from . import PolicyGate

INVITE_DAYS = 7
SALT = "odr-staff-invitation"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def invitation_token(user) -> str:
    return _serializer().dumps({"u": user.id, "h": _fingerprint(user)})


def user_for_token(token: str):
    """The invited account, or None if the link is bad, expired or already used."""
    from ..auth.models import User

    try:
        data = _serializer().loads(token, max_age=INVITE_DAYS * 86400)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("h") != _fingerprint(user):
        return None
    return user


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("The invitation is sent by e-mail: enter an address.")),
        Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")), Length(max=254)])
    role = SelectField(_l("Role"), choices=[])
    organisation = SelectField(_l("Organisation"), choices=[], coerce=int)


class StaffInvitationView(PolicyGate, BaseView):
    policy_action = "admin.invite"

    def _form(self):
        from ..orgs.models import Organisation

        form = InviteForm()
        form.role.choices = options((role.value, label(role)) for role in MEMBER_ROLES)
        managed = managed_organisation_ids(current_user)
        query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.path)
        if managed is not None:
            query = query.where(Organisation.id.in_(managed or [-1]))
        form.organisation.choices = options((org.id, org.name) for org in db.session.execute(query).scalars())
        return form

    @expose("/", methods=("GET", "POST"))
    def index(self):
        from ..notifications.operations import notify
        from ..orgs.models import Organisation

        form = self._form()
        if form.validate_on_submit():
            organisation = db.session.get(Organisation, form.organisation.data)
            try:
                user = auth_ops.create_user(name=form.name.data, role=form.role.data, email=form.email.data,
                                            actor=current_user, memberships=[(organisation, form.role.data)])
                link = url_for("welcome.set_password", token=invitation_token(user))
                notify(user, "staff_invitation", {"url": link, "organisation": organisation.name,
                                                  "role": label(user.role), "days": INVITE_DAYS},
                       channels=("email",))
            except OperationError as error:
                db.session.rollback()
                form.email.errors = list(form.email.errors) + [error.message]
            else:
                db.session.commit()
                flash(_("%(name)s was invited: the link was sent to %(email)s.", name=user.name,
                        email=user.email), "success")
                return redirect(url_for(".index"))
        return self.render("admin/odr_invite.html", form=form)


welcome = Blueprint("welcome", __name__)


@welcome.route("/welcome/<token>", methods=["GET", "POST"])
def set_password(token: str):
    user = user_for_token(token)
    if user is None:
        return render_template("admin/welcome_invalid.html"), 410
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            auth_ops.set_password(user, form.password.data, actor=user)
        except OperationError as error:
            db.session.rollback()
            form.password.errors = list(form.password.errors) + [error.message]
        else:
            db.session.commit()
            flash(_("Your password is set. Sign in with your e-mail address."), "success")
            return redirect(url_for("auth.login"))
    return render_template("admin/welcome.html", form=form, user=user), 200 if not form.errors else 422
