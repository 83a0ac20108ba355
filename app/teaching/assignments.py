"""Teaching assignments: the admin sets who teaches a group in a subject (and the import
does, app/teaching/importing.py). A teacher must be staff (role teacher) at the group's
school; the same (group, subject, teacher) twice is one assignment (the unique key)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import audit
from app.concurrency import insert_unless_exists
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Staff, User
from app.school.models import MentorGroup
from app.teaching.models import TeachingAssignment
from app.teaching.subjects import is_subject, subject_order

MESSAGES = {
    "subject": _l("Choose a subject from the list."),
    "teacher": _l("Choose a teacher of the school."),
    "exists": _l("This teacher already teaches the subject in the group."),
}


@dataclass
class Outcome:
    ok: bool
    field: str | None = None
    code: str | None = None
    assignment_id: int | None = None

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) if self.code else ""


def school_teachers(school_id: int) -> list[User]:
    """The school's teachers (staff role teacher), by name. One statement."""
    return list(
        db.session.scalars(
            select(User)
            .join(Staff, Staff.user_id == User.id)
            .where(Staff.school_id == school_id, Staff.role == "teacher", User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def teacher_choices(group: MentorGroup) -> list[SelectChoice]:
    """The teachers of the group's school as choices. One statement."""
    return [SelectChoice(u.id, u.name) for u in school_teachers(group.school_year.school_id)]


def group_assignments(group: MentorGroup) -> list[tuple[TeachingAssignment, User]]:
    """The group's assignments with their teachers, by subject then name. One statement."""
    rows = db.session.execute(
        select(TeachingAssignment, User)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .where(TeachingAssignment.group_id == group.id)
        .order_by(User.name)
    ).all()
    return sorted(((a, u) for a, u in rows), key=lambda r: subject_order(r[0].subject))


def is_school_teacher(user_id: int, school_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(Staff.id).where(
                Staff.user_id == user_id, Staff.school_id == school_id, Staff.role == "teacher"
            )
        )
    )


def assign(group: MentorGroup, subject: str, teacher_id: int, actor: User) -> Outcome:
    """Make the assignment, audited and committed; a teacher who is not a teacher of the
    group's school, an unknown subject or an existing assignment is refused."""
    if not is_subject(subject):
        return Outcome(False, "subject", "subject")
    school_id = group.school_year.school_id
    if not is_school_teacher(teacher_id, school_id):
        return Outcome(False, "teacher", "teacher")
    made = insert_unless_exists(
        TeachingAssignment,
        group_id=group.id,
        subject=subject,
        teacher_id=teacher_id,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    if not made:
        db.session.rollback()
        return Outcome(False, "teacher", "exists")
    audit.record(
        "teaching.assigned",
        group,
        {"subject": subject, "teacher_id": teacher_id, "group": group.name},
        actor=actor,
        school_id=school_id,
    )
    db.session.commit()
    return Outcome(True)


def unassign(assignment: TeachingAssignment, actor: User) -> None:
    """Remove an assignment (the input already given stays with the talk period)."""
    group = assignment.group
    audit.record(
        "teaching.unassigned",
        group,
        {"subject": assignment.subject, "teacher_id": assignment.teacher_id, "group": group.name},
        actor=actor,
        school_id=group.school_year.school_id,
    )
    db.session.delete(assignment)
    db.session.commit()
