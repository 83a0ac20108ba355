"""Sickness reports: a guardian reports, corrects or ends one; an answer to an invalid
absence becomes a report a mentor accepts. Each step commits here and returns an Outcome."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import update

from app import audit, submissions
from app.absence import policy
from app.absence.models import RegisterAbsence, SicknessReport
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import SchoolYear

# How long: the choices of the report form, in this order.
PERIODS = ("today", "two_days", "until", "from_time")


@dataclass(frozen=True)
class Outcome:
    """ "sent", "repeated" (a second send of the same form), "corrected", "ended",
    "answered", "accepted", or "refused" with a reason ("already_ended", "not_open") or
    field errors ({field: code})."""

    result: str
    reason: str | None = None
    reports: tuple[SicknessReport, ...] = ()
    url: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def _refused(reason: str | None = None, **values) -> Outcome:
    db.session.rollback()
    return Outcome("refused", reason, **values)


@dataclass(frozen=True)
class Dates:
    start: date
    end: date
    from_time: time | None = None


def dates_for(
    period: str,
    today: date,
    year: SchoolYear | None,
    until: date | None = None,
    from_time: time | None = None,
) -> tuple[Dates | None, dict[str, str]]:
    """The days a report covers. It starts on the first school day from today (a report
    on Sunday evening is for Monday); "two_days" is that day and the next school day."""
    first = policy.next_school_day(today, year, include=True)
    if period == "from_time":
        if from_time is None:
            return None, {"from_time": "time_missing"}
        return Dates(today, today, from_time), {}
    if period == "two_days":
        return Dates(first, policy.next_school_day(first, year)), {}
    if period == "until":
        if until is None:
            return None, {"until": "until_missing"}
        if until < first:
            return None, {"until": "until_before"}
        if year is not None and until > year.end_date:
            return None, {"until": "outside_year"}
        return Dates(first, until), {}
    return Dates(first, first), {}


def report(
    guardian: User,
    students: list[tuple[Student, SchoolYear | None]],
    dates: Dates,
    note: str,
    now: datetime | None = None,
    send_key: str | None = None,
    result_url: str = "",
) -> Outcome:
    """One report per child, sent together. A second send of the same form (send key)
    creates nothing and is "repeated"."""
    now = now or utcnow()
    first = submissions.claim(guardian, send_key)
    if first is not None:
        db.session.rollback()
        return Outcome("repeated", url=first or result_url)
    batch = secrets.token_hex(8)
    made = []
    for student, _year in sorted(students, key=lambda pair: pair[0].id):
        rules = policy.for_school(student.school_id)
        item = SicknessReport(
            student_id=student.id,
            batch=batch,
            start_date=dates.start,
            end_date=dates.end,
            from_time=dates.from_time,
            note=note.strip(),
            late=policy.is_late(rules, student.school, dates.start, now),
            created_by_id=guardian.id,
        )
        db.session.add(item)
        db.session.flush()
        audit.record(
            "absence.reported",
            item,
            {"student_id": student.id, "start": str(dates.start), "end": str(dates.end)},
            actor=guardian,
        )
        made.append(item)
    submissions.finish(guardian, send_key, result_url)
    db.session.commit()
    return Outcome("sent", reports=tuple(made), url=result_url)


def _change(item: SicknessReport, values: dict) -> bool:
    """A conditional UPDATE on a report still open: a second tab cannot undo a cancel."""
    result = db.session.execute(
        update(SicknessReport)
        .where(SicknessReport.id == item.id, SicknessReport.cancelled_at.is_(None))
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(item)
    return True


def correct(item: SicknessReport, guardian: User, end: date, note: str) -> Outcome:
    """The guardian changes the last day or the note."""
    if end < item.start_date:
        return _refused(errors={"end_date": "end_before_start"})
    if not _change(item, {"end_date": end, "note": note.strip()}):
        return _refused("already_ended")
    audit.record("absence.corrected", item, {"end": str(end)}, actor=guardian)
    db.session.commit()
    return Outcome("corrected")


def end(item: SicknessReport, guardian: User, today: date) -> Outcome:
    """ "Back tomorrow": the report ends today; one not begun yet is cancelled."""
    if item.start_date > today:
        values = {"cancelled_at": utcnow()}
    elif item.end_date > today:
        values = {"end_date": today}
    else:
        return _refused("already_ended")
    if not _change(item, values):
        return _refused("already_ended")
    audit.record("absence.ended", item, {"on": str(today)}, actor=guardian)
    db.session.commit()
    return Outcome("ended")


def answer(absence: RegisterAbsence, guardian: User, note: str, send_key: str | None) -> Outcome:
    """ "They were sick": a report for the day of the absence, valid once a mentor accepts."""
    first = submissions.claim(guardian, send_key)
    if first is not None:
        db.session.rollback()
        return Outcome("repeated", url=first)
    item = SicknessReport(
        student_id=absence.student_id,
        batch=secrets.token_hex(8),
        start_date=absence.day,
        end_date=absence.day,
        note=note.strip(),
        late=True,
        source="answer",
        created_by_id=guardian.id,
    )
    db.session.add(item)
    db.session.flush()
    audit.record("absence.answered", item, {"register_absence_id": absence.id}, actor=guardian)
    submissions.finish(guardian, send_key, "")
    db.session.commit()
    return Outcome("answered", reports=(item,))


def accept(item: SicknessReport, mentor: User) -> Outcome:
    """A mentor accepts a guardian's answer, once."""
    result = db.session.execute(
        update(SicknessReport)
        .where(
            SicknessReport.id == item.id,
            SicknessReport.source == "answer",
            SicknessReport.accepted_at.is_(None),
            SicknessReport.cancelled_at.is_(None),
        )
        .values(accepted_at=utcnow(), accepted_by_id=mentor.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return _refused("not_open")
    audit.record("absence.accepted", item, {}, actor=mentor)
    db.session.commit()
    db.session.expire(item)
    return Outcome("accepted")


def clear_ended_notes(on: date) -> int:
    """Clear the notes (health data) of reports from terms that have ended: every report
    that ended before the current term of its school began (or before the school's last
    term ended, once it has). Returns how many notes were cleared; commits."""
    from sqlalchemy import select

    from app.school.models import Term

    terms = db.session.execute(
        select(SchoolYear.school_id, Term.start_date, Term.end_date).join(
            Term, Term.school_year_id == SchoolYear.id
        )
    ).all()
    cleared = 0
    for school_id in {t[0] for t in terms}:
        ended = [end for s, _start, end in terms if s == school_id and end < on]
        if not ended:
            continue
        limit = max(ended)
        students = select(Student.id).where(Student.school_id == school_id)
        cleared += db.session.execute(
            update(SicknessReport)
            .where(
                SicknessReport.student_id.in_(students),
                SicknessReport.end_date <= limit,
                SicknessReport.note != "",
            )
            .values(note="")
        ).rowcount
    db.session.commit()
    return cleared
