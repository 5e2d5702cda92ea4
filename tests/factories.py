"""Builders for test data. Users get a precomputed password hash: hashing is slow on purpose."""

from __future__ import annotations

from itertools import count
from types import SimpleNamespace

from werkzeug.security import generate_password_hash

from odr.auth.models import User
from odr.cases import operations as case_ops
from odr.cases.paths import path_to
from odr.core.enums import CaseState, Category, Role, Side
from odr.extensions import db
from odr.orgs.models import Membership
from odr.orgs.operations import add_organisation, add_region

PASSWORD = "correct-horse-battery"
_HASH = generate_password_hash(PASSWORD)
_seq = count(1)


def make_region(name, level, parent=None, code=None):
    return add_region(code or f"R{next(_seq)}", name, level, parent)


def make_org(name, org_type, parent=None, regions=(), categories=tuple(Category)):
    return add_organisation(name, org_type, name_en=name, parent=parent, regions=regions,
                            categories=categories)


def make_user(role, org=None, name=None, **extra):
    role = Role(role)
    n = next(_seq)
    user = User(name=name or f"{role.value} {n}", role=role, email=f"{role.value}{n}@example.test",
                password_hash=_HASH, **extra)
    db.session.add(user)
    if org is not None:
        user.memberships.append(Membership(organisation=org, role=role))
    db.session.flush()
    return user


def build_world():
    w = SimpleNamespace()
    w.district = make_region("西湖区", "district")
    w.street = make_region("北山街道", "street", w.district)
    w.community = make_region("宝石社区", "community", w.street)
    w.grid = make_region("宝石一网格", "grid", w.community)
    w.other_street = make_region("灵隐街道", "street", w.district)
    w.other_grid = make_region("灵隐二网格", "grid", make_region("玉泉社区", "community", w.other_street))

    w.district_committee = make_org("西湖区人民调解委员会", "peoples_mediation_committee", regions=[w.district])
    w.committee = make_org("北山街道人民调解委员会", "peoples_mediation_committee", parent=w.district_committee,
                           regions=[w.street])
    w.other_committee = make_org("灵隐街道人民调解委员会", "peoples_mediation_committee",
                                 parent=w.district_committee, regions=[w.other_street])
    w.court = make_org("西湖区人民法院", "court", regions=[w.district])
    w.arbitration = make_org("杭州劳动人事争议仲裁委员会", "arbitration_commission", categories=[Category.LABOUR])

    w.applicant = make_user("applicant", name="张三")
    w.respondent = make_user("respondent", name="李四")
    w.representative = make_user("representative", name="王律师")
    w.grid_worker = make_user("grid_worker", name="赵网格")
    w.consultant = make_user("consultant", w.committee)
    w.mediator = make_user("mediator", w.committee, name="陈调解")
    w.clerk = make_user("clerk", w.committee)
    w.supervisor = make_user("supervisor", w.district_committee)
    w.admin = make_user("admin")
    w.other_clerk = make_user("clerk", w.other_committee)
    w.other_mediator = make_user("mediator", w.other_committee)
    w.court_clerk = make_user("clerk", w.court)
    w.stranger = make_user("applicant", name="路人")
    return w


def make_case(w, state=CaseState.DRAFT, *, title="拖欠工资 unpaid wages", category=Category.LABOUR,
              applicant=None, respondent_user=None, amount="12000.00", with_mediator=True):
    applicant = applicant or w.applicant
    respondent_user = respondent_user or w.respondent
    case = case_ops.create_case(
        applicant, category=category, title=title, facts="公司拖欠三个月工资。The company owes three months' wages.",
        claims="支付工资 12000 元", claim_amount=amount, region_id=w.grid.id,
    )
    case_ops.add_party(case, applicant, side=Side.RESPONDENT, name="某某公司", phone="13800000000")
    case.parties[-1].user_id = respondent_user.id
    cast = {"applicant": applicant, "clerk": w.clerk, "respondent": respondent_user, "mediator": w.mediator,
            "receiving_clerk": w.court_clerk}
    for action, who in path_to(CaseState(state)):
        data = {}
        if action in ("consent",) and with_mediator and not case.mediator_ids:
            case_ops.assign_mediator(case, w.clerk, w.mediator)
        if action in ("offer_referral", "request_confirmation"):
            case.target_organisation_id = w.court.id
            case.target_organisation = w.court
            data["target_organisation_id"] = w.court.id
        reason = "测试原因 test reason"
        if action == "request_confirmation":
            apply_jointly(case, cast["applicant"], respondent_user, w.court)
            continue
        case_ops.transition(case, action, cast[who], reason=reason, **data)
    db.session.flush()
    return case


def apply_jointly(case, applicant, respondent, court):
    """Judicial confirmation is applied for jointly (odr/confirmation): one side starts, the other joins."""
    from odr.confirmation import operations as confirmation

    confirmation.start(case, applicant, court.id)
    confirmation.join(case, respondent)
