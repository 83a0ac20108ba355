"""Reading the audit trail of a school: who changed what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.audit import AuditEvent
from app.extensions import db
from app.people.models import User
from app.school.models import School

PAGE_SIZE = 50

ACTION_LABELS = {
    "import.applied": _l("Import"),
    "invitation.sent": _l("Invitation sent"),
    "invitations.sent": _l("Invitations to guardians"),
    "school.created": _l("School created"),
    "school.changed": _l("School changed"),
    "school.policy": _l("Rules changed"),
    "school_year.created": _l("School year created"),
    "school_year.copied": _l("School year copied"),
    "school_year.changed": _l("School year changed"),
    "day_off.added": _l("Day off added"),
    "day_off.removed": _l("Day off removed"),
    "group.created": _l("Group created"),
    "group.changed": _l("Group changed"),
    "student.moved": _l("Student moved"),
    "staff.invited": _l("Staff invited"),
    "staff.roles_changed": _l("Roles changed"),
    "staff.deactivated": _l("Staff deactivated"),
    "mail.retried": _l("E-mail sent again"),
    "absence.imported": _l("Absence imported"),
    "absence.rules_saved": _l("Absence rules changed"),
    "absence.api_token_created": _l("Absence API token created"),
    # teaching (app/teaching)
    "teaching.assigned": _l("Teaching assignment added"),
    "teaching.unassigned": _l("Teaching assignment removed"),
    "teaching.reminded": _l("Teachers reminded of their input"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


@dataclass
class AuditFilter:
    who: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class AuditPage:
    events: list[AuditEvent]
    page: int
    has_next: bool
    actions: list[str]


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def events(school: School, f: AuditFilter) -> AuditPage:
    """Events filed under the school, newest first, PAGE_SIZE at a time."""
    tz = ZoneInfo(school.time_zone)
    query = select(AuditEvent).where(AuditEvent.school_id == school.id)
    if f.action:
        # "group" matches group.created and group.changed; a full name matches itself.
        query = query.where(
            or_(AuditEvent.action == f.action, AuditEvent.action.startswith(f.action + "."))
        )
    if f.who:
        pattern = f"%{f.who.strip().lower()}%"
        query = query.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(
                    or_(func.lower(User.name).like(pattern), User.email.like(pattern))
                )
            )
        )
    if f.since:
        query = query.where(AuditEvent.created_at >= _start_of(f.since, tz))
    if f.until:
        query = query.where(AuditEvent.created_at < _start_of(f.until + timedelta(days=1), tz))
    rows = db.session.scalars(
        query.options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((f.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.school_id == school.id)
        .distinct()
        .order_by(AuditEvent.action)
    ).all()
    return AuditPage(list(rows[:PAGE_SIZE]), f.page, len(rows) > PAGE_SIZE, list(actions))
