"""The calendar page with the user's feed links, and the feeds themselves."""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from math import ceil
from time import time

from flask import Blueprint, Response, abort, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import RateLimitItem, parse
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from app import access, throttle
from app.cache import shared_cache
from app.extensions import csrf, db, limiter
from app.feeds import feed, links
from app.feeds.models import FeedToken
from app.people.models import Student
from app.school.calendar import today
from app.web import form_id, redirect_after_post, render

bp = Blueprint("feeds", __name__)

# A link's scope (whose events it shows) is kept for a minute in the cache every instance
# shares (app/cache.py): a user's relations change rarely, a minute late is fine for
# calendars that refresh hourly, and every instance serves the same scope, so the feed's
# fingerprint (and with it ETag and Last-Modified) never flips between instances.
SCOPE_SECONDS = 60
MAX_BODIES = 2000


def _scope_key(token_hash: str) -> str:
    return f"feed-scope:{token_hash}"


def _local() -> tuple[OrderedDict, OrderedDict]:
    """Per process, and safe to be: both are keyed by what determines their value.
    Scopes by (link, the shared scope's exact content), holding the refresh statement
    compiled for it; bodies by (link, content fingerprint), and the fingerprint covers the
    scope, the language, the day and every row the feed is built from (app/feeds/feed.py),
    so an entry is either exactly right or never looked up again."""
    return current_app.extensions.setdefault("feed_local", (OrderedDict(), OrderedDict()))


def _remember(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    if len(cache) > MAX_BODIES:
        cache.popitem(last=False)


def _scope(token_hash: str) -> feed.Scope | None:
    """The link's scope, cached by its hash; None for an unknown or revoked link."""
    shared = shared_cache()
    stored = shared.get(_scope_key(token_hash))
    if stored is None:
        token = db.session.scalar(
            select(FeedToken).where(
                FeedToken.token_hash == token_hash, FeedToken.revoked_at.is_(None)
            )
        )
        if token is None or not token.user.active:
            return None
        stored = feed.scope_for(token).to_json().encode()
        shared.set(_scope_key(token_hash), stored, SCOPE_SECONDS)
    scopes, _ = _local()
    key = (token_hash, stored)
    scope = scopes.get(key)
    if scope is None:
        scope = feed.Scope.from_json(stored.decode())
        _remember(scopes, key, scope)
    return scope


def _body(token_id: int, fingerprint: str, scope, locale: str) -> bytes:
    _, bodies = _local()
    key = (token_id, fingerprint)
    body = bodies.get(key)
    if body is None:
        body = feed.build(scope, locale)
        _remember(bodies, key, body)
    return body


@lru_cache(maxsize=8)  # a pure function of the configured text
def _rate_limit(value: str) -> RateLimitItem:
    return parse(value)


def _refuse_if_looping(token_hash: str) -> None:
    """The per-link limit, counted by Flask-Limiter's backend (the limits library) directly:
    the decorator's per-request bookkeeping costs more than answering an unchanged feed.
    Per link, not per address: Google's and Apple's fetchers share addresses."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limit = _rate_limit(current_app.config["FEED_RATE_LIMIT"])
    if not limiter.limiter.hit(limit, "feed", token_hash):
        reset = limiter.limiter.get_window_stats(limit, "feed", token_hash).reset_time
        raise TooManyRequests(retry_after=max(1, ceil(reset - time())))


def _children():
    return list(
        db.session.scalars(
            select(Student)
            .where(Student.id.in_(access.child_ids(current_user)))
            .order_by(Student.first_name)
        )
    )


@bp.get("/calendar")
@login_required
def calendar():
    new = session.pop("new_feed", None)  # a new link is shown once: only its hash is kept
    new_url = None
    if new:
        path = url_for("feeds.ics", token=new["secret"])
        https = request.host_url.rstrip("/") + path
        new_url = {
            "student_id": new["student_id"],
            "https": https,
            "webcal": "webcal://" + https.split("://", 1)[1],
        }
    return render(
        "feeds/calendar.html",
        children=_children(),
        active=links.active_links(current_user),
        new=new_url,
    )


@bp.post("/calendar/links")
@login_required
def create_link():
    student_id = form_id("student_id")
    if student_id is not None and not access.is_guardian_of(current_user, student_id):
        abort(404)
    secret = links.create(current_user, student_id)
    db.session.commit()
    session["new_feed"] = {"secret": secret, "student_id": student_id}
    flash(
        _("A new calendar link is ready. Any earlier link for it has stopped working."), "success"
    )
    return redirect_after_post(url_for("feeds.calendar"))


def _not_modified(headers: dict) -> Response:
    # The calendar's type, so the page rules for HTML (Vary: Cookie, no-cache) leave it be.
    return Response(status=304, mimetype="text/calendar", headers=headers)


@bp.get("/feeds/<token>.ics")
@csrf.exempt
@limiter.exempt
def ics(token: str):
    token_hash = links.digest(token)
    throttle.refuse_feed_guessing()  # per address, before a guess is looked up
    _refuse_if_looping(token_hash)
    scope = _scope(token_hash)
    # One statement answers both "is the link still valid?" and "what is in the feed now?".
    refresh = feed.refresh(scope, token_hash, today()) if scope else None
    if refresh is None:
        shared_cache().delete(_scope_key(token_hash))
        throttle.count_feed_guess()
        abort(404)
    changed_at = links.record_content(refresh)
    unchanged = changed_at == refresh.served_changed_at
    etag = refresh.fingerprint[:32]
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": changed_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if request.if_none_match:
        if request.if_none_match.contains(etag):
            return _not_modified(headers)
    elif unchanged and request.if_modified_since and request.if_modified_since >= changed_at:
        return _not_modified(headers)
    body = _body(refresh.token_id, refresh.fingerprint, scope, refresh.locale)
    return Response(
        body,
        mimetype="text/calendar",
        content_type="text/calendar; charset=utf-8",
        headers=headers,
    )
