"""No N+1: a page runs as many SQL statements with 40 more students as without them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bench import count_statements
from app.extensions import db
from app.leave.models import LeaveRequest
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, SchoolYear

PAGES = {
    "guardian": ["/home/guardian", "/talks/periods/{P7A}/students/{OSKAR}/book", "/leave"],
    "student": ["/home/student"],
    "mentor": [
        "/home/mentor",
        "/groups/{7A}",
        "/talks/periods/{P7A}",
        "/talks/periods/{P7A}/schedule",
    ],
    "principal": ["/home/principal", "/groups/{8B}", "/leave/schools/{SCHOOL}"],
    "admin": [
        "/home/admin",
        "/admin/schools/{SCHOOL}",
        "/admin/years/{YEAR}",
        "/admin/groups/{7A}",
        "/admin/students/{OSKAR}",
        "/admin/schools/{SCHOOL}/students",
        "/admin/schools/{SCHOOL}/staff",
        "/admin/schools/{SCHOOL}/invitations",
        "/admin/schools/{SCHOOL}/audit",
    ],
}


def _grow(app, n: int = 20) -> None:
    """Add n students with two guardians to 7A and 8B, two more children to the
    demo guardian, and a second group to the demo mentor."""
    with app.app_context():
        groups = {g.name: g for g in db.session.scalars(select(MentorGroup))}
        year = db.session.scalar(select(SchoolYear))
        extra = MentorGroup(school_year=year, name="7X")
        db.session.add(extra)
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        db.session.add(GroupMentor(group=extra, user=mentor))
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        for name in ("7A", "8B", "7X"):
            for i in range(n):
                student = Student(school_id=year.school_id, first_name=f"Ny{i}", last_name=name)
                db.session.add(GroupMembership(group=groups.get(name, extra), student=student))
                for k in range(2):
                    parent = User(email=f"p{k}.{i}.{name}@example.net", name=f"Förälder {k}")
                    db.session.add(Guardianship(guardian=parent, student=student))
                if i < 2:
                    db.session.add(Guardianship(guardian=guardian, student=student))
                # Every new student also has a pending leave request.
                day = year.start_date + timedelta(days=i)
                db.session.add(
                    LeaveRequest(
                        student=student,
                        school_year_id=year.id,
                        batch=f"b{i}{name}",
                        start_date=day,
                        end_date=day,
                        reason="other",
                        school_days=1,
                    )
                )
        db.session.commit()


def _counts(app, login_as) -> dict[str, int]:
    from app.talks.models import TalkPeriod
    from tests.talks.helpers import student

    with app.app_context():
        ids = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        ids["P7A"] = db.session.scalar(
            select(TalkPeriod.id).where(TalkPeriod.group_id == ids["7A"])
        )
        ids["OSKAR"] = student("Oskar").id
        ids["SCHOOL"] = db.session.scalar(select(SchoolYear.school_id))
        ids["YEAR"] = db.session.scalar(select(SchoolYear.id))
        engine = db.engine
    counts = {}
    for role, paths in PAGES.items():
        client = login_as(role)
        for template in paths:
            path = template
            for key, value in ids.items():
                path = path.replace("{" + key + "}", str(value))
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200
            counts[template] = len(statements)
    return counts


def _one_request_for_oskar(app) -> None:
    """So the guardian's list is not empty when the first count is taken."""
    from tests.talks.helpers import student

    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        db.session.add(
            LeaveRequest(
                student=student("Oskar"),
                school_year_id=year.id,
                batch="base",
                start_date=year.end_date,
                end_date=year.end_date,
                reason="other",
                school_days=1,
            )
        )
        db.session.commit()


def test_statement_counts_do_not_grow_with_students(app, login_as):
    _one_request_for_oskar(app)
    before = _counts(app, login_as)
    _grow(app)
    after = _counts(app, login_as)
    assert after == before
    # One query per concern (talks, mentor time, goals, ...), never one per student; the
    # guardian home also runs the once-a-session contact check here.
    assert max(before.values()) <= 22, before
