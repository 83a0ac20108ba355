"""A student's guardians: who is told about talks and leave."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.people.models import Guardianship, User


def guardians_of(student_id: int) -> list[User]:
    """The student's active guardians, in a stable order."""
    return list(
        db.session.scalars(
            select(User)
            .join(Guardianship, Guardianship.guardian_id == User.id)
            .where(Guardianship.student_id == student_id, User.active.is_(True))
            .order_by(User.id)
        )
    )
