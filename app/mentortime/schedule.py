"""When mentor time happens: every week on its weekday, on school days only (holidays and
the school year's days off are skipped), with each week's changes applied. Local times
are turned into UTC day by day, so the hour is right on both sides of a DST change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, select

from app import audit
from app.concurrency import insert_unless_exists, lock_row
from app.db_types import utcnow
from app.extensions import db
from app.mentortime.models import MentorTime, MentorTimeOccurrence
from app.school.calendar import local_to_utc, school_days
from app.school.models import SchoolYear
from app.sql import Prepared


@dataclass
class Occurrence:
    mentor_time: MentorTime
    regular_date: date  # the week's regular date, the key of any override
    starts_at: datetime  # UTC, after any move
    ends_at: datetime
    room: str
    override: MentorTimeOccurrence | None

    @property
    def cancelled(self) -> bool:
        return bool(self.override and self.override.cancelled)

    @property
    def moved(self) -> bool:
        o = self.override
        return bool(o and not o.cancelled and (o.moved_date or o.moved_start or o.moved_room))

    @property
    def agenda(self) -> str:
        return self.override.agenda if self.override else ""

    @property
    def decisions(self) -> str:
        return self.override.decisions if self.override else ""

    def regular_start(self, tz: str) -> datetime:
        return local_to_utc(self.regular_date, self.mentor_time.start, tz)


def regular_dates(mentor_time: MentorTime, year: SchoolYear, start: date, end: date) -> list[date]:
    """The school days from start to end that fall on the mentor time's weekday."""
    return school_days(start, end, year, mentor_time.weekday)


def occurrences(
    mentor_time: MentorTime,
    start: date,
    end: date,
    tz: str = "Europe/Stockholm",
    overrides: dict[date, MentorTimeOccurrence] | None = None,
) -> list[Occurrence]:
    """The weeks from start to end; `overrides` (by regular date) may be given by a caller
    that loaded the weeks' changes already, else they come from the mentor time."""
    year = mentor_time.group.school_year
    if overrides is None:
        overrides = {o.on_date: o for o in mentor_time.occurrences}
    result = []
    for day in regular_dates(mentor_time, year, start, end):
        o = overrides.get(day)
        at_day = (o.moved_date if o and o.moved_date else None) or day
        at_time = (o.moved_start if o and o.moved_start else None) or mentor_time.start
        starts = local_to_utc(at_day, at_time, tz)
        result.append(
            Occurrence(
                mentor_time=mentor_time,
                regular_date=day,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=mentor_time.minutes),
                room=(o.moved_room if o and o.moved_room else None) or mentor_time.room,
                override=o,
            )
        )
    return result


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _upcoming_statement():
    return (
        select(MentorTime, MentorTimeOccurrence)
        .outerjoin(
            MentorTimeOccurrence,
            and_(
                MentorTimeOccurrence.mentor_time_id == MentorTime.id,
                MentorTimeOccurrence.on_date >= bindparam("first"),
                MentorTimeOccurrence.on_date <= bindparam("last"),
            ),
        )
        .where(MentorTime.group_id.in_(bindparam("groups", expanding=True)))
        .order_by(MentorTime.id)
    )


def upcoming_for_groups(
    group_ids: list[int], now: datetime | None = None, weeks: int = 3
) -> dict[int, list[Occurrence]]:
    """The coming occurrences of each group's mentor times: one query for all groups, the
    mentor times with the changes of the weeks asked for (callers hold the groups, years,
    schools and days off already; those lookups are answered from the session)."""
    now = now or utcnow()
    if not group_ids:
        return {}
    today = now.date()
    last = today + timedelta(weeks=weeks)
    rows = db.session.execute(
        _upcoming_statement(), {"groups": list(group_ids), "first": today, "last": last}
    ).all()
    times: dict[int, MentorTime] = {}
    overrides: dict[int, dict[date, MentorTimeOccurrence]] = {}
    for mt, override in rows:
        times[mt.id] = mt
        week = overrides.setdefault(mt.id, {})
        if override is not None:
            week[override.on_date] = override
    return _coming(times, overrides, group_ids, now, today, last)


def _coming(times: dict, overrides: dict, group_ids, now: datetime, today: date, last: date):
    result: dict[int, list[Occurrence]] = {g: [] for g in group_ids}
    for mt in times.values():
        tz = mt.group.school_year.school.time_zone
        for occ in occurrences(mt, today, last, tz, overrides[mt.id]):
            if occ.ends_at > now:
                result[mt.group_id].append(occ)
    for items in result.values():
        items.sort(key=lambda o: o.starts_at)
    return result


@dataclass(slots=True)
class WeeklyTime:
    """A mentor time as plain values, for pages that only show it (home cards)."""

    id: int
    group_id: int
    weekday: int
    start: time
    minutes: int
    room: str
    group: object  # the caller's group, with .school_year (days off) and its .school


@dataclass(slots=True)
class WeekChange:
    """One week's changes to a mentor time, as plain values."""

    on_date: date
    agenda: str
    cancelled: bool
    moved_date: date | None
    moved_start: time | None
    moved_room: str | None
    change_note: str
    decisions: str


def _upcoming_columns_statement():
    o = MentorTimeOccurrence
    return (
        select(
            MentorTime.id,
            MentorTime.group_id,
            MentorTime.weekday,
            MentorTime.start,
            MentorTime.minutes,
            MentorTime.room,
            o.on_date,
            o.agenda,
            o.cancelled,
            o.moved_date,
            o.moved_start,
            o.moved_room,
            o.change_note,
            o.decisions,
        )
        .outerjoin(
            o,
            and_(
                o.mentor_time_id == MentorTime.id,
                o.on_date >= bindparam("first"),
                o.on_date <= bindparam("last"),
            ),
        )
        .where(MentorTime.group_id.in_(bindparam("groups", expanding=True)))
        .order_by(MentorTime.id)
    )


# Run on the cursor (app/sql.py): the home cards run it on every view.
_UPCOMING_COLUMNS = Prepared(_upcoming_columns_statement)


def upcoming_for_loaded_groups(
    groups: dict, now: datetime | None = None, weeks: int = 3
) -> dict[int, list[Occurrence]]:
    """upcoming_for_groups as plain values, for groups the caller loaded (by id, each
    with .school_year holding .days_off and .school.time_zone): one query."""
    now = now or utcnow()
    if not groups:
        return {}
    today = now.date()
    last = today + timedelta(weeks=weeks)
    rows = _UPCOMING_COLUMNS.all(groups=list(groups), first=today, last=last)
    times: dict[int, WeeklyTime] = {}
    overrides: dict[int, dict[date, WeekChange]] = {}
    for row in rows:
        mt_id, group_id, weekday, start, minutes, room, on_date = row[:7]
        if mt_id not in times:
            times[mt_id] = WeeklyTime(
                mt_id, group_id, weekday, start, minutes, room, groups[group_id]
            )
        week = overrides.setdefault(mt_id, {})
        if on_date is not None:
            week[on_date] = WeekChange(on_date, *row[7:])
    return _coming(times, overrides, list(groups), now, today, last)


def override_for(mentor_time: MentorTime, on_date: date) -> MentorTimeOccurrence:
    occ = db.session.scalar(
        select(MentorTimeOccurrence).where(
            MentorTimeOccurrence.mentor_time_id == mentor_time.id,
            MentorTimeOccurrence.on_date == on_date,
        )
    )
    if occ is None:
        occ = MentorTimeOccurrence(mentor_time_id=mentor_time.id, on_date=on_date)
        db.session.add(occ)
    return occ


def save_occurrence(
    mentor_time: MentorTime, on_date: date, values: dict, actor
) -> MentorTimeOccurrence:
    # The week's row is made once, whoever saves first; saves then take turns on it.
    insert_unless_exists(MentorTimeOccurrence, mentor_time_id=mentor_time.id, on_date=on_date)
    occ = override_for(mentor_time, on_date)
    lock_row(MentorTimeOccurrence, occ.id)
    db.session.refresh(occ)
    for key, value in values.items():
        setattr(occ, key, value)
    occ.updated_at = utcnow()
    occ.sequence = (occ.sequence or 0) + 1
    db.session.flush()
    audit.record("mentor_time.occurrence_saved", occ, {"on_date": on_date.isoformat()}, actor=actor)
    return occ


def occurrence_on(mentor_time: MentorTime, day: date) -> Occurrence | None:
    """The week whose regular date is `day`, if the mentor time meets that day."""
    tz = mentor_time.group.school_year.school.time_zone
    found = [o for o in occurrences(mentor_time, day, day, tz) if o.regular_date == day]
    return found[0] if found else None


def has_passed(occ: Occurrence, now: datetime | None = None) -> bool:
    return occ.ends_at < (now or utcnow())


def save_week(occ: Occurrence, values: dict, actor, now: datetime | None = None):
    """Save a week's changes (no commit: the view sends them once, through
    `app.submissions.create_once`). Its agenda is fixed once the mentor time has passed:
    a changed agenda is then not taken."""
    if has_passed(occ, now):
        values = {k: v for k, v in values.items() if k != "agenda"}
    return save_occurrence(occ.mentor_time, occ.regular_date, values, actor)


def remove_mentor_time(mentor_time: MentorTime, actor) -> int:
    """Remove the weekly mentor time with its weeks' changes, audited, and commit.
    Returns its group's id."""
    group_id = mentor_time.group_id
    audit.record("mentor_time.deleted", mentor_time, {"weekday": mentor_time.weekday}, actor=actor)
    for occ in mentor_time.occurrences:
        db.session.delete(occ)
    db.session.delete(mentor_time)
    db.session.commit()
    return group_id


def add_mentor_time(group, actor, **values) -> MentorTime:
    """A new weekly mentor time for the group (no commit: sent once, like save_week)."""
    mentor_time = MentorTime(group_id=group.id, **values)
    db.session.add(mentor_time)
    db.session.flush()
    audit.record("mentor_time.created", mentor_time, {"weekday": mentor_time.weekday}, actor=actor)
    return mentor_time
