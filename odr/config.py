"""Settings from the environment, with embedded defaults that run on one machine.

Embedded default: SQLite in instance/, in-process Socket.IO, jobs run inline, in-memory limits.
Production sets DATABASE_URL, SECRET_KEY, SOCKETIO_MESSAGE_QUEUE, CELERY_BROKER_URL and
RATELIMIT_STORAGE_URI (see docs/deployment.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY if set; otherwise keep a random key in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'odr.sqlite3'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; the bare scheme would pick psycopg2.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_DIR": os.environ.get("STORAGE_DIR") or str(instance_path / "storage"),
        # Uploads: 20 MiB per request; nginx's client_max_body_size matches it.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE", "odr"),
        # Papers that follow a workflow step (the acceptance notice): after_commit issues them once
        # the step's transaction commits (in the worker with a broker); off skips them (tests, seed).
        "DOCUMENT_JOBS": os.environ.get("DOCUMENT_JOBS", "after_commit"),
        # Build the similar-case index (jieba + BM25) in the background after a process's first
        # request, so the first evaluation report does not wait for it (docs/evaluation.md).
        "SIMILAR_WARM_UP": _bool("SIMILAR_WARM_UP", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Failed logins before an account is locked, and for how long.
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)),
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", 7)),
        # Notifications (docs/notifications.md). E-mail goes out by SMTP when MAIL_SERVER is set;
        # otherwise (and for SMS with SMS_BACKEND=dev) the outbox only records it.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "odr@localhost"),
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", 20)),
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "dev"),
        # inline: send right after each commit; deferred: leave for `flask odr deliver-outbox`.
        "OUTBOX_DELIVERY": os.environ.get("OUTBOX_DELIVERY", "inline"),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 5)),
        # A failed send is tried again after OUTBOX_RETRY_SECONDS, doubled for each further
        # failure (60 s, 2, 4, 8 min), at most OUTBOX_RETRY_MAX_SECONDS (docs/notifications.md).
        "OUTBOX_RETRY_SECONDS": int(os.environ.get("OUTBOX_RETRY_SECONDS", 60)),
        "OUTBOX_RETRY_MAX_SECONDS": int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", 3600)),
        # Periodic jobs (odr/notifications/tasks.py): the due jobs and the outbox's retries, by
        # Celery beat with a broker, else by a thread of the application (JOBS_SCHEDULER=thread;
        # off: neither, e.g. when cron runs `flask odr run-due-jobs`).
        "JOBS_SCHEDULER": os.environ.get("JOBS_SCHEDULER") or None,
        "JOBS_INTERVAL_SECONDS": int(os.environ.get("JOBS_INTERVAL_SECONDS", 300)),
        "OUTBOX_RETRY_INTERVAL_SECONDS": int(os.environ.get("OUTBOX_RETRY_INTERVAL_SECONDS", 60)),
        # The clocks (odr/supervision/clocks.py): remind whoever must act this many hours before a
        # deadline; report an overdue case one level up the region tree this many days after it.
        "CLOCK_REMINDER_HOURS": int(os.environ.get("CLOCK_REMINDER_HOURS", 24)),
        "CLOCK_ESCALATE_UP_DAYS": int(os.environ.get("CLOCK_ESCALATE_UP_DAYS", 3)),
        # Days before the consent deadline when the respondent is reminded (once).
        "CONSENT_REMINDER_DAYS": int(os.environ.get("CONSENT_REMINDER_DAYS", 2)),
        # Days before a term of an agreement falls due when the side owing it is reminded (once).
        "PERFORMANCE_REMINDER_DAYS": int(os.environ.get("PERFORMANCE_REMINDER_DAYS", 3)),
        # OpenAPI document generated by flask-smorest from the marshmallow schemas.
        "API_TITLE": "odr API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Number of reverse proxies in front of the app (nginx: 1); 0 when clients connect directly.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", 0)),
        "ODR_ENV": os.environ.get("ODR_ENV", "development"),
        # Fernet keys for identity numbers at rest, comma-separated, the current one first
        # (odr/identity/crypto.py); unset: a key kept in instance/identity_keys.
        "IDENTITY_KEYS": os.environ.get("IDENTITY_KEYS") or None,
    }
