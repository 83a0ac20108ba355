"""What each home page shows, loaded in a fixed number of queries (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.access import child_ids, mentored_group_ids, school_ids_with_role
from app.extensions import db
from app.people.models import Staff, Student, User
from app.school.calendar import current_membership, current_year
from app.school.models import (
    GroupMembership,
    GroupMentor,
    MentorGroup,
    School,
    SchoolYear,
)


@dataclass
class StudentCard:
    student: Student
    group: MentorGroup | None
    mentors: list[User]
    co_mentors: list[User]
    talks: list = field(default_factory=list)
    mentor_times: list = field(default_factory=list)
    goals: list = field(default_factory=list)


def _student_options():
    return (
        selectinload(Student.school),
        selectinload(Student.memberships)
        .selectinload(GroupMembership.group)
        .options(
            selectinload(MentorGroup.school_year),
            selectinload(MentorGroup.mentors).selectinload(GroupMentor.user),
        ),
    )


def _card(student: Student, on: date) -> StudentCard:
    membership = current_membership(student.memberships, on)
    group = membership.group if membership else None
    mentors = group.mentors if group else []
    return StudentCard(
        student=student,
        group=group,
        mentors=[m.user for m in mentors if not m.is_co_mentor],
        co_mentors=[m.user for m in mentors if m.is_co_mentor],
    )


def children_cards(user: User, on: date) -> list[StudentCard]:
    students = db.session.scalars(
        select(Student)
        .where(Student.id.in_(child_ids(user)))
        .options(*_student_options())
        .order_by(Student.first_name, Student.last_name)
    ).all()
    return _with_talks([_card(s, on) for s in students])


def _with_talks(cards: list[StudentCard]) -> list[StudentCard]:
    """Add each child's talks, next mentor time and goals (a fixed number of queries)."""
    from app.goals.models import Goal
    from app.mentortime.schedule import upcoming_for_groups
    from app.talks.overview import talks_for_students

    student_ids = [c.student.id for c in cards]
    group_ids = [c.group.id for c in cards if c.group]
    talks = talks_for_students(student_ids, group_ids)
    times = upcoming_for_groups(group_ids, weeks=2)
    goals = db.session.scalars(
        select(Goal)
        .where(
            Goal.student_id.in_(student_ids),
            Goal.school_year_id.in_([c.group.school_year_id for c in cards if c.group]),
        )
        .options(selectinload(Goal.updates))
        .order_by(Goal.area, Goal.id)
    ).all()
    for card in cards:
        card.talks = talks.get(card.student.id, [])
        card.mentor_times = times.get(card.group.id, [])[:2] if card.group else []
        card.goals = [g for g in goals if g.student_id == card.student.id]
    return cards


def own_card(user: User, on: date) -> StudentCard | None:
    student = db.session.scalar(
        select(Student).where(Student.user_id == user.id).options(*_student_options())
    )
    return _with_talks([_card(student, on)])[0] if student else None


@dataclass
class GroupSummary:
    group: MentorGroup
    student_count: int
    mentors: list[GroupMentor]


def _group_summaries(group_query, load_years: bool = True) -> list[GroupSummary]:
    """Groups with mentors and student counts. Callers that hold the school years
    already pass load_years=False: the groups then find them in the session."""
    options = [selectinload(MentorGroup.mentors).selectinload(GroupMentor.user)]
    if load_years:
        options.append(selectinload(MentorGroup.school_year).selectinload(SchoolYear.school))
    groups = db.session.scalars(group_query.options(*options).order_by(MentorGroup.name)).all()
    counts = dict(
        db.session.execute(
            select(GroupMembership.group_id, func.count())
            .where(GroupMembership.group_id.in_([g.id for g in groups]))
            .group_by(GroupMembership.group_id)
        ).all()
    )
    return [GroupSummary(g, counts.get(g.id, 0), list(g.mentors)) for g in groups]


def mentor_groups(user: User, on: date) -> list[GroupSummary]:
    """The user's groups in the current school year of their schools."""
    summaries = _group_summaries(
        select(MentorGroup).where(MentorGroup.id.in_(mentored_group_ids(user)))
    )
    years_by_school: dict[int, list[SchoolYear]] = {}
    for s in summaries:
        years_by_school.setdefault(s.group.school_year.school_id, []).append(s.group.school_year)
    current = {school: current_year(years, on) for school, years in years_by_school.items()}
    return [s for s in summaries if s.group.school_year is current[s.group.school_year.school_id]]


@dataclass
class SchoolOverview:
    school: School
    year: SchoolYear | None
    groups: list[GroupSummary]
    student_count: int
    staff: list[Staff]


def school_overviews(user: User, on: date, *roles: str) -> list[SchoolOverview]:
    """Schools where the user holds one of `roles`, each with its current year's groups."""
    query = select(School).order_by(School.name)
    if not user.is_site_admin:
        query = query.where(School.id.in_(school_ids_with_role(user, *roles)))
    schools = db.session.scalars(
        query.options(
            selectinload(School.school_years).options(
                selectinload(SchoolYear.terms), selectinload(SchoolYear.days_off)
            )
        )
    ).all()
    years = {s.id: current_year(s.school_years, on) for s in schools}
    year_ids = [y.id for y in years.values() if y]
    summaries = _group_summaries(
        select(MentorGroup).where(MentorGroup.school_year_id.in_(year_ids)), load_years=False
    )
    student_counts = dict(
        db.session.execute(
            select(Student.school_id, func.count())
            .where(Student.school_id.in_([s.id for s in schools]))
            .group_by(Student.school_id)
        ).all()
    )
    staff = db.session.scalars(
        select(Staff)
        .where(Staff.school_id.in_([s.id for s in schools]))
        .options(selectinload(Staff.user))
    ).all()
    return [
        SchoolOverview(
            school=s,
            year=years[s.id],
            groups=[
                g for g in summaries if years[s.id] and g.group.school_year_id == years[s.id].id
            ],
            student_count=student_counts.get(s.id, 0),
            staff=sorted(
                (m for m in staff if m.school_id == s.id), key=lambda m: (m.role, m.user.name)
            ),
        )
        for s in schools
    ]
