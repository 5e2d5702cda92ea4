"""Mediation sessions (odr/mediation/sessions.py): scheduling with an .ics invitation, moving and
cancelling, reminders, the mediator's notes and the record paper, choosing a mediator and the
conflict-of-interest declaration. The waiting room on a real socket server is in
test_sessions_server.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from odr.cases import operations as case_ops
from odr.core.audit import AuditEvent
from odr.core.enums import CaseState, Category
from odr.core.errors import Conflict, ValidationFailed
from odr.core.models import utcnow
from odr.extensions import db
from odr.mediation import sessions
from odr.mediation.session_models import MediationSession, SessionNotes
from odr.notifications.jobs import run_due_jobs
from odr.notifications.models import Notification, OutboxMessage

from .factories import make_case, make_user

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def med(world, login):
    """A case in mediation whose mediator has declared no relation; signed-in clients."""
    m = SimpleNamespace(world=world)
    m.case = make_case(world, CaseState.MEDIATION)
    case_ops.declare_relation(m.case, world.mediator, has_relation=False)
    m.outsider_user = make_user("applicant", name="王五")
    m.other_case = make_case(world, CaseState.MEDIATION, applicant=m.outsider_user,
                             respondent_user=make_user("respondent", name="赵六"))
    db.session.commit()
    m.mediator, m.applicant, m.respondent = login(world.mediator), login(world.applicant), login(world.respondent)
    m.clerk, m.outsider = login(world.clerk), login(m.outsider_user)
    m.url = f"/api/v1/cases/{m.case.id}"
    return m


def _local(days=3, hour=9, minute=30) -> datetime:
    """A wall-clock time in Shanghai some days ahead (naive, as a form sends it)."""
    day = (utcnow().astimezone(SHANGHAI) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, minute)


def _schedule(m, **overrides) -> dict:
    body = {"starts_at": _local().isoformat(timespec="minutes"), "timezone": "Asia/Shanghai",
            "duration_minutes": 90, "agenda": "双方陈述；工资数额核对 Statements; the wages owed", **overrides}
    response = m.mediator.post(f"{m.url}/sessions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _ics_attachments(kind: str) -> list[Calendar]:
    db.session.rollback()
    rows = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.channel == "email")
    ).scalars().all()
    return [Calendar.from_ical(item["text"]) for row in rows for item in row.attachments or ()]


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# ---- scheduling, the calendar file, moving and cancelling ---------------------------------------

def test_scheduling_invites_the_parties_with_a_calendar_file_in_the_session_zone(med):
    payload = _schedule(med)
    assert payload["status"] == "scheduled" and payload["timezone"] == "Asia/Shanghai"
    assert payload["local_start"] == _local().isoformat(timespec="minutes")

    # Both parties (accounts with an e-mail address) get the in-app notice and an e-mail carrying
    # the .ics.
    notified = _count(Notification, Notification.kind == "session_invitation")
    assert notified == 2
    calendars = _ics_attachments("session_invitation")
    assert len(calendars) == 2
    calendar = calendars[0]
    assert str(calendar["method"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and getattr(start.tzinfo, "key", None) == "Asia/Shanghai"
    assert start.replace(tzinfo=None) == _local()
    assert event.decoded("dtend") - start == timedelta(minutes=90)
    assert int(event["sequence"]) == 0
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
    assert "工资数额核对" in str(event["description"])

    # The same file from the case page's link, for a party.
    ics = med.applicant.get(f"/cases/{med.case.id}/sessions/{payload['id']}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    downloaded = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(downloaded["uid"]) == str(event["uid"])
    page = med.applicant.get(f"/cases/{med.case.id}")
    assert f"/cases/{med.case.id}/sessions/{payload['id']}.ics" in page.get_data(as_text=True)


def test_moving_keeps_the_uid_and_bumps_the_sequence_cancelling_sends_cancel(med):
    payload = _schedule(med)
    uid = str(Calendar.from_ical(
        med.applicant.get(f"/cases/{med.case.id}/sessions/{payload['id']}.ics").data).walk("VEVENT")[0]["uid"])
    later = _local(days=4, hour=14, minute=0)
    moved = med.mediator.post(f"{med.url}/sessions/{payload['id']}/reschedule",
                              json={"starts_at": later.isoformat(), "timezone": "Asia/Urumqi",
                                    "reason": "被申请人出差 The respondent is travelling"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["sequence"] == 1
    event = _ics_attachments("session_rescheduled")[0].walk("VEVENT")[0]
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1
    start = event.decoded("dtstart")
    assert start.tzinfo.key == "Asia/Urumqi" and start.replace(tzinfo=None) == later

    no_reason = med.mediator.post(f"{med.url}/sessions/{payload['id']}/cancel", json={"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    cancelled = med.mediator.post(f"{med.url}/sessions/{payload['id']}/cancel",
                                  json={"reason": "双方已和解 settled"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    calendar = _ics_attachments("session_cancelled")[0]
    assert str(calendar["method"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["uid"]) == uid and int(event["sequence"]) == 2 and str(event["status"]) == "CANCELLED"
    again = med.mediator.post(f"{med.url}/sessions/{payload['id']}/reschedule",
                              json={"starts_at": later.isoformat(), "reason": "x"})
    assert again.status_code == 409

    actions = [a for (a,) in db.session.execute(
        select(AuditEvent.action).where(AuditEvent.case_id == med.case.id, AuditEvent.action.like("session.%"))
        .order_by(AuditEvent.id))]
    assert actions == ["session.scheduled", "session.rescheduled", "session.cancelled"]
    timeline = med.applicant.get(f"{med.url}/timeline", headers=EN).get_json()
    texts = " ".join(item["text"] for item in timeline)
    assert "scheduled a mediation session" in texts and "cancelled a mediation session" in texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_input_gives_translated_field_errors_and_stores_nothing(med, lang):
    headers = ZH if lang == "zh" else EN
    past = (utcnow().astimezone(SHANGHAI) - timedelta(hours=2)).replace(tzinfo=None)
    cases = [
        ({"starts_at": past.isoformat(timespec="minutes")}, "starts_at",
         "会谈必须安排在将来" if lang == "zh" else "must start in the future"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "未知的时区" if lang == "zh" else "Unknown time zone"),
        ({"agenda": "   "}, "agenda", "请写明议程" if lang == "zh" else "Write the agenda"),
    ]
    for change, field, words in cases:
        body = {"starts_at": _local().isoformat(timespec="minutes"), "timezone": "Asia/Shanghai",
                "agenda": "议程 agenda", **change}
        response = med.mediator.post(f"{med.url}/sessions", json=body, headers=headers)
        assert response.status_code == 422, (change, response.get_json())
        errors = response.get_json()["error"]["fields"]
        assert words in " ".join(errors[field]), (field, errors)
        # The page form: 422, the message beside its field, what was typed kept.
        form = {"starts_at": body["starts_at"], "timezone": body["timezone"], "agenda": body["agenda"],
                "duration_minutes": "60", "kind": "joint"}
        page = med.mediator.post(f"/cases/{med.case.id}/sessions", data=form, headers=headers)
        assert page.status_code == 422
        html = page.get_data(as_text=True)
        assert f'id="new-{field}-error"' in html and words in html
    assert _count(MediationSession) == 0
    assert _count(AuditEvent, AuditEvent.action.like("session.%")) == 0
    assert _count(Notification, Notification.kind.like("session_%")) == 0
    assert _count(OutboxMessage, OutboxMessage.kind.like("session_%")) == 0


def test_a_time_skipped_by_the_clocks_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        sessions.check_when(datetime(2031, 3, 9, 2, 30), "America/New_York", 60)
    assert "starts_at" in refused.value.fields


def test_only_the_mediator_schedules_and_only_after_declaring(med, world):
    body = {"starts_at": _local().isoformat(timespec="minutes"), "agenda": "议程"}
    for client in (med.applicant, med.clerk):
        assert client.post(f"{med.url}/sessions", json=body).status_code == 403
    assert med.outsider.post(f"{med.url}/sessions", json=body).status_code == 404
    # A mediator who has not declared yet is asked to first.
    fresh = make_case(world, CaseState.MEDIATION, title="新案 fresh")
    db.session.commit()
    refused = med.mediator.post(f"/api/v1/cases/{fresh.id}/sessions", json=body)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "declaration_missing"


# ---- who sees what -------------------------------------------------------------------------------

def test_parties_never_see_the_notes_nor_another_cases_sessions(med):
    payload = _schedule(med)
    caucus = _schedule(med, kind="caucus", side="applicant", agenda="与申请人单独沟通 private with the applicant")
    notes = med.mediator.put(f"{med.url}/sessions/{payload['id']}/notes",
                             json={"attendees": "张三、李四", "discussed": "机密笔记内容 SECRET-NOTE",
                                   "results": "同意再谈"})
    assert notes.status_code == 200, notes.get_json()
    for client in (med.applicant, med.respondent, med.clerk):
        assert client.get(f"{med.url}/sessions/{payload['id']}/notes").status_code == 404
        assert client.put(f"{med.url}/sessions/{payload['id']}/notes", json={"discussed": "x"}).status_code == 404
        page = client.get(f"/cases/{med.case.id}").get_data(as_text=True)
        assert "SECRET-NOTE" not in page and "机密笔记内容" not in page
        timeline = client.get(f"{med.url}/timeline").get_data(as_text=True)
        assert "SECRET-NOTE" not in timeline and "notes of a session" not in timeline
    assert "SECRET-NOTE" in med.mediator.get(f"/cases/{med.case.id}").get_data(as_text=True)
    # The other side's private session is not theirs to see.
    assert med.respondent.get(f"{med.url}/sessions/{caucus['id']}").status_code == 404
    assert [s["id"] for s in med.respondent.get(f"{med.url}/sessions").get_json()["items"]] == [payload["id"]]
    assert med.respondent.get(f"/cases/{med.case.id}/sessions/{caucus['id']}.ics").status_code == 404
    assert med.applicant.get(f"{med.url}/sessions/{caucus['id']}").status_code == 200
    # Another case's sessions: 404, audited.
    other = f"/api/v1/cases/{med.other_case.id}"
    assert med.outsider.get(f"{med.url}/sessions").status_code == 404
    assert med.applicant.get(f"{other}/sessions").status_code == 404
    assert med.applicant.get(f"{other}/sessions/{payload['id']}").status_code == 404
    denied = db.session.execute(select(AuditEvent.payload).where(
        AuditEvent.action == "access.denied", AuditEvent.actor_id == med.world.applicant.id)).scalars().all()
    assert {d["attempted"] for d in denied} >= {"mediation.notes.view", "mediation.notes.edit", "mediation.view"}


def test_notes_are_versioned_and_issued_as_the_mediation_record(med):
    from odr.documents.models import Document, DocumentType

    payload = _schedule(med)
    url = f"{med.url}/sessions/{payload['id']}/notes"
    assert med.mediator.put(url, json={}).status_code == 422  # nothing written
    first = med.mediator.put(url, json={"attendees": "张三、李四、陈调解", "discussed": "核对工资数额",
                                        "results": "被申请人同意分期支付"}).get_json()["notes"]
    stale = med.mediator.put(url, json={"discussed": "x", "expected_version": first["version"] + 5})
    assert stale.status_code == 409 and stale.get_json()["error"]["current_version"] == first["version"]
    issued = med.mediator.post(f"{med.url}/sessions/record", json={"lang": "zh_CN"})
    assert issued.status_code == 201, issued.get_json()
    db.session.rollback()
    document = db.session.get(Document, issued.get_json()["document_id"])
    assert document.type == DocumentType.MEDIATION_RECORD
    record = document.inputs["record"]["text"]
    assert "参加人员：张三、李四、陈调解" in record and "调解结果：被申请人同意分期支付" in record
    assert med.applicant.post(f"{med.url}/sessions/record", json={"lang": "zh_CN"}).status_code == 404


# ---- reminders -----------------------------------------------------------------------------------

def test_reminders_go_out_24_hours_and_1_hour_before_once_each(med):
    payload = _schedule(med)
    start = datetime.fromisoformat(payload["starts_at"].replace("Z", "+00:00"))

    def reminders() -> int:
        return _count(Notification, Notification.kind == "session_reminder")

    assert run_due_jobs(start - timedelta(hours=25))["session_reminders"] == 0
    assert reminders() == 0
    assert run_due_jobs(start - timedelta(hours=23, minutes=50))["session_reminders"] == 1
    assert reminders() == 2  # both parties
    assert run_due_jobs(start - timedelta(hours=23))["session_reminders"] == 0
    assert run_due_jobs(start - timedelta(hours=2))["session_reminders"] == 0
    assert run_due_jobs(start - timedelta(minutes=55))["session_reminders"] == 1
    assert reminders() == 4
    assert run_due_jobs(start - timedelta(minutes=10))["session_reminders"] == 0
    assert run_due_jobs(start + timedelta(minutes=5))["session_reminders"] == 0
    # Moving the session arms both reminders again, for the new time.
    later = _local(days=6)
    med.mediator.post(f"{med.url}/sessions/{payload['id']}/reschedule",
                      json={"starts_at": later.isoformat(), "reason": "改期 moved"})
    new_start = later.replace(tzinfo=SHANGHAI)
    assert run_due_jobs(new_start - timedelta(hours=20))["session_reminders"] == 1
    assert reminders() == 6


def test_a_cancelled_session_gets_no_reminder(med):
    payload = _schedule(med)
    start = datetime.fromisoformat(payload["starts_at"].replace("Z", "+00:00"))
    med.mediator.post(f"{med.url}/sessions/{payload['id']}/cancel", json={"reason": "取消 off"})
    assert run_due_jobs(start - timedelta(hours=2))["session_reminders"] == 0
    assert _count(Notification, Notification.kind == "session_reminder") == 0


# ---- choosing a mediator ---------------------------------------------------------------------------

def test_suggestions_rank_by_open_cases_then_category_then_region(world, login):
    busy = make_user("mediator", world.committee, name="忙碌调解员")
    family = make_user("mediator", world.committee, name="家事调解员")
    idle = make_user("mediator", world.district_committee, name="空闲调解员")  # the body above
    outside = make_user("mediator", world.other_committee, name="他处调解员")  # not eligible
    for _ in range(2):
        other = make_case(world, CaseState.ACCEPTED, with_mediator=False)
        case_ops.assign_mediator(other, world.clerk, busy)
    closed = make_case(world, CaseState.ACCEPTED, category=Category.FAMILY, with_mediator=False)
    case_ops.assign_mediator(closed, world.clerk, family)
    case_ops.transition(closed, "withdraw", world.applicant, reason="撤回 withdrawn")
    family_open = make_case(world, CaseState.ACCEPTED, category=Category.FAMILY, with_mediator=False)
    case_ops.assign_mediator(family_open, world.clerk, world.mediator)
    case = make_case(world, CaseState.ACCEPTED, category=Category.FAMILY, with_mediator=False)
    db.session.commit()

    ranked = case_ops.suggest_mediators(case)
    names = [s.user.name for s in ranked]
    assert outside.name not in names
    # 0 open: family (1 family case, closed) before idle (none); then the world's mediator
    # (1 open) and busy (2 open).
    assert names == [family.name, idle.name, world.mediator.name, busy.name]
    assert (ranked[0].open_cases, ranked[0].same_category, ranked[0].same_region) == (0, 1, 1)

    clerk = login(world.clerk)
    api = clerk.get(f"/api/v1/cases/{case.id}/mediator/suggestions").get_json()["items"]
    assert [item["name"] for item in api] == names
    page = clerk.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.index(family.name) < page.index(busy.name)
    assert login(world.applicant).get(f"/api/v1/cases/{case.id}/mediator/suggestions").status_code == 403


def test_a_declared_relation_holds_the_mediator_back_until_a_clerk_decides(world, login):
    case = make_case(world, CaseState.ACCEPTED, with_mediator=False)
    db.session.commit()
    clerk, mediator = login(world.clerk), login(world.mediator)
    url = f"/api/v1/cases/{case.id}"
    assert clerk.post(f"{url}/mediator", json={"mediator_id": world.mediator.id}).status_code == 201
    missing = mediator.post(f"{url}/mediator/declaration", json={"has_relation": True, "relation_details": " "},
                            headers=ZH)
    assert missing.status_code == 422 and "relation_details" in missing.get_json()["error"]["fields"]
    declared = mediator.post(f"{url}/mediator/declaration",
                             json={"has_relation": True, "relation_details": "申请人是我的表弟 a cousin"})
    assert declared.status_code == 200 and declared.get_json()["conflict_status"] == "pending"
    db.session.rollback()
    case = db.session.get(type(case), case.id)
    assert world.mediator.id not in case.mediator_ids
    assert mediator.get(f"/cases/{case.id}").status_code == 404  # held back: not in the case now
    assert _count(Notification, Notification.kind == "mediator_conflict", Notification.user_id == world.clerk.id) == 1

    assignment_id = declared.get_json()["assignment_id"]
    no_reason = clerk.post(f"{url}/mediator/{assignment_id}/decision", json={"decision": "allow", "reason": ""})
    assert no_reason.status_code == 422
    allowed = clerk.post(f"{url}/mediator/{assignment_id}/decision",
                         json={"decision": "allow", "reason": "远亲，双方均同意 distant, both sides agree"})
    assert allowed.status_code == 200 and allowed.get_json()["conflict_status"] == "allowed"
    assert mediator.get(f"/cases/{case.id}").status_code == 200
    events = db.session.execute(select(AuditEvent.action, AuditEvent.payload).where(
        AuditEvent.case_id == case.id, AuditEvent.action.like("case.mediator_%")).order_by(AuditEvent.id)).all()
    assert [a for a, _ in events] == ["case.mediator_assigned", "case.mediator_declared",
                                      "case.mediator_conflict_decided"]
    assert events[-1][1]["reason"].startswith("远亲")
    timeline = login(world.applicant).get(f"{url}/timeline").get_data(as_text=True)
    assert "cousin" not in timeline  # the details are for staff


def test_a_replaced_mediator_leaves_the_case(world, login):
    case = make_case(world, CaseState.ACCEPTED, with_mediator=False)
    case_ops.assign_mediator(case, world.clerk, world.mediator)
    assignment = case_ops.declare_relation(case, world.mediator, has_relation=True, details="邻居 neighbour")
    with pytest.raises(ValidationFailed):
        case_ops.decide_conflict(case, world.clerk, assignment, allow=False, reason=" ")
    case_ops.decide_conflict(case, world.clerk, assignment, allow=False, reason="回避 recusal")
    with pytest.raises(Conflict):
        case_ops.decide_conflict(case, world.clerk, assignment, allow=True, reason="again")
    db.session.commit()
    assert assignment.removed_at is not None and world.mediator.id not in case.mediator_ids
    assert login(world.mediator).get(f"/cases/{case.id}").status_code == 404
    # The clerk can assign someone else (the page form).
    other = make_user("mediator", world.committee, name="接任调解员")
    db.session.commit()
    response = login(world.clerk).post(f"/cases/{case.id}/mediator", data={"mediator_id": str(other.id)})
    assert response.status_code == 303
    db.session.rollback()
    assert other.id in db.session.get(type(case), case.id).mediator_ids


def test_notes_rows_belong_to_one_session(med):
    payload = _schedule(med)
    session = db.session.get(MediationSession, payload["id"])
    sessions.save_notes(med.case, med.world.mediator, session, discussed="一")
    sessions.save_notes(med.case, med.world.mediator, session, discussed="二")
    db.session.commit()
    assert _count(SessionNotes, SessionNotes.session_id == payload["id"]) == 1
    assert sessions.notes_of(session).version == 2


def test_the_room_page_shows_a_party_the_waiting_room_until_the_session_opens(med):
    payload = _schedule(med)
    room = f"/cases/{med.case.id}/room"
    html = med.applicant.get(room, headers=EN).get_data(as_text=True)
    assert 'id="waiting-room"' in html and 'data-waiting="true"' in html
    assert "Waiting for the mediator" in html and "工资数额核对" in html and "js/waiting.js" in html
    mediator_page = med.mediator.get(room, headers=EN).get_data(as_text=True)
    assert "Open the session" in mediator_page and "Waiting for the mediator" not in mediator_page
    opened = med.mediator.post(f"/cases/{med.case.id}/sessions/{payload['id']}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(room)
    html = med.applicant.get(room, headers=EN).get_data(as_text=True)
    assert 'data-waiting="false"' in html
    # A case without sessions has no waiting room at all.
    other = med.outsider.get(f"/cases/{med.other_case.id}/room")
    assert other.status_code == 200 and 'id="waiting-room"' not in other.get_data(as_text=True)


def test_the_case_page_and_the_room_read_sessions_in_a_fixed_number_of_queries(med):
    from .api_support import count_queries

    def page_queries() -> tuple[int, int]:
        with count_queries() as case_page:
            assert med.mediator.get(f"/cases/{med.case.id}").status_code == 200
        with count_queries() as room_page:
            assert med.applicant.get(f"/cases/{med.case.id}/room").status_code == 200
        return case_page(), room_page()

    first = _schedule(med)
    med.mediator.put(f"{med.url}/sessions/{first['id']}/notes", json={"discussed": "一"})
    one = page_queries()
    for day in range(4, 8):
        more = _schedule(med, starts_at=_local(days=day).isoformat(timespec="minutes"))
        med.mediator.put(f"{med.url}/sessions/{more['id']}/notes", json={"discussed": f"第{day}次"})
    assert page_queries() == one


def test_the_other_sides_caucus_session_is_not_on_its_timeline(med):
    caucus = _schedule(med, kind="caucus", side="applicant", agenda="单独 alone")
    med.mediator.post(f"{med.url}/sessions/{caucus['id']}/cancel", json={"reason": "不需要 not needed"})
    mine = med.applicant.get(f"{med.url}/timeline", headers=EN).get_data(as_text=True)
    theirs = med.respondent.get(f"{med.url}/timeline", headers=EN).get_data(as_text=True)
    assert "scheduled a mediation session" in mine and "cancelled a mediation session" in mine
    assert "mediation session" not in theirs and "不需要" not in theirs


def test_the_declaration_and_decision_forms_on_the_case_page(world, login):
    case = make_case(world, CaseState.ACCEPTED, with_mediator=False)
    case_ops.assign_mediator(case, world.clerk, world.mediator)
    db.session.commit()
    mediator, clerk = login(world.mediator), login(world.clerk)
    page = mediator.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "Do you have any relation to the parties" in page
    blank = mediator.post(f"/cases/{case.id}/mediator/declaration", data={}, headers=ZH)
    assert blank.status_code == 422 and "请说明您与当事人有无利害关系" in blank.get_data(as_text=True)
    vague = mediator.post(f"/cases/{case.id}/mediator/declaration", data={"has_relation": "yes"}, headers=EN)
    assert vague.status_code == 422 and "Say what the relation is." in vague.get_data(as_text=True)
    assert _count(AuditEvent, AuditEvent.action == "case.mediator_declared") == 0
    done = mediator.post(f"/cases/{case.id}/mediator/declaration",
                         data={"has_relation": "yes", "relation_details": "同事 a colleague"})
    assert done.status_code == 303
    clerk_page = clerk.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "a colleague" in clerk_page and "Take them off the case" in clerk_page
    wrong = clerk.post(f"/cases/{case.id}/mediator/{2**31 - 1}/decision",  # no such assignment
                       data={"decision": "allow", "reason": "x"})
    assert wrong.status_code == 404
    db.session.rollback()
    pending = case_ops.pending_conflicts(db.session.get(type(case), case.id))[0]
    no_reason = clerk.post(f"/cases/{case.id}/mediator/{pending.id}/decision", data={"decision": "allow"},
                           headers=EN)
    assert no_reason.status_code == 422 and "Please give a reason." in no_reason.get_data(as_text=True)
    kept = clerk.post(f"/cases/{case.id}/mediator/{pending.id}/decision",
                      data={"decision": "allow", "reason": "双方知情同意 both sides agreed"})
    assert kept.status_code == 303
    db.session.rollback()
    assert world.mediator.id in db.session.get(type(case), case.id).mediator_ids
