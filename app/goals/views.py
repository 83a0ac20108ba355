"""Goal pages: a student's goals with follow-ups; agreed actions from a talk become a goal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import access, audit
from app.extensions import db
from app.goals.forms import STATUS_LABELS, FollowUpForm, GoalForm
from app.goals.models import Goal, GoalUpdate
from app.school.calendar import current_year, today
from app.talks.models import TalkRecord
from app.web import redirect_after_post, render

bp = Blueprint("goals", __name__)


def _year(student):
    return current_year(student.school.school_years, today())


def goals_of(student_id: int, school_year_id: int) -> list[Goal]:
    return list(
        db.session.scalars(
            select(Goal)
            .where(Goal.student_id == student_id, Goal.school_year_id == school_year_id)
            .options(selectinload(Goal.updates))
            .order_by(Goal.area, Goal.id)
        )
    )


@bp.route("/students/<id:student_id>/goals", methods=["GET", "POST"])
@login_required
def student_goals(student_id: int):
    student, relation = access.goals_access_or_404(student_id)
    year = _year(student)
    may_write = relation == "mentor" or (
        relation == "student" and student.school.students_write_goals
    )
    if request.method == "POST" and (not may_write or year is None):
        abort(404)
    form = GoalForm()
    if form.validate_on_submit():
        goal = Goal(
            student_id=student.id,
            school_year_id=year.id,
            area=form.area.data,
            subject=(form.subject.data or "").strip(),
            text=form.text.data.strip(),
            steps=(form.steps.data or "").strip(),
            target_date=form.target_date.data,
            created_by_id=current_user.id,
        )
        db.session.add(goal)
        db.session.flush()
        db.session.add(
            GoalUpdate(goal_id=goal.id, status="not_started", created_by_id=current_user.id)
        )
        audit.record("goal.created", goal, {"student_id": student.id, "area": goal.area})
        db.session.commit()
        flash(_("The goal is saved."), "success")
        return redirect_after_post(url_for("goals.student_goals", student_id=student.id))
    status = 422 if form.errors else 200
    return render(
        "goals/student.html",
        status=status,
        student=student,
        relation=relation,
        may_write=may_write,
        may_follow_up=relation in ("mentor", "student"),
        goals=goals_of(student.id, year.id) if year else [],
        form=form,
        goal_statuses=[(k, str(v)) for k, v in STATUS_LABELS.items()],
    )


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
    comment = (form.comment.data or "").strip()
    update = GoalUpdate(
        goal_id=goal.id,
        status=form.status.data,
        student_comment=comment if relation == "student" else "",
        mentor_comment=comment if relation == "mentor" else "",
        created_by_id=current_user.id,
    )
    db.session.add(update)
    db.session.flush()
    audit.record("goal.followed_up", goal, {"status": update.status, "by": relation})
    db.session.commit()
    flash(_("The follow-up is saved."), "success")
    return redirect_after_post(url_for("goals.student_goals", student_id=goal.student_id))


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
    goal = Goal(
        student_id=student.id,
        school_year_id=period.group.school_year_id,
        area="knowledge",
        text=record.actions.strip(),
        steps="",
        created_by_id=current_user.id,
    )
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalUpdate(goal_id=goal.id, status="not_started", created_by_id=current_user.id))
    audit.record("goal.from_talk", goal, {"period_id": period.id})
    db.session.commit()
    flash(
        _(
            "The agreed actions are now a goal for %(name)s. Adjust it if needed.",
            name=student.first_name,
        ),
        "success",
    )
    return redirect_after_post(url_for("goals.student_goals", student_id=student.id))
