"""A group's weekly mentor time, and what is special about one occurrence of it."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.school.models import MentorGroup


class MentorTime(db.Model):
    """Every week on `weekday` at `start` (school's local time) for `minutes`."""

    __tablename__ = "mentor_time"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 4", name="weekday"),
        CheckConstraint("minutes > 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"), index=True)
    weekday: Mapped[int]  # Monday 0 … Friday 4
    start: Mapped[time]
    minutes: Mapped[int] = mapped_column(default=40)
    room: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[MentorGroup] = relationship()
    occurrences: Mapped[list[MentorTimeOccurrence]] = relationship(back_populates="mentor_time")


class MentorTimeOccurrence(db.Model):
    """One week's mentor time: its agenda, a move or cancellation, what was decided."""

    __tablename__ = "mentor_time_occurrence"
    __table_args__ = (UniqueConstraint("mentor_time_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_time_id: Mapped[int] = mapped_column(ForeignKey("mentor_time.id"), index=True)
    on_date: Mapped[date]  # the regular date this occurrence belongs to
    agenda: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    moved_date: Mapped[date | None]
    moved_start: Mapped[time | None]
    moved_room: Mapped[str | None] = mapped_column(String(100))
    change_note: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on every change (calendar feeds use it as SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)

    mentor_time: Mapped[MentorTime] = relationship(back_populates="occurrences")
