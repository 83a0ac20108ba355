"""Mentor groups: their mentors, and students placed in and moved between them.
Each change is audited and committed here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit
from app.admin import Outcome, refused
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, GroupTransfer, MentorGroup, SchoolYear
from app.teaching import handover


def staff_users(school_id: int) -> list[User]:
    """Active staff of the school, who may be given a group."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.id.in_(select(Staff.user_id).where(Staff.school_id == school_id)),
            )
            .order_by(User.name)
        )
    )


def _name_taken(year: SchoolYear, name: str, group: MentorGroup | None = None) -> Outcome | None:
    """A refusal when another group of the year has the name (in any case)."""
    if any(g.name.casefold() == name.casefold() and g is not group for g in year.groups):
        return refused("name", _l("The school year already has a group with this name."))
    return None


def _set_mentors(group: MentorGroup, mentor_id: int, co_mentor_ids: list[int]) -> None:
    wanted = {mentor_id: False} | {uid: True for uid in co_mentor_ids if uid != mentor_id}
    for assignment in list(group.mentors):
        if assignment.user_id not in wanted:
            group.mentors.remove(assignment)
            db.session.delete(assignment)
        else:
            assignment.is_co_mentor = wanted.pop(assignment.user_id)
    for uid, co in wanted.items():
        group.mentors.append(GroupMentor(user_id=uid, is_co_mentor=co))


def _mentor_ids(group: MentorGroup) -> dict[str, list[int]]:
    return {
        "mentor": [m.user_id for m in group.mentors if not m.is_co_mentor],
        "co_mentors": sorted(m.user_id for m in group.mentors if m.is_co_mentor),
    }


def create_group(
    year: SchoolYear, name: str, mentor_id: int, co_mentor_ids: list[int]
) -> Outcome[MentorGroup]:
    refusal = _name_taken(year, name)
    if refusal is not None:
        return refusal
    group = MentorGroup(name=name)
    year.groups.append(group)
    _set_mentors(group, mentor_id, co_mentor_ids)
    db.session.flush()
    audit.record(
        "group.created",
        group,
        {"year": year.name, "name": name, **_mentor_ids(group)},
        school_id=year.school_id,
    )
    db.session.commit()
    return Outcome(group)


def update_group(
    group: MentorGroup, name: str, mentor_id: int, co_mentor_ids: list[int]
) -> Outcome[MentorGroup]:
    refusal = _name_taken(group.school_year, name, group)
    if refusal is not None:
        return refusal
    old = {"name": group.name, **_mentor_ids(group)}
    group.name = name
    _set_mentors(group, mentor_id, co_mentor_ids)
    db.session.flush()
    # Handover: a lead mentor who no longer mentors the group writes one per student.
    handover.due_after_mentor_change(group, next(iter(old["mentor"]), None), utcnow())
    audit.record(
        "group.changed",
        group,
        {"old": old, "new": {"name": name, **_mentor_ids(group)}},
        school_id=group.school_year.school_id,
    )
    db.session.commit()
    return Outcome(group)


def membership(student: Student, year: SchoolYear) -> GroupMembership | None:
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.student_id == student.id, GroupMembership.school_year_id == year.id
        )
    )


def place(student: Student, year: SchoolYear, group: MentorGroup | None, actor: User) -> bool:
    """Put the student in the group for the year (None: in no group), keeping the history,
    and commit. False when the student already is there (nothing changes)."""
    current = membership(student, year)
    from_id = current.group_id if current else None
    to_id = group.id if group else None
    if from_id == to_id:
        return False
    if current is None:
        db.session.add(GroupMembership(group=group, school_year_id=year.id, student=student))
    elif group is None:
        db.session.delete(current)
    else:
        current.group_id = group.id
    moved_at = utcnow()
    # Handover: the mentor the student leaves writes one (app/teaching/handover.py).
    handover.due_after_placements(year, [(student.id, from_id, to_id)], moved_at)
    db.session.add(
        GroupTransfer(
            student_id=student.id,
            school_year_id=year.id,
            from_group_id=from_id,
            to_group_id=to_id,
            moved_at=moved_at,
            moved_by_id=actor.id,
        )
    )
    audit.record(
        "student.moved",
        student,
        {"year": year.name, "from": from_id, "to": to_id},
        actor=actor,
    )
    db.session.commit()
    return True


def history(student: Student) -> list[GroupTransfer]:
    return list(
        db.session.scalars(
            select(GroupTransfer)
            .where(GroupTransfer.student_id == student.id)
            .options(
                selectinload(GroupTransfer.from_group),
                selectinload(GroupTransfer.to_group),
                selectinload(GroupTransfer.moved_by),
            )
            .order_by(GroupTransfer.moved_at.desc(), GroupTransfer.id.desc())
        )
    )
