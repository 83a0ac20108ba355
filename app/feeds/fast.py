"""A calendar's "has my feed changed?" answered before Flask, with one read.

Calendar apps poll a feed link every few minutes with the ETag they were given; nearly
every answer is 304 Not Modified. This WSGI middleware answers exactly those requests: a
GET of a feed link with If-None-Match and no session cookie. It runs the feed's look
(app/feeds/feed.py: the refresh statement's scope and content columns as a SELECT, one
statement that writes nothing) and answers 304 only when the link is valid (not revoked,
its user active), the fingerprint last served is the current one (nothing to record), the
link has not been refused in its current window, and the ETag matches; the 304 carries
the headers the view's 304 carries.

Such a 304 is not counted against the link's rate limit (FEED_RATE_LIMIT). The limit is
there to stop a calendar that loops from costing the server a feed's worth of work again
and again; a matching 304 costs one indexed read, less than counting it would (a write
and its commit, on SQLite one at a time across every worker), and tells the holder
nothing they do not already have: they hold the current content's ETag, which only the
link's full answer gave them. Counting it would make the cheapest answer the dearest.

Everything else goes on to the view exactly as before, which runs the counting refresh
itself (nothing is handed over, so the view neither depends on this middleware nor
counts a request twice): no If-None-Match, an unknown or revoked token (the view counts
the guess against the address, app/throttle.py), a changed feed (the view records it), a
link refused in its current window (the view counts it and answers 429), a redirect to
https, a session cookie.

The read runs on a few connections of its own (ReadConnections) in autocommit mode: on
SQLite a SELECT outside a transaction (no BEGIN, no write lock, and in WAL mode it never
waits for a writer); on PostgreSQL the statement is its own transaction, so no
transaction lingers after it.

Its cost per request is kept near a bare WSGI app's: what depends only on the app's
configuration (the cookie names, whether the feed view gets Talisman's fixed headers) is
worked out once; the look returns only what the 304 needs (no Scope, no parsed time); and
the fingerprint, a pure function of the row's values and the day, is kept per process
(app/feeds/feed.py), so the view and this middleware still compute it the same way.
"""

from __future__ import annotations

import re
import threading
from time import time

from sqlalchemy import create_engine
from werkzeug.http import parse_cookie, parse_etags

from app.feeds import feed, links
from app.school.calendar import today

PATH = re.compile(r"/feeds/([A-Za-z0-9_-]{1,100})\.ics")
CACHE_CONTROL = "private, max-age=0, must-revalidate"


class FeedNotModified:
    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        self._reads: ReadConnections | None = None
        self._lock = threading.Lock()
        # Pure functions of the app's configuration, worked out on the first request
        # (when the app is fully set up) instead of on every one.
        self._cookie_names: tuple[str, ...] | None = None
        self._plain: bool | None = None

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
        names = self._cookie_names
        if names is None:
            config = self.flask_app.config
            names = self._cookie_names = (
                config["SESSION_COOKIE_NAME"],
                config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            )
        parsed = parse_cookie(cookies)
        return any(name in parsed for name in names)

    def reads(self) -> ReadConnections:
        """The read connections of this process (made after a fork, on first use)."""
        if self._reads is None:
            with self._lock:
                if self._reads is None:
                    from app.extensions import db

                    with self.flask_app.app_context():
                        url = db.engine.url
                    self._reads = ReadConnections(_read_engine(url))
        return self._reads

    def _plain_feed(self) -> bool:
        """Whether the feed view's response gets Talisman's fixed headers (no per-view
        options, no nonce), which this middleware can then send as they are."""
        if self._plain is None:
            talisman = self.flask_app.extensions.get("talisman")
            self._plain = talisman is not None and talisman.plain_for("feeds.ics")
        return self._plain

    def _not_modified(self, token: str, environ: dict) -> list[tuple[str, str]] | None:
        app = self.flask_app
        if not self._plain_feed() or _redirects(app, environ):
            return None
        reads = self.reads()
        connection = reads.take()
        try:
            look = feed.look_on(
                connection.dbapi_connection, reads.dialect, links.digest(token), today()
            )
        except Exception:  # noqa: BLE001 - the view answers, on the app's own pool
            connection.close()  # dropped, not kept
            return None
        reads.give(connection)
        if look is None or not look.current:
            return None
        config = app.config
        if config["RATELIMIT_ENABLED"] and look.over(
            feed.rate_limit(config["FEED_RATE_LIMIT"]).amount, time()
        ):
            return None
        if not parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains(look.etag):
            return None
        talisman = app.extensions["talisman"]
        return [
            ("ETag", f'"{look.etag}"'),
            ("Cache-Control", CACHE_CONTROL),
            *talisman.fixed_headers(talisman.hsts_applies(environ)),
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


class ReadConnections:
    """The look's connections in this process: kept in a plain list, taken and given back
    with list.pop and list.append (atomic, so no lock, and nothing else to do). At most
    KEEP are kept idle; a request that finds none opens one, and one given back beyond
    KEEP is closed. SQLAlchemy's pool (the engine's) only opens them, set up by its
    dialect: its checkout and return cost about 9 µs per 304, an eighth of it."""

    KEEP = 4

    def __init__(self, engine):
        self.engine = engine
        self.dialect = engine.dialect
        self.idle: list = []

    def take(self):
        try:
            return self.idle.pop()
        except IndexError:
            connection = self.engine.raw_connection()
            connection.detach()  # ours from now: closed here, never returned to the pool
            return connection

    def give(self, connection) -> None:
        if len(self.idle) < self.KEEP:
            self.idle.append(connection)
        else:
            connection.close()


def _read_engine(url):
    # Autocommit: every read is its own transaction and none is left open (SQLite: no
    # BEGIN at all; PostgreSQL: no idle transaction between requests). No ping before use
    # and no reset after: a connection that fails is dropped (and the view answers
    # instead). Its pool holds none: ReadConnections detaches each one it opens.
    return create_engine(url, pool_reset_on_return=None, isolation_level="AUTOCOMMIT")


def install(app) -> None:
    """Innermost, so that a proxy's ProxyFix (outside) has set the scheme."""
    app.wsgi_app = app.extensions["feed_not_modified"] = FeedNotModified(app.wsgi_app, app)
