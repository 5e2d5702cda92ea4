"""Administration pages (issue 9 items 1 and 6): the region tree, organisations, people and staff
invitations, run from the pages with the policy deciding access and every change audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from odr.auth.models import User
from odr.core.audit import AuditEvent
from odr.core.enums import Role
from odr.extensions import db
from odr.notifications.models import OutboxMessage
from odr.orgs.models import Membership, Organisation, Region

PAGES = ["/admin/", "/admin/regions/", "/admin/regions/new/", "/admin/organisations/", "/admin/people/",
         "/admin/invite/"]


def audit(action):
    return db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars().all()


@pytest.mark.parametrize("path", PAGES)
def test_an_administrator_opens_every_page(world, login, path):
    assert login(world.admin).get(path).status_code == 200


@pytest.mark.parametrize("who", ["applicant", "mediator", "supervisor", "grid_worker"])
def test_others_are_refused_and_the_refusal_is_audited(world, login, who):
    client = login(getattr(world, who))
    for path in ("/admin/", "/admin/people/", "/admin/invite/"):
        assert client.get(path).status_code == 403
    assert len(audit("access.denied")) == 3


def test_a_clerk_sees_only_their_own_organisation_and_never_the_region_tree(world, login):
    client = login(world.clerk)
    assert client.get("/admin/regions/").status_code == 403
    page = client.get("/admin/organisations/").get_data(as_text=True)
    assert world.committee.name in page
    assert world.other_committee.name not in page and world.court.name not in page
    # Another organisation's edit page does not open, and a post to it changes nothing.
    response = client.post(f"/admin/organisations/edit/?id={world.other_committee.id}",
                           data={"name": "改名", "type": "peoples_mediation_committee"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, world.other_committee.id).name != "改名"
    people = client.get("/admin/people/").get_data(as_text=True)
    assert world.mediator.email in people and world.other_mediator.email not in people


def region_form(**fields):
    return {"code": "T1", "name": "新社区", "name_en": "New community", "level": "community", **fields}


def test_a_region_is_added_where_the_tree_allows_and_audited(world, login):
    client = login(world.admin)
    response = client.post("/admin/regions/new/", data=region_form(parent=str(world.street.id)))
    assert response.status_code == 302
    region = db.session.execute(select(Region).where(Region.code == "T1")).scalar_one()
    assert region.path == f"{world.street.path}{region.id}/"
    created = audit("admin.created")
    assert created[-1].payload["model"] == "region" and "name" in created[-1].payload["fields"]
    assert "新社区" not in str(created[-1].payload)  # field names, never values


@pytest.mark.parametrize("fields", [{"parent": ""}, {"level": "grid"}, {"level": "district"}])
def test_a_region_in_the_wrong_place_is_refused_and_nothing_is_saved(world, login, fields):
    world.admin.locale = "en"
    db.session.commit()
    data = region_form(parent=str(world.street.id))
    data.update(fields)
    response = login(world.admin).post("/admin/regions/new/", data=data, follow_redirects=True)
    assert db.session.execute(select(Region).where(Region.code == "T1")).first() is None
    page = response.get_data(as_text=True)
    assert "cannot be placed there" in page or "top of the region tree" in page
    assert audit("admin.created") == []


def test_moving_a_region_moves_its_subtree(world, login):
    old_grid_path = world.grid.path
    response = login(world.admin).post(f"/admin/regions/edit/?id={world.community.id}", data={
        "code": world.community.code, "name": world.community.name, "name_en": "",
        "level": "community", "parent": str(world.other_street.id)})
    assert response.status_code == 302
    db.session.expire_all()
    community = db.session.get(Region, world.community.id)
    grid = db.session.get(Region, world.grid.id)
    assert community.path.startswith(world.other_street.path)
    assert grid.path == f"{community.path}{grid.id}/" != old_grid_path


def test_a_clerk_edits_their_organisations_contact_but_not_its_place(world, login):
    client = login(world.clerk)
    form = {"name": world.committee.name, "name_en": "Beishan committee", "type": "peoples_mediation_committee",
            "parent": str(world.district_committee.id), "phone": "0571-88888888", "active": "y"}
    assert client.post(f"/admin/organisations/edit/?id={world.committee.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, world.committee.id).phone == "0571-88888888"
    moved = dict(form, parent="")
    client.post(f"/admin/organisations/edit/?id={world.committee.id}", data=moved)
    db.session.expire_all()
    assert db.session.get(Organisation, world.committee.id).parent_id == world.district_committee.id


def user_form(user, **fields):
    data = {"name": user.name, "email": user.email or "", "phone": user.phone or "", "role": user.role.value,
            "active": "y" if user.active else "", "locale": user.locale or ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v != ""}


def test_deactivating_keeps_the_history_and_stops_sign_in(world, login):
    response = login(world.admin).post(f"/admin/people/edit/?id={world.mediator.id}",
                                       data=user_form(world.mediator, active=""))
    assert response.status_code == 302
    db.session.expire_all()
    mediator = db.session.get(User, world.mediator.id)
    assert mediator.active is False
    assert db.session.execute(select(Membership).where(Membership.user_id == mediator.id)).first() is not None
    assert "active" in audit("admin.updated")[-1].payload["fields"]


def test_the_last_administrator_cannot_remove_themselves(world, login):
    world.admin.locale = "en"
    db.session.commit()
    client = login(world.admin)
    response = client.post(f"/admin/people/edit/?id={world.admin.id}", data=user_form(world.admin, active=""),
                           follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).active is True
    assert audit("admin.updated") == []
    page = response.get_data(as_text=True)
    # (The form put the admin's own row in the session as inactive, so this answer may come in
    # the default language rather than the account's.)
    assert "last active administrator" in page or "最后一位有效的管理员" in page
    client.post(f"/admin/people/edit/?id={world.admin.id}", data=user_form(world.admin, role="clerk"))
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).role == Role.ADMIN


def test_a_clerk_cannot_change_anyones_role(world, login):
    login(world.clerk).post(f"/admin/people/edit/?id={world.mediator.id}",
                            data=user_form(world.mediator, role="admin"))
    db.session.expire_all()
    assert db.session.get(User, world.mediator.id).role == Role.MEDIATOR


def test_an_invited_staff_member_chooses_a_password_once(world, login, client):
    response = login(world.clerk).post("/admin/invite/", data={
        "name": "新调解员", "email": "new.mediator@example.test", "role": "mediator",
        "organisation": str(world.committee.id)})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "new.mediator@example.test")).scalar_one()
    assert user.password_hash is None and [m.organisation_id for m in user.memberships] == [world.committee.id]
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.to == user.email)).scalar_one()
    path = re.search(r"https?://[^/\s]+(/welcome/\S+)", mail.body).group(1)
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": "short"}).status_code == 422
    assert client.post(path, data={"password": "a-good-long-password"}).status_code == 302
    assert client.get(path).status_code == 410  # used
    login_page = client.post("/login", data={"login": user.email, "password": "a-good-long-password"})
    assert login_page.status_code == 302


def test_a_clerk_invites_only_into_their_own_organisation(world, login):
    response = login(world.clerk).post("/admin/invite/", data={
        "name": "外人", "email": "x@example.test", "role": "clerk", "organisation": str(world.other_committee.id)})
    assert response.status_code == 200  # the form again, with the error
    assert db.session.execute(select(User).where(User.email == "x@example.test")).first() is None


def test_an_invitation_for_an_existing_address_is_refused(world, login):
    response = login(world.admin).post("/admin/invite/", data={
        "name": "重复", "email": world.mediator.email, "role": "mediator", "organisation": str(world.committee.id)})
    assert response.status_code == 200
    assert db.session.execute(select(User).where(User.name == "重复")).first() is None


def test_an_organisation_is_set_up_from_the_page_with_what_it_serves(world, login):
    response = login(world.admin).post("/admin/organisations/new/", data={
        "name": "灵隐街道劳动争议调解中心", "name_en": "Lingyin labour mediation centre",
        "type": "peoples_mediation_committee", "parent": str(world.district_committee.id),
        "regions_served": [str(world.other_street.id)], "categories_served": ["labour", "tenancy"],
        "active": "y", "requires_real_name": "y"})
    assert response.status_code == 302
    org = db.session.execute(select(Organisation).where(Organisation.name_en == "Lingyin labour mediation centre")).scalar_one()
    assert {c.value for c in org.category_codes} == {"labour", "tenancy"}
    assert [r.id for r in org.regions_served] == [world.other_street.id]
    assert org.path == f"{world.district_committee.path}{org.id}/" and org.requires_real_name
    # Changing what it serves is audited by name.
    form = {"name": org.name, "name_en": org.name_en, "type": "peoples_mediation_committee",
            "parent": str(world.district_committee.id), "regions_served": [str(world.other_street.id)],
            "categories_served": ["labour"], "active": "y"}
    assert login(world.admin).post(f"/admin/organisations/edit/?id={org.id}", data=form).status_code == 302
    db.session.expire_all()
    assert {c.value for c in db.session.get(Organisation, org.id).category_codes} == {"labour"}
    assert "categories" in audit("admin.updated")[-1].payload["fields"]


def test_a_seal_image_is_uploaded_and_printed_on_the_organisations_papers(world, login):
    import io

    from PIL import Image
    from pypdf import PdfReader

    from odr.cases.models import Case
    from odr.core.enums import CaseState
    from odr.core.storage import blob_path
    from odr.documents.models import DocumentType
    from odr.documents.operations import issue_document

    from .factories import make_case

    png = io.BytesIO()
    Image.new("RGB", (120, 120), (200, 30, 30)).save(png, "PNG")
    form = {"name": world.committee.name, "type": "peoples_mediation_committee",
            "parent": str(world.district_committee.id), "active": "y",
            "regions_served": [str(r.id) for r in world.committee.regions_served],
            "categories_served": sorted(c.value for c in world.committee.category_codes)}
    client = login(world.admin)
    bad = client.post(f"/admin/organisations/edit/?id={world.committee.id}",
                      data=dict(form, seal_image=(io.BytesIO(b"GIF89a not a png"), "seal.gif")),
                      content_type="multipart/form-data", follow_redirects=True)
    assert bad.status_code == 200
    db.session.expire_all()
    assert db.session.get(Organisation, world.committee.id).seal_sha256 is None
    ok = client.post(f"/admin/organisations/edit/?id={world.committee.id}",
                     data=dict(form, seal_image=(io.BytesIO(png.getvalue()), "seal.png")),
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, world.committee.id).seal_sha256
    case = make_case(world, CaseState.ACCEPTED)
    document = issue_document(db.session.get(Case, case.id), DocumentType.ACCEPTANCE_NOTICE, world.clerk, "zh_CN")
    db.session.commit()
    reader = PdfReader(io.BytesIO(blob_path(document.sha256).read_bytes()))
    images = [image for page in reader.pages for image in page.images]
    assert any(image.image.size == (120, 120) for image in images)


def test_memberships_are_given_and_ended_from_the_pages_within_the_clerks_organisation(world, login):
    clerk = login(world.clerk)
    response = clerk.post("/admin/memberships/new/", data={
        "user": str(world.consultant.id), "organisation": str(world.committee.id), "role": "mediator"})
    assert response.status_code == 302
    added = db.session.execute(select(Membership).where(Membership.user_id == world.consultant.id,
                                                        Membership.role == Role.MEDIATOR)).scalar_one()
    # Not into another organisation.
    clerk.post("/admin/memberships/new/", data={
        "user": str(world.consultant.id), "organisation": str(world.other_committee.id), "role": "clerk"})
    assert db.session.execute(select(Membership).where(
        Membership.organisation_id == world.other_committee.id, Membership.user_id == world.consultant.id)).first() is None
    # An applicant role is not held through an organisation.
    clerk.post("/admin/memberships/new/", data={
        "user": str(world.applicant.id), "organisation": str(world.committee.id), "role": "applicant"})
    assert db.session.execute(select(Membership).where(Membership.user_id == world.applicant.id)).first() is None
    page = clerk.get("/admin/memberships/").get_data(as_text=True)
    assert world.other_mediator.name not in page
    assert clerk.post("/admin/memberships/delete/", data={"id": str(added.id)}).status_code == 302
    assert db.session.get(Membership, added.id) is None
    deleted = audit("admin.deleted")[-1].payload
    assert deleted["model"] == "membership" and deleted["user_id"] == world.consultant.id
    # Another organisation's membership cannot be ended.
    theirs = db.session.execute(select(Membership).where(Membership.user_id == world.other_mediator.id)).scalar_one()
    clerk.post("/admin/memberships/delete/", data={"id": str(theirs.id)})
    assert db.session.get(Membership, theirs.id) is not None
