"""The contact log: the mentor's notes of contacts with home."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import selectinload

from app import audit
from app.access import current_member_ids
from app.contacts.models import ContactNote
from app.extensions import db
from app.people.models import Student, User
from app.school.models import MentorGroup


def add_note(student: Student, author: User, **values) -> ContactNote:
    note = ContactNote(student_id=student.id, author_id=author.id, **values)
    db.session.add(note)
    db.session.flush()
    audit.record("contact_note.added", note, {"student_id": student.id}, actor=author)
    return note


def notes_for_student(student: Student) -> list[ContactNote]:
    return list(
        db.session.scalars(
            select(ContactNote)
            .where(ContactNote.student_id == student.id)
            .options(selectinload(ContactNote.author))
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
        .options(selectinload(ContactNote.author), selectinload(ContactNote.student))
    ).all()
    open_ = sorted(
        (n for n in notes if n.follow_up_on and not n.follow_up_done), key=lambda n: n.follow_up_on
    )
    rest = sorted(
        (n for n in notes if n not in open_), key=lambda n: (n.occurred_on, n.id), reverse=True
    )
    return open_ + rest
