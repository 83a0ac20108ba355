"""Leave requests and guardians' consents.

A request is decided once: the decision is a conditional UPDATE on status='pending',
so two deciders (two tabs, mentor and principal) cannot both decide it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import SchoolYear

STATUSES = ("pending", "approved", "rejected", "withdrawn")
REASONS = ("travel", "family", "religious", "sports", "other")


class LeaveRequest(db.Model):
    __tablename__ = "leave_request"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="dates"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status"
        ),
        CheckConstraint("decider IN ('mentor', 'principal')", name="decider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    # Requests sent together for several children share a batch id.
    batch: Mapped[str] = mapped_column(String(32), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # School days the request covers, counted when it was sent.
    school_days: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    # Who decides: the mentor within the school's limit, otherwise the principal.
    decider: Mapped[str] = mapped_column(String(10), default="mentor")
    # Sent with less notice than the school asks for (allowed, but flagged).
    late: Mapped[bool] = mapped_column(default=False)
    needs_consent: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[Student] = relationship()
    school_year: Mapped[SchoolYear] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    consents: Mapped[list[LeaveConsent]] = relationship(back_populates="request")


class LeaveConsent(db.Model):
    """A guardian's agreement to a request, where the school requires all guardians'."""

    __tablename__ = "leave_consent"
    __table_args__ = (UniqueConstraint("request_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("leave_request.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[LeaveRequest] = relationship(back_populates="consents")
