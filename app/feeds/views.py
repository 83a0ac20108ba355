"""The calendar page with the user's feed links, and the feeds themselves."""

from __future__ import annotations

from collections import OrderedDict
from math import ceil
from time import time

import segno
from flask import Blueprint, Response, abort, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import RateLimitItem
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from app import access, throttle
from app.extensions import csrf, db, limiter
from app.feeds import feed, links
from app.people.models import Student
from app.school.calendar import today
from app.web import form_id, redirect_after_post, render

bp = Blueprint("feeds", __name__)

MAX_BODIES = 2000


def _bodies() -> OrderedDict:
    """Per process, and safe to be: feed bodies keyed by (link, content fingerprint), and
    the fingerprint covers the scope, the language, the day and every row the feed is built
    from (app/feeds/feed.py), so an entry is either exactly right or never looked up
    again."""
    return current_app.extensions.setdefault("feed_bodies", OrderedDict())


def _body(refresh: feed.Refresh) -> bytes:
    bodies = _bodies()
    key = (refresh.token_id, refresh.fingerprint)
    body = bodies.get(key)
    if body is None:
        body = feed.build(refresh.scope, refresh.locale)
        bodies[key] = body
        if len(bodies) > MAX_BODIES:
            bodies.popitem(last=False)
    return body


def _refuse_if_looping(refresh: feed.Refresh, limit: RateLimitItem, now: float) -> None:
    """The per-link limit, counted on the link's own row by the refresh itself (so a
    calendar refresh is one statement). Per link, not per address: Google's and Apple's
    fetchers share addresses. (A 304 for the current ETag is answered before Flask and
    not counted, app/feeds/fast.py says why.)"""
    if current_app.config["RATELIMIT_ENABLED"] and refresh.hits > limit.amount:
        raise TooManyRequests(retry_after=max(1, ceil(refresh.window_ends - now)))


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
        webcal = "webcal://" + https.split("://", 1)[1]
        new_url = {
            "student_id": new["student_id"],
            "https": https,
            "webcal": webcal,
            # To set up another device: its camera reads the link (an SVG, made here).
            "qr": segno.make(webcal, error="m").svg_data_uri(scale=4, border=2),
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
    link = links.create(current_user, student_id)
    session["new_feed"] = {"secret": link.secret, "student_id": student_id}
    if link.replaced:
        flash(_("A new calendar link is ready. The earlier link has stopped working."), "success")
    else:
        flash(_("Your calendar link is ready."), "success")
    return redirect_after_post(url_for("feeds.calendar"))


def _not_modified(headers: dict) -> Response:
    # The calendar's type, so the page rules for HTML (Vary: Cookie, no-cache) leave it be.
    return Response(status=304, mimetype="text/calendar", headers=headers)


@bp.get("/feeds/<token>.ics")
@csrf.exempt
@limiter.exempt
def ics(token: str):
    token_hash = links.digest(token)
    limit = feed.rate_limit(current_app.config["FEED_RATE_LIMIT"])
    now = time()
    # One statement answers "is the link still valid?", counts the request against the
    # link's limit and says what is in the feed now. (A matching If-None-Match for
    # unchanged content was answered before Flask without counting, app/feeds/fast.py;
    # whatever reaches this view is counted here, once.)
    refresh = feed.refresh(token_hash, today(), now, limit.get_expiry())
    if refresh is None:
        # Unknown or revoked: counted against the address, which waits after many guesses.
        throttle.refuse_feed_guessing()
        throttle.count_feed_guess()
        abort(404)
    _refuse_if_looping(refresh, limit, now)
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
    return Response(
        _body(refresh),
        mimetype="text/calendar",
        content_type="text/calendar; charset=utf-8",
        headers=headers,
    )
