"""How a request says who it is: the login session (pages, browser API calls) or an API token."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from ..extensions import db


def configure_login(login_manager) -> None:
    from .models import User
    from .operations import user_for_api_token

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @login_manager.request_loader
    def _load_from_token(req):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = user_for_api_token(header[7:].strip())
            if user is not None:
                g.authenticated_by_token = True
            return user
        return None

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import redirect, url_for
        from werkzeug.exceptions import Unauthorized

        if request.path.startswith("/api/"):
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
