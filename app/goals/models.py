"""Goals for the school year (IUP-style) and their dated follow-ups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User

AREAS = ("knowledge", "social", "personal")
STATUSES = ("not_started", "under_way", "reached", "changed")
CLOSED = ("reached", "changed")  # a goal with one of these needs no more follow-up


class Goal(db.Model):
    __tablename__ = "goal"
    __table_args__ = (CheckConstraint("area IN ('knowledge', 'social', 'personal')", name="area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    area: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    steps: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The talk period whose agreed actions this goal was made from (issue 19: the next
    # talk's preparation shows it again); NULL for a goal written on its own.
    from_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("talk_period.id", ondelete="SET NULL"), index=True
    )

    student: Mapped[Student] = relationship()
    created_by: Mapped[User | None] = relationship()
    updates: Mapped[list[GoalUpdate]] = relationship(
        back_populates="goal", order_by="GoalUpdate.created_at"
    )

    @property
    def latest(self) -> GoalUpdate | None:
        return self.updates[-1] if self.updates else None


class GoalUpdate(db.Model):
    """A follow-up: the status then, with what the student and the mentor said."""

    __tablename__ = "goal_update"
    __table_args__ = (
        CheckConstraint(
            "status IN ('not_started', 'under_way', 'reached', 'changed')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    student_comment: Mapped[str] = mapped_column(Text, default="")
    mentor_comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="updates")
    created_by: Mapped[User | None] = relationship()
