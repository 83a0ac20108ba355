"""Concerns (betygsvarning / oro): a teacher warns the mentor that a student risks not
reaching a subject's goals, or of another worry about the student's learning.

- Raising one tells every mentor of the student's current group at once, one e-mail each
  in their language through the outbox, in the same transaction; a double send of the form
  (its send key, app/submissions.py) is one concern and one mail.
- The mentors follow it up (a follow-up text, links to the contact log, goals and talks),
  decide whether to tell the guardians (one mail each, at most once: a conditional UPDATE
  of guardians_told_at) and close it with an outcome (at most once: a conditional UPDATE
  of status). Two presses at once resolve in the database: the second changes nothing.
- The teacher sees their concerns and whether they are open or closed, never the
  follow-up text or the guardians' message.

Each step commits here and returns an `Outcome`; the views only show it. Who may do what
is decided in app/access.py (may_raise_concern, may_follow_up_concern, may_read_concern).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import access, audit, hot_path, submissions
from app.access import concern_taught_student_ids
from app.db_types import utcnow
from app.extensions import db
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.models import Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, SchoolYear
from app.teaching.models import TeachingAssignment
from app.teaching.models_concerns import (
    FOLLOW_UP_MAX,
    GUARDIAN_MESSAGE_MAX,
    TEXT_MAX,
    Concern,
)
from app.teaching.subjects import subject_order

# What a concern is: the one list, in display order.
KINDS = ("grade_warning", "worry")
KIND_LABELS = {
    "grade_warning": _l("Grade warning"),
    "worry": _l("Other worry"),
}
# How the mentor closes a concern: the one list, in display order.
OUTCOMES = ("improved", "support", "referred", "no_action")
OUTCOME_LABELS = {
    "improved": _l("Improved"),
    "support": _l("Support in place"),
    "referred": _l("Passed on to the student health team"),
    "no_action": _l("No further action"),
}
STATUS_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
# Field errors, by code (the views show them next to the field).
ERRORS = {
    "kind": _l("Choose what kind of concern."),
    "subject": _l("Choose one of your subjects."),
    "text_missing": _l("Write a few words."),
    "text_long": _l("Write at most %(num)d characters."),
    "outcome": _l("Choose the outcome."),
}
# Why a step was refused (shown as a message on the concern's page).
REFUSED = {
    "already_closed": _l("The concern has already been closed."),
    "already_told": _l("The guardians have already been told."),
    "no_guardians": _l("The student has no guardian to tell."),
}


def kind_label(kind: str) -> str:
    return hot_path.text(KIND_LABELS[kind])


def outcome_label(outcome: str) -> str:
    return hot_path.text(OUTCOME_LABELS[outcome])


def status_label(status: str) -> str:
    return hot_path.text(STATUS_LABELS[status])


@dataclass(frozen=True)
class Outcome:
    """What became of a step: "raised", "repeated" (a second send of the same form, with
    the first one's url), "saved", "told", "closed", or "refused" with a reason (a key of
    REFUSED) or field errors (field → a key of ERRORS)."""

    result: str
    reason: str | None = None
    concern: Concern | None = None
    url: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def _refused(reason: str | None = None, **values) -> Outcome:
    db.session.rollback()
    return Outcome("refused", reason, **values)


# --- what the teacher may choose ---------------------------------------------------------


@dataclass(frozen=True)
class PickStudent:
    id: int
    name: str
    group_name: str


def students_to_pick(teacher: User) -> list[tuple[str, list[PickStudent]]]:
    """The students of the groups the teacher teaches (current groups), by group and
    name: one statement."""
    rows = db.session.execute(
        select(Student.id, Student.first_name, Student.last_name, MentorGroup.name)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .join(MentorGroup, MentorGroup.id == GroupMembership.group_id)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(
            Student.id.in_(concern_taught_student_ids(teacher)),
            GroupMembership.group_id.in_(
                select(TeachingAssignment.group_id).where(
                    TeachingAssignment.teacher_id == teacher.id
                )
            ),
        )
        .order_by(MentorGroup.name, Student.first_name, Student.last_name, Student.id)
    ).all()
    groups: dict[str, list[PickStudent]] = {}
    for sid, first, last, group in rows:
        groups.setdefault(group, []).append(PickStudent(sid, f"{first} {last}", group))
    return list(groups.items())


def current_group_id(student_id: int) -> int | None:
    """The group of the student's latest school year."""
    return db.session.scalar(
        select(GroupMembership.group_id)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(GroupMembership.student_id == student_id)
        .order_by(SchoolYear.start_date.desc())
        .limit(1)
    )


def subjects_for(teacher: User, student: Student) -> tuple[int | None, list[str]]:
    """The student's current group and the subjects the teacher teaches there, in the
    subject list's order: one statement."""
    rows = db.session.execute(
        select(GroupMembership.group_id, TeachingAssignment.subject)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .outerjoin(
            TeachingAssignment,
            (TeachingAssignment.group_id == GroupMembership.group_id)
            & (TeachingAssignment.teacher_id == teacher.id),
        )
        .where(GroupMembership.student_id == student.id)
        .order_by(SchoolYear.start_date.desc())
    ).all()
    if not rows:
        return None, []
    group_id = rows[0][0]
    subjects = {s for g, s in rows if g == group_id and s is not None}
    return group_id, sorted(subjects, key=subject_order)


def validate(kind: str, subject: str, text: str, subjects: list[str]) -> dict[str, str]:
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "kind"
    if subject not in subjects:
        errors["subject"] = "subject"
    text = text.strip()
    if not text:
        errors["text"] = "text_missing"
    elif len(text) > TEXT_MAX:
        errors["text"] = "text_long"
    return errors


# --- raising ---------------------------------------------------------------------------


def mentors_of_group(group_id: int, school_id: int) -> list[User]:
    """The group's mentors and co-mentors who are active and still staff at the school."""
    return list(
        db.session.scalars(
            select(User)
            .join(GroupMentor, GroupMentor.user_id == User.id)
            .where(
                GroupMentor.group_id == group_id,
                User.active.is_(True),
                User.id.in_(select(Staff.user_id).where(Staff.school_id == school_id)),
            )
            .order_by(GroupMentor.is_co_mentor, User.id)
        )
    )


def raise_concern(
    teacher: User,
    student: Student,
    kind: str,
    subject: str,
    text: str,
    send_key: str | None = None,
    url_for_concern=None,
) -> Outcome:
    """Raise a concern and tell the mentors of the student's current group, and commit.
    The teacher's subjects are read again here (the page may be stale). A second send of
    the same form is "repeated", with the first one's url."""
    first = submissions.claim(teacher, send_key)
    if first is not None:
        db.session.rollback()
        return Outcome("repeated", url=first)
    group_id, subjects = subjects_for(teacher, student)
    errors = validate(kind, subject, text, subjects)
    if group_id is None or errors:
        return _refused(errors=errors or {"subject": "subject"})
    if not access.may_raise_concern(teacher, student, subject):  # the rule, asked at the write
        return _refused(errors={"subject": "subject"})
    concern = Concern(
        student_id=student.id,
        school_id=student.school_id,
        group_id=group_id,
        subject=subject,
        kind=kind,
        text=text.strip(),
        raised_by_id=teacher.id,
        status="open",
        created_at=utcnow(),
    )
    db.session.add(concern)
    db.session.flush()
    for mentor in mentors_of_group(group_id, student.school_id):
        queue_mail(
            mentor.email,
            "concern_raised",
            locale=mentor.locale,
            to_user=mentor,
            concern=concern,
            student=student,
            teacher=teacher,
        )
    audit.record(
        "concern.raised", concern, {"student_id": student.id, "subject": subject}, actor=teacher
    )
    url = url_for_concern(concern) if url_for_concern else ""
    submissions.finish(teacher, send_key, url)
    db.session.commit()
    return Outcome("raised", concern=concern, url=url)


# --- following up ------------------------------------------------------------------------


def save_follow_up(concern: Concern, mentor: User, text: str) -> Outcome:
    """The mentor's follow-up text (replaces the earlier one) while the concern is open."""
    text = text.strip()
    if len(text) > FOLLOW_UP_MAX:
        return _refused(errors={"follow_up": "text_long"})
    changed = db.session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.status == "open")
        .values(follow_up=text, follow_up_by_id=mentor.id, follow_up_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return _refused("already_closed")
    audit.record("concern.followed_up", concern, {}, actor=mentor)
    db.session.commit()
    db.session.expire(concern)
    return Outcome("saved", concern=concern)


def tell_guardians(concern: Concern, mentor: User, message: str = "") -> Outcome:
    """Tell each guardian, once: the school has a concern about the subject and the
    mentor will be in touch. The concern's own text is never mailed; the mentor's
    message is, when written. Two presses at once: the conditional UPDATE lets one by."""
    message = message.strip()
    if len(message) > GUARDIAN_MESSAGE_MAX:
        return _refused(errors={"message": "text_long"})
    guardians = guardians_of(concern.student_id)
    if not guardians:
        return _refused("no_guardians")
    changed = db.session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.guardians_told_at.is_(None))
        .values(
            guardians_told_at=utcnow(), guardians_told_by_id=mentor.id, guardian_message=message
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return _refused("already_told")
    student = db.session.get(Student, concern.student_id)
    for guardian in guardians:
        queue_mail(
            guardian.email,
            "concern_guardians",
            locale=guardian.locale,
            to_user=guardian,
            student=student,
            subject=concern.subject,
            mentor=mentor,
            message=message,
        )
    audit.record("concern.guardians_told", concern, {"guardians": len(guardians)}, actor=mentor)
    db.session.commit()
    db.session.expire(concern)
    return Outcome("told", concern=concern)


def close(concern: Concern, mentor: User, outcome: str, note: str = "") -> Outcome:
    """Close with an outcome, once: a second close (or two at once) changes nothing."""
    note = note.strip()
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "outcome"
    if len(note) > FOLLOW_UP_MAX:
        errors["note"] = "text_long"
    if errors:
        return _refused(errors=errors)
    changed = db.session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.status == "open")
        .values(
            status="closed",
            outcome=outcome,
            outcome_note=note,
            closed_by_id=mentor.id,
            closed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return _refused("already_closed")
    audit.record("concern.closed", concern, {"outcome": outcome}, actor=mentor)
    db.session.commit()
    db.session.expire(concern)
    return Outcome("closed", concern=concern)


# --- lists -------------------------------------------------------------------------------


def raised_by(teacher: User, open_only: bool = False, limit: int = 200) -> list[Concern]:
    """The teacher's own concerns (at schools where still staff), open first, newest
    first, with their students: one statement."""
    query = (
        select(Concern)
        .options(joinedload(Concern.student))
        .where(
            Concern.raised_by_id == teacher.id,
            Concern.school_id.in_(select(Staff.school_id).where(Staff.user_id == teacher.id)),
        )
        .order_by(Concern.status.desc(), Concern.created_at.desc(), Concern.id.desc())
        .limit(limit)
    )
    if open_only:
        query = query.where(Concern.status == "open")
    return list(db.session.scalars(query))


def of_student(student_id: int, open_only: bool = False) -> list[Concern]:
    """A student's concerns, open first, newest first, with the teachers: one statement."""
    query = (
        select(Concern)
        .options(joinedload(Concern.raised_by))
        .where(Concern.student_id == student_id)
        .order_by(Concern.status.desc(), Concern.created_at.desc(), Concern.id.desc())
        .limit(200)
    )
    if open_only:
        query = query.where(Concern.status == "open")
    return list(db.session.scalars(query))


def latest_talk_period(student_id: int) -> tuple[int, int] | tuple[None, None]:
    """The student's current group and its latest talk period (or None), for "book or
    see the talk" and "plan a talk": one statement."""
    from app.talks.models import TalkPeriod

    current = (
        select(GroupMembership.group_id)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(GroupMembership.student_id == student_id)
        .order_by(SchoolYear.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    found = db.session.execute(
        select(MentorGroup.id, TalkPeriod.id)
        .outerjoin(TalkPeriod, TalkPeriod.group_id == MentorGroup.id)
        .where(MentorGroup.id == current)
        .order_by(TalkPeriod.booking_opens_at.desc(), TalkPeriod.id.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else (None, None)
