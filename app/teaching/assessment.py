"""The written assessment (skriftligt omdöme): drawn up by the mentor from the teachers'
input, edited, shared with the student and guardians after the talk, printed.

Rules (one place each):
- Subjects: those taught in the student's group (TeachingAssignment) and any subject with
  a teacher's input for the student in the period (TeacherInput), in the subject list's
  order (app/teaching/subjects.py).
- The mentor's first opening makes the draft, each subject prefilled from the teacher's
  input (status and comment) and marked as from that teacher; a subject that appears later
  (a new assignment or input) is added, prefilled, at the next opening of a draft.
- When: the mentor may share once the student's booked talk has started; a student without
  a booking, once the period's last talk time has ended (or its booking has closed when it
  has no times). `share_opens_at` is the rule; the page says it.
- Sharing needs a status for every subject and at most TOTAL_MAX characters of text in
  all (so the printout is one A4 page), is one conditional UPDATE (draft → shared),
  and queues one e-mail per active guardian and to the student if they have an account,
  each in their language, with a link. A second share (a double tap, the co-mentor at the
  same moment) changes nothing and sends nothing.
- A shared assessment is final: saving over it is refused under the row's lock, so the
  family always reads what they were sent. (A corrected version would be a new shared
  version with its own mail; not built yet.)
Writes, commits and mail live here; the views only call these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, literal, null, select, update
from sqlalchemy.orm import joinedload

from app import audit
from app.concurrency import dialect_insert, insert_unless_exists, lock_row
from app.db_types import utcnow
from app.extensions import db
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.models import Student, User
from app.school.models import GroupMentor
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot
from app.teaching.models import STATUSES, TeacherInput, TeachingAssignment
from app.teaching.models_assessment import (
    TEXT_MAX,
    TOTAL_MAX,
    AssessmentEntry,
    WrittenAssessment,
)
from app.teaching.subjects import subject_order
from app.web import absolute_url


@dataclass(frozen=True)
class Source:
    """What a subject's entry starts from: whether it is taught in the group, and the
    teacher's input if there is one."""

    subject: str
    taught: bool = False
    status: str | None = None
    comment: str = ""
    teacher_id: int | None = None
    teacher_name: str | None = None


def sources(period: TalkPeriod, student: Student) -> dict[str, Source]:
    """The student's subjects in the period with the teachers' input: one statement."""
    taught = select(
        TeachingAssignment.subject,
        literal(True).label("taught"),
        null().label("status"),
        null().label("comment"),
        null().label("teacher_id"),
        null().label("teacher_name"),
    ).where(TeachingAssignment.group_id == period.group_id)
    given = (
        select(
            TeacherInput.subject,
            literal(False),
            TeacherInput.status,
            TeacherInput.comment,
            TeacherInput.teacher_id,
            User.name,
        )
        .outerjoin(User, User.id == TeacherInput.teacher_id)
        .where(TeacherInput.period_id == period.id, TeacherInput.student_id == student.id)
    )
    found: dict[str, Source] = {}
    for subject, is_taught, status, comment, teacher_id, name in db.session.execute(
        taught.union_all(given)
    ):
        before = found.get(subject, Source(subject))
        if is_taught:
            found[subject] = Source(
                subject,
                True,
                before.status,
                before.comment,
                before.teacher_id,
                before.teacher_name,
            )
        else:
            found[subject] = Source(subject, before.taught, status, comment or "", teacher_id, name)
    return dict(sorted(found.items(), key=lambda item: subject_order(item[0])))


def _load(period_id: int, student_id: int) -> WrittenAssessment | None:
    """The assessment with its entries and the teachers they came from: one statement."""
    return (
        db.session.execute(
            select(WrittenAssessment)
            .options(joinedload(WrittenAssessment.entries).joinedload(AssessmentEntry.from_teacher))
            .where(
                WrittenAssessment.period_id == period_id,
                WrittenAssessment.student_id == student_id,
            )
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )


def sorted_entries(assessment: WrittenAssessment) -> list[AssessmentEntry]:
    return sorted(assessment.entries, key=lambda e: (subject_order(e.subject), e.subject))


def open_for_mentor(period: TalkPeriod, student: Student, mentor: User) -> WrittenAssessment:
    """The assessment as the mentor opens it: the first opening makes the draft, prefilled
    from the teachers' input; a draft gains the subjects added since. Committed when it
    wrote anything; otherwise two statements."""
    assessment = _load(period.id, student.id)
    subjects = sources(period, student)
    missing = (
        subjects
        if assessment is None
        else {}
        if assessment.shared
        else {s: v for s, v in subjects.items() if s not in {e.subject for e in assessment.entries}}
    )
    if assessment is not None and not missing:
        return assessment
    if assessment is None:
        insert_unless_exists(
            WrittenAssessment,
            student_id=student.id,
            period_id=period.id,
            state="draft",
            created_by_id=mentor.id,
            updated_by_id=mentor.id,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
    assessment_id = db.session.scalar(
        select(WrittenAssessment.id).where(
            WrittenAssessment.period_id == period.id, WrittenAssessment.student_id == student.id
        )
    )
    if missing:
        insert = dialect_insert(db.session.connection().dialect.name)
        rows = [
            {
                "assessment_id": assessment_id,
                "subject": s.subject,
                "status": s.status,
                "text": (s.comment or "")[:TEXT_MAX],
                "from_teacher_id": s.teacher_id,
            }
            for s in missing.values()
        ]
        # A co-mentor opening it at the same moment adds the same rows: they give way.
        db.session.execute(insert(AssessmentEntry.__table__).values(rows).on_conflict_do_nothing())
    if assessment is None:
        audit.record(
            "assessment.drafted",
            None,
            {"assessment_id": assessment_id, "student_id": student.id, "period_id": period.id},
            actor=mentor,
            school_id=student.school_id,
        )
    db.session.commit()
    return _load(period.id, student.id)


def share_opens_at(period: TalkPeriod, student: Student) -> datetime:
    """When the mentor may share: the start of the student's booked talk; without a
    booking, the end of the period's last talk time; without times, the booking's close.
    One statement."""
    booked = (
        select(TalkSlot.starts_at)
        .join(TalkBooking, TalkBooking.active_slot_id == TalkSlot.id)
        .where(TalkBooking.active_period_id == period.id, TalkBooking.student_id == student.id)
        .scalar_subquery()
    )
    last = (
        select(func.max(TalkSlot.ends_at))
        .where(TalkSlot.period_id == period.id, TalkSlot.removed_at.is_(None))
        .scalar_subquery()
    )
    started, ended = db.session.execute(select(booked, last)).one()
    return started or ended or period.booking_closes_at


@dataclass
class Saved:
    """The outcome of saving (and perhaps sharing): result is "saved", "shared",
    "already_shared" (the same text was shared before: a second send), "locked" (shared
    meanwhile with other text: nothing saved), "too_early", "incomplete" or "too_long"
    (more than TOTAL_MAX characters together: more than one A4 page) (saved, not shared);
    `missing` lists the subjects without a status; `mails` counts queued mail."""

    result: str
    missing: list[str] = field(default_factory=list)
    mails: int = 0


def total_length(entries) -> int:
    """The characters of all texts: what must fit on the one printed page."""
    return sum(len(e.text) for e in entries)


def _same(entries: list[AssessmentEntry], values: dict[str, tuple[str | None, str]]) -> bool:
    return all(
        (e.status, e.text) == (values[e.subject][0] or None, values[e.subject][1].strip())
        for e in entries
        if e.subject in values
    )


def save(
    assessment: WrittenAssessment,
    author: User,
    values: dict[str, tuple[str | None, str]],
    share: bool = False,
    now: datetime | None = None,
) -> Saved:
    """Save the mentor's entries (subject → (status or None, text)) of a draft and, if
    `share`, share it: all in one transaction under the assessment's row lock, so an edit
    and a share (or two shares) never interleave."""
    now = now or utcnow()
    lock_row(WrittenAssessment, assessment.id)
    current = _load(assessment.period_id, assessment.student_id)
    entries = {e.subject: e for e in current.entries}
    if current.shared:
        db.session.rollback()
        return Saved("already_shared" if _same(current.entries, values) else "locked")
    changed = False
    for subject, (status, text) in values.items():
        entry = entries.get(subject)
        if entry is None:
            continue
        status = status if status in STATUSES else None
        text = text.strip()[:TEXT_MAX]
        if (entry.status, entry.text) != (status, text):
            entry.status, entry.text = status, text
            changed = True
    if changed:
        current.updated_at, current.updated_by_id = now, author.id
        audit.record(
            "assessment.saved",
            current,
            {"student_id": current.student_id, "period_id": current.period_id},
            actor=author,
            school_id=current.student.school_id,
        )
    if not share:
        db.session.commit()
        return Saved("saved")
    missing = [e.subject for e in current.entries if e.status is None]
    if missing or not current.entries:
        db.session.commit()
        return Saved("incomplete", missing)
    if total_length(current.entries) > TOTAL_MAX:
        db.session.commit()
        return Saved("too_long")
    if now < share_opens_at(current.period, current.student):
        db.session.commit()
        return Saved("too_early")
    mails = _share(current, author, now)
    db.session.commit()
    return Saved("shared" if mails is not None else "already_shared", mails=mails or 0)


def _share(assessment: WrittenAssessment, author: User, now: datetime) -> int | None:
    """Draft → shared by one conditional UPDATE; only the request that changed the row
    queues the mail. Returns the number of mails, or None when it was shared already."""
    result = db.session.execute(
        update(WrittenAssessment)
        .where(WrittenAssessment.id == assessment.id, WrittenAssessment.state == "draft")
        .values(state="shared", shared_at=now, shared_by_id=author.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    student = assessment.student
    recipients = list(guardians_of(student.id))
    if student.user_id is not None:
        own = db.session.get(User, student.user_id)
        # Compared by id: a User's == compares sign-in ids (Flask-Login).
        if own is not None and own.active and own.id not in {r.id for r in recipients}:
            recipients.append(own)
    link = absolute_url("assessment.view", assessment_id=assessment.id)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    for person in recipients:
        queue_mail(
            person.email,
            "assessment_shared",
            locale=person.locale or default,
            to_user=person,
            student=student,
            period=assessment.period,
            link=link,
        )
    audit.record(
        "assessment.shared",
        assessment,
        {"student_id": student.id, "period_id": assessment.period_id, "mails": len(recipients)},
        actor=author,
        school_id=student.school_id,
    )
    return len(recipients)


# --- reading -------------------------------------------------------------------------------


@dataclass
class Printed:
    """One page of a printout: the assessment with its entries, the student's group's
    mentor names (who shared it first)."""

    assessment: WrittenAssessment
    entries: list[AssessmentEntry]
    mentor: str


def _mentor_names(group_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(GroupMentor.group_id, User.name)
        .join(User, User.id == GroupMentor.user_id)
        .where(GroupMentor.group_id.in_(group_ids))
        .order_by(GroupMentor.is_co_mentor, GroupMentor.id)
    )
    names: dict[int, list[str]] = {}
    for group_id, name in rows:
        names.setdefault(group_id, []).append(name)
    return names


def entries_of(assessment: WrittenAssessment) -> list[AssessmentEntry]:
    """The entries of an assessment loaded with its page (one statement)."""
    loaded = db.session.scalars(
        select(AssessmentEntry).where(AssessmentEntry.assessment_id == assessment.id)
    ).all()
    return sorted(loaded, key=lambda e: (subject_order(e.subject), e.subject))


def printed(assessment: WrittenAssessment) -> Printed:
    """What the page and the printout of one assessment show (two statements)."""
    mentor = assessment.shared_by.name if assessment.shared_by_id else ""
    if not mentor:
        names = _mentor_names([assessment.period.group_id]).get(assessment.period.group_id, [])
        mentor = ", ".join(names)
    return Printed(assessment, entries_of(assessment), mentor)


@dataclass
class Row:
    """A student of the period's group on the list: their assessment's state, if any."""

    student: Student
    assessment_id: int | None
    state: str | None
    may_write: bool


def period_rows(period: TalkPeriod, user: User) -> list[Row]:
    """The group's students with their assessment's state, and whether the user writes
    it (one statement)."""
    from app.access import _current_mentees
    from app.school.models import GroupMembership

    rows = db.session.execute(
        select(
            Student,
            WrittenAssessment.id,
            WrittenAssessment.state,
            Student.id.in_(_current_mentees(user)),
        )
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .outerjoin(
            WrittenAssessment,
            (WrittenAssessment.student_id == Student.id)
            & (WrittenAssessment.period_id == period.id),
        )
        .where(GroupMembership.group_id == period.group_id)
        .order_by(Student.last_name, Student.first_name, Student.id)
    )
    return [Row(s, aid, state, bool(writes)) for s, aid, state, writes in rows]


def shared_of_period(period: TalkPeriod) -> list[Printed]:
    """Every shared assessment of the period, for printing all at once: two statements
    whatever the group's size (assessments with students, entries and sharers; mentors)."""
    assessments = (
        db.session.scalars(
            select(WrittenAssessment)
            .join(Student, Student.id == WrittenAssessment.student_id)
            .options(
                joinedload(WrittenAssessment.student),
                joinedload(WrittenAssessment.entries),
                joinedload(WrittenAssessment.shared_by),
            )
            .where(WrittenAssessment.period_id == period.id, WrittenAssessment.state == "shared")
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
        .unique()
        .all()
    )
    fallback = None
    pages = []
    for assessment in assessments:
        mentor = assessment.shared_by.name if assessment.shared_by else None
        if mentor is None:
            if fallback is None:
                fallback = ", ".join(_mentor_names([period.group_id]).get(period.group_id, []))
            mentor = fallback
        entries = sorted(assessment.entries, key=lambda e: (subject_order(e.subject), e.subject))
        pages.append(Printed(assessment, entries, mentor))
    return pages
