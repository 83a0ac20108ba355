"""A guardian's contact details, pending e-mail changes, and the contact log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User

CHANNELS = ("phone", "email", "meeting", "message")


class ContactDetails(db.Model):
    """How the school reaches a guardian. Phones in E.164, shown in national format."""

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20))
    other_phone: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    town: Mapped[str | None] = mapped_column(String(100))
    # The language the guardian prefers for contact with school (ISO 639 code).
    language: Mapped[str | None] = mapped_column(String(10))
    needs_interpreter: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the guardian last said the details are correct (by editing or confirming).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(backref=db.backref("contact", uselist=False))


class EmailChange(db.Model):
    """A new sign-in address waiting for confirmation from that address."""

    __tablename__ = "email_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ContactNote(db.Model):
    """The mentor's record of a contact with home (staff only)."""

    __tablename__ = "contact_note"
    __table_args__ = (
        CheckConstraint("channel IN ('phone', 'email', 'meeting', 'message')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    occurred_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(10))
    with_whom: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    follow_up_on: Mapped[date | None]
    follow_up_done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    author: Mapped[User | None] = relationship()
