"""A mentor group's students with what the mentor needs of them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.people.models import Guardianship, Student
from app.school.models import GroupMembership, MentorGroup


def group_roster(group: MentorGroup) -> list[Student]:
    """The group's students with their guardians, in name order."""
    return list(
        db.session.scalars(
            select(Student)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .where(GroupMembership.group_id == group.id)
            .options(selectinload(Student.guardianships).selectinload(Guardianship.guardian))
            .order_by(Student.last_name, Student.first_name)
        )
    )
