"""Goal pages: a student's goals with follow-ups; agreed actions from a talk become a goal."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import access, submissions
from app.extensions import db
from app.goals import plans
from app.goals.forms import STATUS_LABELS, FollowUpForm, GoalForm, area_label, goal_status_label
from app.goals.models import Goal
from app.school.calendar import current_year, today
from app.talks.models import TalkRecord
from app.teaching.handover import received_for_student
from app.web import after_create, render

bp = Blueprint("goals", __name__)
bp.add_app_template_global(area_label)
bp.add_app_template_global(goal_status_label)


def _year(student):
    return current_year(student.school.school_years, today())


def goals_of(student_id: int, school_year_id: int) -> list[Goal]:
    # The follow-ups come in the same statement (a join), however many there are.
    return list(
        db.session.scalars(
            select(Goal)
            .where(Goal.student_id == student_id, Goal.school_year_id == school_year_id)
            .options(joinedload(Goal.updates))
            .order_by(Goal.area, Goal.id)
        ).unique()
    )


@bp.route("/students/<id:student_id>/goals", methods=["GET", "POST"])
@login_required
def student_goals(student_id: int):
    student, relation = access.goals_access_or_404(student_id)
    year = _year(student)
    # A mentor is known to write (goals_access_or_404 asked); anyone else, access decides.
    may_write = relation == "mentor" or (
        relation == "student" and access.may_write_goal(current_user, student)
    )
    if request.method == "POST" and (not may_write or year is None):
        abort(404)
    form = GoalForm()
    if form.validate_on_submit():
        page = url_for("goals.student_goals", student_id=student.id)

        def create() -> str:
            plans.add_goal(
                student,
                year.id,
                current_user,
                area=form.area.data,
                text=form.text.data,
                subject=form.subject.data or "",
                steps=form.steps.data or "",
                target_date=form.target_date.data,
            )
            return page

        url, first = submissions.create_once(current_user, form.submit_key.data, create)
        return after_create(url, first, _("The goal is saved."))
    status = 422 if form.errors else 200
    return render(
        "goals/student.html",
        status=status,
        student=student,
        relation=relation,
        may_write=may_write,
        may_follow_up=relation in ("mentor", "student"),
        goals=goals_of(student.id, year.id) if year else [],
        # Handover (issue 19): what earlier mentors wrote to the student's mentors.
        handovers=received_for_student(current_user, student.id) if relation == "mentor" else [],
        form=form,
        goal_statuses=[(k, str(v)) for k, v in STATUS_LABELS.items()],
        # Concerns (issue 19): the student's open concerns, for the mentors only.
        open_concerns=_open_concerns(student.id) if relation == "mentor" else [],
    )


def _open_concerns(student_id: int):
    from app.teaching.concerns import of_student

    return of_student(student_id, open_only=True)


@bp.post("/goals/<id:goal_id>/follow-up")
@login_required
def follow_up(goal_id: int):
    goal = db.session.get(Goal, goal_id) or abort(404)
    _student, relation = access.goals_access_or_404(goal.student_id)
    if relation not in ("mentor", "student"):
        abort(404)
    form = FollowUpForm()
    if not form.validate_on_submit():
        abort(400)
    page = url_for("goals.student_goals", student_id=goal.student_id)

    def create() -> str:
        plans.follow_up(goal, current_user, relation, form.status.data, form.comment.data or "")
        return page

    url, first = submissions.create_once(current_user, form.submit_key.data, create)
    return after_create(url, first, _("The follow-up is saved."))


@bp.post("/talks/periods/<id:period_id>/students/<id:student_id>/actions-to-goal")
@login_required
def actions_to_goal(period_id: int, student_id: int):
    """The agreed actions from a development talk become a goal in one step."""
    period = access.talk_period_or_404(period_id, manage=True)
    student, relation = access.goals_access_or_404(student_id)
    record = db.session.scalar(
        select(TalkRecord).where(
            TalkRecord.period_id == period.id, TalkRecord.student_id == student.id
        )
    )
    if relation != "mentor" or record is None or not record.actions.strip():
        abort(404)
    page = url_for("goals.student_goals", student_id=student.id)

    def create() -> str:
        plans.add_goal(
            student,
            period.group.school_year_id,
            current_user,
            area="knowledge",
            text=record.actions,
            action="goal.from_talk",
            details={"period_id": period.id},
            from_period_id=period.id,  # issue 19: the next talk's preparation shows it
        )
        return page

    url, first = submissions.create_once(current_user, request.form.get("submit_key"), create)
    return after_create(
        url,
        first,
        _(
            "The agreed actions are now a goal for %(name)s. Adjust it if needed.",
            name=student.first_name,
        ),
    )
