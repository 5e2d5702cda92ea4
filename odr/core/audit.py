"""The audit chain: an append-only log where each row carries the hash of the one before.

hash = SHA-256(prev_hash + canonical JSON of the row). Rows are never updated or deleted; changing
or removing one breaks every hash after it, and `flask odr audit-verify` names the first broken
link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, bindparam, event, insert, select
from sqlalchemy.orm import Mapped, Session, make_transient_to_detached, mapped_column, relationship

from ..extensions import db
from .models import Counter, UTCDateTime, next_value, utcnow

GENESIS_HASH = "0" * 64
AUDIT_COUNTER = "audit"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    # The sequence number from the audit counter: gap-free, in commit order.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User", lazy="raise")

    __table_args__ = (
        Index("ix_audit_events_case_id", "case_id", "id"),
        Index("ix_audit_events_action", "action"),
    )


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_rewrite(orm_execute_state):
    # UPDATE / DELETE statements sent through a session skip the mapper events above.
    table = getattr(orm_execute_state.statement, "table", None)
    writes = orm_execute_state.is_update or orm_execute_state.is_delete
    if writes and getattr(table, "name", None) == AuditEvent.__tablename__:
        raise RuntimeError("audit events are append-only")


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} in an audit event")


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def compute_hash(prev_hash: str, *, seq, created_at, actor_id, action, case_id, payload) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": created_at.isoformat(),
            "actor": actor_id,
            "action": action,
            "case": case_id,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(action: str, *, actor=None, case=None, **payload) -> AuditEvent:
    """Append one event to the chain in the current transaction (the caller commits).

    Taking the next sequence number locks the audit counter row until commit, so concurrent
    writers append one after another and the chain never forks.
    """
    session = db.session
    if case is not None and not isinstance(case, int) and case.id is None:
        session.flush()  # a new case: it needs its id first (an int is an id already)
    # Core statements built once, on the session's connection: this runs for every room message.
    connection = session.connection()
    seq = next_value(AUDIT_COUNTER)
    prev_hash = connection.execute(_PREVIOUS_HASH, {"seq": seq - 1}).scalar() or GENESIS_HASH
    # Round-trip through JSON so that what is hashed is exactly what the database returns.
    payload = json.loads(canonical_json(payload))
    row = {
        "id": seq,
        "created_at": utcnow(),
        "actor_id": getattr(actor, "id", actor),
        "action": action,
        "case_id": getattr(case, "id", case),
        "payload": payload,
        "prev_hash": prev_hash,
    }
    row["hash"] = compute_hash(prev_hash, seq=seq, created_at=row["created_at"], actor_id=row["actor_id"],
                               action=action, case_id=row["case_id"], payload=payload)
    connection.execute(_INSERT, row)
    # The stored row as an object of the session (persistent, no second INSERT): a change to it
    # is refused at flush like any other (the append-only listeners above).
    entry = AuditEvent(**row)
    make_transient_to_detached(entry)
    # An entry of a rolled-back transaction may still sit in the session under this number (the
    # counter gave it out again): that row was never stored, so the new one takes its place.
    stale = session.identity_map.get(session.identity_key(AuditEvent, seq))
    if stale is not None:
        session.expunge(stale)
    session.add(entry)
    return entry


_PREVIOUS_HASH = select(AuditEvent.__table__.c.hash).where(AuditEvent.__table__.c.id == bindparam("seq"))
_INSERT = insert(AuditEvent.__table__)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the whole chain in id order, in batches, and report the first broken link."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    last_id = 0
    # Plain rows, not AuditEvent objects: an object already in the session's identity map would
    # be handed back as it is in memory, not as the database holds it, and loading objects
    # batch after batch would grow the session (expiring it instead expired the caller's objects).
    columns = (AuditEvent.id, AuditEvent.created_at, AuditEvent.actor_id, AuditEvent.action,
               AuditEvent.case_id, AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash)
    while True:
        rows = db.session.execute(
            select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break

        for row in rows:
            if row.id != expected_id:
                return ChainReport(False, checked, expected_id, f"event {expected_id} is missing")
            if row.prev_hash != expected_prev:
                return ChainReport(False, checked, row.id, "prev_hash does not match the event before")
            actual = compute_hash(
                row.prev_hash,
                seq=row.id,
                created_at=row.created_at,
                actor_id=row.actor_id,
                action=row.action,
                case_id=row.case_id,
                payload=row.payload,
            )
            if actual != row.hash:
                return ChainReport(False, checked, row.id, "content does not match its hash")
            expected_prev = row.hash
            expected_id += 1
            checked += 1
            last_id = row.id
    # Rows cut from the end leave no broken link behind them; the counter still remembers them.
    issued = db.session.execute(select(Counter.value).where(Counter.name == AUDIT_COUNTER)).scalar() or 0
    if issued > checked:
        return ChainReport(False, checked, checked + 1, f"events {checked + 1} to {issued} are missing")
    return ChainReport(ok=True, checked=checked)
