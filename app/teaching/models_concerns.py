"""A teacher's concern about a student (betygsvarning or other worry), and the mentor's
follow-up of it.

- Raised by a teacher of the student's current group in a subject they teach there; the
  group is kept as it was then (the mentors told are that group's).
- Followed up by the mentors of the student's current group: a follow-up text (staff
  only, never shown to the teacher), the guardians told at most once (guardians_told_at,
  set by a conditional UPDATE), closed at most once with an outcome (status, the same).

Kinds and outcomes are the lists in app/teaching/concerns.py, checked by the database too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup
from app.teaching.subjects import CODE_LENGTH

# The bounds of the texts (also the domain's validation).
TEXT_MAX = 1000
FOLLOW_UP_MAX = 2000
GUARDIAN_MESSAGE_MAX = 1000


class Concern(db.Model):
    __tablename__ = "concern"
    __table_args__ = (
        CheckConstraint("kind IN ('grade_warning', 'worry')", name="kind"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('improved', 'support', 'referred', 'no_action')",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"), index=True)
    subject: Mapped[str] = mapped_column(String(CODE_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    raised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # The mentor's follow-up: staff only (mentors, the principal), never the teacher.
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guardians_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guardians_told_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    guardian_message: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    group: Mapped[MentorGroup] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
