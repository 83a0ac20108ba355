"""Teachers in the people/groups import (app/admin/importer.py): a file whose columns
include teacher_email is a file of teachers, one row per teacher, group and subject:

    teacher_email;teacher_name;group;subject
    maja.berg@skola.se;Maja Berg;7A;MA

A teacher is recognised by e-mail address; an unknown one becomes a new account (invited
from the staff page like other staff), and a known one without the teacher role at the
school gets it. The group is a mentor group of the chosen school year; the subject a code
of app/teaching/subjects.py. Like the rest of the import it never deletes: assignments
missing from the file stay.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from app.admin.csvfile import Sheet
from app.extensions import db
from app.people.models import Staff, User
from app.school.models import MentorGroup, School, SchoolYear
from app.teaching.models import TeachingAssignment
from app.teaching.subjects import is_subject


def is_teacher_sheet(sheet: Sheet) -> bool:
    return "teacher_email" in sheet.columns


def plan_teaching(result, school: School, year: SchoolYear, sheets: list[Sheet]) -> None:
    """Add the teachers' rows to the import's plan (new accounts, roles, assignments)
    and their errors; writes nothing."""
    from app.admin.importer import RowError

    rows = []
    for sheet in sheets:
        for line, row in sheet.rows:
            before = len(result.errors)

            def error(column: str, code: str, value: str = "", sheet=sheet, line=line) -> None:
                result.errors.append(RowError(sheet.name, line, column, code, value))

            email = row.get("teacher_email", "")
            if not email:
                error("teacher_email", "teacher_email", row.get("teacher_name", ""))
            else:
                try:
                    email = validate_email(email, check_deliverability=False).normalized.lower()
                except EmailNotValidError:
                    error("teacher_email", "email", email)
            subject = row.get("subject", "").upper()
            if not is_subject(subject):
                error("subject", "subject", row.get("subject", ""))
            group_name = row.get("group", "")
            if not group_name:
                error("group", "teacher_group")
            if len(result.errors) == before:
                rows.append(
                    (sheet.name, line, email, row.get("teacher_name", ""), group_name, subject)
                )
    if not rows:
        return
    groups = {
        g.name.casefold(): g
        for g in db.session.scalars(
            select(MentorGroup).where(MentorGroup.school_year_id == year.id)
        )
    }
    emails = sorted({r[2] for r in rows})
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    teachers_here = set(
        db.session.scalars(
            select(Staff.user_id).where(Staff.school_id == school.id, Staff.role == "teacher")
        )
    )
    existing = {
        tuple(row)
        for row in db.session.execute(
            select(
                TeachingAssignment.group_id,
                TeachingAssignment.subject,
                TeachingAssignment.teacher_id,
            ).where(TeachingAssignment.group_id.in_([g.id for g in groups.values()]))
        )
    }
    named = {r[2]: r[3] for r in rows if r[3]}
    new_users: set[str] = set()
    new_roles: set[int] = set()
    planned: set[tuple] = set()
    for sheet_name, line, email, _name, group_name, subject in rows:
        group = groups.get(group_name.casefold())
        user = users.get(email)
        if group is None:
            result.errors.append(RowError(sheet_name, line, "group", "group", group_name))
            continue
        if user is None and not named.get(email):
            result.errors.append(RowError(sheet_name, line, "teacher_name", "teacher_name", email))
            continue
        if user is None:
            ref: int | str = f"new:{email}"
            if email not in new_users:
                new_users.add(email)
                result.teachers_new.append({"email": email, "name": named[email]})
        else:
            ref = user.id
            if user.id not in teachers_here and user.id not in new_roles:
                new_roles.add(user.id)
                result.teacher_roles_new.append(
                    {"user": user.id, "email": email, "name": user.name}
                )
        key = (group.id, subject, ref)
        if key in planned or (isinstance(ref, int) and key in existing):
            continue
        planned.add(key)
        result.assignments_new.append(
            {
                "teacher": ref,
                "email": email,
                "group_id": group.id,
                "group": group.name,
                "subject": subject,
            }
        )


def apply_teaching(plan, school: School, actor: User) -> None:
    """Write the teachers' part of the plan in the import's transaction."""
    new_users = {}
    for entry in plan.teachers_new:
        new_users[f"new:{entry['email']}"] = User(email=entry["email"], name=entry["name"])
    db.session.add_all(new_users.values())
    db.session.flush()
    for user in new_users.values():
        db.session.add(Staff(user_id=user.id, school_id=school.id, role="teacher"))
    for entry in plan.teacher_roles_new:
        db.session.add(Staff(user_id=entry["user"], school_id=school.id, role="teacher"))
    for entry in plan.assignments_new:
        ref = entry["teacher"]
        teacher_id = new_users[ref].id if isinstance(ref, str) else ref
        db.session.add(
            TeachingAssignment(
                group_id=entry["group_id"],
                subject=entry["subject"],
                teacher_id=teacher_id,
                created_by_id=actor.id,
            )
        )
