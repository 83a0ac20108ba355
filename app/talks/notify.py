"""E-mail to every guardian of the student when a talk is booked, moved or cancelled,
so the second guardian always knows. Each mail carries the calendar file."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership
from app.talks.ics import booking_calendar
from app.talks.models import TalkBooking, TalkPeriod


def booking_changed(booking: TalkBooking, event: str, actor: User) -> int:
    """event: booked, moved or cancelled. Returns the number of mails queued."""
    guardians = guardians_of(booking.student_id)
    calendars: dict[str, str] = {}  # one calendar file per language, not per guardian
    for guardian in guardians:
        locale = guardian.locale or "sv"
        if locale not in calendars:
            calendars[locale] = booking_calendar(booking, locale).decode()
        queue_mail(
            guardian.email,
            f"talk_{event}",
            locale=locale,
            attachment=("utvecklingssamtal.ics", "text/calendar", calendars[locale]),
            booking=booking,
            to_user=guardian,
            actor=actor,
            by_other=actor.id != guardian.id,
        )
    return len(guardians)


def remind_unbooked(period: TalkPeriod) -> int:
    """Remind the guardians of every student in the group without an active booking."""
    booked = select(TalkBooking.student_id).where(TalkBooking.active_period_id == period.id)
    rows = db.session.execute(
        select(User, Student)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .join(Student, Student.id == Guardianship.student_id)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(
            GroupMembership.group_id == period.group_id,
            Student.id.not_in(booked),
            User.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    for guardian, student in rows:
        queue_mail(
            guardian.email,
            "talk_reminder",
            locale=guardian.locale,
            period=period,
            student=student,
            to_user=guardian,
        )
    return len(rows)


def send_reminders(period: TalkPeriod) -> int:
    """The overview's reminder: every guardian of a student without a booked talk gets a
    mail, audited and committed. Returns the number of mails queued."""
    count = remind_unbooked(period)
    audit.record("talk_period.reminded", period, {"mails": count})
    db.session.commit()
    return count
