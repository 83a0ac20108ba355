"""Building talk periods and slots for tests, relative to now."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup, Term
from app.talks import slots as slot_logic
from app.talks.models import TalkPeriod


def weekday_after(days: int) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def student(first_name: str) -> Student:
    return db.session.scalar(
        select(Student).where(
            Student.first_name == first_name, Student.last_name.in_(("Karlsson", "Lindqvist"))
        )
    )


def make_period(
    group_name: str = "7A", slot_count_days: int = 1, cancel_hours: int = 24
) -> TalkPeriod:
    """An open period for the group with 20-minute slots 08:00–10:00 a week from now."""
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == group_name))
    # The demo has a period in one term already; use a term the group has none in.
    used = select(TalkPeriod.term_id).where(TalkPeriod.group_id == group.id)
    term = db.session.scalar(select(Term).where(Term.id.not_in(used)).order_by(Term.id))
    now = utcnow()
    period = TalkPeriod(
        group=group,
        term=term,
        title=f"Utvecklingssamtal {group_name}",
        booking_opens_at=now - timedelta(days=1),
        booking_closes_at=now + timedelta(days=30),
        cancel_hours=cancel_hours,
    )
    db.session.add(period)
    db.session.flush()
    mentor = next(m.user for m in group.mentors if not m.is_co_mentor)
    days = [weekday_after(7 + i) for i in range(slot_count_days)]
    times = slot_logic.generate(days, time(8, 0), time(10, 0), 20)
    slot_logic.publish(period, mentor, times, "site", "Rum 12")
    db.session.commit()
    return period
