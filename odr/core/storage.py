"""Content-addressed file storage: a file lives at STORAGE_DIR/ab/cd/<sha256>.

The same bytes are stored once, a stored file never changes, and a download can be checked
against its name. The interface (put/open/path) is what a shared volume or an object store
implements in production.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def blob_path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / sha256[:2] / sha256[2:4] / sha256


def put_bytes(data: bytes) -> str:
    """Store bytes and return their SHA-256. Writing is atomic: a crash leaves no half file."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def exists(sha256: str) -> bool:
    return blob_path(sha256).exists()
