"""Teachers and concerns for the concern tests (issue 19): the demo has no teachers on
this branch, so the tests make them."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.people.models import Staff, User
from app.people.passwords import hash_password
from app.school.models import MentorGroup
from app.teaching import concerns
from app.teaching.models import TeachingAssignment

# Teachers by the role they play: (e-mail, name, group, subjects).
TEACHERS = {
    "teacher": ("larare@example.org", "Tove Lärare", "7A", ("MA", "FY")),
    "other_teacher": ("larare2@example.org", "Olle Engelska", "7A", ("EN",)),
    "teacher_8b": ("larare8b@example.org", "Stina Åttabe", "8B", ("MA",)),
    "former_teacher": ("larare-f@example.org", "Frida Före", "7A", ("MA",)),
}


def make_teacher(role: str) -> User:
    """A staff teacher of the school who teaches the role's group in its subjects; the
    former teacher's staff row is removed again (deactivated at the school)."""
    email, name, group_name, subjects = TEACHERS[role]
    found = db.session.scalar(select(User).where(User.email == email))
    if found is not None:
        return found
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == group_name))
    school_id = group.school_year.school_id
    teacher = User(email=email, name=name, password_hash=hash_password(DEMO_PASSWORD))
    db.session.add(teacher)
    db.session.flush()
    if role != "former_teacher":
        db.session.add(Staff(user_id=teacher.id, school_id=school_id, role="teacher"))
    for subject in subjects:
        db.session.add(
            TeachingAssignment(group_id=group.id, subject=subject, teacher_id=teacher.id)
        )
    db.session.commit()
    return teacher


def make_teachers() -> dict[str, User]:
    return {role: make_teacher(role) for role in TEACHERS}


def raise_one(teacher: User, student, subject: str = "MA", text: str = "Riskerar F i matte"):
    outcome = concerns.raise_concern(teacher, student, "grade_warning", subject, text)
    assert outcome.result == "raised", outcome
    return outcome.concern
