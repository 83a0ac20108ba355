"""What the leave pages list, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from app.access import child_ids, mentored_group_ids
from app.extensions import db
from app.leave.models import LeaveRequest
from app.people.models import Student
from app.school.models import GroupMembership, MentorGroup, School, SchoolYear
from app.talks.models import TalkBooking, TalkSlot


def _options():
    return (
        selectinload(LeaveRequest.student),
        selectinload(LeaveRequest.decided_by),
        selectinload(LeaveRequest.consents),
        selectinload(LeaveRequest.school_year).selectinload(SchoolYear.school),
    )


def guardian_requests(user) -> list[LeaveRequest]:
    return list(
        db.session.scalars(
            select(LeaveRequest)
            .where(LeaveRequest.student_id.in_(child_ids(user)))
            .options(*_options())
            .order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc())
        )
    )


@dataclass
class InboxItem:
    request: LeaveRequest
    group: MentorGroup | None
    used_days: int
    talk: TalkBooking | None


def items_for(requests: list[LeaveRequest]) -> list[InboxItem]:
    """Each request with the student's group, approved days this year and a booked talk
    that falls within the leave (three queries, whatever the number of requests)."""
    if not requests:
        return []
    student_ids = {r.student_id for r in requests}
    groups = {
        (m.student_id, m.school_year_id): m.group
        for m in db.session.scalars(
            select(GroupMembership)
            .where(GroupMembership.student_id.in_(student_ids))
            .options(selectinload(GroupMembership.group))
        )
    }
    used = {
        (student_id, year_id): int(days or 0)
        for student_id, year_id, days in db.session.execute(
            select(
                LeaveRequest.student_id,
                LeaveRequest.school_year_id,
                func.sum(LeaveRequest.school_days),
            )
            .where(LeaveRequest.student_id.in_(student_ids), LeaveRequest.status == "approved")
            .group_by(LeaveRequest.student_id, LeaveRequest.school_year_id)
        )
    }
    bookings = db.session.scalars(
        select(TalkBooking)
        .join(TalkSlot, TalkSlot.id == TalkBooking.active_slot_id)
        .where(TalkBooking.student_id.in_(student_ids))
        .options(selectinload(TalkBooking.slot))
    ).all()
    items = []
    for r in requests:
        talk = next(
            (
                b
                for b in bookings
                if b.student_id == r.student_id
                and r.start_date <= b.slot.starts_at.date() <= r.end_date
            ),
            None,
        )
        items.append(
            InboxItem(
                request=r,
                group=groups.get((r.student_id, r.school_year_id)),
                # Approved before this request: an approved request does not count itself.
                used_days=used.get((r.student_id, r.school_year_id), 0)
                - (r.school_days if r.status == "approved" else 0),
                talk=talk,
            )
        )
    return items


def _pending_for_mentor(user, uid=None):
    """`uid` instead of `user`: the user's id as a column or bound parameter."""
    from app.access import mentored_group_ids_of

    groups = mentored_group_ids_of(uid) if uid is not None else mentored_group_ids(user)
    students = select(GroupMembership.student_id).where(
        GroupMembership.group_id.in_(groups),
        GroupMembership.school_year_id == LeaveRequest.school_year_id,
    )
    return (LeaveRequest.status == "pending", LeaveRequest.student_id.in_(students))


def mentor_inbox(user) -> tuple[list[InboxItem], list[InboxItem]]:
    """Pending requests of students in the user's groups, oldest first: those the mentor
    decides, and those waiting for the principal (read-only to the mentor)."""
    requests = list(
        db.session.scalars(
            select(LeaveRequest)
            .where(*_pending_for_mentor(user))
            .options(*_options())
            .order_by(LeaveRequest.created_at, LeaveRequest.id)
        )
    )
    items = items_for(requests)
    return (
        [i for i in items if i.request.decider == "mentor"],
        [i for i in items if i.request.decider == "principal"],
    )


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _pending_count_statement():
    return select(func.count(LeaveRequest.id)).where(
        *_pending_for_mentor(None, uid=bindparam("uid")), LeaveRequest.decider == "mentor"
    )


def pending_count_for_mentor(user) -> int:
    """Requests the mentor decides, for the start page: one query."""
    return db.session.scalar(_pending_count_statement(), {"uid": user.id})


@dataclass
class SchoolLeave:
    items: list[InboxItem]
    groups: list[MentorGroup]
    totals: list[tuple[str, int, int]]  # group name, approved requests, approved school days


def school_requests(
    school_id: int,
    status: str | None = None,
    group_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> SchoolLeave:
    query = (
        select(LeaveRequest)
        .join(SchoolYear, SchoolYear.id == LeaveRequest.school_year_id)
        .where(SchoolYear.school_id == school_id)
    )
    if status:
        query = query.where(LeaveRequest.status == status)
    if group_id:
        query = query.where(
            LeaveRequest.student_id.in_(
                select(GroupMembership.student_id).where(GroupMembership.group_id == group_id)
            )
        )
    if start:
        query = query.where(LeaveRequest.end_date >= start)
    if end:
        query = query.where(LeaveRequest.start_date <= end)
    requests = list(
        db.session.scalars(
            query.options(*_options()).order_by(
                (LeaveRequest.status != "pending"), LeaveRequest.start_date.desc()
            )
        )
    )
    groups = list(
        db.session.scalars(
            select(MentorGroup)
            .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
            .where(SchoolYear.school_id == school_id)
            .order_by(MentorGroup.name)
        )
    )
    totals = db.session.execute(
        select(MentorGroup.name, func.count(LeaveRequest.id), func.sum(LeaveRequest.school_days))
        .join(GroupMembership, GroupMembership.group_id == MentorGroup.id)
        .join(
            LeaveRequest,
            (LeaveRequest.student_id == GroupMembership.student_id)
            & (LeaveRequest.school_year_id == GroupMembership.school_year_id),
        )
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(SchoolYear.school_id == school_id, LeaveRequest.status == "approved")
        .group_by(MentorGroup.name)
        .order_by(MentorGroup.name)
    ).all()
    return SchoolLeave(items_for(requests), groups, [(n, c, int(d or 0)) for n, c, d in totals])


def children_with_years(user, today: date) -> list[tuple[Student, SchoolYear | None]]:
    """The guardian's children with the school year their leave would count in."""
    from sqlalchemy.orm.attributes import set_committed_value

    from app.school.calendar import current_year, load_years

    rows = db.session.execute(
        select(Student, School)
        .join(School, School.id == Student.school_id)
        .where(Student.id.in_(child_ids(user)))
        .order_by(Student.first_name, Student.id)
    ).all()
    for student, school in rows:
        set_committed_value(student, "school", school)
    load_years(list({school.id: school for _, school in rows}.values()))
    return [(s, current_year(s.school.school_years, today)) for s, _ in rows]
