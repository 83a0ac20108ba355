"""Generating and publishing talk slots.

Times are chosen in the school's local time and stored in UTC. Each day is converted
on its own, so a day after the October DST change gets its own, correct offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db_types import utcnow
from app.extensions import db
from app.people.models import User
from app.school.calendar import local_to_utc
from app.school.models import GroupMembership
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot


@dataclass(frozen=True)
class SlotTime:
    starts_at: datetime  # aware, UTC
    ends_at: datetime


class SlotConflict(Exception):
    """Slots that overlap the mentor's existing slots: nothing was published."""

    def __init__(self, conflicts: list[tuple[SlotTime, TalkSlot]]):
        super().__init__(f"{len(conflicts)} overlapping slots")
        self.conflicts = conflicts


def generate(
    days: Iterable[date],
    start: time,
    end: time,
    minutes: int,
    pause: int = 0,
    breaks: Iterable[tuple[time, time]] = (),
    tz: str = "Europe/Stockholm",
) -> list[SlotTime]:
    """Back-to-back slots of `minutes` (plus `pause` between) from `start` to `end`
    on each day, skipping any that would touch a break (e.g. lunch)."""
    if minutes <= 0 or pause < 0:
        raise ValueError("length must be positive and pause not negative")
    length, gap = timedelta(minutes=minutes), timedelta(minutes=pause)
    breaks = sorted(breaks)
    result: list[SlotTime] = []
    for day in sorted(set(days)):
        cursor = datetime.combine(day, start)
        stop = datetime.combine(day, end)
        while cursor + length <= stop:
            slot_end = cursor + length
            clash = next(
                (
                    (b_start, b_end)
                    for b_start, b_end in breaks
                    if cursor < datetime.combine(day, b_end)
                    and slot_end > datetime.combine(day, b_start)
                ),
                None,
            )
            if clash:
                cursor = max(cursor, datetime.combine(day, clash[1]))
                continue
            result.append(
                SlotTime(
                    local_to_utc(day, cursor.time(), tz), local_to_utc(day, slot_end.time(), tz)
                )
            )
            cursor = slot_end + gap
    return result


def conflicts_with_existing(mentor: User, times: list[SlotTime]) -> list[tuple[SlotTime, TalkSlot]]:
    """Pairs of (new time, existing slot) where the mentor would be in two talks at once."""
    if not times:
        return []
    earliest = min(t.starts_at for t in times)
    latest = max(t.ends_at for t in times)
    existing = db.session.scalars(
        select(TalkSlot).where(
            TalkSlot.mentor_id == mentor.id,
            TalkSlot.removed_at.is_(None),
            TalkSlot.starts_at < latest,
            TalkSlot.ends_at > earliest,
        )
    ).all()
    return [
        (t, slot)
        for t in times
        for slot in existing
        if t.starts_at < slot.ends_at and t.ends_at > slot.starts_at
    ]


def publish(
    period: TalkPeriod, mentor: User, times: list[SlotTime], mode: str, location: str
) -> list[TalkSlot]:
    """Create the slots, or raise SlotConflict and create none."""
    conflicts = conflicts_with_existing(mentor, times)
    if conflicts:
        raise SlotConflict(conflicts)
    slots = [
        TalkSlot(
            period=period,
            mentor_id=mentor.id,
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            mode=mode,
            location=location.strip(),
        )
        for t in times
    ]
    db.session.add_all(slots)
    db.session.flush()
    audit.record(
        "talk_slots.published",
        period,
        {"count": len(slots), "mentor_id": mentor.id, "mode": mode, "location": location},
    )
    return slots


@dataclass(frozen=True)
class Publication:
    """The times published (committed), or the pairs of (new time, existing slot) that
    overlap the mentor's other talks: then nothing was written."""

    slots: list[TalkSlot]
    conflicts: list[tuple[SlotTime, TalkSlot]]

    @property
    def ok(self) -> bool:
        return not self.conflicts


def publish_times(
    period: TalkPeriod, mentor: User, times: list[SlotTime], mode: str, location: str
) -> Publication:
    """Publish the generator's times for the period and commit, or none of them when
    any overlaps the mentor's other talks."""
    try:
        slots = publish(period, mentor, times, mode, location)
    except SlotConflict as error:
        db.session.rollback()
        return Publication([], error.conflicts)
    db.session.commit()
    return Publication(slots, [])


def _open_slots_where(period_id, now):
    """The rule for a slot that can still be booked: of the period, not removed, in the
    future, free (no active booking)."""
    from app.talks.models import TalkBooking

    taken = select(TalkBooking.active_slot_id).where(TalkBooking.active_slot_id.is_not(None))
    return (
        TalkSlot.period_id == period_id,
        TalkSlot.removed_at.is_(None),
        TalkSlot.starts_at > now,
        TalkSlot.id.not_in(taken),
    )


def future_open_slots(period: TalkPeriod, now: datetime | None = None) -> list[TalkSlot]:
    """Slots of the period that can still be booked: not removed, in the future, free."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(TalkSlot)
            .options(joinedload(TalkSlot.mentor))
            .where(*_open_slots_where(period.id, now))
            .order_by(TalkSlot.starts_at)
        )
    )


@dataclass(frozen=True, slots=True)
class SlotMentor:
    name: str


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A free slot as the booking page shows it (plain values)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    mode: str
    location: str
    mentor: SlotMentor | None


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _open_slot_times_statement():
    return (
        select(
            TalkSlot.id,
            TalkSlot.starts_at,
            TalkSlot.ends_at,
            TalkSlot.mode,
            TalkSlot.location,
            User.name,
        )
        .outerjoin(User, User.id == TalkSlot.mentor_id)
        .where(*_open_slots_where(bindparam("period_id"), bindparam("now")))
        .order_by(TalkSlot.starts_at)
    )


def open_slot_times(period: TalkPeriod, now: datetime | None = None) -> list[OpenSlot]:
    """future_open_slots as plain values, for the booking page: asked of the database on
    every request, like every answer about which slots are free."""
    rows = db.session.connection().execute(
        _open_slot_times_statement(), {"period_id": period.id, "now": now or utcnow()}
    )
    return [
        OpenSlot(id, starts, ends, mode, location, SlotMentor(name) if name is not None else None)
        for id, starts, ends, mode, location, name in rows
    ]


@dataclass(frozen=True)
class Coverage:
    """Whether the period's times are enough for the group.

    students: the group's students who have no booked talk in the period yet (a student
    with a booking needs no other time). times: the times still free to book, that is
    every mentor's (co-mentors' too) slots of the period that are not removed, not booked
    and not past, plus the new times of the preview that lie in the future."""

    students: int
    times: int

    @property
    def short(self) -> bool:
        return self.times < self.students


def coverage(
    period: TalkPeriod, new_times: list[SlotTime], now: datetime | None = None
) -> Coverage:
    """Both counts in one statement, whatever the size of the group."""
    now = now or utcnow()
    unbooked = (
        select(func.count())
        .select_from(GroupMembership)
        .where(
            GroupMembership.group_id == period.group_id,
            ~exists().where(
                TalkBooking.active_period_id == period.id,
                TalkBooking.student_id == GroupMembership.student_id,
            ),
        )
        .scalar_subquery()
    )
    free = (
        select(func.count())
        .select_from(TalkSlot)
        .where(
            TalkSlot.period_id == period.id,
            TalkSlot.removed_at.is_(None),
            TalkSlot.starts_at > now,
            ~exists().where(TalkBooking.active_slot_id == TalkSlot.id),
        )
        .scalar_subquery()
    )
    students, times = db.session.execute(select(unbooked, free)).one()
    return Coverage(students, times + sum(1 for t in new_times if t.starts_at > now))
