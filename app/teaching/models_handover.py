"""Handover (överlämning): what an outgoing mentor passes to the next one about a student."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup


class Handover(db.Model):
    """One student's handover from the mentor who no longer mentors them.

    Made (empty, "due") by the change itself: the student moved out of the mentor's group,
    got a new school year's group with another mentor, or the group got a new mentor. The
    transition is the key: one handover per student, outgoing mentor and group left, so a
    change made twice (or two admins at once) makes one row, and writing it is an update
    of that row (a double send writes the same text twice)."""

    __tablename__ = "handover"
    __table_args__ = (
        UniqueConstraint("student_id", "from_user_id", "from_group_id"),
        CheckConstraint("reason IN ('moved', 'stage', 'mentor')", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # The outgoing mentor: the lead mentor of the group left, or whose assignment ended.
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    from_group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"))
    # Where the student went (the same group when the group got a new mentor).
    to_group_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_group.id"))
    reason: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The outgoing mentor may write (and correct) it until then.
    write_until: Mapped[datetime] = mapped_column(UTCDateTime)
    what_works: Mapped[str] = mapped_column(Text, default="")
    what_to_watch: Mapped[str] = mapped_column(Text, default="")
    follow_ups: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    from_user: Mapped[User] = relationship()
    from_group: Mapped[MentorGroup] = relationship(foreign_keys=[from_group_id])
    to_group: Mapped[MentorGroup | None] = relationship(foreign_keys=[to_group_id])
