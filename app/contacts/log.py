"""The contact log: the mentor's notes of contacts with home."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import joinedload

from app import audit
from app.access import current_member_ids
from app.contacts.models import ContactNote
from app.extensions import db
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, MentorGroup, SchoolYear

WITH_WHOM_MAX = 200  # the column's length


@dataclass(frozen=True)
class GuardianChoice:
    """A guardian to tick in "with whom": the name only. The log is staff-only, and the
    list shows nothing of a protected student's guardians beyond what the group's roster
    shows its mentors (names; never an address)."""

    id: int
    name: str


def guardian_choices(student: Student) -> list[GuardianChoice]:
    """The student's guardians, by name, in one statement."""
    rows = db.session.execute(
        select(User.id, User.name)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .where(Guardianship.student_id == student.id)
        .order_by(User.name, User.id)
    )
    return [GuardianChoice(id, name) for id, name in rows]


def with_whom(guardians: list[GuardianChoice], chosen: list[str], other: str) -> str:
    """What is stored as "with whom": the ticked guardians' names and the free text, as
    one line (the column the log has always had, so older notes stay as they were)."""
    parts = [g.name for g in guardians if str(g.id) in set(chosen)]
    if other.strip():
        parts.append(other.strip())
    return ", ".join(parts)[:WITH_WHOM_MAX]


def current_group(student: Student) -> MentorGroup | None:
    """The group of the student's latest school year: where the log's notes are kept."""
    return db.session.scalar(
        select(MentorGroup)
        .join(GroupMembership, GroupMembership.group_id == MentorGroup.id)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(GroupMembership.student_id == student.id)
        .order_by(SchoolYear.start_date.desc())
        .limit(1)
    )


def log_students(group: MentorGroup) -> list[Student]:
    """The students whose current group this is, in name order: whose notes the group's
    log holds, and whom a new note can be about."""
    return list(
        db.session.scalars(
            select(Student)
            .where(Student.id.in_(current_member_ids(select(literal(group.id)))))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    )


def add_note(student: Student, author: User, **values) -> ContactNote:
    note = ContactNote(student_id=student.id, author_id=author.id, **values)
    db.session.add(note)
    db.session.flush()
    audit.record("contact_note.added", note, {"student_id": student.id}, actor=author)
    return note


def mark_followed_up(note: ContactNote) -> None:
    """The note's agreed follow-up is done: audited and committed."""
    note.follow_up_done = True
    audit.record("contact_note.followed_up", note, {})
    db.session.commit()


def notes_for_student(student: Student) -> list[ContactNote]:
    return list(
        db.session.scalars(
            select(ContactNote)
            .where(ContactNote.student_id == student.id)
            .options(joinedload(ContactNote.author))
            .order_by(ContactNote.occurred_on.desc(), ContactNote.id.desc())
        )
    )


def notes_for_group(group: MentorGroup) -> list[ContactNote]:
    """The notes of the students whose current group this is (notes follow the student:
    an earlier year's group shows none of its former students' notes). Open follow-ups
    first (soonest first), then the rest, newest first."""
    notes = db.session.scalars(
        select(ContactNote)
        .where(ContactNote.student_id.in_(current_member_ids(select(literal(group.id)))))
        .options(joinedload(ContactNote.author), joinedload(ContactNote.student))
    ).all()
    open_ = sorted(
        (n for n in notes if n.follow_up_on and not n.follow_up_done), key=lambda n: n.follow_up_on
    )
    rest = sorted(
        (n for n in notes if n not in open_), key=lambda n: (n.occurred_on, n.id), reverse=True
    )
    return open_ + rest
