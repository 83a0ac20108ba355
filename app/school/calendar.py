"""Dates of the school: today in the school's zone and the school year it falls in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.school.models import GroupMembership, SchoolYear

DEFAULT_TZ = "Europe/Stockholm"


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


def current_membership(memberships: Iterable[GroupMembership], on: date) -> GroupMembership | None:
    """The student's group this school year (or the nearest year they have one)."""
    by_year = {m.group.school_year.id: m for m in memberships}
    year = current_year([m.group.school_year for m in by_year.values()], on)
    return by_year.get(year.id) if year else None
