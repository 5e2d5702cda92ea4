"""Demo data for the embedded default (`flask --app wsgi odr seed-demo`).

Everything is built the honest way, through the same operations the service uses: regions and
organisations through orgs.operations, accounts through auth.operations, and every case is walked
to its state by cases.operations.transition(), so its audit trail and deadlines are real. The one
exception is `backdate()`, which moves a finished demo case's clock into the past (so the demo has
history and overdue cases) and says so in the audit chain as `demo.backdated`. Nothing outside this
module may do that.

Invented content (places, bodies, people, stories) lives in odr/demo_content.py.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from . import demo_content as content
from .auth.models import User
from .auth.operations import create_invitation, create_user, redeem_invitation
from .cases import operations as case_ops
from .cases import workflow
from .cases.paths import path_to
from .core.audit import record
from .core.enums import (
    FINAL_STATES,
    REGION_CHILD_LEVEL,
    CaseState,
    Category,
    PartyKind,
    RegionLevel,
    RiskLevel,
    Role,
    Side,
)
from .extensions import db
from .orgs.operations import add_organisation, add_region

DEMO_PASSWORD = "demo-password-2026"
S = CaseState

# How often each state comes up after the first case of every state: mostly live work.
STATE_WEIGHTS = {
    S.DRAFT: 2, S.SUBMITTED: 4, S.ACCEPTED: 2, S.REJECTED: 1, S.CONSULTATION: 3, S.EVALUATION: 3,
    S.AWAITING_RESPONDENT: 4, S.MEDIATION: 6, S.MEDIATION_FAILED: 1, S.REFERRAL_OFFERED: 2,
    S.REFERRED: 1, S.SETTLED: 2, S.CONFIRMATION_REQUESTED: 1, S.CONFIRMED: 1,
    S.CONFIRMATION_REFUSED: 1, S.WITHDRAWN: 1, S.CLOSED: 5,
}
# Demo accounts are parties in every n-th case.
APPLICANT_EVERY = 6
RESPONDENT_EVERY = 5


def demo_logins() -> list[tuple[str, str]]:
    """[(role label, login)] of the demo accounts, all with the password DEMO_PASSWORD."""
    return [(content.LOGIN_LABELS[key], spec[0]) for key, spec in content.USERS.items()]


def seed_demo(case_count: int = 60, force: bool = False) -> dict | None:
    """Fill the database with demo data in one transaction; None if there are users already.

    `force` seeds a database that has other users (say, an administrator made with create-user),
    but never twice: if the demo accounts exist, nothing is done.
    """
    has_users = db.session.scalar(select(func.count()).select_from(User))
    demo_there = db.session.scalar(select(User.id).where(User.email == content.USERS["admin"][0]))
    if (has_users and not force) or demo_there:
        return None
    # Sixty cases' papers would take half a minute to render: the demo's cases come without
    # their acceptance notices (the case page issues one on demand).
    jobs = current_app.config.get("DOCUMENT_JOBS")
    current_app.config["DOCUMENT_JOBS"] = "off"
    try:
        seeder = _Seeder(random.Random(2026))
        seeder.build_places_and_people()
        for index, state in enumerate(_plan_states(case_count, seeder.rng)):
            seeder.add_case(index, state)
        seeder.finish()
    except Exception:
        db.session.rollback()
        raise
    else:
        db.session.commit()
    finally:
        current_app.config["DOCUMENT_JOBS"] = jobs
    # The clocks run once now, so the supervisor's board, the reminders and the escalations of
    # the overdue cases are there at once (in /outbox); the scheduler keeps running them.
    from .supervision.clocks import run_clocks

    clocks = run_clocks()
    return {"cases": len(seeder.cases), "users": seeder.user_count, "organisations": len(seeder.orgs),
            "reminders": clocks["reminders"], "escalations": clocks["escalations"] + clocks["escalations_up"]}


def backdate(case, days: int, actor=None) -> None:
    """DEMO ONLY: move a case's whole life `days` into the past, and say so in the audit chain.

    The service never does this: clocks only move forward. The demo needs cases with a history
    and some that are overdue, and cannot wait weeks for them.
    """
    delta = timedelta(days=days)
    for name in ("created_at", "submitted_at", "settled_at", "closed_at", "state_entered_at", "state_deadline"):
        value = getattr(case, name)
        if value is not None:
            setattr(case, name, value - delta)
    db.session.flush()
    _backdate_stages(case, delta)
    record("demo.backdated", actor=actor, case=case, days=days, state_entered_at=case.state_entered_at,
           state_deadline=case.state_deadline, note="demo data only")


def _backdate_stages(case, delta: timedelta) -> None:
    """DEMO ONLY: the case's stays in each state (odr/statistics) move with it. A demo case walks
    its whole path in a second, so the finished stays are also given plausible lengths, laid
    back to back before the current one: the statistics' time per stage then shows something."""
    from .cases.workflow import DEFAULT_DEADLINE_DAYS
    from .statistics.models import CaseStage
    from .statistics.stages import close_stay

    stays = list(db.session.scalars(select(CaseStage).where(CaseStage.case_id == case.id)
                                    .order_by(CaseStage.id.desc())))
    rng = random.Random(case.id)
    end = None
    for stay in stays:
        if stay.left_at is None:  # the stay the case is in now
            stay.entered_at -= delta
            stay.deadline = stay.deadline - delta if stay.deadline else None
            end = stay.entered_at
            continue
        end = end or (case.closed_at or stay.left_at - delta)
        allowed = DEFAULT_DEADLINE_DAYS.get(stay.state, 7)
        length = timedelta(hours=rng.uniform(0.1, 1.3) * allowed * 24)
        stay.entered_at = end - length
        stay.deadline = stay.entered_at + timedelta(days=allowed)
        close_stay(stay, end)
        end = stay.entered_at
    db.session.flush()


def _plan_states(count: int, rng: random.Random) -> list[CaseState]:
    """At least one case in every state (if count allows), the rest by STATE_WEIGHTS."""
    states = list(CaseState)
    plan = states[:count]
    if count > len(states):
        plan += rng.choices(states, weights=[STATE_WEIGHTS[s] for s in states], k=count - len(states))
    rng.shuffle(plan)
    return plan


def _route(state: CaseState, rng: random.Random) -> list[tuple[str, str]]:
    """The actions that bring a draft to `state`: the shortest path, or another real one."""
    if state == S.CLOSED:
        return rng.choice((
            path_to(S.CLOSED),
            path_to(S.CLOSED),
            path_to(S.CONSULTATION) + [("resolve", "consultant")],
            path_to(S.CONFIRMED) + [("close", "receiving_clerk")],
            path_to(S.REFERRED) + [("close", "receiving_clerk")],
        ))
    if state == S.REFERRAL_OFFERED and rng.random() < 0.5:
        return path_to(S.AWAITING_RESPONDENT) + [("decline", "respondent")]
    return path_to(state)


class _Seeder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.password_hash = generate_password_hash(DEMO_PASSWORD)  # once: hashing is slow on purpose
        self.users: dict[str, User] = {}
        self.orgs: dict = {}
        self.grids_by_street: dict[str, list] = {}
        self.cases: list = []
        self.accounts: dict[str, User] = {}  # respondents who signed up through their invitation
        self.user_count = 0
        self._phone = 13805710000

    # -- places, bodies and accounts -------------------------------------------------------
    def build_places_and_people(self) -> None:
        self.users["admin"] = self._user("admin", {})
        regions = {}
        self._region(content.REGION_TREE, None, regions, street=None)
        for key, (name, name_en, org_type, parent, served, categories, phone) in content.ORGANISATIONS.items():
            self.orgs[key] = add_organisation(
                name, org_type, name_en=name_en, parent=self.orgs.get(parent), region=regions[served],
                regions=[regions[served]], categories=categories, phone=phone,
                address=f"杭州市西湖区{regions[served].name}", actor=self.users["admin"],
            )
        for key, spec in content.USERS.items():
            if key != "admin":
                self.users[key] = self._user(key, spec[5])

    def _region(self, node, parent, regions, street):
        code, name, name_en, children = node
        level = RegionLevel.DISTRICT if parent is None else REGION_CHILD_LEVEL[parent.level]
        region = add_region(code, name, level, parent, name_en=name_en)
        regions[code] = region
        if parent is not None and street is None:
            street = code
        if not children:
            self.grids_by_street.setdefault(street, []).append(region)
        for child in children:
            self._region(child, region, regions, street)

    def _user(self, key: str, memberships: dict) -> User:
        login, name, role, locale, phone, _ = content.USERS[key]
        user = create_user(
            name=name, role=role, email=login, phone=phone, locale=locale,
            actor=self.users.get("admin"),
            memberships=[(self.orgs[org_key], member_role) for org_key, member_role in memberships.items()],
        )
        user.password_hash = self.password_hash
        self.user_count += 1
        return user

    def _next_phone(self) -> str:
        self._phone += self.rng.randint(1, 97)
        return str(self._phone)

    # -- cases -------------------------------------------------------------------------------
    def add_case(self, index: int, state: CaseState) -> None:
        rng = self.rng
        route = _route(state, rng)
        english = rng.random() < 0.12
        actions = {action for action, _ in route}
        # Enough cases for the demo applicant and respondent, and for the arbitration clerk.
        demo_applicant = not english and index % APPLICANT_EVERY == 1
        demo_respondent = not english and "invite_respondent" in actions and index % RESPONDENT_EVERY == 2
        stories = content.STORIES_EN if english else content.STORIES_ZH
        if demo_respondent:
            stories = [s for s in stories if s[5] == "person"]
        elif "refer" in actions and rng.random() < 0.5:
            stories = [s for s in stories if s[0] == Category.LABOUR]
        category, title, facts, claims, amounts, other = rng.choice(stories)
        org_key = rng.choice(content.HANDLERS[category])
        amount = Decimal(rng.randrange(*amounts, 100)) if amounts else None
        companies = (content.EN_COMPANIES if english else content.COMPANIES).get(category, ("",))
        words = {
            "amount": (f"{amount:,.0f}" if english else f"{amount:.0f}") if amount else "",
            "company": rng.choice(companies), "job": rng.choice(content.JOBS),
            "place": rng.choice(content.EN_PLACES if english else content.PLACES), "m": rng.randint(1, 8),
        }
        filer = self._filer(demo_applicant, state, rng)
        applicant = None if demo_applicant else self._applicant_party(english, rng)
        case = case_ops.create_case(
            filer, category=category, title=title, facts=facts.format(**words), claims=claims.format(**words),
            claim_amount=amount, language="en" if english else "zh_CN", organisation_id=self.orgs[org_key].id,
            region_id=rng.choice(self._grids_for(org_key)).id, applicant=applicant,
            on_behalf=not demo_applicant,
        )
        respondent = self._respondent_party(case, filer, other, words, english, demo_respondent)
        cast = {
            "applicant": self.users["applicant"] if demo_applicant else None, "filer": filer,
            "respondent": self.users["respondent"] if demo_respondent else None,
            "respondent_party": respondent, "english": english,
            # Consenting or declining needs an account; otherwise the respondent may not have answered yet.
            "must_answer": bool(actions & {"consent", "decline"}),
        }
        for action, who in route:
            self._step(case, action, who, cast)
        if state == S.REFERRAL_OFFERED and rng.random() < 0.5:
            self._choose_referral(case, cast)
        self.cases.append(case)

    def _filer(self, demo_applicant: bool, state: CaseState, rng) -> User:
        if demo_applicant:
            return self.users["applicant"]
        if state == S.DRAFT or rng.random() < 0.5:
            return self.users["grid_worker"]  # 网格员 files for a resident of the grid
        return self.users["clerk"]  # registered at the counter

    def _grids_for(self, org_key: str) -> list:
        street = content.ORGANISATIONS[org_key][4]
        if street in self.grids_by_street:
            return self.grids_by_street[street]
        return [grid for grids in self.grids_by_street.values() for grid in grids]

    def _applicant_party(self, english: bool, rng) -> dict:
        name = rng.choice(content.EN_NAMES) if english else _chinese_name(rng)
        party = {"kind": PartyKind.PERSON, "name": name, "phone": self._next_phone(),
                 "address": f"杭州市西湖区{rng.choice(content.PLACES)}{rng.randint(1, 300)}号"}
        if english or rng.random() < 0.08:
            rep = self.users["representative"]
            party.update(representative_name=rep.name, representative_phone=rep.phone,
                         representative_user_id=rep.id)
        return party

    def _respondent_party(self, case, filer, other, words, english, demo_respondent):
        if demo_respondent:
            user = self.users["respondent"]
            name, kind, phone = user.name, PartyKind.PERSON, user.phone
        elif other == "company":
            name, kind, phone = words["company"], PartyKind.ORGANISATION, _company_phone(words["company"])
        else:
            name = self.rng.choice(content.EN_NAMES) if english else _chinese_name(self.rng)
            kind, phone = PartyKind.PERSON, self._next_phone()
        return case_ops.add_party(case, filer, side=Side.RESPONDENT, kind=kind, name=name, phone=phone)

    def _step(self, case, action: str, who: str, cast: dict) -> None:
        data = {}
        if action == "consent" and not case.mediator_ids:
            case_ops.assign_mediator(case, self.users["clerk"], self.users["mediator"])
        if action == "refer" and case.target_organisation_id is None:
            self._choose_referral(case, cast)
        if action == "request_confirmation":
            self._apply_jointly(case, cast)
            return
        rule = workflow.find(case.state, action)
        reason = content.REASONS[action][cast["english"]] if rule.needs_reason else None
        case_ops.transition(case, action, self._actor(case, action, who, cast), reason=reason, **data)
        if action == "invite_respondent":
            self._invite(case, cast)

    def _apply_jointly(self, case, cast: dict) -> None:
        """Judicial confirmation is applied for jointly (odr/confirmation): online when both sides
        have accounts on the case, else the clerk files the parties' joint written application."""
        from .confirmation import operations as confirmation

        court = self.orgs["court"].id
        if cast["applicant"] is not None and cast["respondent"] is not None:
            confirmation.start(case, cast["applicant"], court)
            confirmation.join(case, cast["respondent"])
        else:
            note = ("The parties signed a joint written application at the committee." if cast["english"]
                    else "双方当事人在调解委员会共同签署了书面申请。")
            confirmation.file_written(case, self.users["clerk"], court, note=note)

    def _actor(self, case, action: str, who: str, cast: dict) -> User:
        in_committees = case.organisation.path.startswith(self.orgs["district"].path)
        if who == "applicant":
            if cast["applicant"] is not None:
                return cast["applicant"]
            return self.users["clerk"] if action == "request_confirmation" else cast["filer"]
        if who == "consultant" or (action in ("start_consultation", "evaluate") and in_committees):
            return self.users["consultant"] if in_committees else self.users["clerk"]
        if who == "respondent":
            return cast["respondent"]
        if who == "receiving_clerk":
            court = case.target_organisation_id == self.orgs["court"].id
            return self.users["court_clerk" if court else "arbitration_clerk"]
        return self.users[who]

    def _invite(self, case, cast: dict) -> None:
        """The clerk invites the other side; most respondents sign up through the link."""
        party = cast["respondent_party"]
        _, secret = create_invitation(case, party, self.users["clerk"])
        if cast["respondent"] is None and not cast["must_answer"] and self.rng.random() < 0.3:
            return  # not answered yet
        user = cast["respondent"] or self._respondent_account(party, cast["english"])
        redeem_invitation(secret, user)
        cast["respondent"] = user

    def _respondent_account(self, party, english: bool) -> User:
        if party.phone not in self.accounts:
            self.accounts[party.phone] = create_user(
                name=party.name, role=Role.RESPONDENT, phone=party.phone, locale="en" if english else "zh_CN",
            )
            self.user_count += 1
        return self.accounts[party.phone]

    def _choose_referral(self, case, cast: dict) -> None:
        target = self.orgs["arbitration" if case.category == Category.LABOUR else "court"]
        case_ops.transition(case, "choose_referral", self.users["clerk"], target_organisation_id=target.id)

    # -- finishing touches ------------------------------------------------------------------
    def finish(self) -> None:
        """Some risky cases, and spread the cases in time: a few are overdue."""
        rng = self.rng
        open_cases = [c for c in self.cases if c.state not in FINAL_STATES]
        submitted = [c for c in open_cases if c.state != S.DRAFT]
        risky = rng.sample(submitted, k=min(len(submitted), max(2, len(self.cases) // 8)))
        for number, case in enumerate(risky):
            level = RiskLevel.MAJOR if number % 3 == 0 else RiskLevel.HIGH
            reason = content.RISK_REASONS[level.value][case.language == "en"]
            case_ops.set_risk(case, self.users["clerk"], level, reason)
        clocked = [c for c in open_cases if c.state_deadline is not None]
        overdue = set(map(id, rng.sample(clocked, k=min(len(clocked), max(3, len(self.cases) // 10)))))
        # One case due within the day, so a reminder to whoever must act goes out (odr/supervision).
        due_soon = next((id(c) for c in clocked if id(c) not in overdue and c.state == S.MEDIATION), None)
        for case in self.cases:
            days = self._age(case, id(case) in overdue)
            if id(case) == due_soon:
                days = case_ops.deadline_days(case, case.state) - 1
            if days > 0:
                backdate(case, days, actor=self.users["admin"])
        self._rate_closed_cases()

    def _rate_closed_cases(self) -> None:
        """The parties with accounts rate most closed cases (odr/satisfaction), a few of them low,
        so that the scorecards and the supervisor's alerts have something to show."""
        from .satisfaction.operations import rate

        rng = random.Random(7)
        for case in self.cases:
            if case.state != S.CLOSED:
                continue
            for party in case.parties:
                user = db.session.get(User, party.user_id) if party.user_id else None
                if user is None or rng.random() < 0.2:
                    continue
                process = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 13, 8, 4))[0]
                mediator = max(1, min(5, process + rng.choice((-1, 0, 0, 1))))
                comment = rng.choice(content.RATING_COMMENTS[case.language == "en"])
                rate(case, user, process_score=process, mediator_score=mediator, comment=comment)

    def _age(self, case, overdue: bool) -> int:
        rng = self.rng
        if case.state in FINAL_STATES or case.state_deadline is None:
            return rng.randint(3, 120) if case.state != S.DRAFT else rng.randint(0, 5)
        allowed = case_ops.deadline_days(case, case.state)
        return allowed + rng.randint(1, 6) if overdue else rng.randint(0, allowed - 1)


def _chinese_name(rng: random.Random) -> str:
    return rng.choice(content.SURNAMES) + rng.choice(content.GIVEN)


def _company_phone(name: str) -> str:
    """One stable contact number per company, so its account is found again in the next case."""
    return f"1370571{content.ALL_COMPANIES.index(name):04d}"
