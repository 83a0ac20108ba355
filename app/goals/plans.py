"""Writing goals and follow-ups (no commit here: the views send them once, through
`app.submissions.create_once`)."""

from __future__ import annotations

from datetime import date

from app import audit
from app.extensions import db
from app.goals.models import Goal, GoalUpdate
from app.people.models import Student, User


def add_goal(
    student: Student,
    school_year_id: int,
    author: User,
    area: str,
    text: str,
    subject: str = "",
    steps: str = "",
    target_date: date | None = None,
    action: str = "goal.created",
    details: dict | None = None,
    from_period_id: int | None = None,
) -> Goal:
    """A new goal, not started yet; `from_period_id`: made from that talk's agreed actions."""
    goal = Goal(
        student_id=student.id,
        school_year_id=school_year_id,
        area=area,
        subject=subject.strip(),
        text=text.strip(),
        steps=steps.strip(),
        target_date=target_date,
        created_by_id=author.id,
        from_period_id=from_period_id,
    )
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalUpdate(goal_id=goal.id, status="not_started", created_by_id=author.id))
    audit.record(
        action, goal, details or {"student_id": student.id, "area": goal.area}, actor=author
    )
    return goal


def follow_up(goal: Goal, author: User, relation: str, status: str, comment: str) -> GoalUpdate:
    """A dated follow-up; the comment is the student's or the mentor's by who writes it."""
    comment = comment.strip()
    update = GoalUpdate(
        goal_id=goal.id,
        status=status,
        student_comment=comment if relation == "student" else "",
        mentor_comment=comment if relation == "mentor" else "",
        created_by_id=author.id,
    )
    db.session.add(update)
    db.session.flush()
    audit.record("goal.followed_up", goal, {"status": status, "by": relation}, actor=author)
    return update
