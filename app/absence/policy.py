"""The school's absence rules: its day (when a report is late, how long a day is) and the
watchlist's thresholds. A school without its own rules has the defaults."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.absence.models import AbsencePolicy
from app.extensions import db
from app.school.calendar import school_days
from app.school.models import School, SchoolYear

DEFAULTS = {
    "day_starts": time(8, 0),
    "day_ends": time(15, 0),
    "percent_limit": 10,
    "reports_limit": 3,
    "invalid_counts": True,
}
# "Three or more sickness reports in a month": the last 30 days.
REPORT_WINDOW_DAYS = 30


def defaults(school_id: int) -> AbsencePolicy:
    return AbsencePolicy(school_id=school_id, **DEFAULTS)


def for_school(school_id: int) -> AbsencePolicy:
    """The school's rules (a transient row with the defaults when it has none)."""
    found = db.session.get(AbsencePolicy, school_id)
    return found if found is not None else defaults(school_id)


SAVE_ERRORS = {"day_ends": _l("The day must end after it starts.")}


def save(school: School, values: dict, actor) -> dict[str, str]:
    """Store the school's rules (committed); returns {field: error code}, empty when saved."""
    starts, ends = values.get("day_starts"), values.get("day_ends")
    if starts is None or ends is None or ends <= starts:
        return {"day_ends": "day_ends"}
    rules = db.session.get(AbsencePolicy, school.id)
    if rules is None:
        rules = defaults(school.id)
        db.session.add(rules)
    for name in DEFAULTS:
        setattr(rules, name, values[name])
    audit.record("absence.rules_saved", None, {}, actor=actor, school_id=school.id)
    db.session.commit()
    return {}


def with_defaults(found: AbsencePolicy | None, school_id: int) -> AbsencePolicy:
    return found if found is not None else defaults(school_id)


def day_minutes(policy: AbsencePolicy) -> int:
    start = policy.day_starts.hour * 60 + policy.day_starts.minute
    end = policy.day_ends.hour * 60 + policy.day_ends.minute
    return max(end - start, 1)


def part_of_day(policy: AbsencePolicy, from_time: time | None) -> float:
    """The share of a school day missed when gone from `from_time` (None: the whole day)."""
    if from_time is None or from_time <= policy.day_starts:
        return 1.0
    if from_time >= policy.day_ends:
        return 0.0
    start = policy.day_starts.hour * 60 + policy.day_starts.minute
    gone = from_time.hour * 60 + from_time.minute
    return 1 - (gone - start) / day_minutes(policy)


def is_late(policy: AbsencePolicy, school: School, start: date, now: datetime) -> bool:
    """A report for today made after the school's morning time (or for a day already past)."""
    local = now.astimezone(ZoneInfo(school.time_zone))
    if start < local.date():
        return True
    return start == local.date() and local.time() > policy.day_starts


def next_school_day(after: date, year: SchoolYear | None, include: bool = False) -> date:
    """The first school day after `after` (or on it, with include)."""
    first = after if include else after + timedelta(days=1)
    if year is None:
        return first
    days = school_days(first, first + timedelta(days=30), year)
    return days[0] if days else first


def term_of(year: SchoolYear | None, on: date):
    """The term that contains `on`, else the last one begun before it, else the first."""
    if year is None or not year.terms:
        return None
    begun = [t for t in year.terms if t.start_date <= on]
    return begun[-1] if begun else year.terms[0]


def load_policies(school_ids: list[int]) -> dict[int, AbsencePolicy]:
    rows = db.session.scalars(
        select(AbsencePolicy).where(AbsencePolicy.school_id.in_(school_ids))
    ).all()
    found = {p.school_id: p for p in rows}
    return {s: found.get(s) or defaults(s) for s in school_ids}
