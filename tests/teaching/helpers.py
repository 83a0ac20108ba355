"""Demo objects of the teaching tests: 7A's talk period, its students, the teachers."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.school.models import GroupMembership, MentorGroup
from app.talks.models import TalkPeriod


def group(name: str) -> MentorGroup:
    return db.session.scalar(select(MentorGroup).where(MentorGroup.name == name))


def period_of(name: str) -> TalkPeriod:
    return db.session.scalar(
        select(TalkPeriod).where(TalkPeriod.group_id == group(name).id).order_by(TalkPeriod.id)
    )


def student_ids(name: str) -> list[int]:
    return list(
        db.session.scalars(
            select(GroupMembership.student_id)
            .where(GroupMembership.group_id == group(name).id)
            .order_by(GroupMembership.student_id)
        )
    )
