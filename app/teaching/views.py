"""Teaching pages: a teacher's input page per group, talk period and subject; the
mentor's view of all subjects' input and the reminder to those late. (The admin's
teaching assignments are on the group's admin page, app/admin/views.py.)"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import access
from app.access import role_required
from app.teaching import inputs
from app.teaching.forms import InputForm
from app.teaching.models import COMMENT_MAX, STATUS_LABELS, status_label
from app.teaching.subjects import SUBJECTS, subject_label
from app.web import redirect_after_post, render, wants_fragment

bp = Blueprint("teaching", __name__, url_prefix="/teaching")
bp.add_app_template_global(COMMENT_MAX, "comment_max")
bp.add_app_template_global(list(SUBJECTS), "teaching_subject_codes")


@bp.app_template_global()
def teaching_subject(code: str) -> str:
    return subject_label(code)


@bp.app_template_global()
def teaching_status(status: str) -> str:
    return status_label(status)


# --- the teacher's input page ---------------------------------------------------------


def _input_page(period, subject: str, failed=None, form=None, status: int = 200):
    rows = inputs.input_rows(period, subject)
    return render(
        "teaching/teaching_input.html",
        status=status,
        period=period,
        subject=subject,
        rows=rows,
        done=sum(1 for r in rows if r.done),
        failed=failed,
        form=form,
        statuses=STATUS_LABELS,
    )


@bp.get("/periods/<id:period_id>/input/<subject>")
@role_required("teacher")
def input_page(period_id: int, subject: str):
    return _input_page(access.teaching_period_or_404(period_id, subject), subject)


@bp.post("/periods/<id:period_id>/input/<subject>/students/<id:student_id>")
@role_required("teacher")
def save_input(period_id: int, subject: str, student_id: int):
    period = access.teaching_period_or_404(period_id, subject)
    student = access.taught_student_or_404(period, student_id)
    if request.htmx and not request.form.get("status") and "save" not in request.form:
        return "", 204  # a comment typed before the status: saved with the status
    form = InputForm()
    saved = None
    if form.validate_on_submit():
        saved = inputs.save_input(
            current_user, period, subject, student, form.status.data, form.comment.data
        )
    if saved is not None and saved.ok:
        if not wants_fragment():
            flash(_("Saved: %(name)s.", name=student.name), "success")
            page = url_for("teaching.input_page", period_id=period.id, subject=subject)
            return redirect_after_post(f"{page}#row-{student.id}")
        done, total = inputs.progress(period, subject)
        return render(
            "teaching/teaching_row.html",
            period=period,
            subject=subject,
            row=saved.row,
            just_saved=True,
            done=done,
            total=total,
            statuses=STATUS_LABELS,
        )
    failed = inputs.InputRow(student.id, student.name, form.status.data, form.comment.data)
    if wants_fragment():
        return render(
            "teaching/teaching_row.html",
            status=422,
            period=period,
            subject=subject,
            row=failed,
            form=form,
            statuses=STATUS_LABELS,
        )
    return _input_page(period, subject, failed=failed, form=form, status=422)


# --- the mentor's view ----------------------------------------------------------------


@bp.get("/periods/<id:period_id>")
@login_required
def group_input(period_id: int):
    period = access.teachers_input_period_or_404(period_id)
    return render("teaching/teaching_group.html", period=period, data=inputs.group_input(period))


@bp.get("/periods/<id:period_id>/students/<id:student_id>")
@login_required
def student_input(period_id: int, student_id: int):
    period = access.teachers_input_period_or_404(period_id)
    data = inputs.group_input(period, student_id)
    if not data.students:
        abort(404)
    return render(
        "teaching/teaching_student.html", period=period, data=data, student=data.students[0]
    )


@bp.route("/periods/<id:period_id>/remind", methods=["GET", "POST"])
@login_required
def remind(period_id: int):
    period = access.teachers_input_period_or_404(period_id)
    back = url_for("teaching.group_input", period_id=period.id)
    if request.method == "POST":
        from app.teaching.reminders import remind_late

        done = remind_late(period, current_user)
        if done.count:
            flash(
                ngettext(
                    "A reminder is sent to %(num)d teacher.",
                    "A reminder is sent to %(num)d teachers.",
                    done.count,
                ),
                "success",
            )
        else:
            flash(_("No one to remind: the late teachers have been reminded already."), "info")
        return redirect_after_post(back)
    return render("teaching/teaching_remind.html", period=period, data=inputs.group_input(period))
