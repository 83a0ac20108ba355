"""Absence: guardians' sickness reports, absence from the school's register, the school's
absence rules, and referrals to the principal.

A sickness report's note is health data: only the student's mentors read it
(access.may_read_sickness_note), and it is cleared when the term ends (hourly by the mail
worker through app/retention.py, or `flask absence clear-notes`). Everywhere else a report
shows as valid absence.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import School

SOURCES = ("guardian", "answer")
REFERRAL_STATUSES = ("open", "closed")


class AbsencePolicy(db.Model):
    """A school's absence rules; a school without a row has the defaults."""

    __tablename__ = "absence_policy"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    # The school day: reports after day_starts are late; a day is day_starts–day_ends.
    day_starts: Mapped[time] = mapped_column(default=time(8, 0))
    day_ends: Mapped[time] = mapped_column(default=time(15, 0))
    # Watchlist thresholds: total absence this term (percent of school time), sickness
    # reports in the last 30 days, and whether any invalid absence puts a student there.
    percent_limit: Mapped[int] = mapped_column(default=10)
    reports_limit: Mapped[int] = mapped_column(default=3)
    invalid_counts: Mapped[bool] = mapped_column(default=True)
    # The integration's API token, stored hashed (SHA-256); shown once when created.
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_token_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SicknessReport(db.Model):
    """A guardian's sickness report for a student, from start_date to end_date. With
    from_time, the first day counts only from that time (gone home at lunch).
    source "answer": a guardian's answer to an invalid absence, valid once a mentor accepts."""

    __tablename__ = "sickness_report"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="dates"),
        CheckConstraint("source IN ('guardian', 'answer')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    start_date: Mapped[date] = mapped_column(index=True)
    end_date: Mapped[date] = mapped_column(index=True)
    from_time: Mapped[time | None]
    note: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default="guardian")
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def counts(self) -> bool:
        """Whether it makes absence valid: not cancelled, and a guardian's own report or
        an answer a mentor accepted."""
        return self.cancelled_at is None and (
            self.source == "guardian" or self.accepted_at is not None
        )


class RegisterAbsence(db.Model):
    """Absence from the school's register, one row per student, day and reason code.
    Imported again, the same row changes nothing (the unique key)."""

    __tablename__ = "register_absence"
    __table_args__ = (
        UniqueConstraint("student_id", "day", "reason_code"),
        CheckConstraint("minutes > 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int]
    valid: Mapped[bool]
    reason_code: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the guardians were told of it as invalid absence (once).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()


class AbsenceImport(db.Model):
    """An uploaded register file, kept between its preview and the admin's confirmation;
    the text is dropped once applied, the summary stays."""

    __tablename__ = "absence_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_rows: Mapped[int] = mapped_column(default=0)
    changed_rows: Mapped[int] = mapped_column(default=0)

    created_by: Mapped[User | None] = relationship()
    school: Mapped[School] = relationship()


class Referral(db.Model):
    """A mentor's referral of a student to the principal for an investigation (utredning);
    at most one open per student (open_student_id is unique and cleared on closing)."""

    __tablename__ = "absence_referral"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    open_student_id: Mapped[int | None] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
