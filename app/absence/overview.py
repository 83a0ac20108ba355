"""What the absence pages list, each in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

from sqlalchemy import Integer, bindparam, case, false, literal, null, or_, select, union_all

from app.absence.models import SicknessReport
from app.access import child_ids, current_member_ids, mentored_group_ids_of
from app.extensions import db
from app.people.models import Student
from app.sql import Prepared


def counting_reports():
    """The condition of a report that makes absence valid (SicknessReport.counts)."""
    return SicknessReport.cancelled_at.is_(None) & or_(
        SicknessReport.source == "guardian", SicknessReport.accepted_at.is_not(None)
    )


@dataclass
class AbsentToday:
    student_id: int
    name: str
    kind: str  # "sick", "leave", "valid", "invalid" (register), "answer" (to accept)
    from_time: time | None
    late: bool
    report_id: int | None


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _today_statement():
    from app.absence.models import RegisterAbsence
    from app.leave.models import LeaveRequest

    on = bindparam("on")
    events = union_all(
        select(
            SicknessReport.student_id.label("student_id"),
            literal("sick").label("kind"),
            SicknessReport.from_time.label("from_time"),
            SicknessReport.late.label("late"),
            SicknessReport.id.label("report_id"),
        ).where(SicknessReport.start_date <= on, SicknessReport.end_date >= on, counting_reports()),
        select(
            LeaveRequest.student_id,
            literal("leave"),
            null(),
            false(),
            null().cast(Integer),
        ).where(
            LeaveRequest.status == "approved",
            LeaveRequest.start_date <= on,
            LeaveRequest.end_date >= on,
        ),
        select(
            RegisterAbsence.student_id,
            case((RegisterAbsence.valid, "valid"), else_="invalid"),
            null(),
            false(),
            null().cast(Integer),
        ).where(RegisterAbsence.day == on),
        select(
            SicknessReport.student_id,
            literal("answer"),
            null(),
            false(),
            SicknessReport.id,
        ).where(
            SicknessReport.source == "answer",
            SicknessReport.accepted_at.is_(None),
            SicknessReport.cancelled_at.is_(None),
        ),
    ).subquery()
    return events


@dataclass
class Today:
    absent: list[AbsentToday]
    answers: list[AbsentToday]  # guardians' answers to invalid absence, to accept


def _absent_today_statement():
    events = _today_statement()
    return (
        select(
            Student.id,
            Student.first_name,
            Student.last_name,
            events.c.kind,
            events.c.from_time,
            events.c.late,
            events.c.report_id,
        )
        .join(events, events.c.student_id == Student.id)
        .where(Student.id.in_(current_member_ids(mentored_group_ids_of(bindparam("uid")))))
        .order_by(Student.first_name, Student.last_name, Student.id)
    )


# Run on the cursor (app/sql.py): the mentor's home runs it on every view.
_ABSENT_TODAY = Prepared(_absent_today_statement)


def absent_today(user, on: date) -> Today:
    """The students of the user's current groups who are away today, by name: reported
    sick (at once, as the guardian sends it), on approved leave, or in the register; and
    guardians' answers waiting for a mentor. One query; a student with several entries is
    listed once, sickness first."""
    rows = _ABSENT_TODAY.all(on=on, uid=user.id)
    order = {"sick": 0, "leave": 1, "invalid": 2, "valid": 3}
    found: dict[int, AbsentToday] = {}
    answers = []
    for sid, first, last, kind, from_time, late, report_id in rows:
        line = AbsentToday(sid, f"{first} {last}", kind, from_time, bool(late), report_id)
        if kind == "answer":
            answers.append(line)
        elif sid not in found or order[kind] < order[found[sid].kind]:
            found[sid] = line
    return Today(list(found.values()), answers)


def guardian_unexplained(user, since: date):
    """The children's invalid register absence since `since` that no report or leave
    explains and no guardian has answered yet: the guardian's to answer."""
    from sqlalchemy import exists
    from sqlalchemy.orm import joinedload

    from app.absence.models import RegisterAbsence
    from app.absence.register import _explained

    answered = exists().where(
        SicknessReport.student_id == RegisterAbsence.student_id,
        SicknessReport.start_date <= RegisterAbsence.day,
        SicknessReport.end_date >= RegisterAbsence.day,
        SicknessReport.cancelled_at.is_(None),
    )
    return list(
        db.session.scalars(
            select(RegisterAbsence)
            .where(
                RegisterAbsence.student_id.in_(child_ids(user)),
                RegisterAbsence.day >= since,
                RegisterAbsence.valid.is_(False),
                ~answered,
                ~_explained(RegisterAbsence.student_id, RegisterAbsence.day),
            )
            .options(joinedload(RegisterAbsence.student))
            .order_by(RegisterAbsence.day.desc())
        )
    )


def guardian_reports(user, since: date) -> list[SicknessReport]:
    """The guardian's children's reports that end on or after `since`, newest first."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(SicknessReport)
            .where(
                SicknessReport.student_id.in_(child_ids(user)),
                SicknessReport.end_date >= since,
                SicknessReport.cancelled_at.is_(None),
            )
            .options(joinedload(SicknessReport.student))
            .order_by(SicknessReport.start_date.desc(), SicknessReport.id.desc())
        )
    )
