"""The mentor's reminder to the teachers whose input for a talk period is missing: one
mail per late teacher through the outbox, at most once per period and teacher (the
TeachingReminder row's unique key decides, so a double press or two mentors at once
queue one mail)."""

from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.concurrency import insert_unless_exists
from app.db_types import utcnow
from app.extensions import db
from app.outbox import queue_mail
from app.people.models import User
from app.talks.models import TalkPeriod
from app.teaching.inputs import group_input
from app.teaching.models import TeachingReminder


@dataclass
class Reminded:
    count: int  # mails queued now
    already: int  # late teachers reminded before


def remind_late(period: TalkPeriod, mentor: User) -> Reminded:
    """Queue one reminder to every late teacher of the period not reminded yet; audited
    and committed."""
    state = group_input(period)
    queued = 0
    for teacher in state.late:
        if teacher.reminded_at is not None:
            continue
        if not insert_unless_exists(
            TeachingReminder,
            period_id=period.id,
            teacher_id=teacher.id,
            sent_by_id=mentor.id,
            sent_at=utcnow(),
        ):
            continue  # another press got there first
        queue_mail(
            teacher.email,
            "teaching_reminder",
            locale=teacher.locale,
            teacher=teacher,
            period=period,
            mentor=mentor,
        )
        queued += 1
    audit.record(
        "teaching.reminded",
        period,
        {"mails": queued},
        school_id=period.group.school_year.school_id,
    )
    db.session.commit()
    return Reminded(queued, len(state.late) - queued)
