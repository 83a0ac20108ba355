"""Talk periods, their slots, bookings and what the mentor records after the talk.

Race safety lives in the database: `TalkBooking.active_slot_id` is unique, so a slot
holds at most one active booking, and (student_id, active_period_id) is unique, so a
student has at most one active booking per period. A cancelled booking sets both to
NULL (NULLs never collide), keeping its row for history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup, Term

MODES = ("site", "video", "phone")


class TalkPeriod(db.Model):
    """The termly talks of one group: when booking is open and the rules for changes."""

    __tablename__ = "talk_period"
    __table_args__ = (
        UniqueConstraint("group_id", "term_id"),
        CheckConstraint("booking_opens_at < booking_closes_at", name="booking_window"),
        CheckConstraint("cancel_hours >= 0", name="cancel_hours"),
        CheckConstraint("talk_minutes > 0", name="talk_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    title: Mapped[str] = mapped_column(String(200))
    booking_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Guardians may cancel or move a booking until this many hours before the talk.
    cancel_hours: Mapped[int] = mapped_column(default=24)
    talk_minutes: Mapped[int] = mapped_column(default=20)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[MentorGroup] = relationship()
    term: Mapped[Term] = relationship()
    slots: Mapped[list[TalkSlot]] = relationship(
        back_populates="period", order_by="TalkSlot.starts_at"
    )


class TalkSlot(db.Model):
    __tablename__ = "talk_slot"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="times"),
        CheckConstraint("mode IN ('site', 'video', 'phone')", name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    # The mentor or co-mentor who holds the talk.
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(8), default="site")
    # Room, video link or phone note, depending on the mode.
    location: Mapped[str] = mapped_column(String(300), default="")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)
    # When the time was published or last changed (calendar feeds' LAST-MODIFIED).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    period: Mapped[TalkPeriod] = relationship(back_populates="slots")
    mentor: Mapped[User] = relationship()
    bookings: Mapped[list[TalkBooking]] = relationship(
        back_populates="slot", foreign_keys="TalkBooking.slot_id"
    )

    @property
    def active_booking(self) -> TalkBooking | None:
        return next((b for b in self.bookings if b.active), None)


class TalkBooking(db.Model):
    __tablename__ = "talk_booking"
    __table_args__ = (
        UniqueConstraint("active_slot_id"),
        UniqueConstraint("student_id", "active_period_id"),
        CheckConstraint(
            "(active_slot_id IS NULL AND active_period_id IS NULL) OR "
            "(active_slot_id = slot_id AND active_period_id = period_id)",
            name="active_consistent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("talk_slot.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # Set while the booking is active, NULL once cancelled (see the module docstring).
    active_slot_id: Mapped[int | None] = mapped_column(ForeignKey("talk_slot.id"))
    active_period_id: Mapped[int | None] = mapped_column(ForeignKey("talk_period.id"))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    attendees: Mapped[str] = mapped_column(String(300), default="")
    interpreter_language: Mapped[str | None] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change, for calendar files (SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)

    period: Mapped[TalkPeriod] = relationship(foreign_keys=[period_id])
    slot: Mapped[TalkSlot] = relationship(back_populates="bookings", foreign_keys=[slot_id])
    student: Mapped[Student] = relationship()
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])

    @property
    def active(self) -> bool:
        return self.active_slot_id is not None


class TalkRecord(db.Model):
    """The mentor's documentation of a student's talk: staff only unless published."""

    __tablename__ = "talk_record"
    __table_args__ = (UniqueConstraint("period_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    held: Mapped[bool | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()
