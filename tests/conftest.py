"""Shared fixtures. The database is the one in TEST_DATABASE_URL / DATABASE_URL (PostgreSQL in
the second CI run) or a fresh SQLite file; its schema is built by the migrations, not create_all,
so every test run also proves the migrations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import g
from flask_login import FlaskLoginClient
from flask_login.utils import _create_identifier
from sqlalchemy import text

from odr import create_app
from odr.extensions import db

from . import factories

IN_CI = os.environ.get("CI", "").lower() == "true"


def _compile_translations() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "odr" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with po_path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_translations()
    storage = tmp_path_factory.mktemp("storage")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory).replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "STORAGE_DIR": str(storage),
            # Empty: papers are left unsigned unless a test makes certificates (test_documents_signing).
            "SIGNING_CERT_DIR": str(tmp_path_factory.mktemp("certs")),
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            # The acceptance notice after every accept would make the suite several times slower;
            # tests of the papers issued after a step turn this on (tests/test_document_jobs.py).
            "DOCUMENT_JOBS": "off",
        }
    )
    app.test_client_class = TestClient
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if db.engine.dialect.name == "postgresql":
            # A fresh schema for this run: nothing left over from an earlier run can leak in.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        yield app
        db.session.remove()
        if os.environ.get("ODR_TEST_DOWNGRADE"):
            downgrade(revision="base")


class TestClient(FlaskLoginClient):
    """The tests keep one application context open for the whole session and Flask reuses it
    for every request, so whatever a request keeps on `g` (Flask-Login's user, Flask-Babel's
    locale, how the request authenticated) would carry over to the next one. A real server
    starts each request with a fresh `g`; so does this client."""

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test starts with empty tables.

    DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs 0.2-0.4 s (new files for
    each table and index, then an fsync), a DELETE of a test's few rows about 5 ms. Ids are not
    restarted: no test may rely on them.
    """
    yield
    delete_everything()


def delete_everything() -> None:
    """Empty every table (children first), outside the session."""
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def world(app):
    """A region tree, one organisation of each type, one user per role and their memberships."""
    data = factories.build_world()
    db.session.commit()
    return data


@pytest.fixture()
def login(app):
    """login(user) -> a test client signed in as that user."""

    def _login(user):
        client = app.test_client(user=user)
        # Strong session protection drops a session whose identifier (address + user agent)
        # is missing; FlaskLoginClient does not set it.
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_id"] = identifier
        return client

    return _login


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except Exception as error:  # any failure to reach it means the same thing here
        if IN_CI:
            pytest.fail(f"Redis at {url} is not reachable in CI: {error}")
        pytest.skip(f"Redis at {url} is not reachable: {error}")
    return url
