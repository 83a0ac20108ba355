"""Concern pages: a teacher raises a concern and sees their own; the student's mentors
follow it up, tell the guardians and close it; the principal reads. Guardians and
students never reach these pages (404, app/access.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access, submissions
from app.teaching import concerns
from app.teaching.concern_forms import CloseForm, ConcernForm, FollowUpForm, TellGuardiansForm
from app.teaching.models_concerns import FOLLOW_UP_MAX, GUARDIAN_MESSAGE_MAX
from app.teaching.subjects import subject_label
from app.web import after_create, arg_id, home_url, redirect_after_post, render, safe_next

bp = Blueprint("concerns", __name__)
bp.add_app_template_global(concerns.kind_label, "concern_kind_label")
bp.add_app_template_global(concerns.outcome_label, "concern_outcome_label")
bp.add_app_template_global(concerns.status_label, "concern_status_label")
bp.add_app_template_global(subject_label)


def _field_errors(form, errors: dict[str, str], limit: int = concerns.TEXT_MAX) -> None:
    for name, code in errors.items():
        message = concerns.ERRORS[code]
        text = str(message) % {"num": limit} if code == "text_long" else str(message)
        getattr(form, name).errors = [*getattr(form, name).errors, text]


# --- the teacher -----------------------------------------------------------------------


@bp.get("/teaching/concerns")
@login_required
def mine():
    access.concern_teacher_or_404()
    return render("teaching/concern_mine.html", items=concerns.raised_by(current_user))


@bp.route("/teaching/concerns/new", methods=["GET", "POST"])
@login_required
def new():
    access.concern_teacher_or_404()
    student_id = arg_id("student")
    if student_id is None:
        if request.method == "POST":
            abort(404)
        return render("teaching/concern_pick.html", groups=concerns.students_to_pick(current_user))
    student = access.concern_student_to_raise_or_404(student_id)
    _group_id, subjects = concerns.subjects_for(current_user, student)
    form = ConcernForm()
    form.set_subjects(subjects)
    if form.validate_on_submit():
        first = submissions.first_result(current_user, form.submit_key.data)
        if first is not None:
            return after_create(first or url_for("concerns.mine"), False, "")
        outcome = concerns.raise_concern(
            current_user,
            student,
            form.kind.data,
            form.subject.data,
            form.text.data,
            form.submit_key.data,
            url_for_concern=lambda c: url_for("concerns.detail", concern_id=c.id),
        )
        if outcome.ok:
            url = outcome.url or url_for("concerns.mine")
            return after_create(url, outcome.result == "raised", _("The mentor has been told."))
        _field_errors(form, outcome.errors, concerns.TEXT_MAX)
    elif form.is_submitted():  # every field's error at once, the domain's choices too
        data = (form.kind.data or "", form.subject.data or "", form.text.data or "")
        more = concerns.validate(*data, subjects)
        _field_errors(form, {k: v for k, v in more.items() if not getattr(form, k).errors})
    return render(
        "teaching/concern_new.html",
        status=422 if form.errors else 200,
        form=form,
        student=student,
    )


# --- one concern -----------------------------------------------------------------------


def _back(concern, relation: str) -> str:
    came_from = safe_next(request.args.get("back"))
    if came_from:
        return came_from
    if relation == "teacher":
        return url_for("concerns.mine")
    return url_for("concerns.student", student_id=concern.student_id)


def _page(concern, relation: str, status: int = 200, **forms):
    mentor = relation == "mentor"
    group_id = period_id = None
    if mentor:
        group_id, period_id = concerns.latest_talk_period(concern.student_id)
        forms.setdefault("follow_up_form", FollowUpForm(formdata=None, obj=concern))
        forms.setdefault("tell_form", TellGuardiansForm(formdata=None))
        forms.setdefault("close_form", CloseForm(formdata=None))
    return render(
        "teaching/concern_detail.html",
        status=status,
        concern=concern,
        relation=relation,
        group_id=group_id,
        period_id=period_id,
        back=_back(concern, relation),
        came_from=safe_next(request.args.get("back")),
        **forms,
    )


@bp.get("/teaching/concerns/<id:concern_id>")
@login_required
def detail(concern_id: int):
    return _page(*access.concern_or_404(concern_id))


def _followed_up_or_404(concern_id: int):
    concern, relation = access.concern_or_404(concern_id)
    if relation != "mentor":  # the same rule as access.may_follow_up_concern, asked once
        abort(404)
    return concern


def _after(concern, outcome: concerns.Outcome, done: str, form_name: str, form, limit: int):
    if outcome.errors:  # input the form let through (a hand-made request): next to the field
        _field_errors(form, outcome.errors, limit)
        return _page(concern, "mentor", 422, **{form_name: form})
    came_from = safe_next(request.args.get("back"))  # kept through the follow-up's forms
    here = url_for("concerns.detail", concern_id=concern.id, back=came_from)
    if outcome.ok:
        flash(done, "success")
    else:
        flash(str(concerns.REFUSED[outcome.reason]), "error")
    return redirect_after_post(here)


@bp.post("/teaching/concerns/<id:concern_id>/follow-up")
@login_required
def follow_up(concern_id: int):
    concern = _followed_up_or_404(concern_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _page(concern, "mentor", 422, follow_up_form=form)
    outcome = concerns.save_follow_up(concern, current_user, form.follow_up.data)
    return _after(
        concern, outcome, _("The follow-up is saved."), "follow_up_form", form, FOLLOW_UP_MAX
    )


@bp.post("/teaching/concerns/<id:concern_id>/tell-guardians")
@login_required
def tell_guardians(concern_id: int):
    concern = _followed_up_or_404(concern_id)
    form = TellGuardiansForm()
    if not form.validate_on_submit():
        return _page(concern, "mentor", 422, tell_form=form)
    outcome = concerns.tell_guardians(concern, current_user, form.message.data)
    return _after(
        concern,
        outcome,
        _("The guardians are told by e-mail."),
        "tell_form",
        form,
        GUARDIAN_MESSAGE_MAX,
    )


@bp.post("/teaching/concerns/<id:concern_id>/close")
@login_required
def close(concern_id: int):
    concern = _followed_up_or_404(concern_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _page(concern, "mentor", 422, close_form=form)
    outcome = concerns.close(concern, current_user, form.outcome.data, form.note.data)
    return _after(concern, outcome, _("The concern is closed."), "close_form", form, FOLLOW_UP_MAX)


# --- a student's concerns (mentors, principal) -----------------------------------------


@bp.get("/teaching/students/<id:student_id>/concerns")
@login_required
def student(student_id: int):
    student, relation = access.concern_student_or_404(student_id)
    came_from = safe_next(request.args.get("back"))
    return render(
        "teaching/concern_student.html",
        student=student,
        relation=relation,
        items=concerns.of_student(student.id),
        back=came_from or home_url(),
    )
