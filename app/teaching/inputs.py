"""Teachers' input before a talk period: what a teacher's home and input page show, saving
a student's status and comment, and the mentor's view of all subjects.

Every loader here is a fixed number of statements whatever the size of the group or the
number of subjects (tests/test_queries.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select

from app.access import taught_group_ids
from app.concurrency import dialect_insert
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import GroupMembership, MentorGroup, SchoolYear, Term
from app.talks.models import TalkPeriod, TalkSlot
from app.teaching.models import (
    COMMENT_MAX,
    STATUSES,
    TeacherInput,
    TeachingAssignment,
    TeachingReminder,
)
from app.teaching.subjects import is_subject, subject_order


def takes_input(period: TalkPeriod, on: date) -> bool:
    """A period takes teachers' input while its term has not ended (open or coming)."""
    return period.term.end_date >= on


# --- the teacher's home ---------------------------------------------------------------


@dataclass
class PeriodProgress:
    id: int
    title: str
    booking_opens_at: datetime
    booking_closes_at: datetime
    first_talk: datetime | None
    last_talk: datetime | None
    done: dict[str, int] = field(default_factory=dict)  # subject → students with input


@dataclass
class TaughtGroup:
    id: int
    name: str
    year_name: str
    size: int = 0
    subjects: list[str] = field(default_factory=list)
    periods: list[PeriodProgress] = field(default_factory=list)


def teacher_home(user: User, on: date) -> list[TaughtGroup]:
    """The groups the user teaches this school year (or a coming one), each with its
    subjects and the periods taking input, with how many students have input per subject.
    Four statements."""
    rows = db.session.execute(
        select(TeachingAssignment.subject, MentorGroup.id, MentorGroup.name, SchoolYear.name)
        .join(MentorGroup, MentorGroup.id == TeachingAssignment.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            TeachingAssignment.teacher_id == user.id,
            TeachingAssignment.group_id.in_(taught_group_ids(user)),
            SchoolYear.end_date >= on,
        )
        .order_by(MentorGroup.name)
    ).all()
    groups: dict[int, TaughtGroup] = {}
    for subject, group_id, name, year_name in rows:
        group = groups.setdefault(group_id, TaughtGroup(group_id, name, year_name))
        group.subjects.append(subject)
    if not groups:
        return []
    for group in groups.values():
        group.subjects.sort(key=subject_order)
    ids = list(groups)
    sizes = db.session.execute(
        select(GroupMembership.group_id, func.count())
        .where(GroupMembership.group_id.in_(ids))
        .group_by(GroupMembership.group_id)
    ).all()
    for group_id, size in sizes:
        groups[group_id].size = size
    periods = db.session.execute(
        select(
            TalkPeriod.id,
            TalkPeriod.group_id,
            TalkPeriod.title,
            TalkPeriod.booking_opens_at,
            TalkPeriod.booking_closes_at,
            func.min(TalkSlot.starts_at),
            func.max(TalkSlot.starts_at),
        )
        .join(Term, Term.id == TalkPeriod.term_id)
        .outerjoin(
            TalkSlot, and_(TalkSlot.period_id == TalkPeriod.id, TalkSlot.removed_at.is_(None))
        )
        .where(TalkPeriod.group_id.in_(ids), Term.end_date >= on)
        .group_by(TalkPeriod.id)
        .order_by(TalkPeriod.booking_opens_at)
    ).all()
    by_id: dict[int, PeriodProgress] = {}
    for pid, group_id, title, opens, closes, first, last in periods:
        progress = PeriodProgress(pid, title, opens, closes, first, last)
        by_id[pid] = progress
        groups[group_id].periods.append(progress)
    if by_id:
        done = db.session.execute(
            select(TeacherInput.period_id, TeacherInput.subject, func.count())
            .join(TalkPeriod, TalkPeriod.id == TeacherInput.period_id)
            .join(
                GroupMembership,
                and_(
                    GroupMembership.student_id == TeacherInput.student_id,
                    GroupMembership.group_id == TalkPeriod.group_id,
                ),
            )
            .where(TeacherInput.period_id.in_(list(by_id)))
            .group_by(TeacherInput.period_id, TeacherInput.subject)
        ).all()
        for pid, subject, count in done:
            by_id[pid].done[subject] = count
    return list(groups.values())


# --- the input page -------------------------------------------------------------------


@dataclass
class InputRow:
    student_id: int
    name: str
    status: str | None = None
    comment: str = ""
    updated_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status is not None


def input_rows(period: TalkPeriod, subject: str) -> list[InputRow]:
    """Every student of the period's group with the subject's input, by name. One statement."""
    rows = db.session.execute(
        select(
            Student.id,
            Student.first_name,
            Student.last_name,
            TeacherInput.status,
            TeacherInput.comment,
            TeacherInput.updated_at,
        )
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .outerjoin(
            TeacherInput,
            and_(
                TeacherInput.student_id == Student.id,
                TeacherInput.period_id == period.id,
                TeacherInput.subject == subject,
            ),
        )
        .where(GroupMembership.group_id == period.group_id)
        .order_by(Student.last_name, Student.first_name, Student.id)
    ).all()
    return [
        InputRow(sid, f"{first} {last}", status, comment or "", updated)
        for sid, first, last, status, comment, updated in rows
    ]


def progress(period: TalkPeriod, subject: str) -> tuple[int, int]:
    """(students with the subject's input, students) of the period's group. One statement."""
    done, total = db.session.execute(
        select(func.count(TeacherInput.id), func.count())
        .select_from(GroupMembership)
        .outerjoin(
            TeacherInput,
            and_(
                TeacherInput.student_id == GroupMembership.student_id,
                TeacherInput.period_id == period.id,
                TeacherInput.subject == subject,
            ),
        )
        .where(GroupMembership.group_id == period.group_id)
    ).one()
    return done, total


@dataclass
class Saved:
    ok: bool
    errors: dict[str, str] = field(default_factory=dict)
    row: InputRow | None = None


ERROR_STATUS = "status"
ERROR_COMMENT = "comment"


def validate(status: str | None, comment: str) -> dict[str, str]:
    """Field → error code: a status from the list, a comment within COMMENT_MAX."""
    errors = {}
    if status not in STATUSES:
        errors["status"] = ERROR_STATUS
    if len(comment) > COMMENT_MAX:
        errors["comment"] = ERROR_COMMENT
    return errors


def save_input(
    user: User, period: TalkPeriod, subject: str, student: Student, status, comment: str
) -> Saved:
    """Save a teacher's status and comment for a student (the caller checked access with
    teaching_period_or_404 and may_write_teacher_input). One row per student, period and
    subject: an upsert, so a double send or two teachers of the subject at once leave one
    row, the last write's. Commits."""
    comment = (comment or "").strip()
    errors = validate(status, comment)
    if errors or not is_subject(subject):
        return Saved(False, errors)
    now = utcnow()
    insert = dialect_insert(db.session.connection().dialect.name)
    values = {
        "student_id": student.id,
        "period_id": period.id,
        "subject": subject,
        "status": status,
        "comment": comment,
        "teacher_id": user.id,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert(TeacherInput.__table__).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["student_id", "period_id", "subject"],
        set_={"status": status, "comment": comment, "teacher_id": user.id, "updated_at": now},
    )
    db.session.execute(statement)
    db.session.commit()
    return Saved(True, row=InputRow(student.id, student.name, status, comment, now))


# --- the mentor's view ----------------------------------------------------------------


@dataclass
class Teacher:
    id: int
    name: str
    email: str
    locale: str | None
    subjects: list[str] = field(default_factory=list)
    missing_by: dict[str, int] = field(default_factory=dict)  # subject → students without
    reminded_at: datetime | None = None

    @property
    def missing(self) -> int:
        """Answers missing in the teacher's subjects (a student counts once per subject)."""
        return sum(self.missing_by.values())

    @property
    def late_subjects(self) -> list[str]:
        return [s for s in self.subjects if self.missing_by.get(s)]


@dataclass
class Cell:
    status: str
    comment: str
    teacher_name: str | None
    updated_at: datetime


@dataclass
class StudentInput:
    id: int
    name: str
    cells: dict[str, Cell] = field(default_factory=dict)  # subject → input


@dataclass
class GroupInput:
    subjects: list[str]
    students: list[StudentInput]
    teachers: list[Teacher]

    @property
    def late(self) -> list[Teacher]:
        """Teachers with a subject whose input is missing for a student."""
        return [t for t in self.teachers if t.missing]

    @property
    def to_remind(self) -> list[Teacher]:
        """The late teachers not reminded yet for this period (one reminder each)."""
        return [t for t in self.late if t.reminded_at is None]

    def teachers_of(self, subject: str) -> list[Teacher]:
        return [t for t in self.teachers if subject in t.subjects]

    def missing_for(self, student: StudentInput) -> list[str]:
        return [s for s in self.subjects if s not in student.cells]


def group_input(period: TalkPeriod, student_id: int | None = None) -> GroupInput:
    """All subjects' input of the period (one student's with student_id), the teachers of
    the group's subjects with how many students they have not answered for, and whether
    they were reminded. Three statements."""
    assignments = db.session.execute(
        select(TeachingAssignment.subject, User, TeachingReminder.sent_at)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .outerjoin(
            TeachingReminder,
            and_(
                TeachingReminder.teacher_id == TeachingAssignment.teacher_id,
                TeachingReminder.period_id == period.id,
            ),
        )
        .where(TeachingAssignment.group_id == period.group_id)
        .order_by(User.name, User.id)
    ).all()
    teachers: dict[int, Teacher] = {}
    for subject, user, sent_at in assignments:
        teacher = teachers.setdefault(
            user.id, Teacher(user.id, user.name, user.email, user.locale, reminded_at=sent_at)
        )
        teacher.subjects.append(subject)
    for teacher in teachers.values():
        teacher.subjects.sort(key=subject_order)
    subjects = sorted({s for t in teachers.values() for s in t.subjects}, key=subject_order)

    members = (
        select(Student.id, Student.first_name, Student.last_name)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(GroupMembership.group_id == period.group_id)
        .order_by(Student.last_name, Student.first_name, Student.id)
    )
    if student_id is not None:
        members = members.where(Student.id == student_id)
    students = {
        sid: StudentInput(sid, f"{first} {last}")
        for sid, first, last in db.session.execute(members)
    }
    entries = select(TeacherInput, User.name).outerjoin(User, User.id == TeacherInput.teacher_id)
    entries = entries.where(TeacherInput.period_id == period.id)
    if student_id is not None:
        entries = entries.where(TeacherInput.student_id == student_id)
    answered: dict[str, set[int]] = defaultdict(set)
    for entry, teacher_name in db.session.execute(entries):
        student = students.get(entry.student_id)
        if student is None:  # moved to another group since
            continue
        student.cells[entry.subject] = Cell(
            entry.status, entry.comment, teacher_name, entry.updated_at
        )
        answered[entry.subject].add(entry.student_id)
    for teacher in teachers.values():
        teacher.missing_by = {s: len(students) - len(answered[s]) for s in teacher.subjects}
    return GroupInput(subjects, list(students.values()), list(teachers.values()))
