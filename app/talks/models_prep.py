"""Talk preparation (issue 19): the student's self-assessment before a booked talk, and
each guardian's questions for it.

One preparation per student and talk period, one answer per goal in it, one entry of
questions per guardian: each is a unique key, and every save is an upsert on it, so a
double send or two tabs end in one row (app/talks/preparation.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

# How it is going: one scale for school in general and for each goal (labels in
# app/talks/preparation.py).
SCALE = ("well", "partly", "hard")
_SCALE_CHECK = "IN ('well', 'partly', 'hard')"

# The longest texts: a phone's minute, not an essay.
TOPICS_MAX = 1000
GOAL_NOTE_MAX = 300
QUESTIONS_MAX = 1000


class TalkPreparation(db.Model):
    """The student's answers before the talk: for the mentor (guardians see only that the
    student has prepared). A row exists once the student has saved their answers."""

    __tablename__ = "talk_preparation"
    __table_args__ = (
        UniqueConstraint("period_id", "student_id"),
        CheckConstraint(f"general {_SCALE_CHECK}", name="general"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    general: Mapped[str] = mapped_column(String(8))
    topics: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TalkPreparationGoal(db.Model):
    """How one of the student's goals is going, in the student's words."""

    __tablename__ = "talk_preparation_goal"
    __table_args__ = (
        UniqueConstraint("preparation_id", "goal_id"),
        CheckConstraint(f"status IS NULL OR status {_SCALE_CHECK}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    preparation_id: Mapped[int] = mapped_column(
        ForeignKey("talk_preparation.id", ondelete="CASCADE")
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    status: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(GOAL_NOTE_MAX), default="")


class TalkGuardianQuestions(db.Model):
    """One guardian's questions and topics for the talk: read by the mentor and by that
    guardian only."""

    __tablename__ = "talk_guardian_questions"
    __table_args__ = (UniqueConstraint("period_id", "student_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
