"""Helpers for the API tests (tests/test_api_*.py)."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from odr.auth.operations import create_api_token
from odr.core.audit import AuditEvent
from odr.extensions import db

NEW_CASE = {
    "category": "labour",
    "title": "拖欠工资 unpaid wages",
    "facts": "公司拖欠三个月工资。",
    "claims": "支付工资",
    "claim_amount": "12000.50",
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def bearer(user, name="test") -> dict:
    """Authorization header with a fresh API token of `user`."""
    _, secret = create_api_token(user, name)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def upload(data: bytes, filename="证据.pdf", **form) -> dict:
    return {"file": (io.BytesIO(data), filename), **form}


def big_upload(data: bytes, filename="大文件.pdf") -> dict:
    """Keyword arguments for client.post() with a multipart body already encoded.

    For bodies over 500 KB the test client spools its own encoding to a temporary file that
    nobody closes (a ResourceWarning); encoded bytes avoid that."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def stored_files() -> set[Path]:
    root = Path(current_app.config["STORAGE_DIR"])
    return {p for p in root.rglob("*") if p.is_file()}


def audit_count(action: str, **where) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return db.session.execute(stmt).scalar()


@contextmanager
def count_queries():
    """Counts the SQL statements sent while the block runs: `with count_queries() as n: ...; n()`."""
    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]
