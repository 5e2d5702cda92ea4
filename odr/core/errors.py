"""Errors raised by operations, and how they reach the user.

Operations raise OperationError subclasses with a translated message; the API answers them as
{"error": {"code", "message", "fields"}}, pages show them as a flash or a form error.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException


class OperationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str | None = None, *, fields: dict | None = None, code: str | None = None,
                 extra: dict | None = None):
        super().__init__(message or self.code)
        self._message = message
        self.fields = fields or {}
        # More keys for the error body, e.g. {"current_version": 7} with a stale version.
        self.extra = extra or {}
        if code:
            self.code = code

    @property
    def message(self) -> str:
        """The message given, or else the general one for the status, in the user's language."""
        if self._message:
            return str(self._message)
        return _http_messages().get(self.status, (self.code, self.code))[1]


class ValidationFailed(OperationError):
    status = 422
    code = "validation_failed"


class NotAllowed(OperationError):
    status = 403
    code = "forbidden"


class NotFound(OperationError):
    status = 404
    code = "not_found"


class Conflict(OperationError):
    status = 409
    code = "conflict"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def field_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field": [...], "parent.child": [...]}, in the user's
    language (see odr/core/schemas.py for how they are translated)."""
    from .schemas import translate

    if not isinstance(messages, dict):
        return {prefix or "_schema": [translate(m) for m in _as_list(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        # A whole-object error and a list item's error belong to the field itself.
        path = prefix if prefix and (key == "_schema" or isinstance(key, int)) else (
            f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, dict):
            flat.update(field_messages(value, path))
        else:
            flat.setdefault(path, []).extend(translate(m) for m in _as_list(value))
    return flat


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _http_messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("Please sign in first.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("Someone else changed this in the meantime. Reload and try again.")),
        413: ("too_large", _("The file is too large.")),
        415: ("unsupported_type", _("This type of file is not accepted.")),
        422: ("validation_failed", _("Some fields are not valid.")),
        429: ("too_many_requests", _("Too many attempts. Please wait a moment and try again.")),
        500: ("server_error", _("Something went wrong on our side. Nothing was saved.")),
    }


def register_error_handlers(app) -> None:
    from ..extensions import db

    @app.errorhandler(OperationError)
    def _operation_error(exc: OperationError):
        db.session.rollback()
        if wants_json():
            return jsonify(error_body(exc.code, exc.message, exc.fields, **exc.extra)), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        code, message = _http_messages().get(exc.code or 500, ("error", exc.description or ""))
        fields = {}
        # webargs / flask-smorest put marshmallow's messages in exc.data["messages"]: 422 for
        # invalid values, 400 for a body that is not JSON at all.
        data = getattr(exc, "data", None) or {}
        if isinstance(data, dict) and isinstance(data.get("messages"), dict):
            # Location level ("json", "query", "form") says nothing useful to the caller.
            for location_messages in data["messages"].values():
                fields.update(field_messages(location_messages))
        if wants_json():
            response = jsonify(error_body(code, message, fields))
            response.status_code = exc.code or 500
            for key, value in exc.get_headers() if exc.response is None else ():
                if key.lower() in ("retry-after", "www-authenticate", "allow"):
                    response.headers[key] = value
            return response
        return render_template("error.html", status=exc.code, message=message), exc.code

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        # Two requests changed the same row at once; the later flush lost (version_id_col).
        return _operation_error(Conflict(_http_messages()[409][1], code="stale_version"))

    @app.errorhandler(500)
    def _server_error(exc):
        db.session.rollback()
        code, message = _http_messages()[500]
        if wants_json():
            return jsonify(error_body(code, message)), 500
        return render_template("error.html", status=500, message=message), 500
