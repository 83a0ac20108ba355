"""The demo school has the shape the README promises."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.demo import build_demo
from app.extensions import db
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup


def test_demo_shape(ctx):
    groups = db.session.scalars(select(MentorGroup).order_by(MentorGroup.name)).all()
    assert [g.name for g in groups] == ["7A", "8B", "9C"]
    sizes = dict(
        db.session.execute(
            select(GroupMembership.group_id, func.count()).group_by(GroupMembership.group_id)
        ).all()
    )
    assert sorted(sizes.values()) == [28, 28, 28]
    per_student = Counter(db.session.scalars(select(Guardianship.student_id)))
    shapes = Counter(per_student.values())
    assert shapes[2] > shapes[1] > 0 and set(shapes) == {1, 2}
    assert (
        db.session.scalar(select(func.count()).where(Guardianship.shares_household.is_(False))) > 4
    )
    assert db.session.scalar(select(func.count()).where(Student.protected_identity)) == 1
    assert db.session.scalar(select(func.count()).where(GroupMentor.is_co_mentor)) == 1
    with_login = db.session.execute(
        select(MentorGroup.name, func.count())
        .join(GroupMembership, GroupMembership.group_id == MentorGroup.id)
        .join(Student, Student.id == GroupMembership.student_id)
        .where(Student.user_id.is_not(None))
        .group_by(MentorGroup.name)
    ).all()
    assert with_login == [("9C", 28)]


def test_named_accounts_exist(ctx):
    emails = set(db.session.scalars(select(User.email)))
    for email in (
        "guardian@example.org",
        "guardian2@example.org",
        "mentor@example.org",
        "comentor@example.org",
        "principal@example.org",
        "admin@example.org",
        "student@example.org",
    ):
        assert email in emails


def test_demo_is_deterministic(ctx):
    first = db.session.execute(
        select(Student.first_name, Student.last_name).order_by(Student.id)
    ).all()
    build_demo(reset=True)
    again = db.session.execute(
        select(Student.first_name, Student.last_name).order_by(Student.id)
    ).all()
    assert first == again


def test_demo_command_refuses_to_build_twice(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert "exists already" in result.output
