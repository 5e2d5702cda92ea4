"""The JSON API's machinery: the blueprint class every `api.py` uses, and the Api set-up.

Who is calling: an API token (`Authorization: Bearer odr_...`, read by the request loader in
odr/auth/session.py) or the browser's login session. The blueprint is exempt from CSRFProtect's
automatic check, which would refuse token calls; session calls with an unsafe method are checked
here instead (browser JavaScript sends the token in `X-CSRFToken`). Token calls never carry a
cookie, so a third-party site cannot make a browser send one.
"""

from __future__ import annotations

from http import HTTPStatus

import flask_smorest
from flask import current_app, g
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import Unauthorized
from werkzeug.routing import IntegerConverter

from ..extensions import api, csrf
from .errors import OperationError
from .schemas import MAX_ID, ErrorSchema

SPEC_OPTIONS = {
    "info": {
        "description": "odr JSON API. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`; "
        "see docs/api.md.",
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`odr_...`) made with POST /api/v1/tokens.",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "The browser's login session. Unsafe methods also need the "
                "page's CSRF token in the `X-CSRFToken` header.",
            },
        }
    },
    "security": [{"bearer": []}, {"session": []}],
}


class IdConverter(IntegerConverter):
    """`<id:case_id>`: a row id. A number no key can have is a 404 before it reaches the database
    (SQLite cannot even bind an integer above 2**63)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def init_api(app) -> None:
    """Initialise flask-smorest with our error body and security schemes in the document."""
    app.url_map.converters["id"] = IdConverter
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app, spec_kwargs=SPEC_OPTIONS)


class Parser(FlaskParser):
    """webargs' parser plus a `multipart` location: the form fields and the files of one body."""

    __location_map__ = dict(multipart="load_multipart", **FlaskParser.__location_map__)

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class CsrfFailed(OperationError):
    status = 400
    code = "csrf_failed"


class ApiBlueprint(flask_smorest.Blueprint):
    """A blueprint under /api/v1 whose every endpoint needs a signed-in user."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("url_prefix", "/api/v1")
        super().__init__(*args, **kwargs)
        csrf.exempt(self)
        self.before_request(_authenticate)
        self.after_request(_no_store)

    def errors(self, *codes: int):
        """Document the error responses an endpoint may give (all have the error body)."""

        def decorator(func):
            for code in codes:
                # flask-smorest registers a response per HTTPStatus under its name.
                func = self.alt_response(code, response=HTTPStatus(code).name)(func)
            return func

        return decorator


def authenticated_by_token() -> bool:
    return bool(g.get("authenticated_by_token"))


def _authenticate():
    if not current_user.is_authenticated:
        raise Unauthorized()
    if authenticated_by_token() or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        csrf.protect()  # does nothing for GET, HEAD, OPTIONS
    except CSRFError as error:
        raise CsrfFailed(
            _("The security token of this page has expired. Reload the page and try again.")
        ) from error


def _no_store(response):
    # Case data is personal: no shared or browser cache keeps it.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
