"""A calendar's "has my feed changed?" answered before Flask.

Calendar apps poll a feed link every few minutes with the ETag they were given; nearly
every answer is 304 Not Modified. This WSGI middleware answers exactly those requests: a
GET of a feed link with If-None-Match and no session cookie. It runs the feed's refresh statement
(app/feeds/feed.py: the link's validity, its rate-limit count and the fingerprint of the
content, one statement) and answers 304 only when the link is valid, within its limit,
its stored fingerprint is the current one (nothing to record) and the ETag matches; the
304 carries the headers the view's 304 carries. Everything else goes on to the view,
which is handed the refresh already done (so the request is counted once): an unknown
token (the view counts the guess against the address, app/throttle.py), a changed feed,
a link over its limit (429), a redirect to https.

The statement's commit only raises the link's request count. It runs on its own small
connection pool whose commits do not wait for the disk (SQLite: synchronous=NORMAL in WAL
mode; PostgreSQL: synchronous_commit off): a power cut may forget the last few counts,
never corrupt or reorder anything, and everything else the app writes is as durable as
before.
"""

from __future__ import annotations

import re
import threading
from time import time

from sqlalchemy import create_engine, event
from werkzeug.http import parse_cookie, parse_etags

from app.feeds import feed, links
from app.school.calendar import today

PATH = re.compile(r"/feeds/([A-Za-z0-9_-]{1,100})\.ics")
# Where the view finds the refresh this middleware did: (token hash, Refresh or None).
# WSGI environ keys without HTTP_ cannot come from the client.
DONE = "mentorskap.feed_refresh"
CACHE_CONTROL = "private, max-age=0, must-revalidate"


class FeedNotModified:
    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        self._engine = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_IF_NONE_MATCH" in environ
            and not self._signed_in(environ)
        ):
            found = PATH.fullmatch(environ.get("PATH_INFO", ""))
            if found:
                headers = self._not_modified(found.group(1), environ)
                if headers is not None:
                    start_response("304 NOT MODIFIED", headers)
                    return []
        return self.wsgi_app(environ, start_response)

    def _signed_in(self, environ: dict) -> bool:
        """Whether the request carries the app's session or remember-me cookie: then
        Flask's session handling may have something to write, so the view answers."""
        cookies = environ.get("HTTP_COOKIE")
        if not cookies:
            return False
        config = self.flask_app.config
        names = (
            config["SESSION_COOKIE_NAME"],
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        )
        return any(name in parse_cookie(cookies) for name in names)

    def engine(self):
        """The counting pool of this process (made after a fork, on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from app.extensions import db

                    with self.flask_app.app_context():
                        url = db.engine.url
                    self._engine = _counting_engine(url)
        return self._engine

    def _not_modified(self, token: str, environ: dict) -> list[tuple[str, str]] | None:
        app = self.flask_app
        config = app.config
        talisman = app.extensions.get("talisman")
        if talisman is None or not talisman.plain_for("feeds.ics") or _redirects(app, environ):
            return None
        limit = feed.rate_limit(config["FEED_RATE_LIMIT"])
        token_hash = links.digest(token)
        now = time()
        engine = self.engine()
        connection = engine.raw_connection()
        try:
            refresh = feed.refresh_on(
                connection.dbapi_connection,
                engine.dialect,
                token_hash,
                today(),
                now,
                limit.get_expiry(),
            )
        except Exception:  # noqa: BLE001 - the view answers, on the app's own pool
            connection.invalidate()
            return None
        finally:
            connection.close()
        environ[DONE] = (token_hash, refresh)
        if (
            refresh is None
            or (config["RATELIMIT_ENABLED"] and refresh.hits > limit.amount)
            or refresh.served_fingerprint != refresh.fingerprint
            or refresh.served_changed_at is None
        ):
            return None
        etag = refresh.fingerprint[:32]
        if not parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains(etag):
            return None
        secure = talisman.hsts_applies(environ)
        return [
            ("ETag", f'"{etag}"'),
            ("Cache-Control", CACHE_CONTROL),
            *talisman.fixed_headers(secure),
            ("Vary", "Cookie"),
        ]


def _redirects(app, environ: dict) -> bool:
    """Whether Talisman would send this request to https first."""
    talisman = app.extensions["talisman"]
    return bool(
        talisman.force_https
        and not app.debug
        and environ.get("wsgi.url_scheme") != "https"
        and environ.get("HTTP_X_FORWARDED_PROTO", "http") != "https"
    )


def _counting_engine(url):
    # No ping before use and no rollback after: a connection that fails is dropped (and
    # the view answers instead), and every use ends with its commit.
    engine = create_engine(url, pool_size=2, max_overflow=2, pool_reset_on_return=None)

    @event.listens_for(engine, "connect")
    def _commit_without_waiting_for_disk(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
        elif engine.dialect.name == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()

    return engine


def install(app) -> None:
    """Innermost, so that a proxy's ProxyFix (outside) has set the scheme."""
    app.wsgi_app = app.extensions["feed_not_modified"] = FeedNotModified(app.wsgi_app, app)
