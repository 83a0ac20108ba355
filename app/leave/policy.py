"""The school's leave rules: which days count, who decides, what may be asked for.

Only school days count: not weekends, not Swedish public and de facto holidays (from
the `holidays` library: Easter, Ascension Day, Midsummer Eve, ...), and not the school
year's own days off (lov, studiedagar).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.leave.models import LeaveRequest
from app.school.calendar import school_days
from app.school.models import School, SchoolYear


def approved_days(student_id: int, school_year_id: int) -> int:
    """School days of the student's approved leave this school year."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LeaveRequest.school_days), 0)).where(
            LeaveRequest.student_id == student_id,
            LeaveRequest.school_year_id == school_year_id,
            LeaveRequest.status == "approved",
        )
    )


def decider_for(school: School, days: int, already_approved: int) -> str:
    """The mentor decides while the year's approved leave, this request included, stays
    within the school's limit; longer single requests and anything beyond go to the principal."""
    if school.leave_max_days_per_request is not None and days > school.leave_max_days_per_request:
        return "principal"
    if already_approved + days > school.mentor_max_days:
        return "principal"
    return "mentor"


def overlapping(student_id: int, start: date, end: date) -> LeaveRequest | None:
    """A pending or approved request of the student that shares a day with start–end."""
    return db.session.scalar(
        select(LeaveRequest).where(
            LeaveRequest.student_id == student_id,
            LeaveRequest.status.in_(("pending", "approved")),
            LeaveRequest.start_date <= end,
            LeaveRequest.end_date >= start,
        )
    )


@dataclass
class Assessment:
    """What a request for one student would be, and what is wrong with it."""

    days: list[date] = field(default_factory=list)
    already_approved: int = 0
    decider: str = "mentor"
    late: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # field → error code


def assess(
    student_id: int, school: School, year: SchoolYear | None, start: date, end: date, today: date
) -> Assessment:
    result = Assessment()
    if end < start:
        result.errors["end_date"] = "end_before_start"
        return result
    if start < today:
        result.errors["start_date"] = "past"
    if year is None or start < year.start_date or end > year.end_date:
        result.errors["end_date" if year and start >= year.start_date else "start_date"] = (
            "outside_year"
        )
        return result
    if overlapping(student_id, start, end) is not None:
        result.errors["start_date"] = "overlap"
    result.days = school_days(start, end, year)
    if not result.days:
        result.errors.setdefault("end_date", "no_school_days")
    result.already_approved = approved_days(student_id, year.id)
    result.decider = decider_for(school, len(result.days), result.already_approved)
    result.late = (start - today).days < school.leave_min_notice_days
    return result
