"""Per-database engine settings."""

from sqlalchemy import event


def configure_engine(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record):
        # WAL lets pages read while a write is in progress; the busy timeout makes writers queue
        # instead of failing at once; SQLite only enforces foreign keys when asked.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(conn, name):
        # pysqlite begins a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT sent while
        # the session has only read would start a transaction of its own, and releasing it
        # would COMMIT: work meant to be undone by the outer rollback would be saved. Begin the
        # real transaction first. (Reads before it stay outside, as before: a transaction still
        # starts at its first write, so busy_timeout keeps queueing writers.)
        dbapi_connection = conn.connection.driver_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")
