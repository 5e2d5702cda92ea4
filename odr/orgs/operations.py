"""Business rules for regions and organisations: every new node of either tree goes through here.

Both trees keep a materialized path ("/<root id>/<child id>/"), so "everything below X" is one
`path LIKE 'X.path%'` query. The path needs the row's own id, so each function flushes first.
Operations flush and audit; they never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from ..core.audit import record
from ..core.enums import REGION_CHILD_LEVEL, Category, OrgType, RegionLevel
from ..core.errors import ValidationFailed
from ..extensions import db
from .models import Organisation, OrganisationCategory, Region


def _child_path(parent, own_id: int) -> str:
    return f"{parent.path if parent is not None else '/'}{own_id}/"


def add_region(code: str, name: str, level: RegionLevel | str, parent: Region | None = None, *,
               name_en: str | None = None, actor=None) -> Region:
    """A region below `parent` (a district has none): district > street > community > grid."""
    level = RegionLevel(level)
    if parent is None and level != RegionLevel.DISTRICT:
        raise ValidationFailed(_("Only a district can be at the top of the region tree."))
    if parent is not None and REGION_CHILD_LEVEL.get(parent.level) != level:
        raise ValidationFailed(_("This kind of region cannot be placed there."))
    region = Region(code=code, name=name, name_en=name_en, level=level,
                    parent_id=parent.id if parent is not None else None)
    db.session.add(region)
    db.session.flush()
    region.path = _child_path(parent, region.id)
    db.session.flush()
    record("region.created", actor=actor, region_id=region.id, code=code, level=level,
           parent_id=region.parent_id, path=region.path)
    return region


def add_organisation(name: str, org_type: OrgType | str, *, name_en: str | None = None,
                     parent: Organisation | None = None, region: Region | None = None,
                     regions: Iterable[Region] = (), categories: Iterable[Category | str] = (),
                     address: str | None = None, phone: str | None = None, email: str | None = None,
                     actor=None) -> Organisation:
    """An organisation, optionally below `parent`, with the regions and dispute categories it serves."""
    regions = list(regions)
    categories = sorted({Category(c) for c in categories})
    org = Organisation(
        name=name, name_en=name_en, type=OrgType(org_type),
        parent_id=parent.id if parent is not None else None,
        region_id=region.id if region is not None else None,
        address=address, phone=phone, email=email,
    )
    db.session.add(org)
    db.session.flush()
    org.path = _child_path(parent, org.id)
    org.regions_served.extend(regions)
    org.categories.extend(OrganisationCategory(category=c) for c in categories)
    db.session.flush()
    record("organisation.created", actor=actor, organisation_id=org.id, type=org.type,
           parent_id=org.parent_id, path=org.path, regions=[r.id for r in regions],
           categories=categories)
    return org


def check_region_place(level: RegionLevel | str, parent: Region | None) -> None:
    """The region tree's shape: district > street > community > grid."""
    level = RegionLevel(level)
    if parent is None and level != RegionLevel.DISTRICT:
        raise ValidationFailed(_("Only a district can be at the top of the region tree."))
    if parent is not None and REGION_CHILD_LEVEL.get(parent.level) != level:
        raise ValidationFailed(_("This kind of region cannot be placed there."))


def place_in_tree(node, parent) -> None:
    """Give `node` (a Region or an Organisation, flushed) the path under `parent`, and move its
    whole subtree with it when it changes place. Refuses to put a node below itself."""
    model = type(node)
    if parent is not None and (parent.id == node.id or (node.path != "/" and parent.path.startswith(node.path))):
        raise ValidationFailed(_("A node cannot be placed below itself."))
    old_path, new_path = node.path, _child_path(parent, node.id)
    if old_path == new_path:
        return
    if old_path and old_path != "/":
        for below in db.session.execute(
            db.select(model).where(model.path.startswith(old_path), model.id != node.id)
        ).scalars():
            below.path = new_path + below.path[len(old_path):]
    node.path = new_path
    db.session.flush()
