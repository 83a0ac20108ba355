"""A week for the mentor home's "this week" view: talks, leave, goals and contact-log
follow-ups in and around the week of a given day, for 7A (Karin Lund's group) and, to
show what she must not see, for 8B and 9C."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from app.contacts.models import ContactNote
from app.extensions import db
from app.goals.models import Goal, GoalUpdate
from app.leave.models import LeaveRequest
from app.people.models import Student, User
from app.school.calendar import local_to_utc, today
from app.school.models import GroupMembership, MentorGroup
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot


def members(group_name: str) -> list[Student]:
    return list(
        db.session.scalars(
            select(Student)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .join(MentorGroup, MentorGroup.id == GroupMembership.group_id)
            .where(MentorGroup.name == group_name)
            .order_by(Student.id)
        )
    )


def _talk(group: str, student: Student, day: date, at: time, **booking) -> None:
    group_id = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == group))
    period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == group_id))
    mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
    starts = local_to_utc(day, at)
    slot = TalkSlot(
        period_id=period.id,
        mentor_id=mentor.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=20),
        location="Rum 1",
    )
    db.session.add(slot)
    db.session.flush()
    db.session.add(
        TalkBooking(
            period_id=period.id,
            slot_id=slot.id,
            active_slot_id=slot.id,
            active_period_id=period.id,
            student_id=student.id,
            **booking,
        )
    )


def _goal(student: Student, text: str, target: date, status: str = "under_way") -> None:
    year_id = db.session.scalar(
        select(GroupMembership.school_year_id).where(GroupMembership.student_id == student.id)
    )
    goal = Goal(
        student_id=student.id, school_year_id=year_id, area="social", text=text, target_date=target
    )
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalUpdate(goal_id=goal.id, status=status))


def _note(student: Student, summary: str, follow_up: date, done: bool = False) -> None:
    db.session.add(
        ContactNote(
            student_id=student.id,
            occurred_on=follow_up - timedelta(days=10),
            channel="phone",
            with_whom="Mamma",
            summary=summary,
            follow_up_on=follow_up,
            follow_up_done=done,
        )
    )


def _leave(student: Student, day: date, decider: str = "mentor") -> None:
    year_id = db.session.scalar(
        select(GroupMembership.school_year_id).where(GroupMembership.student_id == student.id)
    )
    db.session.add(
        LeaveRequest(
            student_id=student.id,
            school_year_id=year_id,
            batch=f"w{student.id}{decider}",
            start_date=day,
            end_date=day,
            reason="other",
            school_days=1,
            decider=decider,
        )
    )


def seed_week(app, on: date | None = None) -> date:
    """Items of the week of `on` (default today) and just outside it; returns Monday."""
    with app.app_context():
        on = on or today()
        monday = on - timedelta(days=on.weekday())
        seven_a, eight_b, nine_c = members("7A"), members("8B"), members("9C")
        booked = set(db.session.scalars(select(TalkBooking.student_id)))
        free_7a = [s for s in seven_a if s.id not in booked]
        free_9c = [s for s in nine_c if s.id not in booked]
        # In 7A's week: a talk with an interpreter, a goal due, an overdue goal, a
        # contact-log follow-up; outside it or closed: another talk, goals, notes.
        _talk(
            "7A",
            free_7a[0],
            monday + timedelta(days=2),
            time(15, 0),
            attendees="Mamma och pappa",
            interpreter_language="ar",
        )
        _talk("7A", free_7a[1], monday + timedelta(days=9), time(15, 0), attendees="Pappa")
        _goal(seven_a[3], "Lämna in läxorna i tid", monday + timedelta(days=3))
        _goal(seven_a[4], "Läsa en bok i månaden", monday - timedelta(days=3), "not_started")
        _goal(seven_a[5], "Redan nått målet", monday + timedelta(days=1), "reached")
        _goal(seven_a[6], "Nästa veckas mål", monday + timedelta(days=8))
        _note(seven_a[7], "Ringa tillbaka om skolskjutsen", monday + timedelta(days=4))
        _note(seven_a[9], "Redan uppföljd", monday + timedelta(days=1), done=True)
        _note(seven_a[10], "Nästa veckas uppföljning", monday + timedelta(days=9))
        # Other groups: the 7A mentor sees none of it.
        _talk("9C", free_9c[0], monday + timedelta(days=2), time(16, 0), attendees="Andra 9C")
        _goal(eight_b[0], "Andra gruppens mål", monday + timedelta(days=2))
        _note(eight_b[1], "Andra gruppens uppföljning", monday + timedelta(days=2))
        _leave(eight_b[2], monday + timedelta(days=20))
        db.session.commit()
        return monday
