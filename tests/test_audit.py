"""The audit chain: built by record(), checked by `flask odr audit-verify`, and tamper-evident."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text, update

from odr.core.audit import (
    GENESIS_HASH,
    AuditEvent,
    canonical_json,
    compute_hash,
    record,
    verify_chain,
)
from odr.extensions import db

from . import factories


def _append(n: int, **payload) -> list[AuditEvent]:
    events = [record("test.event", n=i, **payload) for i in range(n)]
    db.session.commit()
    return events


def _verify(runner):
    db.session.remove()  # the CLI reads what is committed, like a separate process would
    return runner.invoke(args=["odr", "audit-verify"])


def _raw(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_record_builds_a_chain(app):
    user = factories.make_user("clerk")
    first = record("test.first", actor=user, note="中文 and English", amount=12.5, tags={"b", "a"})
    second = record("test.second", actor=user.id, case=None)
    db.session.commit()
    assert first.id + 1 == second.id
    assert first.id == 1 and first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.payload == {"note": "中文 and English", "amount": 12.5, "tags": ["a", "b"]}
    assert first.hash == compute_hash(first.prev_hash, seq=first.id, created_at=first.created_at,
                                      actor_id=user.id, action="test.first", case_id=None,
                                      payload=first.payload)
    db.session.expire_all()  # what comes back from the database hashes the same
    report = verify_chain()
    assert report.ok and report.checked == second.id


def test_a_number_given_out_again_after_a_rollback(app):
    """record() inserts at once and keeps the entry in the session: after a rollback the counter
    hands out the same number again, in the same session, and the chain stays whole."""
    undone = record("test.undone", n=1)  # held by the caller: it stays in the identity map
    number = undone.id
    db.session.rollback()
    again = record("test.kept", n=2)
    db.session.commit()
    assert again.id == number == 1 and again.action == "test.kept"
    assert db.session.execute(select(AuditEvent.action)).scalars().all() == ["test.kept"]
    assert verify_chain().ok


def test_payload_that_cannot_be_put_in_json_is_refused(app):
    with pytest.raises(TypeError):
        record("test.bad", thing=object())
    assert canonical_json({"b": 1, "a": [2]}) == '{"a":[2],"b":1}'


def test_cli_reports_ok_with_the_count(app, runner):
    _append(7)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "OK: 7 audit events, chain intact." in result.output


def test_verify_walks_more_than_one_batch(app):
    _append(12)
    assert verify_chain(batch=5).ok and verify_chain(batch=5).checked == 12


def test_tampered_payload_is_caught_and_named(app, runner):
    events = _append(6)
    victim = events[3].id
    _raw("UPDATE audit_events SET payload = :p WHERE id = :id", p='{"n": 99}', id=victim)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event {victim}:" in result.output
    assert "content does not match its hash" in result.output
    report = verify_chain()
    assert (report.ok, report.broken_at, report.checked) == (False, victim, victim - 1)


def test_rewritten_hash_breaks_the_next_link(app):
    events = _append(5)
    victim = events[1]
    forged_payload = {"n": 42}
    forged = compute_hash(victim.prev_hash, seq=victim.id, created_at=victim.created_at,
                          actor_id=None, action=victim.action, case_id=None, payload=forged_payload)
    _raw("UPDATE audit_events SET payload = :p, hash = :h WHERE id = :id",
         p=canonical_json(forged_payload), h=forged, id=victim.id)
    db.session.remove()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, victim.id + 1)
    assert "prev_hash" in report.reason


@pytest.mark.parametrize("column", ["action", "actor_id", "created_at"])
def test_tampered_columns_are_caught(app, column):
    user = factories.make_user("clerk")
    events = [record("test.event", actor=user, n=i) for i in range(3)]
    db.session.commit()
    other = factories.make_user("admin")
    db.session.commit()
    forged = {"action": "test.harmless", "actor_id": other.id,
              "created_at": events[1].created_at.replace(tzinfo=None, year=2020)}[column]
    _raw(f"UPDATE audit_events SET {column} = :v WHERE id = :id", v=forged, id=events[1].id)
    db.session.remove()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, events[1].id)


def test_deleted_middle_row_is_caught(app, runner):
    events = _append(5)
    _raw("DELETE FROM audit_events WHERE id = :id", id=events[2].id)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event {events[2].id}: event {events[2].id} is missing" in result.output


def test_deleted_last_row_is_caught(app, runner):
    events = _append(5)
    _raw("DELETE FROM audit_events WHERE id = :id", id=events[-1].id)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event {events[-1].id}" in result.output
    assert "missing" in result.output


def test_deleted_first_row_is_caught(app):
    events = _append(3)
    _raw("DELETE FROM audit_events WHERE id = :id", id=events[0].id)
    db.session.remove()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, events[0].id)


def test_orm_refuses_to_update_or_delete(app):
    [event] = _append(1)
    event.payload = {"n": "rewritten"}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(update(AuditEvent).values(action="x"))
    db.session.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.id == event.id))
    db.session.rollback()
    assert verify_chain().ok and verify_chain().checked == 1


def test_concurrent_writers_make_one_chain(app):
    """Two threads, each with its own app context and session, append 50 events each.

    The audit counter row serialises them (a row lock on PostgreSQL, the write lock with
    busy_timeout on SQLite), so the chain never forks.
    """
    per_thread = 50
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(name):
        try:
            with app.app_context():
                start.wait(timeout=10)
                for i in range(per_thread):
                    record("test.concurrent", writer=name, n=i)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.remove()
    report = verify_chain()
    assert report.ok, report
    assert report.checked == 2 * per_thread
    writers = db.session.execute(select(AuditEvent.payload)).scalars().all()
    assert sorted(p["writer"] for p in writers) == ["a"] * per_thread + ["b"] * per_thread


def test_verify_reads_the_database_not_the_session(app):
    """Tampering is caught even while the tampered events are loaded in the verifying session."""
    events = _append(3)
    held = [db.session.get(AuditEvent, e.id) for e in events]
    _raw("UPDATE audit_events SET action = 'test.forged' WHERE id = :id", id=events[1].id)
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, events[1].id)
    assert held[1].action == "test.event"  # the session's copy was not refreshed, nor expired
    assert "action" not in db.inspect(held[0]).expired_attributes
