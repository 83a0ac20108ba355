"""Talk preparation pages (issue 19): the student prepares a booked talk, a guardian adds
questions. Each view asks app.access who the user is to the student's talk, calls
app.talks.preparation and renders; the mentor reads it all on the talk's notes page
(talks.record)."""

from __future__ import annotations

from flask import Blueprint, flash, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access
from app.fields import focus_first_error
from app.talks import preparation
from app.talks.prep_forms import PreparationForm, QuestionsForm
from app.web import home_url, redirect_after_post, render

bp = Blueprint("prep", __name__, url_prefix="/talks")
bp.add_app_template_global(preparation.scale_label, "scale_label")

PREFIX = "/periods/<id:period_id>/students/<id:student_id>"


def _closed_message(talk) -> str:
    if talk is None:
        return _("The talk is not booked, so there is nothing to prepare yet.")
    return _("The talk has started, so the answers can no longer be changed.")


@bp.route(PREFIX + "/prepare", methods=["GET", "POST"])
@login_required
def prepare(period_id: int, student_id: int):
    """The student's self-assessment before the booked talk."""
    period, student, _relation = access.talk_preparation_or_404(
        period_id, student_id, access.may_write_preparation
    )
    talk = preparation.booked_time(period, student)
    goals = preparation.goals_to_review(period, student)
    form = PreparationForm.for_goals(goals)
    saved = None
    if request.method == "GET":
        saved = preparation.preparation_of(period, student)
        if saved is not None:
            form.general.data, form.topics.data = saved.general, saved.topics
        for goal in goals:
            status, note = form.goal_fields(goal)
            status.data, note.data = goal.answer, goal.note
    message, status_code = None, 200
    if form.validate_on_submit():
        result = preparation.save_preparation(
            period,
            student,
            current_user,
            general=form.general.data,
            topics=form.topics.data,
            answers=form.answers(goals),
        )
        if result == "saved":
            flash(_("Your answers are saved. You can change them until the talk."), "success")
            return redirect_after_post(home_url())
        message, status_code = _closed_message(talk), 409  # what was typed stays on the page
    if form.errors:
        status_code = 422
    focus_first_error(form)
    return render(
        "talks/prep_student.html",
        status=status_code,
        form=form,
        period=period,
        student=student,
        talk=talk,
        is_open=preparation.is_open(talk),
        goals=goals,
        saved=saved,
        message=message,
    )


@bp.route(PREFIX + "/questions", methods=["GET", "POST"])
@login_required
def questions(period_id: int, student_id: int):
    """A guardian's own questions for the talk, and whether the student has prepared."""
    period, student, relation = access.talk_preparation_or_404(
        period_id, student_id, access.may_write_guardian_questions
    )
    talk = preparation.booked_time(period, student)
    view = preparation.guardian_view(period, student, current_user)
    form = QuestionsForm()
    if request.method == "GET":
        form.questions.data = view.questions or ""
    message, status_code = None, 200
    if form.validate_on_submit():
        result = preparation.save_questions(period, student, current_user, form.questions.data)
        if result == "saved":
            flash(_("Your questions are saved. The mentor reads them before the talk."), "success")
            return redirect_after_post(home_url())
        message, status_code = _closed_message(talk), 409
    if form.errors:
        status_code = 422
    focus_first_error(form)
    return render(
        "talks/prep_guardian.html",
        status=status_code,
        form=form,
        period=period,
        student=student,
        talk=talk,
        is_open=preparation.is_open(talk),
        view=view,
        show_prepared=access.may_see_prepared(relation),
        message=message,
    )
