"""Who is connecting, from which page, in which language: the checks of a socket's `connect`."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

from ..auth.models import User
from ..auth.operations import user_for_api_token
from ..core.i18n import select_locale


def locale_for(user) -> str:
    if user is not None and user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return select_locale()


def _origin(url: str) -> str:
    """scheme://host[:port] in lower case, without the scheme's default port; "" if not a URL."""
    parts = urlsplit((url or "").strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return ""
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_allowed(origin: str) -> bool:
    """The page that opened the socket must be ours: same host, the public base URL, or listed
    in SOCKETIO_CORS_ORIGINS. (Clients that send no Origin, i.e. not browsers, are not asked.)"""
    configured = current_app.config.get("SOCKETIO_CORS_ORIGINS") or []
    if isinstance(configured, str):
        configured = [item.strip() for item in configured.split(",") if item.strip()]
    if "*" in configured:
        return True
    allowed = {_origin(current_app.config.get("PUBLIC_BASE_URL", "")),
               _origin(f"{request.scheme}://{request.host}")}
    allowed.update(_origin(item) for item in configured)
    allowed.discard("")
    return _origin(origin) in allowed


def authenticated_user(auth) -> User | None:
    """An API token given in the connection's auth data, else the login session (or a bearer
    header). A token that is given but not valid is a failure: no fall-back to the cookie."""
    if isinstance(auth, dict) and auth.get("token"):
        return user_for_api_token(str(auth["token"]))
    if getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()
    return None
