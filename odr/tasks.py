"""The Celery worker of a production deployment: renders papers outside the web process.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/1 celery -A odr.tasks worker --concurrency 1

The worker builds the Flask application from the same environment as the web process
(DATABASE_URL, STORAGE_DIR, SIGNING_CERT_DIR, ...) and runs each task in an application context.
One task at a time per core: rendering a CJK paper peaks at 0.4-0.9 GB.
"""

from __future__ import annotations

from . import create_app
from .documents.tasks import celery_for

flask_app = create_app()
if not flask_app.config.get("CELERY_BROKER_URL"):
    raise SystemExit("CELERY_BROKER_URL is not set: without a broker, papers are rendered in the web process")
celery = celery_for(flask_app)
