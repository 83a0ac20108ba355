"""The calendar page with the user's feed links, and the feeds themselves."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, abort, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import access
from app.extensions import csrf, db, limiter
from app.feeds import feed, links
from app.people.models import Student
from app.web import redirect_after_post, render

bp = Blueprint("feeds", __name__)


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
    if not FlaskForm().validate_on_submit():
        abort(400)
    student_id = request.form.get("student_id", type=int)
    if student_id is not None and not access.is_guardian_of(current_user, student_id):
        abort(404)
    secret = links.create(current_user, student_id)
    db.session.commit()
    session["new_feed"] = {"secret": secret, "student_id": student_id}
    flash(
        _("A new calendar link is ready. Any earlier link for it has stopped working."), "success"
    )
    return redirect_after_post(url_for("feeds.calendar"))


@bp.get("/feeds/<token>.ics")
@csrf.exempt
@limiter.limit("120 per minute")
def ics(token: str):
    found = links.find(token)
    if found is None:
        abort(404)
    locale = found.user.locale or "sv"
    scope = feed.scope_for(found)
    from app.school.calendar import today

    fingerprint = feed.fingerprint(scope, locale, today())
    unchanged = not links.note_content(found, fingerprint)
    etag = fingerprint[:32]
    changed_at = (
        found.content_changed_at.replace(tzinfo=UTC)
        if found.content_changed_at.tzinfo is None
        else found.content_changed_at
    )
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": changed_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if request.if_none_match:
        if request.if_none_match.contains(etag):
            return Response(status=304, headers=headers)
    elif unchanged and request.if_modified_since and request.if_modified_since >= changed_at:
        return Response(status=304, headers=headers)
    body = feed.build(scope, locale)
    return Response(
        body, mimetype="text/calendar", content_type="text/calendar; charset=utf-8", headers=headers
    )
