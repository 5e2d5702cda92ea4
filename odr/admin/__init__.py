"""Administration pages (issue 9 item 1), built on Flask-Admin: the region tree, organisations,
people and their memberships, and invitations for new staff.

Flask-Admin draws the lists and forms; everything else is ours:
- who may open which page, and which rows a clerk may touch, is decided by odr/core/policy.py
  (`admin.*` rules and `managed_organisation_ids`);
- the rules of the trees (district > street > community > grid; a node never below itself;
  paths kept for the subtree) come from odr/orgs/operations.py;
- every change is audited in the same transaction (`admin.created` / `admin.updated` with the
  names of the changed fields, never their values);
- nobody is deleted: a person is deactivated (`active`), which keeps their history; the last
  active administrator cannot be demoted or deactivated.
"""

from __future__ import annotations

import base64

from flask import redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, inspect, select
from wtforms import BooleanField, FileField, SelectMultipleField
from wtforms.validators import ValidationError

from ..core.audit import record
from ..core.enums import MEMBER_ROLES, Category, OrgType, RegionLevel, Role
from ..core.errors import OperationError
from ..core.labels import LABELS, label
from ..core.policy import authorize, can, managed_organisation_ids
from ..evaluation.forms import options
from ..extensions import db
from ..orgs.models import OrganisationCategory

# Fields never shown or edited on the pages (secrets, counters the service keeps itself).
USER_HIDDEN = ("password_hash", "failed_logins", "locked_until", "last_login_at", "created_at",
               "phone_verified_at", "memberships")


class AdminForm(FlaskForm):
    """Flask-WTF's form (CSRF like every other form of the service) that also remembers the row
    it edits, as Flask-Admin's own BaseForm does: its Unique validator skips that row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._obj = kwargs.get("obj")


class PolicyGate:
    """Opens a page only to whom the policy allows (`policy_action`); a refusal is audited."""

    policy_action = "admin.use"

    def is_accessible(self) -> bool:
        return can(current_user, self.policy_action)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        authorize(current_user, self.policy_action)  # raises NotAllowed (403) and audits it
        return None


class HomeView(PolicyGate, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/odr_home.html", may_regions=can(current_user, "admin.regions"),
                           may_retention=can(current_user, "privacy.retention.set"))


class AuditedView(PolicyGate, ModelView):
    """A model page whose every change is checked by our rules and audited."""

    form_base_class = AdminForm
    can_delete = False
    can_view_details = False
    page_size = 50
    audit_name = "record"

    def check(self, form, model, is_created) -> list[str] | None:
        """Our rules for this model; raise ValidationFailed (shown as an error, nothing saved).
        May return the names of more fields it changed itself (for the audit entry)."""

    def on_model_change(self, form, model, is_created):
        # Which fields changed, before check() flushes (a flush resets the history).
        changed = sorted(attr.key for attr in inspect(model).attrs if attr.history.has_changes())
        try:
            changed += self.check(form, model, is_created) or []
        except OperationError as error:
            raise ValidationError(error.message) from None
        db.session.flush()
        record("admin.created" if is_created else "admin.updated", actor=current_user,
               model=self.audit_name, id=inspect(model).identity[0] if inspect(model).identity else None,
               fields=changed)


# ---- regions --------------------------------------------------------------------------------

class RegionView(AuditedView):
    policy_action = "admin.regions"
    audit_name = "region"
    column_list = ("code", "name", "name_en", "level", "parent", "path")
    column_searchable_list = ("code", "name", "name_en")
    column_filters = ("level",)
    column_default_sort = "path"
    form_columns = ("code", "name", "name_en", "level", "parent")
    column_labels = {"code": _l("Code"), "name": _l("Name"), "name_en": _l("Name in English"),
                     "level": _l("Level"), "parent": _l("Part of"), "path": _l("Place in the tree")}
    form_choices = {"level": [(level.value, LABELS[level.value]) for level in RegionLevel]}

    def check(self, form, model, is_created):
        from ..orgs.operations import check_region_place, place_in_tree

        check_region_place(model.level, model.parent)
        db.session.flush()
        place_in_tree(model, model.parent)
        return []


# ---- organisations --------------------------------------------------------------------------

class OrganisationView(AuditedView):
    policy_action = "admin.organisations"
    audit_name = "organisation"
    column_list = ("name", "name_en", "type", "parent", "region", "phone", "active", "requires_real_name")
    column_searchable_list = ("name", "name_en")
    column_filters = ("type", "active")
    form_columns = ("name", "name_en", "type", "parent", "region", "regions_served", "categories_served",
                    "address", "phone", "email", "active", "requires_real_name", "seal_image", "remove_seal")
    form_choices = {"type": [(kind.value, LABELS[kind.value]) for kind in OrgType]}
    form_extra_fields = {
        # The kinds of dispute it takes (rows of organisation_categories), chosen from the list.
        "categories_served": SelectMultipleField(_l("Kinds of dispute served"), coerce=str),
        "seal_image": FileField(_l("Seal image (PNG, at most 100 kB)"),
                                description=_l("Printed in the seal area of the organisation's papers.")),
        "remove_seal": BooleanField(_l("Remove the seal image")),
    }
    column_labels = {"name": _l("Name"), "name_en": _l("Name in English"), "type": _l("Type"),
                     "parent": _l("Part of"), "region": _l("Seat"), "regions_served": _l("Regions served"),
                     "address": _l("Address"), "phone": _l("Phone"), "email": _l("E-mail"),
                     "active": _l("Active"), "requires_real_name": _l("Requires real names")}

    def _scope(self, query, model):
        managed = managed_organisation_ids(current_user)
        return query if managed is None else query.where(model.id.in_(managed or [-1]))

    def get_query(self):
        return self._scope(super().get_query(), self.model)

    def get_count_query(self):
        return self._scope(super().get_count_query(), self.model)

    def get_one(self, id):
        model = super().get_one(id)
        managed = managed_organisation_ids(current_user)
        return None if model is None or (managed is not None and model.id not in managed) else model

    @property
    def can_create(self):
        return managed_organisation_ids(current_user) is None  # new bodies: administrators only

    def _seal(self, form, model) -> list[str]:
        """A new seal image (a real PNG of at most 100 kB, stored by its SHA-256), or its removal."""
        from ..core.storage import put_bytes
        from ..documents.render import INLINE_PNG_PREFIX, decode_png_data_url

        upload = form.seal_image.data
        if upload and getattr(upload, "filename", ""):
            data = upload.read(100_001)
            url = INLINE_PNG_PREFIX + base64.b64encode(data).decode()
            if len(data) > 100_000 or decode_png_data_url(url) is None:
                raise ValidationError(_("The seal must be a PNG image of at most 100 kB."))
            model.seal_sha256 = put_bytes(data)
            return ["seal"]
        if form.remove_seal.data and model.seal_sha256:
            model.seal_sha256 = None
            return ["seal"]
        return []

    def _with_categories(self, form):
        form.categories_served.choices = options((c.value, label(c)) for c in Category)
        return form

    def create_form(self, obj=None):
        return self._with_categories(super().create_form(obj))

    def edit_form(self, obj=None):
        form = self._with_categories(super().edit_form(obj))
        if obj is not None and not form.is_submitted():
            form.categories_served.data = sorted(c.value for c in obj.category_codes)
        return form

    def check(self, form, model, is_created):
        from ..orgs.operations import place_in_tree

        managed = managed_organisation_ids(current_user)
        if managed is not None:
            # A clerk edits their own organisation's particulars, not where it sits.
            state = inspect(model)
            if state.attrs.parent.history.has_changes() or state.attrs.type.history.has_changes():
                raise ValidationError(_("Only an administrator can change an organisation's type or place."))
        wanted = {Category(value) for value in (form.categories_served.data or [])}
        extra = []
        if wanted != model.category_codes:
            model.categories[:] = [c for c in model.categories if c.category in wanted]
            model.categories.extend(OrganisationCategory(category=c) for c in sorted(wanted - model.category_codes))
            extra.append("categories")
        extra += self._seal(form, model)
        db.session.flush()
        place_in_tree(model, model.parent)
        return extra


# ---- people ---------------------------------------------------------------------------------

class UserView(AuditedView):
    policy_action = "admin.users"
    audit_name = "user"
    column_list = ("name", "email", "phone", "role", "active", "locale")
    column_searchable_list = ("name", "email", "phone")
    column_filters = ("role", "active")
    form_excluded_columns = USER_HIDDEN
    inline_models = None
    column_labels = {"name": _l("Name"), "email": _l("E-mail"), "phone": _l("Phone"), "role": _l("Role"),
                     "active": _l("Active (can sign in)"), "locale": _l("Language")}
    can_create = False  # new staff come through an invitation; parties sign up themselves
    form_choices = {"role": [(role.value, LABELS[role.value]) for role in Role],
                    "locale": [("zh_CN", "中文"), ("en", "English")]}

    def _scope(self, query):
        from ..auth.models import User
        from ..orgs.models import Membership

        managed = managed_organisation_ids(current_user)
        if managed is None:
            return query
        members = select(Membership.user_id).where(Membership.organisation_id.in_(managed or [-1]))
        return query.where(User.id.in_(members))

    def get_query(self):
        return self._scope(super().get_query())

    def get_count_query(self):
        return self._scope(super().get_count_query())

    def get_one(self, id):
        model = super().get_one(id)
        if model is None:
            return None
        allowed = db.session.execute(self._scope(select(self.model.id).where(self.model.id == model.id))).first()
        return model if allowed else None

    def check(self, form, model, is_created):
        from ..auth.models import User

        state = inspect(model)
        managed = managed_organisation_ids(current_user)
        role_changed = state.attrs.role.history.has_changes()
        if managed is not None and role_changed:
            raise ValidationError(_("Only an administrator can change a person's role."))
        was_admin = Role.ADMIN in (state.attrs.role.history.deleted or [model.role])
        still_admin = model.role == Role.ADMIN and model.active
        if was_admin and not still_admin:
            others = db.session.scalar(
                select(func.count()).select_from(User)
                .where(User.role == Role.ADMIN, User.active.is_(True), User.id != model.id)
            )
            if not others:
                raise ValidationError(_("This is the last active administrator: appoint another one first."))


class MembershipView(AuditedView):
    """Who works where, in which role. A membership can be ended (deleted): the person, their
    history and the audit entry of the change stay."""

    policy_action = "admin.users"
    audit_name = "membership"
    can_delete = True
    column_list = ("user", "organisation", "role")
    column_filters = ("role",)
    form_columns = ("user", "organisation", "role")
    column_labels = {"user": _l("Person"), "organisation": _l("Organisation"), "role": _l("Role")}
    # Roles held through an organisation only; labels translated when the form is drawn.
    form_choices = {"role": [(role.value, LABELS[role.value]) for role in MEMBER_ROLES]}

    def _scope(self, query, model):
        managed = managed_organisation_ids(current_user)
        return query if managed is None else query.where(model.organisation_id.in_(managed or [-1]))

    def get_query(self):
        return self._scope(super().get_query(), self.model)

    def get_count_query(self):
        return self._scope(super().get_count_query(), self.model)

    def get_one(self, id):
        model = super().get_one(id)
        managed = managed_organisation_ids(current_user)
        return None if model is None or (managed is not None and model.organisation_id not in managed) else model

    def check(self, form, model, is_created):
        managed = managed_organisation_ids(current_user)
        # The form sets the relationship; the foreign key follows only at the flush.
        organisation_id = model.organisation.id if model.organisation is not None else model.organisation_id
        if managed is not None and organisation_id not in managed:
            raise ValidationError(_("You can only manage the staff of your own organisation."))
        return []

    def on_model_delete(self, model):
        managed = managed_organisation_ids(current_user)
        if managed is not None and model.organisation_id not in managed:
            raise ValidationError(_("You can only manage the staff of your own organisation."))
        record("admin.deleted", actor=current_user, model=self.audit_name, id=model.id,
               user_id=model.user_id, organisation_id=model.organisation_id, role=model.role.value)


def init_admin(app) -> None:
    app.add_template_global(lambda: can(current_user, "admin.use"), "may_administer")
    admin = Admin(app, name=_l("Administration"), url="/admin", theme=Bootstrap4Theme(),
                  index_view=HomeView(name=_l("Overview"), url="/admin", endpoint="admin"),
                  translations_path=None)
    from ..auth.models import User
    from ..orgs.models import Organisation, Region

    admin.add_view(RegionView(Region, db, name=_l("Regions"), endpoint="admin_regions",
                               url="/admin/regions"))
    admin.add_view(OrganisationView(Organisation, db, name=_l("Organisations"),
                                    endpoint="admin_organisations", url="/admin/organisations"))
    admin.add_view(UserView(User, db, name=_l("People"), endpoint="admin_users",
                             url="/admin/people"))
    from ..orgs.models import Membership

    admin.add_view(MembershipView(Membership, db, name=_l("Memberships"), endpoint="admin_memberships",
                                  url="/admin/memberships"))
    from .invitations import StaffInvitationView

    admin.add_view(StaffInvitationView(name=_l("Invite staff"), endpoint="admin_invite", url="/admin/invite"))
