"""Users and how they relate to students and schools.

Roles are relations, not a column: a user is a guardian through Guardianship rows,
staff through Staff rows, a mentor through GroupMentor rows, a student through
Student.user_id. One person may hold several of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app import hot_path
from app.db_types import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.school.models import GroupMembership, School

STAFF_ROLES = ("teacher", "principal", "admin")
STAFF_ROLE_LABELS = {
    "teacher": _l("teacher"),
    "principal": _l("principal"),
    "admin": _l("administrator"),
}


def role_name(staff_role: str) -> str:
    """A staff role as a word in a sentence ("Eva Bergström (principal)")."""
    return hot_path.text(STAFF_ROLE_LABELS[staff_role])


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so that uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When an administrator last sent an invitation; guardians created by an import are
    # invited only when the admin chooses to.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guardianships: Mapped[list[Guardianship]] = relationship(back_populates="guardian")
    staff_roles: Mapped[list[Staff]] = relationship(back_populates="user")
    student: Mapped[Student | None] = relationship(back_populates="user")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # The secret of the sign-in session being started or in use (set by app.people.sessions,
    # never stored): Flask-Login keeps it in the session and remember cookies.
    session_secret = None

    def get_id(self) -> str | None:
        return self.session_secret

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Student(db.Model):
    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Normalised long form YYYYMMDD-NNNN, validated with the personnummer library.
    personnummer: Mapped[str | None] = mapped_column(String(13), unique=True)
    # The student information system's stable id (e.g. SS 12000 Person.id), for imports of
    # students without a personnummer.
    external_id: Mapped[str | None] = mapped_column(String(64))
    protected_identity: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship()
    user: Mapped[User | None] = relationship(back_populates="student")
    guardianships: Mapped[list[Guardianship]] = relationship(back_populates="student")
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="student")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Student {self.id} {self.name}>"


class Guardianship(db.Model):
    """A guardian (vårdnadshavare) of a student."""

    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # False when this guardian lives apart from the student's other guardians:
    # then neither sees the other's address or phone numbers.
    shares_household: Mapped[bool] = mapped_column(default=True)

    guardian: Mapped[User] = relationship(back_populates="guardianships")
    student: Mapped[Student] = relationship(back_populates="guardianships")


class Staff(db.Model):
    """A staff role of a user at a school (teacher, principal or admin)."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("user_id", "school_id", "role"),
        CheckConstraint("role IN ('teacher', 'principal', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="staff_roles")
    school: Mapped[School] = relationship()


class SignInToken(db.Model):
    """A one-time link token (sign-in or password reset); only its hash is stored."""

    __tablename__ = "sign_in_token"
    __table_args__ = (CheckConstraint("purpose IN ('signin', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in device. The cookies carry a secret whose SHA-256 is stored here, so a
    session ends on the server: sign-out, a new password or e-mail address, deactivation."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A short description of the device from its User-Agent ("Firefox on Android").
    device: Mapped[str] = mapped_column(String(100), default="")
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LinkRequest(db.Model):
    """A request for a one-time link by e-mail (sign-in or password reset). The request
    only stores the address; the mail worker looks the account up and sends the link, so
    known and unknown addresses cost the request exactly the same."""

    __tablename__ = "link_request"
    __table_args__ = (CheckConstraint("purpose IN ('signin', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
