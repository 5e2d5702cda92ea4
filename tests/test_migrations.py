"""The migrations build exactly the schema the models describe, and can be undone and redone.

The session's database was built by `upgrade()` (tests/conftest.py); it is compared with the
models as it stands. Downgrading to nothing and upgrading again happens on a scratch database of
its own (a file for SQLite, a database on the same server for PostgreSQL), so the other tests'
schema is never touched.
"""

from __future__ import annotations

import contextlib
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect
from sqlalchemy.engine import make_url

from odr.extensions import db

from .foundation_support import (
    extra_app,
)


def _schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    diff = _schema_diff()
    assert diff == [], "the models and the migrations differ; add a migration:\n" + "\n".join(map(repr, diff))


@contextlib.contextmanager
def _scratch_database(app, tmp_path):
    """A URL for an empty database of the same kind as the test database, removed afterwards."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    name = f"{url.database}_scratch_{uuid.uuid4().hex[:8]}"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_downgrade_to_base_and_upgrade_again(app, tmp_path):
    with (
        _scratch_database(app, tmp_path) as url,
        extra_app(app, SQLALCHEMY_DATABASE_URI=url) as scratch,
        scratch.app_context(),
    ):
        assert db.engine.url.database != make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        upgrade()
        upgrade()  # already at the head: nothing to do, no error
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}, "downgrade left tables"

        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        assert _schema_diff() == []
        db.session.remove()
    # The session's database is untouched.
    assert {t.name for t in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())


def test_the_comparison_would_see_a_missing_migration(app):
    """The check above can fail: a table and a column the migrations never made are reported."""
    models = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(models)
    Table("not_migrated", models, Column("id", Integer, primary_key=True))
    models.tables["cases"].append_column(Column("not_migrated_either", String(10)))
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models)
    kinds = {(entry[0], getattr(entry[-1], "name", None)) for entry in diff if isinstance(entry, tuple)}
    assert ("add_table", "not_migrated") in kinds
    assert ("add_column", "not_migrated_either") in kinds
