"""The demo seed: complete, honest (audit chain intact) and idempotent; and the region/organisation operations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from odr.auth.models import User
from odr.cases.models import Case
from odr.core.audit import AuditEvent, verify_chain
from odr.core.enums import CaseState, OrgType, RiskLevel, Role
from odr.core.errors import ValidationFailed
from odr.core.models import utcnow
from odr.core.policy import visible_cases_clause
from odr.demo import DEMO_PASSWORD, demo_logins, seed_demo
from odr.extensions import db
from odr.orgs.models import Organisation, Region
from odr.orgs.operations import add_region
from odr.supervision.models import ClockAlert


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _visible(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(visible_cases_clause(user)))


def test_seed_demo_builds_a_complete_honest_world(app):
    result = seed_demo()

    # Level 0 is a reminder, higher levels escalations (counted in Python: PostgreSQL refuses a
    # GROUP BY on an expression whose bound parameter differs from the SELECT's).
    levels = db.session.execute(select(ClockAlert.level)).scalars().all()
    reminders = sum(1 for level in levels if level == 0)
    assert result == {"cases": 60, "users": _count(User), "organisations": _count(Organisation),
                      "reminders": reminders, "escalations": len(levels) - reminders}  # the clocks ran once
    assert {c for (c,) in db.session.execute(select(Case.state).distinct())} == set(CaseState)
    assert {t for (t,) in db.session.execute(select(Organisation.type).distinct())} == set(OrgType)

    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@demo.odr")))}
    for role in Role:
        user = users[f"{role.value}@demo.odr"]
        assert user.role == role
        assert check_password_hash(user.password_hash, DEMO_PASSWORD)
    # The password is hashed once for all demo accounts (scrypt costs 0.1-0.4 s a hash, which once
    # per account made the seed several times slower). A structural check, not a timed one: the
    # seed's time is measured by hand (docs/benchmarks.md), never asserted in a test.
    assert len({u.password_hash for u in users.values()}) == 1
    assert users["court.clerk@demo.odr"].memberships[0].organisation.type == OrgType.COURT
    assert {u.locale for u in users.values()} == {"zh_CN", "en"}
    for role in (Role.MEDIATOR, Role.CLERK, Role.CONSULTANT, Role.SUPERVISOR):
        assert users[f"{role.value}@demo.odr"].memberships

    report = verify_chain()
    assert report.ok, report
    assert report.checked == _count(AuditEvent)

    # The demo accounts see cases when they sign in, and the demo has work that needs attention.
    assert _visible(users["applicant@demo.odr"]) >= 3
    assert _visible(users["respondent@demo.odr"]) >= 3
    assert _visible(users["clerk@demo.odr"]) >= 30
    overdue = db.session.scalars(select(Case).where(Case.state_deadline < utcnow())).all()
    assert len(overdue) >= 3
    backdated = {e.case_id for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.backdated"))}
    assert {c.id for c in overdue} <= backdated
    risks = {r for (r,) in db.session.execute(select(Case.risk_level).distinct())}
    assert {RiskLevel.HIGH, RiskLevel.MAJOR} <= risks
    assert db.session.scalar(select(func.count()).where(Case.language == "en")) >= 1

    # Trees: materialized paths, street committees below the district's.
    for region in db.session.scalars(select(Region)):
        assert region.path == f"{region.parent.path if region.parent else '/'}{region.id}/"
    district = db.session.scalar(select(Organisation).where(Organisation.name == "西湖区人民调解委员会"))
    streets = db.session.scalars(select(Organisation).where(Organisation.name.like("%街道人民调解委员会"))).all()
    assert len(streets) == 2
    assert all(s.parent_id == district.id and s.path.startswith(district.path) for s in streets)


def test_second_seed_does_nothing(app):
    seed_demo(case_count=20)
    before = {m.__name__: _count(m) for m in (User, Case, AuditEvent, Organisation)}
    assert seed_demo(case_count=20) is None
    assert seed_demo(case_count=20, force=True) is None  # the demo accounts exist: never twice
    assert {m.__name__: _count(m) for m in (User, Case, AuditEvent, Organisation)} == before


def test_seed_refuses_a_database_with_users_unless_forced(app, world):
    users = _count(User)
    assert seed_demo(case_count=17) is None
    assert _count(User) == users
    result = seed_demo(case_count=17, force=True)
    assert result["cases"] == 17
    assert verify_chain().ok


def test_cli_seeds_and_prints_the_logins(runner):
    result = runner.invoke(args=["odr", "seed-demo", "--cases", "20"])
    assert result.exit_code == 0, result.output
    assert "Seeded 20 cases" in result.output
    assert DEMO_PASSWORD in result.output
    for _label, login in demo_logins():
        assert login in result.output
    again = runner.invoke(args=["odr", "seed-demo"])
    assert "already present" in again.output
    assert "clerk@demo.odr" in again.output


def test_add_region_keeps_the_tree_shape(app):
    with app.test_request_context():  # refusals are translated for the request's language
        _check_region_tree()


def _check_region_tree():
    district = add_region("330106", "西湖区", "district")
    street = add_region("330106001", "北山街道", "street", district, name_en="Beishan Subdistrict")
    assert street.path == f"/{district.id}/{street.id}/"
    with pytest.raises(ValidationFailed):
        add_region("330106001G9", "网格", "grid", street)  # a grid belongs in a community
    with pytest.raises(ValidationFailed):
        add_region("330107", "北山", "street")  # only a district can be a root
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["region.created", "region.created"]
