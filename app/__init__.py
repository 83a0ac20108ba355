"""Mentorskap: the mentor work of Swedish schools in one app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as settings
from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate, talisman

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class MentorskapFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whether a hook or view is a coroutine function never changes: Flask asks it of
        # every before/after/teardown function on every request (a dozen per page).
        self._sync: dict[object, object] = {}

    def ensure_sync(self, func):
        found = self._sync.get(func)
        if found is None:
            if len(self._sync) > 10_000:  # per-request callbacks would add up
                self._sync.clear()
            found = self._sync[func] = super().ensure_sync(func)
        return found

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        # Only URLs with a content hash (?v=...) may be cached for long.
        if request and request.args.get("v"):
            return 365 * 24 * 3600
        return 300


def create_app(config: dict | None = None) -> Flask:
    app = MentorskapFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.from_environment())
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session: a slowly typed form is not lost
        WTF_CSRF_HEADERS=["X-CSRFToken"],
    )
    if config:
        app.config.update(config)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A database file never goes away between requests as a server can: no ping on
        # every checkout of a connection.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }
    settings.check_production_safety(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # Innermost middleware: a calendar's unchanged feed is answered before Flask.
    from app.feeds import fast

    fast.install(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    from app import web

    web.register_converters(app)
    _register_blueprints(app)

    from app import cli, errors

    errors.register(app)
    web.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.cookie_session import SessionInterface
    from app.i18n import select_locale, select_timezone

    app.session_interface = SessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    htmx.init_app(app)
    csrf.init_app(app)
    from app import ratelimit  # noqa: F401 - registers the database:// storage

    limiter.init_app(app)
    from app import cache

    cache.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=True,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        frame_options="DENY",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    # After Flask-WTF and Flask-Babel: cheaper versions of what they add to every page.
    from app import hot_path

    hot_path.init_app(app)
    # Importing the models registers them with SQLAlchemy's metadata.
    from app import models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.absence.register_views import bp as absence_register_bp
    from app.absence.views import bp as absence_bp
    from app.admin.imports import bp as imports_bp
    from app.admin.mail import bp as admin_mail_bp
    from app.admin.views import bp as admin_bp
    from app.contacts.views import bp as contacts_bp
    from app.feeds.views import bp as feeds_bp
    from app.goals.views import bp as goals_bp
    from app.health import bp as health_bp
    from app.home.views import bp as home_bp
    from app.leave.views import bp as leave_bp
    from app.mentortime.views import bp as mentortime_bp
    from app.people.views import bp as people_bp
    from app.pwa.views import bp as pwa_bp
    from app.school.views import bp as school_bp
    from app.surveys.views import bp as surveys_bp
    from app.talks.prep_views import bp as talk_prep_bp  # issue 19: talk preparation
    from app.talks.views import bp as talks_bp

    # Issue 19, written assessment (app/teaching/assessment_views.py).
    from app.teaching.assessment_views import bp as assessment_bp
    from app.teaching.concern_views import bp as concerns_bp  # concerns (issue 19)
    from app.teaching.handover_views import bp as handover_bp  # handover (issue 19)
    from app.teaching.views import bp as teaching_bp  # teaching (issue 19)

    for blueprint in (
        health_bp,
        people_bp,
        home_bp,
        school_bp,
        talks_bp,
        talk_prep_bp,  # issue 19: talk preparation
        leave_bp,
        absence_bp,
        absence_register_bp,
        contacts_bp,
        mentortime_bp,
        goals_bp,
        feeds_bp,
        admin_bp,
        imports_bp,
        admin_mail_bp,
        pwa_bp,
        handover_bp,  # handover (issue 19)
        assessment_bp,  # issue 19: written assessment
        concerns_bp,
        surveys_bp,  # survey after the talk (issue 19)
        teaching_bp,
    ):
        app.register_blueprint(blueprint)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys and use WAL so readers never block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
