"""Language and time zone: chosen by the user, remembered, and used by pages, mail and PDFs."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from . import labels


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    if not has_request_context():
        # A CLI command, a background job or a test: no session or headers to ask. Without this,
        # the first translated error message raised outside a request was a RuntimeError.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if session.get("lang") in supported:
        return session["lang"]
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"]) if request else None
    if best in ("zh", "zh_CN"):
        return "zh_CN"
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def localized_name(obj) -> str:
    """Organisations and regions carry a Chinese name and an optional English one."""
    if obj is None:
        return ""
    if not is_chinese() and getattr(obj, "name_en", None):
        return obj.name_en
    return obj.name


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(
        label=labels.label,
        localized_name=localized_name,
        is_chinese=is_chinese,
        get_locale=get_locale,
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
