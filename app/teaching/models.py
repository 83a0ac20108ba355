"""Teaching assignments, teachers' input before a talk period, and reminders to the late.

- TeachingAssignment: a teacher (a User who is staff at the group's school, checked in
  app/teaching/assignments.py) teaches a mentor group in a subject.
- TeacherInput: for one student, talk period and subject, the subject's status and a
  short comment; one row per (student, period, subject), so a double save is one row.
- TeachingReminder: the mentor reminded a late teacher of a period's input; at most one
  per (period, teacher), enforced by the unique key.

Subjects are stored as Skolverket's code (app/teaching/subjects.py is the one list,
validated in the domain); statuses are the list below, checked by the database too.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import hot_path
from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup
from app.talks.models import TalkPeriod
from app.teaching.subjects import CODE_LENGTH

# The subject's status for a student before the talk: the one list, in display order.
STATUSES = ("on_track", "needs_support", "at_risk")
STATUS_LABELS = {
    "on_track": _l("On track"),
    "needs_support": _l("Needs support"),
    "at_risk": _l("At risk of not reaching the goals"),
}
# A teacher's comment on one student in one subject: short.
COMMENT_MAX = 500


def status_label(status: str) -> str:
    return hot_path.text(STATUS_LABELS[status])


class TeachingAssignment(db.Model):
    """A teacher teaches a mentor group in a subject (one row per group, subject, teacher:
    two teachers may share a subject in a group)."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (UniqueConstraint("group_id", "subject", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"), index=True)
    subject: Mapped[str] = mapped_column(String(CODE_LENGTH))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[MentorGroup] = relationship()
    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])

    @property
    def school_id(self) -> int:
        """The group's school (administration's access and the audit file it there)."""
        return self.group.school_year.school_id


class TeacherInput(db.Model):
    """A teacher's word to the mentor before a talk: the student's status in a subject in a
    talk period, with a short comment. Unique per (student, period, subject): saving again
    updates the row; teacher_id is who saved it last."""

    __tablename__ = "teacher_input"
    __table_args__ = (
        UniqueConstraint("student_id", "period_id", "subject"),
        CheckConstraint("status IN ('on_track', 'needs_support', 'at_risk')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    subject: Mapped[str] = mapped_column(String(CODE_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    period: Mapped[TalkPeriod] = relationship()
    teacher: Mapped[User | None] = relationship()


class TeachingReminder(db.Model):
    """A mentor's reminder to a teacher whose input for a period is missing: at most one per
    period and teacher (the unique key), so a second press queues nothing."""

    __tablename__ = "teaching_reminder"
    __table_args__ = (UniqueConstraint("period_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
