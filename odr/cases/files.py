"""Sending stored evidence to a browser or an API client, the same way for both.

The caller has already asked the policy (`evidence.download`); this only builds the response.
"""

from __future__ import annotations

from flask import send_file

from ..core.errors import NotFound
from ..core.storage import blob_path


def send_evidence(item):
    """The stored bytes of an Evidence row as a download, never rendered inline by the browser."""
    path = blob_path(item.sha256)
    if not path.exists():
        raise NotFound()
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        etag=item.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored the attachment header, the file could run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
