"""Dates of the school: today in the school's zone, the school year it falls in, and
which days are school days (not weekends, not Swedish public and de facto holidays from
the `holidays` library such as Easter, Ascension Day and Midsummer Eve, not the school
year's own days off)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.school.models import GroupMembership, School, SchoolYear

DEFAULT_TZ = "Europe/Stockholm"


def local_to_utc(day: date, at: time, tz: str = DEFAULT_TZ) -> datetime:
    """A local school time on a day as UTC; each day gets its own offset (DST)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def today(tz: str = DEFAULT_TZ) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def is_current(year: SchoolYear, on: date) -> bool:
    return year.start_date <= on <= year.end_date


def current_year(years: Iterable[SchoolYear], on: date) -> SchoolYear | None:
    """The school year that contains `on`; between years, the one that comes next,
    and after the last one, the last one."""
    ordered = sorted(years, key=lambda y: y.start_date)
    for year in ordered:
        if is_current(year, on):
            return year
    upcoming = [y for y in ordered if y.start_date > on]
    if upcoming:
        return upcoming[0]
    return ordered[-1] if ordered else None


def school_current_year(school: School) -> SchoolYear | None:
    """The school's current school year, by the date in its own time zone."""
    return current_year(school.school_years, today(school.time_zone))


def current_membership(memberships: Iterable[GroupMembership], on: date) -> GroupMembership | None:
    """The student's group this school year (or the nearest year they have one)."""
    by_year = {m.group.school_year.id: m for m in memberships}
    year = current_year([m.group.school_year for m in by_year.values()], on)
    return by_year.get(year.id) if year else None


@lru_cache(maxsize=32)  # per process, safely: the holidays of a year never change
def swedish_holidays(year: int) -> frozenset[date]:
    days = holidays.Sweden(years=year, categories=("public", "de_facto"), include_sundays=False)
    return frozenset(days)


def days_off(year: SchoolYear, start: date | None = None, end: date | None = None) -> set[date]:
    """The year's days off, or those from start to end (inclusive) when given."""
    result: set[date] = set()
    for off in year.days_off:
        day = off.start_date if start is None else max(off.start_date, start)
        last = off.end_date if end is None else min(off.end_date, end)
        while day <= last:
            result.add(day)
            day += timedelta(days=1)
    return result


def school_days(start: date, end: date, year: SchoolYear, weekday: int | None = None) -> list[date]:
    """The school days from start to end (inclusive) within the school year; given a
    `weekday` (0 is Monday), only those on it, found a week at a time."""
    day, last = max(start, year.start_date), min(end, year.end_date)
    step = timedelta(days=1)
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
        step = timedelta(weeks=1)
    off = days_off(year, day, last)  # only the window's: a year's breaks are weeks long
    result = []
    while day <= last:
        if day.weekday() < 5 and day not in off and day not in swedish_holidays(day.year):
            result.append(day)
        day += step
    return result


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _years_statement():
    from sqlalchemy import bindparam, select

    from app.school.models import DayOff

    return (
        select(SchoolYear, DayOff)
        .outerjoin(DayOff, DayOff.school_year_id == SchoolYear.id)
        .where(SchoolYear.school_id.in_(bindparam("schools", expanding=True)))
        .order_by(SchoolYear.start_date, SchoolYear.id, DayOff.start_date)
    )


def load_years(schools: list[School]) -> None:
    """Every school year of the (loaded) schools with its days off, in one query, set on
    the schools and years: the current year and school days then ask nothing more."""
    from sqlalchemy.orm.attributes import set_committed_value

    from app.extensions import db

    if not schools:
        return
    rows = db.session.execute(_years_statement(), {"schools": [s.id for s in schools]}).all()
    years: dict[int, SchoolYear] = {}
    days: dict[int, list] = {}
    for year, day in rows:
        years[year.id] = year
        days.setdefault(year.id, [])
        if day is not None:
            days[year.id].append(day)
    by_school: dict[int, School] = {s.id: s for s in schools}
    school_years: dict[int, list[SchoolYear]] = {s.id: [] for s in schools}
    for year in years.values():
        set_committed_value(year, "days_off", days[year.id])
        set_committed_value(year, "school", by_school[year.school_id])
        school_years[year.school_id].append(year)
    for school in schools:
        set_committed_value(school, "school_years", school_years[school.id])
