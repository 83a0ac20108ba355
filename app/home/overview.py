"""What each home page shows, loaded in a fixed number of queries (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from app.contacts.details import confirmed_at_column
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
from app.sql import Prepared


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
    # Surveys after the talks the user may answer now (app/surveys).
    surveys: list = field(default_factory=list)

    @property
    def talk_due_now(self) -> bool:
        """Whether a talk of the card is due now: its booking button is then the primary
        one, else every open period's is."""
        return any(talk.due_now for talk in self.talks)


@dataclass
class Cards:
    cards: list[StudentCard]
    schools: list[CardSchool]
    contact_confirmed_at: datetime | None = None
    # Surveys after the talks the user may answer now, once each, naming the children.
    surveys: list = field(default_factory=list)


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


# The home cards' statements run on the cursor (app/sql.py): every home page view runs them.
_CARDS = {kind: Prepared(partial(_cards_statement, kind)) for kind in ("guardian", "student")}
_CARD_YEARS = Prepared(_card_years_statement)


def _card_years(schools: dict[int, CardSchool]) -> dict[int, CardYear]:
    """Every school year of the schools with its days off (one query), set on them."""
    years: dict[int, CardYear] = {}
    if not schools:
        return years
    rows = _CARD_YEARS.all(schools=list(schools))
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
    rows = _CARDS[kind].all(uid=user_id)
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
    _with_talks(cards, user_id)
    surveys = _surveys_once(cards) if kind == "guardian" else []
    return Cards(cards, list(schools.values()), confirmed_at, surveys)


def _surveys_once(cards: list[StudentCard]) -> list:
    """A guardian's surveys, each once (two children in one group share a talk period),
    with the names of the children it is about."""
    surveys: dict[int, object] = {}
    for card in cards:
        for invite in card.surveys:
            shown = surveys.setdefault(invite.period_id, invite)
            shown.names.append(card.student.first_name)
    return list(surveys.values())


def _with_talks(cards: list[StudentCard], user_id: int | None = None) -> list[StudentCard]:
    """Add each child's talks (with the surveys the user may answer), next mentor time
    and goals (one query each)."""
    from app.mentortime.schedule import upcoming_for_loaded_groups
    from app.talks.overview import talks_and_surveys

    placed = [c for c in cards if c.group]
    talks, surveys = talks_and_surveys([(c.student.id, c.group.id) for c in placed], user_id)
    times = upcoming_for_loaded_groups({c.group.id: c.group for c in placed}, weeks=2)
    goals = _goal_lines([(c.student.id, c.group.school_year_id) for c in placed])
    for card in cards:
        card.talks = talks.get(card.student.id, [])
        card.surveys = surveys.get(card.student.id, [])
        if card.group:
            card.mentor_times = times.get(card.group.id, [])[:2]
            card.goals = goals.get(card.student.id, [])
    return cards


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


_GOAL_LINES = Prepared(_goal_lines_statement)


def _goal_lines(pairs: list[tuple[int, int]]) -> dict[int, list[GoalLine]]:
    """Each student's goals of the year with the latest follow-up's status (one query)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    # Plain rows on the session's connection: no entities, so no ORM loading to pay for.
    ids = {"students": sorted({s for s, _ in pairs}), "years": sorted({y for _, y in pairs})}
    rows = _GOAL_LINES.all(**ids)
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


def _days_off_statement():
    return (
        select(DayOff.school_year_id, DayOff.name, DayOff.start_date, DayOff.end_date)
        .where(DayOff.school_year_id.in_(bindparam("years", expanding=True)))
        .order_by(DayOff.start_date)
    )


def _year_groups_statement():
    """The groups of some school years with student count and mentors' names, as plain
    columns."""
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


# The principal's, admin's and mentor's home statements run on the cursor (app/sql.py).
_YEAR_GROUPS = Prepared(_year_groups_statement)


def _year_groups(year_ids: list[int]) -> list[GroupSummary]:
    summaries: dict[int, GroupSummary] = {}
    for gid, name, year_id, count, mentor in _YEAR_GROUPS.all(years=year_ids):
        summary = summaries.get(gid)
        if summary is None:
            summary = summaries[gid] = GroupSummary(OverviewGroup(gid, name, year_id), count, [])
        if mentor is not None:
            summary.mentors.append(mentor)
    return list(summaries.values())


def _staff_statement():
    return (
        select(Staff.school_id, Staff.role, User.name, User.email)
        .join(User, User.id == Staff.user_id)
        .where(Staff.school_id.in_(bindparam("schools", expanding=True)))
        .order_by(Staff.role, User.name, Staff.id)
    )


_STAFF = Prepared(_staff_statement)
_DAYS_OFF = Prepared(_days_off_statement)


@lru_cache(maxsize=8)
def _schools_prepared(site_admin: bool, roles: tuple[str, ...]) -> Prepared:
    return Prepared(partial(_schools_statement, site_admin, roles))


def school_overviews(user: User, on: date, *roles: str) -> list[SchoolOverview]:
    """Schools where the user holds one of `roles`, each with its current year's facts,
    groups and staff: four queries whatever the number of schools, groups or staff,
    as plain columns (the page shows values; ORM entities cost more than the queries)."""
    query = _schools_prepared(bool(user.is_site_admin), roles)
    schools: dict[int, OverviewSchool] = {}
    counts: dict[int, int] = {}
    years: dict[int, dict[int, OverviewYear]] = {}
    for row in query.all(uid=user.id):
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
        for year_id, name, start, end in _DAYS_OFF.all(years=year_ids):
            by_id[year_id].days_off.append(OverviewDayOff(name, start, end))
    summaries = _year_groups(year_ids) if year_ids else []
    staff = _STAFF.all(schools=list(schools))
    return [
        SchoolOverview(
            school=s,
            year=current[s.id],
            groups=[
                g for g in summaries if current[s.id] and g.group.school_year_id == current[s.id].id
            ],
            student_count=counts[s.id],
            staff=[StaffLine(role, name, email) for sid, role, name, email in staff if sid == s.id],
        )
        for s in schools.values()
    ]


# --- the mentor's home: groups and "this week" -----------------------------------------
#
# The first screen of a mentor's day, in three statements after the sign-in's lookup
# whatever the number of groups, talks or requests: the groups; one statement for the
# week's talks, the leave waiting for the mentor's decision, and the goal and contact-log
# follow-ups due (UNION ALL of plain columns); and the week's mentor times with their
# agendas and the school calendar of the week (the days off that skip a mentor time).
# Plain rows throughout: no ORM entities to load.


@dataclass(frozen=True)
class MentorGroupLine:
    id: int
    name: str
    school_name: str
    year_name: str
    student_count: int
    mentors: list[str]  # names, mentors before co-mentors


@dataclass(frozen=True)
class WeekTalk:
    booking_id: int
    period_id: int
    student_id: int
    student_name: str
    starts_at: datetime
    attendees: str
    interpreter_language: str | None


@dataclass(frozen=True)
class WeekLeave:
    request_id: int
    student_name: str
    start_date: date
    end_date: date
    school_days: int


@dataclass(frozen=True)
class WeekFollowUp:
    """A goal or a contact note whose follow-up date falls this week or has passed."""

    kind: str  # "goal" or "note"
    id: int
    student_id: int
    student_name: str
    due: date
    text: str
    overdue: bool


@dataclass(frozen=True)
class WeekMentorTime:
    mentor_time_id: int
    group_name: str
    regular_date: date
    starts_at: datetime
    room: str
    agenda: str
    cancelled: bool
    moved_from: datetime | None  # the regular start, when this week's was moved


@dataclass(frozen=True)
class WeekConcern:
    """An open concern about a student of the mentor's current groups (issue 19)."""

    id: int
    student_id: int
    student_name: str
    raised_at: datetime
    subject: str
    kind: str


@dataclass
class MentorWeek:
    first: date  # Monday
    last: date  # Sunday
    today: date
    talks: list[WeekTalk] = field(default_factory=list)
    leave: list[WeekLeave] = field(default_factory=list)
    mentor_times: list[WeekMentorTime] = field(default_factory=list)
    goals: list[WeekFollowUp] = field(default_factory=list)
    notes: list[WeekFollowUp] = field(default_factory=list)
    concerns: list[WeekConcern] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            not (self.talks or self.leave or self.mentor_times or self.goals or self.notes)
            and not self.concerns
        )


@dataclass
class MentorHome:
    groups: list[MentorGroupLine]
    week: MentorWeek


@dataclass(frozen=True)
class _Year:
    id: int
    start_date: date
    end_date: date
    days_off: list = field(default_factory=list)


def _mentor_groups_statement():
    """The groups user `uid` mentors (while staff at the school), of every year, with the
    year's dates, the school's name and zone, the student count and the mentors' names."""
    from app.access import mentored_group_ids_of

    mentor = aliased(User)
    students = (
        select(func.count())
        .where(GroupMembership.group_id == MentorGroup.id)
        .correlate(MentorGroup)
        .scalar_subquery()
    )
    return (
        select(
            MentorGroup.id,
            MentorGroup.name,
            MentorGroup.school_year_id,
            SchoolYear.name,
            SchoolYear.start_date,
            SchoolYear.end_date,
            SchoolYear.school_id,
            School.name,
            School.time_zone,
            students,
            mentor.name,
        )
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .join(School, School.id == SchoolYear.school_id)
        .outerjoin(GroupMentor, GroupMentor.group_id == MentorGroup.id)
        .outerjoin(mentor, mentor.id == GroupMentor.user_id)
        .where(MentorGroup.id.in_(mentored_group_ids_of(bindparam("uid"))))
        .order_by(MentorGroup.name, MentorGroup.id, GroupMentor.is_co_mentor, GroupMentor.id)
    )


def _week_statement():
    """One statement, four kinds of row with the same plain columns: talks booked in the
    week of the current groups; leave requests the user may decide (app/access.py
    may_decide_leave: pending, and the mentor's to decide or the user is the school's
    principal) of students of their groups; goals of the current groups' students with a
    target date by the week's end and no final status; open contact-log follow-ups by the
    week's end of the students whose log the user keeps (app/access.py
    contact_log_student_or_404). Built once; the user, the week's dates and its bounds
    in UTC are bound parameters."""
    from sqlalchemy import (
        Date,
        Integer,
        String,
        Text,
        cast,
        exists,
        literal_column,
        null,
        or_,
    )

    from app.access import current_member_ids, mentored_group_ids_of
    from app.contacts.models import ContactNote
    from app.db_types import UTCDateTime
    from app.goals.models import CLOSED, Goal, GoalUpdate
    from app.leave.models import LeaveRequest
    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot

    uid = bindparam("uid")
    # No list of group ids to expand into the statement (that costs more than running it):
    # the user's groups come from the same scope as everywhere, and the week picks the
    # current ones (only they have talks this week, and goals of a school year not over).
    groups = mentored_group_ids_of(uid)
    # Due by the week's end: what is overdue is due too.
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)

    def kind(name: str):
        return literal_column(f"'{name}'", String).label("kind")

    def none(type_):
        return cast(null(), type_)

    talks = (
        select(
            kind("talk"),
            TalkBooking.id.label("id"),
            TalkSlot.period_id.label("aux_id"),
            Student.id.label("student_id"),
            Student.first_name,
            Student.last_name,
            TalkSlot.starts_at.label("at"),
            none(Date).label("day"),
            none(Date).label("end_day"),
            cast(TalkBooking.attendees, Text).label("text"),
            cast(TalkBooking.interpreter_language, Text).label("extra"),
            none(Integer).label("number"),
        )
        .join(TalkSlot, TalkSlot.id == TalkBooking.active_slot_id)
        .join(TalkPeriod, TalkPeriod.id == TalkSlot.period_id)
        .join(Student, Student.id == TalkBooking.student_id)
        .where(
            TalkPeriod.group_id.in_(groups),
            TalkSlot.starts_at >= bindparam("starts", type_=UTCDateTime),
            TalkSlot.starts_at < bindparam("ends", type_=UTCDateTime),
        )
    )
    principal_here = exists().where(
        Staff.user_id == uid, Staff.role == "principal", Staff.school_id == SchoolYear.school_id
    )
    their_students = select(GroupMembership.student_id).where(
        GroupMembership.group_id.in_(mentored_group_ids_of(uid)),
        GroupMembership.school_year_id == LeaveRequest.school_year_id,
    )
    leave = (
        select(
            kind("leave"),
            LeaveRequest.id,
            none(Integer),
            Student.id,
            Student.first_name,
            Student.last_name,
            none(UTCDateTime),
            LeaveRequest.start_date,
            LeaveRequest.end_date,
            none(Text),
            none(Text),
            LeaveRequest.school_days,
        )
        .join(Student, Student.id == LeaveRequest.student_id)
        .join(SchoolYear, SchoolYear.id == LeaveRequest.school_year_id)
        .where(
            LeaveRequest.status == "pending",
            LeaveRequest.student_id.in_(their_students),
            or_(LeaveRequest.decider == "mentor", principal_here),
        )
    )
    latest = (
        select(GoalUpdate.status)
        .where(GoalUpdate.goal_id == Goal.id)
        .order_by(GoalUpdate.created_at.desc(), GoalUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    goals = (
        select(
            kind("goal"),
            Goal.id,
            none(Integer),
            Student.id,
            Student.first_name,
            Student.last_name,
            none(UTCDateTime),
            Goal.target_date,
            none(Date),
            cast(Goal.text, Text),
            none(Text),
            none(Integer),
        )
        .join(Student, Student.id == Goal.student_id)
        .join(
            GroupMembership,
            (GroupMembership.student_id == Goal.student_id)
            & (GroupMembership.school_year_id == Goal.school_year_id),
        )
        .join(SchoolYear, SchoolYear.id == Goal.school_year_id)
        .where(
            GroupMembership.group_id.in_(groups),
            # The same students again, as a list the goals' student index can search: else
            # the year's goals of the whole school are read to find the groups' few.
            Goal.student_id.in_(
                select(GroupMembership.student_id).where(GroupMembership.group_id.in_(groups))
            ),
            SchoolYear.end_date >= first,
            Goal.target_date <= last,
            # No final status yet (the latest follow-up's, worked out once per goal); SQL
            # literals, not a list of values to expand at every execution.
            func.coalesce(latest, "").not_in([literal_column(f"'{s}'") for s in CLOSED]),
        )
    )
    notes = (
        select(
            kind("note"),
            ContactNote.id,
            none(Integer),
            Student.id,
            Student.first_name,
            Student.last_name,
            none(UTCDateTime),
            ContactNote.follow_up_on,
            none(Date),
            cast(ContactNote.summary, Text),
            cast(ContactNote.with_whom, Text),
            none(Integer),
        )
        .join(Student, Student.id == ContactNote.student_id)
        .where(
            ContactNote.student_id.in_(current_member_ids(mentored_group_ids_of(uid))),
            ContactNote.follow_up_on <= last,
            ContactNote.follow_up_done.is_(False),
        )
    )
    # Concerns (issue 19): open concerns about the students of the current groups, in the
    # same statement (app/access.py may_follow_up_concern), whatever their date.
    from app.teaching.models_concerns import Concern

    concerns = (
        select(
            kind("concern"),
            Concern.id,
            none(Integer),
            Student.id,
            Student.first_name,
            Student.last_name,
            Concern.created_at,
            none(Date),
            none(Date),
            cast(Concern.subject, Text),
            cast(Concern.kind, Text),
            none(Integer),
        )
        .join(Student, Student.id == Concern.student_id)
        .where(
            Concern.student_id.in_(current_member_ids(mentored_group_ids_of(uid))),
            Concern.status == "open",
        )
    )
    return talks.union_all(leave, goals, notes, concerns)


def _week_mentor_times_statement():
    """The mentor times of the user's groups whose school year overlaps the week, with the
    change of the week, if any (a mentor time has one regular date a week), and the school
    calendar of the week: the days off of the group's year that overlap it (a row each,
    mostly none)."""
    from sqlalchemy import and_

    from app.access import mentored_group_ids_of
    from app.mentortime.models import MentorTime, MentorTimeOccurrence

    first, last = bindparam("first"), bindparam("last")
    return (
        select(
            MentorTime.id,
            MentorTime.group_id,
            MentorTime.weekday,
            MentorTime.start,
            MentorTime.minutes,
            MentorTime.room,
            MentorTimeOccurrence.on_date,
            MentorTimeOccurrence.agenda,
            MentorTimeOccurrence.cancelled,
            MentorTimeOccurrence.moved_date,
            MentorTimeOccurrence.moved_start,
            MentorTimeOccurrence.moved_room,
            MentorTimeOccurrence.decisions,
            DayOff.start_date,
            DayOff.end_date,
        )
        .join(MentorGroup, MentorGroup.id == MentorTime.group_id)
        .outerjoin(
            MentorTimeOccurrence,
            and_(
                MentorTimeOccurrence.mentor_time_id == MentorTime.id,
                MentorTimeOccurrence.on_date >= first,
                MentorTimeOccurrence.on_date <= last,
            ),
        )
        .outerjoin(
            DayOff,
            and_(
                DayOff.school_year_id == MentorGroup.school_year_id,
                DayOff.start_date <= last,
                DayOff.end_date >= first,
            ),
        )
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            MentorTime.group_id.in_(mentored_group_ids_of(bindparam("uid"))),
            SchoolYear.start_date <= last,
            SchoolYear.end_date >= first,
        )
        .order_by(MentorTime.id)
    )


_MENTOR_GROUPS = Prepared(_mentor_groups_statement)
_WEEK = Prepared(_week_statement)
_WEEK_MENTOR_TIMES = Prepared(_week_mentor_times_statement)


def _current_groups(user: User, on: date) -> tuple[list[MentorGroupLine], dict, dict]:
    """The user's groups of their schools' current years; with each group's year and
    the school's zone."""
    rows = _MENTOR_GROUPS.all(uid=user.id)
    lines: dict[int, tuple] = {}
    names: dict[int, list[str]] = {}
    years: dict[int, dict[int, _Year]] = {}  # school → year id → year
    for gid, name, year_id, year_name, start, end, school_id, school, tz, count, mentor in rows:
        if gid not in lines:
            lines[gid] = (name, year_id, year_name, school_id, school, tz, count)
            names[gid] = []
            years.setdefault(school_id, {})[year_id] = _Year(year_id, start, end)
        if mentor is not None:
            names[gid].append(mentor)
    current = {school: current_year(list(by_id.values()), on) for school, by_id in years.items()}
    groups, group_year, zones = [], {}, {}
    for gid, (name, year_id, year_name, school_id, school, tz, count) in lines.items():
        if current[school_id].id != year_id:
            continue
        groups.append(MentorGroupLine(gid, name, school, year_name, count, names[gid]))
        group_year[gid] = current[school_id]
        zones[gid] = tz
    return groups, group_year, zones


def mentor_home(user: User, on: date) -> MentorHome:
    """The mentor's groups and their week (Monday to Sunday around `on`)."""
    from app.school.calendar import DEFAULT_TZ, local_to_utc

    groups, group_year, zones = _current_groups(user, on)
    first = on - timedelta(days=on.weekday())
    last = first + timedelta(days=6)
    week = MentorWeek(first=first, last=last, today=on)
    if not groups:
        return MentorHome(groups, week)
    tz = zones[groups[0].id] or DEFAULT_TZ
    params = {
        "uid": user.id,
        "first": first,
        "last": last,
        "starts": local_to_utc(first, time(0), tz),
        "ends": local_to_utc(first + timedelta(days=7), time(0), tz),
    }
    for row in _WEEK.all(**params):
        kind, id_, aux, student_id, first_name, last_name, at, day, end, text, extra, n = row
        name = f"{first_name} {last_name}"
        if kind == "talk":
            week.talks.append(WeekTalk(id_, aux, student_id, name, at, text or "", extra))
        elif kind == "leave":
            week.leave.append(WeekLeave(id_, name, day, end, n))
        elif kind == "concern":
            week.concerns.append(WeekConcern(id_, student_id, name, at, text or "", extra))
        else:
            item = WeekFollowUp(kind, id_, student_id, name, day, text or "", day < on)
            (week.goals if kind == "goal" else week.notes).append(item)
    week.talks.sort(key=lambda t: (t.starts_at, t.booking_id))
    week.leave.sort(key=lambda r: (r.start_date, r.request_id))
    week.goals.sort(key=lambda g: (g.due, g.id))
    week.notes.sort(key=lambda n: (n.due, n.id))
    week.concerns.sort(key=lambda c: (c.raised_at, c.id))
    week.mentor_times = _week_mentor_times(user.id, groups, group_year, zones, first, last)
    return MentorHome(groups, week)


def _week_mentor_times(uid, groups, group_year, zones, first, last):
    """The week's occurrences of the groups' mentor times, by the rules of
    app/mentortime/schedule.py (school days only, each week's change applied)."""
    from types import SimpleNamespace

    from app.mentortime.schedule import occurrences
    from app.school.calendar import DEFAULT_TZ

    params = {"uid": uid, "first": first, "last": last}
    times: dict[int, SimpleNamespace] = {}
    overrides: dict[int, dict] = {}
    for row in _WEEK_MENTOR_TIMES.all(**params):
        mt_id, group_id, weekday, start, minutes, room, on_date = row[:7]
        year = group_year.get(group_id)
        if year is None:  # not a group of the current year
            continue
        mentor_time = times.get(mt_id)
        if mentor_time is None:
            mentor_time = times[mt_id] = SimpleNamespace(
                id=mt_id,
                group_id=group_id,
                weekday=weekday,
                start=start,
                minutes=minutes,
                room=room,
                # The year as app/school/calendar.py reads it, with this week's days off.
                group=SimpleNamespace(
                    school_year=_Year(year.id, year.start_date, year.end_date, [])
                ),
            )
            overrides[mt_id] = {}
            if on_date is not None:
                overrides[mt_id][on_date] = SimpleNamespace(
                    on_date=on_date,
                    agenda=row[7],
                    cancelled=row[8],
                    moved_date=row[9],
                    moved_start=row[10],
                    moved_room=row[11],
                    decisions=row[12],
                )
        if row[13] is not None:
            off = SimpleNamespace(start_date=row[13], end_date=row[14])
            mentor_time.group.school_year.days_off.append(off)
    names = {g.id: g.name for g in groups}
    result = []
    for mentor_time in times.values():
        tz = zones[mentor_time.group_id] or DEFAULT_TZ
        for occ in occurrences(mentor_time, first, last, tz, overrides[mentor_time.id]):
            result.append(
                WeekMentorTime(
                    mentor_time.id,
                    names[mentor_time.group_id],
                    occ.regular_date,
                    occ.starts_at,
                    occ.room,
                    occ.agenda,
                    occ.cancelled,
                    occ.regular_start(tz) if occ.moved else None,
                )
            )
    result.sort(key=lambda m: (m.starts_at, m.mentor_time_id))
    return result
