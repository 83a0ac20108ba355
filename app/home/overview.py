"""What each home page shows, loaded in a fixed number of queries (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.contacts.details import confirmed_at_column
from app.extensions import db
from app.people.models import Guardianship, Staff, Student, User
from app.school.calendar import current_year
from app.school.models import (
    DayOff,
    GroupMembership,
    GroupMentor,
    MentorGroup,
    School,
    SchoolYear,
    Term,
)


@dataclass
class GoalLine:
    """A goal as the card shows it: the text and the latest follow-up's status."""

    text: str
    status: str | None


@dataclass(slots=True)
class CardSchool:
    """A school as the cards use it (plain values, no ORM entity to load)."""

    id: int
    name: str
    time_zone: str
    contact_confirm_days: int
    school_years: list[CardYear] = field(default_factory=list)


@dataclass(slots=True)
class CardDayOff:
    start_date: date
    end_date: date


@dataclass(slots=True)
class CardYear:
    id: int
    school_id: int
    name: str
    start_date: date
    end_date: date
    school: CardSchool | None = None
    days_off: list[CardDayOff] = field(default_factory=list)


@dataclass(slots=True)
class CardGroup:
    id: int
    name: str
    school_year_id: int
    school_year: CardYear


@dataclass(slots=True)
class CardStudent:
    id: int
    first_name: str
    last_name: str
    school_id: int
    school: CardSchool

    name = property(Student.name.fget)  # the model's own rule for a full name


@dataclass
class StudentCard:
    student: CardStudent
    group: CardGroup | None
    mentors: list[str]
    co_mentors: list[str]
    talks: list = field(default_factory=list)
    mentor_times: list = field(default_factory=list)
    goals: list[GoalLine] = field(default_factory=list)


@dataclass
class Cards:
    cards: list[StudentCard]
    schools: list[CardSchool]
    contact_confirmed_at: datetime | None = None


@lru_cache(maxsize=2)
def _cards_statement(kind: str):
    """The students of a user's cards ("guardian": their children, with the guardian's
    contact confirmation time; "student": themselves) with school, groups and mentors,
    as plain columns. Built once per process; the user's id is a parameter."""
    mentor = aliased(User)
    uid = bindparam("uid")
    columns = [
        Student.id,
        Student.first_name,
        Student.last_name,
        Student.school_id,
        School.name,
        School.time_zone,
        School.contact_confirm_days,
        MentorGroup.id,
        MentorGroup.name,
        MentorGroup.school_year_id,
        GroupMentor.is_co_mentor,
        mentor.name,
    ]
    if kind == "guardian":
        columns.append(confirmed_at_column(uid))
        where = Student.id.in_(
            select(Guardianship.student_id).where(Guardianship.guardian_id == uid)
        )
    else:
        where = Student.user_id == uid
    return (
        select(*columns)
        .join(School, School.id == Student.school_id)
        .outerjoin(GroupMembership, GroupMembership.student_id == Student.id)
        .outerjoin(MentorGroup, MentorGroup.id == GroupMembership.group_id)
        .outerjoin(GroupMentor, GroupMentor.group_id == MentorGroup.id)
        .outerjoin(mentor, mentor.id == GroupMentor.user_id)
        .where(where)
        .order_by(Student.first_name, Student.last_name, Student.id, GroupMentor.id)
    )


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _card_years_statement():
    """The school years of some schools with their days off, as plain columns."""
    return (
        select(
            SchoolYear.id,
            SchoolYear.school_id,
            SchoolYear.name,
            SchoolYear.start_date,
            SchoolYear.end_date,
            DayOff.start_date,
            DayOff.end_date,
        )
        .outerjoin(DayOff, DayOff.school_year_id == SchoolYear.id)
        .where(SchoolYear.school_id.in_(bindparam("schools", expanding=True)))
        .order_by(SchoolYear.start_date, SchoolYear.id, DayOff.start_date)
    )


def _card_years(schools: dict[int, CardSchool]) -> dict[int, CardYear]:
    """Every school year of the schools with its days off (one query), set on them."""
    years: dict[int, CardYear] = {}
    if not schools:
        return years
    connection = db.session.connection()
    rows = connection.execute(_card_years_statement(), {"schools": list(schools)}).all()
    for year_id, school_id, name, start, end, off_start, off_end in rows:
        year = years.get(year_id)
        if year is None:
            school = schools[school_id]
            year = years[year_id] = CardYear(year_id, school_id, name, start, end, school)
            school.school_years.append(year)
        if off_start is not None:
            year.days_off.append(CardDayOff(off_start, off_end))
    return years


def load_cards(kind: str, user_id: int, on: date) -> Cards:
    """The cards of a guardian's children or of a student in a fixed number of queries
    whatever the number of children, groups or goals: the students with school, groups
    and mentors; the schools' years with their days off; talks; mentor times; goals.
    For a guardian, their contact details' confirmation time comes along. Plain rows
    throughout: the cards show values, and loading ORM entities cost more than the
    queries."""
    guardian_id = user_id if kind == "guardian" else None
    connection = db.session.connection()
    rows = connection.execute(_cards_statement(kind), {"uid": user_id}).all()
    schools: dict[int, CardSchool] = {}
    students: dict[int, CardStudent] = {}
    group_years: dict[int, dict[int, tuple[int, str]]] = {}  # student → year id → group
    mentors: dict[int, list[tuple[bool, str]]] = {}  # group → (co-mentor?, name)
    confirmed_at = None
    for row in rows:
        sid, first, last, school_id, school_name, zone, confirm_days = row[:7]
        group_id, group_name, year_id, co, mentor_name = row[7:12]
        school = schools.get(school_id)
        if school is None:
            school = schools[school_id] = CardSchool(school_id, school_name, zone, confirm_days)
        if sid not in students:
            students[sid] = CardStudent(sid, first, last, school_id, school)
        if group_id is not None:
            group_years.setdefault(sid, {})[year_id] = (group_id, group_name)
            names = mentors.setdefault(group_id, [])
            if mentor_name is not None and (co, mentor_name) not in names:
                names.append((co, mentor_name))
        if guardian_id is not None:
            confirmed_at = row[12]
    years = _card_years(schools)
    cards = []
    for student in students.values():
        by_year = group_years.get(student.id, {})
        year = current_year([years[y] for y in by_year if y in years], on)
        group = None
        if year is not None:
            group_id, group_name = by_year[year.id]
            group = CardGroup(group_id, group_name, year.id, year)
        names = mentors.get(group.id, []) if group else []
        cards.append(
            StudentCard(
                student=student,
                group=group,
                mentors=[n for co, n in names if not co],
                co_mentors=[n for co, n in names if co],
            )
        )
    _with_talks(cards)
    return Cards(cards, list(schools.values()), confirmed_at)


def _with_talks(cards: list[StudentCard]) -> list[StudentCard]:
    """Add each child's talks, next mentor time and goals (one query each)."""
    from app.mentortime.schedule import upcoming_for_loaded_groups
    from app.talks.overview import talks_for_students

    placed = [c for c in cards if c.group]
    talks = talks_for_students([(c.student.id, c.group.id) for c in placed])
    times = upcoming_for_loaded_groups({c.group.id: c.group for c in placed}, weeks=2)
    goals = _goal_lines([(c.student.id, c.group.school_year_id) for c in placed])
    for card in cards:
        card.talks = talks.get(card.student.id, [])
        if card.group:
            card.mentor_times = times.get(card.group.id, [])[:2]
            card.goals = goals.get(card.student.id, [])
    return cards


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _goal_lines_statement():
    from app.goals.models import Goal, GoalUpdate

    latest = (
        select(GoalUpdate.status)
        .where(GoalUpdate.goal_id == Goal.id)
        .order_by(GoalUpdate.created_at.desc(), GoalUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Goal.student_id, Goal.school_year_id, Goal.text, latest)
        .where(
            Goal.student_id.in_(bindparam("students", expanding=True)),
            Goal.school_year_id.in_(bindparam("years", expanding=True)),
        )
        .order_by(Goal.area, Goal.id)
    )


def _goal_lines(pairs: list[tuple[int, int]]) -> dict[int, list[GoalLine]]:
    """Each student's goals of the year with the latest follow-up's status (one query)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    # Plain rows on the session's connection: no entities, so no ORM loading to pay for.
    ids = {"students": sorted({s for s, _ in pairs}), "years": sorted({y for _, y in pairs})}
    rows = db.session.connection().execute(_goal_lines_statement(), ids).all()
    result: dict[int, list[GoalLine]] = {}
    for student_id, year_id, text, status in rows:
        if (student_id, year_id) in wanted:
            result.setdefault(student_id, []).append(GoalLine(text, status))
    return result


def children_cards(user: User, on: date) -> Cards:
    return load_cards("guardian", user.id, on)


def own_card(user: User, on: date) -> StudentCard | None:
    cards = load_cards("student", user.id, on).cards
    return cards[0] if cards else None


@dataclass
class GroupSummary:
    group: MentorGroup | OverviewGroup
    student_count: int
    mentors: list[str]  # names, mentors before co-mentors


@lru_cache(maxsize=2)  # per process, safely: built from code alone
def _group_summaries_statement(kind: str):
    """Groups with their school year and school, student count and mentors' names:
    "mentor" for the groups user `uid` mentors, "years" for the groups of school years
    `years`. Built once; the ids are bound parameters."""
    from app.access import _mentored_group_ids_of

    mentor = aliased(User)
    students = (
        select(func.count())
        .where(GroupMembership.group_id == MentorGroup.id)
        .correlate(MentorGroup)
        .scalar_subquery()
    )
    if kind == "mentor":
        where = MentorGroup.id.in_(_mentored_group_ids_of(bindparam("uid")))
    else:
        where = MentorGroup.school_year_id.in_(bindparam("years", expanding=True))
    return (
        select(MentorGroup, SchoolYear, School, students, mentor.name)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .join(School, School.id == SchoolYear.school_id)
        .outerjoin(GroupMentor, GroupMentor.group_id == MentorGroup.id)
        .outerjoin(mentor, mentor.id == GroupMentor.user_id)
        .where(where)
        .order_by(MentorGroup.name, MentorGroup.id, GroupMentor.is_co_mentor, GroupMentor.id)
    )


def _group_summaries(kind: str, **ids) -> list[GroupSummary]:
    """Groups with their school year and school, student count and mentors' names: one
    query whatever the number of groups."""
    rows = db.session.execute(_group_summaries_statement(kind), ids).all()
    summaries: dict[int, GroupSummary] = {}
    for group, year, school, count, name in rows:
        summary = summaries.get(group.id)
        if summary is None:
            # The session holds objects weakly: the group keeps its year and school.
            set_committed_value(group, "school_year", year)
            set_committed_value(year, "school", school)
            summary = summaries[group.id] = GroupSummary(group, count, [])
        if name is not None:
            summary.mentors.append(name)
    return list(summaries.values())


def mentor_groups(user: User, on: date) -> list[GroupSummary]:
    """The user's groups in the current school year of their schools."""
    summaries = _group_summaries("mentor", uid=user.id)
    years_by_school: dict[int, list[SchoolYear]] = {}
    for s in summaries:
        years_by_school.setdefault(s.group.school_year.school_id, []).append(s.group.school_year)
    current = {school: current_year(years, on) for school, years in years_by_school.items()}
    return [s for s in summaries if s.group.school_year is current[s.group.school_year.school_id]]


@dataclass
class StaffLine:
    role: str
    name: str
    email: str


@dataclass(slots=True)
class OverviewSchool:
    """A school as the principal's and admin's home pages show it (plain values)."""

    id: int
    name: str
    unit_code: str
    time_zone: str
    mentor_max_days: int


@dataclass(slots=True)
class OverviewTerm:
    kind: str
    start_date: date
    end_date: date


@dataclass(slots=True)
class OverviewDayOff:
    name: str
    start_date: date
    end_date: date


@dataclass(slots=True)
class OverviewYear:
    id: int
    name: str
    start_date: date
    end_date: date
    terms: list[OverviewTerm] = field(default_factory=list)
    days_off: list[OverviewDayOff] = field(default_factory=list)


@dataclass(slots=True)
class OverviewGroup:
    id: int
    name: str
    school_year_id: int


@dataclass
class SchoolOverview:
    school: OverviewSchool
    year: OverviewYear | None
    groups: list[GroupSummary]
    student_count: int
    staff: list[StaffLine]


@lru_cache(maxsize=8)  # per process, safely: built from code alone (and the roles asked)
def _schools_statement(site_admin: bool, roles: tuple[str, ...]):
    students = (
        select(func.count())
        .where(Student.school_id == School.id)
        .correlate(School)
        .scalar_subquery()
    )
    query = (
        select(
            School.id,
            School.name,
            School.unit_code,
            School.time_zone,
            School.mentor_max_days,
            students,
            SchoolYear.id,
            SchoolYear.name,
            SchoolYear.start_date,
            SchoolYear.end_date,
            Term.kind,
            Term.start_date,
            Term.end_date,
        )
        .outerjoin(SchoolYear, SchoolYear.school_id == School.id)
        .outerjoin(Term, Term.school_year_id == SchoolYear.id)
        .order_by(School.name, School.id, SchoolYear.start_date, Term.start_date)
    )
    if not site_admin:
        query = query.where(
            School.id.in_(
                select(Staff.school_id).where(
                    Staff.user_id == bindparam("uid"), Staff.role.in_(roles)
                )
            )
        )
    return query


@lru_cache(maxsize=1)
def _days_off_statement():
    return (
        select(DayOff.school_year_id, DayOff.name, DayOff.start_date, DayOff.end_date)
        .where(DayOff.school_year_id.in_(bindparam("years", expanding=True)))
        .order_by(DayOff.start_date)
    )


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _year_groups_statement():
    """The groups of some school years with student count and mentors' names, as plain
    columns (the mentor home's list is _group_summaries("mentor"))."""
    mentor = aliased(User)
    students = (
        select(func.count())
        .where(GroupMembership.group_id == MentorGroup.id)
        .correlate(MentorGroup)
        .scalar_subquery()
    )
    return (
        select(MentorGroup.id, MentorGroup.name, MentorGroup.school_year_id, students, mentor.name)
        .outerjoin(GroupMentor, GroupMentor.group_id == MentorGroup.id)
        .outerjoin(mentor, mentor.id == GroupMentor.user_id)
        .where(MentorGroup.school_year_id.in_(bindparam("years", expanding=True)))
        .order_by(MentorGroup.name, MentorGroup.id, GroupMentor.is_co_mentor, GroupMentor.id)
    )


def _year_groups(year_ids: list[int]) -> list[GroupSummary]:
    connection = db.session.connection()
    summaries: dict[int, GroupSummary] = {}
    for gid, name, year_id, count, mentor in connection.execute(
        _year_groups_statement(), {"years": year_ids}
    ):
        summary = summaries.get(gid)
        if summary is None:
            summary = summaries[gid] = GroupSummary(OverviewGroup(gid, name, year_id), count, [])
        if mentor is not None:
            summary.mentors.append(mentor)
    return list(summaries.values())


@lru_cache(maxsize=1)
def _staff_statement():
    return (
        select(Staff.school_id, Staff.role, User.name, User.email)
        .join(User, User.id == Staff.user_id)
        .where(Staff.school_id.in_(bindparam("schools", expanding=True)))
        .order_by(Staff.role, User.name, Staff.id)
    )


def school_overviews(user: User, on: date, *roles: str) -> list[SchoolOverview]:
    """Schools where the user holds one of `roles`, each with its current year's facts,
    groups and staff: four queries whatever the number of schools, groups or staff,
    as plain columns (the page shows values; ORM entities cost more than the queries)."""
    connection = db.session.connection()
    query = _schools_statement(bool(user.is_site_admin), roles)
    schools: dict[int, OverviewSchool] = {}
    counts: dict[int, int] = {}
    years: dict[int, dict[int, OverviewYear]] = {}
    for row in connection.execute(query, {"uid": user.id}):
        school_id = row[0]
        if school_id not in schools:
            schools[school_id] = OverviewSchool(*row[:5])
            counts[school_id] = row[5]
            years[school_id] = {}
        year_id = row[6]
        if year_id is not None:
            year = years[school_id].get(year_id)
            if year is None:
                year = years[school_id][year_id] = OverviewYear(year_id, *row[7:10])
            if row[10] is not None:
                year.terms.append(OverviewTerm(*row[10:13]))
    current: dict[int, OverviewYear | None] = {
        school_id: current_year(list(years[school_id].values()), on) for school_id in schools
    }
    by_id = {y.id: y for y in current.values() if y}
    year_ids = list(by_id)
    if year_ids:
        for year_id, name, start, end in connection.execute(
            _days_off_statement(), {"years": year_ids}
        ):
            by_id[year_id].days_off.append(OverviewDayOff(name, start, end))
    summaries = _year_groups(year_ids) if year_ids else []
    staff = connection.execute(_staff_statement(), {"schools": list(schools)}).all()
    return [
        SchoolOverview(
            school=s,
            year=current[s.id],
            groups=[
                g for g in summaries if current[s.id] and g.group.school_year_id == current[s.id].id
            ],
            student_count=counts[s.id],
            staff=[StaffLine(m.role, m.name, m.email) for m in staff if m.school_id == s.id],
        )
        for s in schools.values()
    ]
