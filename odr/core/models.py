"""Column types and small models every domain uses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, TypeDecorator, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no time zones) and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Counter(db.Model):
    """Named monotonic counters (case references per year, the audit sequence).

    Taking the next value is an UPDATE, so concurrent writers queue on the row lock
    (PostgreSQL) or the database write lock (SQLite) instead of racing.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def next_value(name: str) -> int:
    """The counter's next value, in the current transaction (the row stays locked until commit).

    One UPDATE ... RETURNING, built once and run on the session's connection (Core, not the
    ORM's bulk update: this is on the path of every room message and audit entry)."""
    connection = db.session.connection()
    value = connection.execute(_BUMP, {"counter": name}).scalar()
    if value is None:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(insert(Counter.__table__).values(name=name, value=0).on_conflict_do_nothing())
        value = connection.execute(_BUMP, {"counter": name}).scalar()
    return value


_BUMP = (
    update(Counter.__table__)
    .where(Counter.__table__.c.name == bindparam("counter"))
    .values(value=Counter.__table__.c.value + 1)
    .returning(Counter.__table__.c.value)
)


def str_enum(enum_cls, length: int = 40):
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the values."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        name=enum_cls.__name__.lower(),
    )
