"""The mentor's notes of a student's talk: staff-only notes, agreed actions, and a summary
the student and guardians see once it is published."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.concurrency import insert_unless_exists
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.talks.models import TalkPeriod, TalkRecord


def record_of(period: TalkPeriod, student: Student) -> TalkRecord | None:
    """The student's record of the period's talk, if one is saved."""
    return db.session.scalar(
        select(TalkRecord).where(
            TalkRecord.period_id == period.id, TalkRecord.student_id == student.id
        )
    )


def save_record(
    period: TalkPeriod,
    student: Student,
    author: User,
    *,
    held: bool | None,
    notes: str,
    actions: str,
    summary: str,
    summary_published: bool,
) -> TalkRecord:
    """Save the student's record of the talk (the first save creates it), audited and
    committed. The mentor and a co-mentor saving the first notes at once make one record
    (the unique key decides; the later save writes over the earlier, as any later save)."""
    insert_unless_exists(TalkRecord, period_id=period.id, student_id=student.id)
    record = record_of(period, student)
    record.held = held
    record.notes, record.actions = notes, actions
    record.summary, record.summary_published = summary, summary_published
    record.updated_at, record.updated_by_id = utcnow(), author.id
    db.session.flush()
    audit.record(
        "talk_record.saved",
        record,
        {"held": record.held, "published": record.summary_published},
    )
    db.session.commit()
    return record
