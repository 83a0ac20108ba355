"""School structure: school → school year (terms, days off) → mentor groups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User


class School(db.Model):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Skolenhetskod from Skolverket's register (8 digits), unique per deployment.
    unit_code: Mapped[str] = mapped_column(String(20), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    # Leave policy: a mentor may approve up to this many school days per school year.
    mentor_max_days: Mapped[int] = mapped_column(default=3)
    # Requests longer than this many school days always go to the principal (None: no limit).
    leave_max_days_per_request: Mapped[int | None]
    # Apply at least this many days ahead; later requests are allowed but flagged.
    leave_min_notice_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # Every guardian with custody must agree before a decision.
    leave_requires_all_guardians: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    # Default for new talk periods: guardians may cancel or move until this many hours before.
    talk_cancel_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    # Students may write their own goals (otherwise only their mentors do).
    students_write_goals: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Guardians are asked to confirm their contact details when older than this.
    contact_confirm_days: Mapped[int] = mapped_column(default=365, server_default="365")

    school_years: Mapped[list[SchoolYear]] = relationship(
        back_populates="school", order_by="SchoolYear.start_date"
    )


class SchoolYear(db.Model):
    """A läsår, e.g. 2026/27: HT (Aug–Dec) and VT (Jan–Jun)."""

    __tablename__ = "school_year"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("start_date < end_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date]
    end_date: Mapped[date]

    school: Mapped[School] = relationship(back_populates="school_years")
    terms: Mapped[list[Term]] = relationship(
        back_populates="school_year", order_by="Term.start_date"
    )
    days_off: Mapped[list[DayOff]] = relationship(
        back_populates="school_year", order_by="DayOff.start_date"
    )
    groups: Mapped[list[MentorGroup]] = relationship(
        back_populates="school_year", order_by="MentorGroup.name"
    )


class Term(db.Model):
    __tablename__ = "term"
    __table_args__ = (
        UniqueConstraint("school_year_id", "kind"),
        CheckConstraint("kind IN ('HT', 'VT')", name="kind"),
        CheckConstraint("start_date < end_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    kind: Mapped[str] = mapped_column(String(2))
    start_date: Mapped[date]
    end_date: Mapped[date]

    school_year: Mapped[SchoolYear] = relationship(back_populates="terms")


class DayOff(db.Model):
    """School-free days of a school year: a break (lov) or a study day (studiedag)."""

    __tablename__ = "day_off"
    __table_args__ = (
        CheckConstraint("kind IN ('break', 'study_day')", name="kind"),
        CheckConstraint("start_date <= end_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="break")
    start_date: Mapped[date]
    end_date: Mapped[date]
    # When the day off was added or last changed (calendar feeds' LAST-MODIFIED).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school_year: Mapped[SchoolYear] = relationship(back_populates="days_off")


class MentorGroup(db.Model):
    """A mentor group (mentorsgrupp, klass) of one school year."""

    __tablename__ = "mentor_group"
    __table_args__ = (
        UniqueConstraint("school_year_id", "name"),
        # Target of the composite key that ties a membership to the group's own year.
        UniqueConstraint("id", "school_year_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    school_year: Mapped[SchoolYear] = relationship(back_populates="groups")
    mentors: Mapped[list[GroupMentor]] = relationship(
        back_populates="group", order_by="GroupMentor.is_co_mentor"
    )
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group")


class GroupMentor(db.Model):
    """A mentor (or co-mentor, medmentor) assigned to a group."""

    __tablename__ = "group_mentor"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentor_group.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    is_co_mentor: Mapped[bool] = mapped_column(default=False)

    group: Mapped[MentorGroup] = relationship(back_populates="mentors")
    user: Mapped[User] = relationship()


class GroupMembership(db.Model):
    """A student's place in a group; at most one group per student and school year."""

    __tablename__ = "group_membership"
    __table_args__ = (
        UniqueConstraint("student_id", "school_year_id"),
        ForeignKeyConstraint(
            ["group_id", "school_year_id"],
            ["mentor_group.id", "mentor_group.school_year_id"],
            name="fk_group_membership_group_year",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)

    group: Mapped[MentorGroup] = relationship(back_populates="memberships")
    student: Mapped[Student] = relationship(back_populates="memberships")


class GroupTransfer(db.Model):
    """History of a student's group within a school year: every placement and move."""

    __tablename__ = "group_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    from_group_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_group.id"))
    to_group_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_group.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    from_group: Mapped[MentorGroup | None] = relationship(foreign_keys=[from_group_id])
    to_group: Mapped[MentorGroup | None] = relationship(foreign_keys=[to_group_id])
    moved_by: Mapped[User | None] = relationship()
