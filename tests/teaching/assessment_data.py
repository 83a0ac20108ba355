"""Data for the written assessment's tests: a teacher, subjects taught in 7A, teachers'
input for Oskar, and his talk in the demo's 7A period booked in the past (so the mentor may
share)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from app.db_types import utcnow
from app.extensions import db
from app.people.models import Staff, Student, User
from app.school.models import MentorGroup
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot
from app.teaching.models import TeacherInput, TeachingAssignment
from app.teaching.subjects import SUBJECTS
from tests.talks.helpers import student, user

TEACHER = "larare@example.org"


def group(name: str) -> MentorGroup:
    return db.session.scalar(select(MentorGroup).where(MentorGroup.name == name))


def period_of(name: str) -> TalkPeriod:
    return db.session.scalar(
        select(TalkPeriod).where(TalkPeriod.group_id == group(name).id).order_by(TalkPeriod.id)
    )


def teacher(email: str = TEACHER, name: str = "Lena Lärare") -> User:
    found = user(email)
    if found is None:
        found = User(email=email, name=name)
        db.session.add(found)
        db.session.flush()
        school_id = group("7A").school_year.school_id
        db.session.add(Staff(user_id=found.id, school_id=school_id, role="teacher"))
        db.session.flush()
    return found


def _without_demo_teaching(group_name: str) -> None:
    """The demo's own teachers and input for the group, removed once a test sets its own,
    so a test knows every subject and every input of the group."""
    done = db.session.info.setdefault("assessment_cleared", set())
    if group_name in done:
        return
    done.add(group_name)
    found = group(group_name)
    db.session.execute(delete(TeachingAssignment).where(TeachingAssignment.group_id == found.id))
    db.session.execute(
        delete(TeacherInput).where(
            TeacherInput.period_id.in_(select(TalkPeriod.id).where(TalkPeriod.group_id == found.id))
        )
    )


def teach(group_name: str, subjects, who: User | None = None, keep_demo: bool = False) -> None:
    if not keep_demo:
        _without_demo_teaching(group_name)
    who = who or teacher()
    for code in subjects:
        db.session.add(
            TeachingAssignment(group_id=group(group_name).id, subject=code, teacher_id=who.id)
        )
    db.session.flush()


def give_input(
    pupil: Student,
    period: TalkPeriod,
    subject: str,
    status: str,
    comment: str,
    who=None,
    keep_demo: bool = False,
):
    who = who or teacher()
    if keep_demo:  # the demo's own input for the subject gives way to this one
        db.session.execute(
            delete(TeacherInput).where(
                TeacherInput.student_id == pupil.id,
                TeacherInput.period_id == period.id,
                TeacherInput.subject == subject,
            )
        )
    else:
        _without_demo_teaching(period.group.name)
    db.session.add(
        TeacherInput(
            student_id=pupil.id,
            period_id=period.id,
            subject=subject,
            status=status,
            comment=comment,
            teacher_id=who.id,
        )
    )
    db.session.flush()


def past_talk(pupil: Student, period: TalkPeriod, hours_ago: int = 1) -> TalkBooking:
    """The student's talk in the period, started `hours_ago` hours ago."""
    mentor = next(m.user for m in period.group.mentors if not m.is_co_mentor)
    starts = utcnow() - timedelta(hours=hours_ago)
    slot = TalkSlot(
        period_id=period.id,
        mentor_id=mentor.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=20),
    )
    db.session.add(slot)
    db.session.flush()
    booking = TalkBooking(
        period_id=period.id,
        slot_id=slot.id,
        student_id=pupil.id,
        active_slot_id=slot.id,
        active_period_id=period.id,
        attendees="Anna",
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def oskar_ready(
    subjects=("SV", "EN", "MA"), booked_in_past: bool = True, keep_demo: bool = False
) -> dict:
    """7A taught in `subjects` (by this test's teacher only, unless `keep_demo` keeps the
    demo's teachers beside them); input for Oskar in the first two (Swedish: at risk,
    English: on track) and in Music, not taught in 7A; his talk started an hour ago."""
    oskar, period = student("Oskar"), period_of("7A")
    teach("7A", subjects, keep_demo=keep_demo)
    give_input(
        oskar, period, subjects[0], "at_risk", "Behöver läsa mer hemma.", keep_demo=keep_demo
    )
    give_input(oskar, period, subjects[1], "on_track", "Bra muntligt.", keep_demo=keep_demo)
    give_input(oskar, period, "MU", "on_track", "Spelar gärna.", keep_demo=keep_demo)
    if booked_in_past:
        past_talk(oskar, period)
    db.session.commit()
    return {"OSKAR": oskar.id, "P7A": period.id, "7A": period.group_id}


def all_subjects() -> tuple[str, ...]:
    return tuple(SUBJECTS)
