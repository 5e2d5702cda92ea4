"""odr: online dispute resolution. `create_app()` builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    from .config import load_config

    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_HOPS"):
        # Behind nginx every request comes from 127.0.0.1: trust X-Forwarded-For/-Proto from
        # exactly that many proxies, so rate limits and audit see the real client.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    _register_blueprints(app)

    from .core.errors import register_error_handlers
    from .core.i18n import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)

    from .cli import odr_cli

    app.cli.add_command(odr_cli)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the whole schema, for Alembic and create_all)
    from .auth.session import configure_login
    from .core.api import init_api
    from .core.catalog import install as install_catalogs
    from .core.database import configure_engine
    from .core.i18n import select_locale, select_timezone
    from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    configure_login(login_manager)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_catalogs(babel)  # finds odr/translations/zh_CN/ (see odr/core/catalog.py)
    csrf.init_app(app)
    limiter.init_app(app)
    init_api(app)
    socketio.init_app(
        app,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS", []),
    )


def _register_blueprints(app: Flask) -> None:
    from .admin import init_admin
    from .admin.invitations import welcome as welcome_pages
    from .auth.api import blp as tokens_api
    from .auth.views import bp as auth_pages
    from .cases.api import blp as cases_api
    from .cases.views import bp as cases_pages
    from .confirmation.api import blp as confirmation_api
    from .confirmation.views import bp as confirmation_pages
    from .consultation.views import bp as consultation_pages
    from .core.health import bp as health
    from .documents.desk import bp as desk_pages
    from .documents.views import bp as documents_pages
    from .evaluation.api import blp as evaluation_api
    from .evaluation.views import bp as evaluation_pages
    from .extensions import api
    from .identity.views import bp as identity_pages
    from .intake.views import bp as intake_pages
    from .invitations.views import bp as invitation_pages
    from .mediation.api import blp as mediation_api
    from .mediation.events import init_app as init_mediation_rooms
    from .mediation.views import bp as mediation_pages
    from .notifications.views import bp as notification_pages
    from .performance.api import blp as performance_api
    from .performance.views import bp as performance_pages
    from .privacy.views import bp as privacy_pages
    from .referral.api import blp as referral_api
    from .referral.views import bp as referral_pages
    from .roster.views import bp as roster_pages
    from .satisfaction.api import blp as satisfaction_api
    from .satisfaction.views import bp as satisfaction_pages
    from .statistics.api import blp as statistics_api
    from .statistics.views import bp as statistics_pages
    from .supervision.views import bp as supervision_pages

    init_mediation_rooms(app)  # the /mediation Socket.IO namespace
    app.register_blueprint(health)
    app.register_blueprint(auth_pages)
    app.register_blueprint(identity_pages)
    app.register_blueprint(privacy_pages)
    app.register_blueprint(roster_pages)
    app.register_blueprint(welcome_pages)
    init_admin(app)  # Flask-Admin pages under /admin (odr/admin)
    app.register_blueprint(cases_pages)
    app.register_blueprint(consultation_pages)
    app.register_blueprint(documents_pages)
    app.register_blueprint(desk_pages)
    app.register_blueprint(intake_pages)
    app.register_blueprint(evaluation_pages)
    app.register_blueprint(mediation_pages)
    app.register_blueprint(invitation_pages)  # also registers the invitation step hooks
    app.register_blueprint(notification_pages)
    app.register_blueprint(confirmation_pages)
    app.register_blueprint(performance_pages)  # also registers the `settle` hook that tracks terms
    app.register_blueprint(referral_pages)  # also registers the referral step hooks
    app.register_blueprint(supervision_pages)  # the board, deadlines, instructions (odr/supervision)
    app.register_blueprint(satisfaction_pages)  # also registers the hook asking for ratings on closure
    app.register_blueprint(statistics_pages)  # also registers the hook that keeps case_stages
    api.register_blueprint(cases_api)
    api.register_blueprint(evaluation_api)
    api.register_blueprint(tokens_api)
    api.register_blueprint(mediation_api)
    api.register_blueprint(confirmation_api)
    api.register_blueprint(performance_api)
    api.register_blueprint(referral_api)
    api.register_blueprint(satisfaction_api)
    api.register_blueprint(statistics_api)
