"""Talk periods that are over, and people who answer their survey, for the survey tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.db_types import utcnow
from app.extensions import db
from app.people.models import Guardianship, Student
from app.school.models import GroupMembership, MentorGroup
from app.talks.models import TalkPeriod, TalkSlot


def group(name: str) -> MentorGroup:
    return db.session.scalar(select(MentorGroup).where(MentorGroup.name == name))


def first_period(group_name: str) -> TalkPeriod:
    """The demo's first talk period of the group (9C and 7A have one this term)."""
    return db.session.scalar(
        select(TalkPeriod)
        .where(TalkPeriod.group_id == group(group_name).id)
        .order_by(TalkPeriod.id)
    )


def end_period(period: TalkPeriod, days_ago: float = 2) -> TalkPeriod:
    """Move the period into the past: booking closed and every talk held `days_ago` days
    ago, so its survey is open."""
    past = utcnow() - timedelta(days=days_ago)
    period.booking_opens_at = past - timedelta(days=14)
    period.booking_closes_at = past - timedelta(days=7)
    db.session.execute(
        update(TalkSlot)
        .where(TalkSlot.period_id == period.id)
        .values(starts_at=past - timedelta(minutes=20), ends_at=past)
    )
    db.session.commit()
    return period


def student_user_ids(group_name: str) -> list[int]:
    """The logins of the group's students (9C's students have them), in a fixed order."""
    return list(
        db.session.scalars(
            select(Student.user_id)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .where(GroupMembership.group_id == group(group_name).id, Student.user_id.is_not(None))
            .order_by(Student.id)
        )
    )


def guardian_user_ids(group_name: str) -> list[int]:
    return list(
        db.session.scalars(
            select(Guardianship.guardian_id)
            .join(GroupMembership, GroupMembership.student_id == Guardianship.student_id)
            .where(GroupMembership.group_id == group(group_name).id)
            .distinct()
            .order_by(Guardianship.guardian_id)
        )
    )


def scores(audience: str, value: int = 4) -> dict[str, int]:
    from app.surveys.items import items_for

    return {item.key: value for item in items_for(audience)}
