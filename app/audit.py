"""Audit trail: every change of personal data or of a decision leaves a row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The school the change belongs to, so that a school's admins can read its log.
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


def _school_of(obj: db.Model | None) -> int | None:
    if obj is None:
        return None
    if obj.__tablename__ == "school":
        return obj.id
    return getattr(obj, "school_id", None)


def record(
    action: str,
    obj: db.Model | None = None,
    detail: dict[str, Any] | None = None,
    actor: User | None = None,
    school_id: int | None = None,
) -> AuditEvent:
    """Add an audit row to the session; it commits with the change it describes.
    Objects that belong to a school (students, schools) file it under that school."""
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        detail=detail or {},
        school_id=school_id or _school_of(obj),
    )
    db.session.add(event)
    return event
