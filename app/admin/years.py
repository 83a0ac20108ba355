"""School years: their terms and days off, and starting next year from this one.
Each change is audited and committed here and returns an `Outcome`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.admin import Outcome, refused
from app.extensions import db
from app.school.models import DayOff, GroupMentor, MentorGroup, School, SchoolYear, Term

# Copying a year moves every date by 52 weeks, so a break keeps its weekdays and week number.
ONE_YEAR = timedelta(weeks=52)


@dataclass
class YearDates:
    name: str
    start_date: date
    end_date: date
    ht_start: date
    ht_end: date
    vt_start: date
    vt_end: date


def _check(school: School, dates: YearDates, year: SchoolYear | None = None) -> Outcome | None:
    """A refusal when the name or the dates clash with another of the school's years."""
    for other in school.school_years:
        if other is year:
            continue
        if other.name == dates.name:
            return refused("name", _l("The school already has a school year with this name."))
        if other.start_date <= dates.end_date and dates.start_date <= other.end_date:
            return refused(
                "start_date",
                _l("The dates overlap the school year %(name)s.", name=other.name),
            )
    return None


def _set_terms(year: SchoolYear, dates: YearDates) -> None:
    terms = {t.kind: t for t in year.terms}
    for kind, start, end in (
        ("HT", dates.ht_start, dates.ht_end),
        ("VT", dates.vt_start, dates.vt_end),
    ):
        term = terms.get(kind)
        if term is None:
            year.terms.append(Term(kind=kind, start_date=start, end_date=end))
        else:
            term.start_date, term.end_date = start, end


def _snapshot(year: SchoolYear) -> dict:
    return {
        "name": year.name,
        "start": year.start_date.isoformat(),
        "end": year.end_date.isoformat(),
        "terms": {t.kind: [t.start_date.isoformat(), t.end_date.isoformat()] for t in year.terms},
    }


def _new_year(school: School, dates: YearDates) -> SchoolYear:
    year = SchoolYear(
        school=school, name=dates.name, start_date=dates.start_date, end_date=dates.end_date
    )
    _set_terms(year, dates)
    db.session.add(year)
    db.session.flush()
    audit.record("school_year.created", year, _snapshot(year), school_id=school.id)
    return year


def create_year(school: School, dates: YearDates) -> Outcome[SchoolYear]:
    """The school's first year (later ones are copied: `copy_year`)."""
    refusal = _check(school, dates)
    if refusal is not None:
        return refusal
    year = _new_year(school, dates)
    db.session.commit()
    return Outcome(year)


def update_year(year: SchoolYear, dates: YearDates) -> Outcome[SchoolYear]:
    refusal = _check(year.school, dates, year)
    if refusal is not None:
        return refusal
    old = _snapshot(year)
    year.name, year.start_date, year.end_date = dates.name, dates.start_date, dates.end_date
    _set_terms(year, dates)
    audit.record(
        "school_year.changed", year, {"old": old, "new": _snapshot(year)}, school_id=year.school_id
    )
    db.session.commit()
    return Outcome(year)


def add_day_off(year: SchoolYear, name: str, kind: str, start: date, end: date) -> Outcome[DayOff]:
    if start < year.start_date or end > year.end_date:
        return refused("start_date", _l("Days off must lie within the school year."))
    day_off = DayOff(name=name, kind=kind, start_date=start, end_date=end)
    year.days_off.append(day_off)
    db.session.flush()
    audit.record(
        "day_off.added",
        day_off,
        {"year": year.name, "name": name, "start": start.isoformat(), "end": end.isoformat()},
        school_id=year.school_id,
    )
    db.session.commit()
    return Outcome(day_off)


def remove_day_off(day_off: DayOff) -> None:
    year = day_off.school_year
    audit.record(
        "day_off.removed",
        day_off,
        {
            "year": year.name,
            "name": day_off.name,
            "start": day_off.start_date.isoformat(),
            "end": day_off.end_date.isoformat(),
        },
        school_id=year.school_id,
    )
    db.session.delete(day_off)
    db.session.commit()


def next_name(name: str) -> str:
    """'2026/27' → '2027/28'; a name of another shape is kept for the admin to change."""
    try:
        first, second = name.split("/")
        return f"{int(first) + 1}/{int(second) + 1:02d}"
    except ValueError:
        return name


def next_year_dates(year: SchoolYear) -> YearDates:
    """The same structure 52 weeks later: same weekdays, about the same weeks."""
    terms = {t.kind: t for t in year.terms}

    def later(kind: str, attr: str, fallback: date) -> date:
        term = terms.get(kind)
        return (getattr(term, attr) if term else fallback) + ONE_YEAR

    return YearDates(
        name=next_name(year.name),
        start_date=year.start_date + ONE_YEAR,
        end_date=year.end_date + ONE_YEAR,
        ht_start=later("HT", "start_date", year.start_date),
        ht_end=later("HT", "end_date", year.start_date),
        vt_start=later("VT", "start_date", year.end_date),
        vt_end=later("VT", "end_date", year.end_date),
    )


def copy_year(source: SchoolYear, dates: YearDates, copy_groups: bool) -> Outcome[SchoolYear]:
    """A new year with the source's days off moved 52 weeks on (and, if asked, its groups
    with their mentors, without students)."""
    refusal = _check(source.school, dates)
    if refusal is not None:
        return refusal
    year = _new_year(source.school, dates)
    shift = dates.start_date - source.start_date
    for day_off in source.days_off:
        start, end = day_off.start_date + shift, day_off.end_date + shift
        if start >= year.start_date and end <= year.end_date:
            year.days_off.append(
                DayOff(name=day_off.name, kind=day_off.kind, start_date=start, end_date=end)
            )
    if copy_groups:
        mentors = db.session.scalars(
            select(GroupMentor).join(MentorGroup).where(MentorGroup.school_year_id == source.id)
        ).all()
        for group in source.groups:
            copy = MentorGroup(name=group.name)
            year.groups.append(copy)
            for m in mentors:
                if m.group_id == group.id:
                    copy.mentors.append(GroupMentor(user_id=m.user_id, is_co_mentor=m.is_co_mentor))
    db.session.flush()
    audit.record(
        "school_year.copied",
        year,
        {"from": source.name, "days_off": len(year.days_off), "groups": len(year.groups)},
        school_id=source.school_id,
    )
    db.session.commit()
    return Outcome(year)
