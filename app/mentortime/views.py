"""Mentor time pages: the group's weekly times and each week's agenda and changes.
Writing is schedule's; a creating form is sent once through `app.submissions`."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access, submissions
from app.extensions import db
from app.fields import in_date_range
from app.mentortime import schedule
from app.mentortime.forms import MentorTimeForm, OccurrenceForm, weekday_name
from app.mentortime.models import MentorTime
from app.web import after_create, redirect_after_post, render

bp = Blueprint("mentortime", __name__)
bp.add_app_template_global(weekday_name)


@bp.route("/groups/<id:group_id>/mentor-time", methods=["GET", "POST"])
@login_required
def group(group_id: int):
    group = access.group_or_404(group_id)
    if not access.is_group_mentor(current_user, group.id):
        abort(404)
    form = MentorTimeForm()
    if form.validate_on_submit():
        page = url_for("mentortime.group", group_id=group.id)

        def create() -> str:
            schedule.add_mentor_time(
                group,
                current_user,
                weekday=form.weekday.data,
                start=form.start.data,
                minutes=form.minutes.data,
                room=(form.room.data or "").strip(),
            )
            return page

        url, first = submissions.create_once(current_user, form.submit_key.data, create)
        return after_create(url, first, _("The mentor time is added."))
    upcoming = schedule.upcoming_for_groups([group.id], weeks=5)[group.id]
    status = 422 if form.errors else 200
    times = db.session.scalars(
        db.select(MentorTime).where(MentorTime.group_id == group.id).order_by(MentorTime.weekday)
    ).all()
    return render(
        "mentortime/group.html",
        status=status,
        group=group,
        form=form,
        times=times,
        upcoming=upcoming,
    )


@bp.post("/mentor-times/<id:mentor_time_id>/delete")
@login_required
def delete(mentor_time_id: int):
    mentor_time = access.mentor_time_or_404(mentor_time_id)
    group_id = schedule.remove_mentor_time(mentor_time, current_user)
    flash(_("The mentor time is removed."), "success")
    return redirect_after_post(url_for("mentortime.group", group_id=group_id))


@bp.route("/mentor-times/<id:mentor_time_id>/<on_date>", methods=["GET", "POST"])
@login_required
def occurrence(mentor_time_id: int, on_date: str):
    mentor_time = access.mentor_time_or_404(mentor_time_id)
    try:
        day = date.fromisoformat(on_date)
    except ValueError:
        abort(404)
    if not in_date_range(day):
        abort(404)
    occ = schedule.occurrence_on(mentor_time, day)
    if occ is None:
        abort(404)
    passed = schedule.has_passed(occ)
    form = OccurrenceForm(obj=occ.override if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {
            "cancelled": form.cancelled.data,
            "moved_date": form.moved_date.data,
            "moved_start": form.moved_start.data,
            "moved_room": (form.moved_room.data or "").strip() or None,
            "change_note": form.change_note.data or "",
            "decisions": form.decisions.data or "",
            "agenda": form.agenda.data or "",
        }
        page = url_for("mentortime.group", group_id=mentor_time.group_id)

        def save() -> str:
            schedule.save_week(occ, values, current_user)
            return page

        url, first = submissions.create_once(current_user, form.submit_key.data, save)
        return after_create(url, first, _("The mentor time is saved."))
    status = 422 if form.errors else 200
    return render(
        "mentortime/occurrence.html",
        status=status,
        form=form,
        occ=occ,
        mentor_time=mentor_time,
        passed=passed,
    )
