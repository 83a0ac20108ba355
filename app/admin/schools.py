"""Schools: created and named by site admins; their rules set by their admins and principals.
Every change is audited under the school and committed here."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.admin import Outcome, refused
from app.extensions import db
from app.people.models import User
from app.school.models import School

# The school's rules (the Regler page), one column each on School.
POLICY_FIELDS = (
    "mentor_max_days",
    "leave_max_days_per_request",
    "leave_min_notice_days",
    "leave_requires_all_guardians",
    "talk_cancel_hours",
    "students_write_goals",
    "contact_confirm_days",
)


@dataclass(frozen=True)
class SchoolDetails:
    name: str
    unit_code: str
    time_zone: str


def _audited(school: School) -> dict:
    return {"name": school.name, "unit_code": school.unit_code, "tz": school.time_zone}


def save_school(school: School | None, details: SchoolDetails, actor: User) -> Outcome[School]:
    """Create a school (school None) or change its name, unit code and time zone. A unit
    code is one school's only: another school's is refused."""
    same_code = select(School.id).where(School.unit_code == details.unit_code)
    if school is not None:
        same_code = same_code.where(School.id != school.id)
    if db.session.scalar(same_code):
        return refused("unit_code", _l("Another school has this unit code."))
    old = _audited(school) if school is not None else None
    if school is None:
        school = School()
        db.session.add(school)
    for key, value in asdict(details).items():
        setattr(school, key, value)
    db.session.flush()
    audit.record(
        "school.changed" if old else "school.created",
        school,
        {"old": old, "new": _audited(school)},
        actor=actor,
    )
    db.session.commit()
    return Outcome(school)


def set_rules(school: School, rules: dict, actor: User) -> School:
    """Set the school's rules (`rules` by POLICY_FIELDS), audited with the old values."""
    old = {f: getattr(school, f) for f in POLICY_FIELDS}
    for f in POLICY_FIELDS:
        setattr(school, f, rules[f])
    new = {f: getattr(school, f) for f in POLICY_FIELDS}
    audit.record("school.policy", school, {"old": old, "new": new}, actor=actor)
    db.session.commit()
    return school
