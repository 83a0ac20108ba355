"""Import of students, guardians and group membership from CSV.

`plan()` is the dry run: it reads the files, checks every row against the database and
returns what would be created, updated and left alone, with every row's errors. Nothing
is written. `apply()` writes a plan without errors in the caller's transaction.

Matching: a student by personnummer where the row has one, else by the external id of
the school's student information system; a guardian by e-mail address. An import never
deletes: students, guardians and links missing from a file are left as they are. A phone
number a guardian has confirmed themselves is not overwritten by the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.admin.csvfile import MAX_GUARDIANS, Sheet, read_sheet
from app.contacts.details import normalise_phone
from app.contacts.models import ContactDetails
from app.db_types import utcnow
from app.extensions import db
from app.people.identity import normalise_personnummer
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, GroupTransfer, School, SchoolYear

# Flags as people and systems write them; SS 12000's securityMarking values included.
YES = {
    "1",
    "ja",
    "j",
    "yes",
    "y",
    "true",
    "sant",
    "x",
    "sekretessmarkering",
    "skyddad folkbokföring",
}
NO = {"", "0", "nej", "n", "no", "false", "falskt", "ingen"}

MESSAGES = {
    "no_key": _l("A personnummer or an external id is needed to recognise the student."),
    "personnummer": _l("Not a valid personnummer."),
    "other_school": _l("This personnummer belongs to a student of another school."),
    "key_conflict": _l("The personnummer and the external id belong to different students."),
    "names": _l("A new student needs a first and a last name."),
    "group": _l("There is no group with this name in the school year."),
    "flag": _l("Write ja or nej."),
    "email": _l("Not a valid e-mail address."),
    "guardian_email": _l("A guardian needs an e-mail address."),
    "guardian_name": _l("A new guardian needs a name."),
    "phone": _l("Not a valid phone number."),
    "conflict": _l("Differs from line %(line)s for the same student."),
    # teaching (app/teaching/importing.py)
    "teacher_email": _l("A teacher needs an e-mail address."),
    "teacher_name": _l("A new teacher needs a name."),
    "subject": _l("Not a subject code of the list (like MA, SV, EN)."),
    "teacher_group": _l("A teacher's row needs a group."),
}
SHEET_ERRORS = {
    "empty": _l("The file is empty."),
    "no_key": _l(
        "The file has no personnummer or external id column, so students cannot be recognised."
    ),
}


@dataclass
class RowError:
    sheet: str
    line: int
    column: str
    code: str
    value: str = ""
    other_line: int | None = None

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % {"line": self.other_line}


@dataclass
class GuardianRow:
    email: str
    name: str
    phone: str | None
    shares_household: bool | None


@dataclass
class StudentRow:
    """Everything the files say about one student, merged over their rows."""

    line: int
    sheet: str
    personnummer: str | None = None
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    protected_identity: bool | None = None
    group: str | None = None
    guardians: dict[str, GuardianRow] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)  # field → line that set it

    @property
    def key(self) -> tuple[str, str]:
        if self.personnummer:
            return ("pnr", self.personnummer)
        return ("ext", self.external_id or "")

    @property
    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.personnummer or self.external_id or ""


@dataclass
class Plan:
    """What an import would do. Each list holds short readable entries for the preview."""

    school_id: int
    school_year_id: int
    students_new: list[dict[str, Any]] = field(default_factory=list)
    students_changed: list[dict[str, Any]] = field(default_factory=list)
    students_unchanged: int = 0
    placements: list[dict[str, Any]] = field(default_factory=list)
    guardians_new: list[dict[str, Any]] = field(default_factory=list)
    guardians_changed: list[dict[str, Any]] = field(default_factory=list)
    links_new: list[dict[str, Any]] = field(default_factory=list)
    links_changed: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    sheet_errors: list[tuple[str, str]] = field(default_factory=list)
    ignored_headers: list[tuple[str, list[str]]] = field(default_factory=list)
    row_count: int = 0
    # teaching (app/teaching/importing.py): new teacher accounts, teacher roles at the
    # school, and who teaches which group in which subject.
    teachers_new: list[dict[str, Any]] = field(default_factory=list)
    teacher_roles_new: list[dict[str, Any]] = field(default_factory=list)
    assignments_new: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.sheet_errors and self.row_count > 0

    @property
    def changes(self) -> int:
        return sum(
            len(x)
            for x in (
                self.students_new,
                self.students_changed,
                self.placements,
                self.guardians_new,
                self.guardians_changed,
                self.links_new,
                self.links_changed,
                self.phones,
                self.teachers_new,
                self.teacher_roles_new,
                self.assignments_new,
            )
        )

    def operations(self) -> dict[str, Any]:
        return {
            "students_new": self.students_new,
            "students_changed": self.students_changed,
            "placements": self.placements,
            "guardians_new": self.guardians_new,
            "guardians_changed": self.guardians_changed,
            "links_new": self.links_new,
            "links_changed": self.links_changed,
            "phones": self.phones,
            "teachers_new": self.teachers_new,
            "teacher_roles_new": self.teacher_roles_new,
            "assignments_new": self.assignments_new,
        }

    def digest(self) -> str:
        """Fingerprint of the operations: confirming applies only what was previewed."""
        canonical = json.dumps(self.operations(), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "students_new": len(self.students_new),
            "students_changed": len(self.students_changed),
            "students_unchanged": self.students_unchanged,
            "placements": len(self.placements),
            "guardians_new": len(self.guardians_new),
            "guardians_changed": len(self.guardians_changed),
            "links_new": len(self.links_new),
            "links_changed": len(self.links_changed),
            "phones": len(self.phones),
            "teachers_new": len(self.teachers_new),
            "teacher_roles_new": len(self.teacher_roles_new),
            "assignments_new": len(self.assignments_new),
        }


# --- reading rows -------------------------------------------------------------------------


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(value)


def _merge(student: StudentRow, name: str, value: Any, line: int, errors: list[RowError]):
    """Set a field once; a second row saying otherwise about the same student is an error."""
    if value is None or value == "":
        return
    current = getattr(student, name)
    if current is None or current == "":
        setattr(student, name, value)
        student.sources[name] = line
    elif current != value:
        errors.append(
            RowError(student.sheet, line, name, "conflict", str(value), student.sources.get(name))
        )


def _read_guardians(sheet: str, line: int, row: dict[str, str], errors: list[RowError]):
    guardians = []
    for n in range(1, MAX_GUARDIANS + 1):
        prefix = f"guardian{n}_"
        email = row.get(prefix + "email", "")
        name = row.get(prefix + "name", "")
        phone = row.get(prefix + "phone", "")
        household = row.get(prefix + "shares_household", "")
        if not (email or name or phone):
            continue
        ok = True
        if not email:
            errors.append(RowError(sheet, line, prefix + "email", "guardian_email", name))
            continue
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.append(RowError(sheet, line, prefix + "email", "email", email))
            ok = False
        normalised_phone = None
        if phone:
            try:
                normalised_phone = normalise_phone(phone)
            except ValueError:
                errors.append(RowError(sheet, line, prefix + "phone", "phone", phone))
                ok = False
        try:
            shares = _flag(household) if household else None
        except ValueError:
            errors.append(RowError(sheet, line, prefix + "shares_household", "flag", household))
            ok = False
        if ok:
            guardians.append(GuardianRow(email, name, normalised_phone, shares))
    return guardians


def read_students(sheets: Iterable[Sheet], errors: list[RowError]) -> list[StudentRow]:
    """Rows merged per student (a file per kind repeats a student on several rows)."""
    merged: dict[tuple[str, str], StudentRow] = {}
    by_external: dict[str, StudentRow] = {}
    for sheet in sheets:
        for line, row in sheet.rows:
            before = len(errors)
            pnr = row.get("personnummer", "")
            external_id = row.get("external_id", "") or None
            if pnr:
                try:
                    pnr = normalise_personnummer(pnr)
                except ValueError:
                    errors.append(RowError(sheet.name, line, "personnummer", "personnummer", pnr))
            elif not external_id:
                errors.append(RowError(sheet.name, line, "personnummer", "no_key"))
            try:
                protected = (
                    _flag(row["protected_identity"]) if row.get("protected_identity") else None
                )
            except ValueError:
                errors.append(
                    RowError(
                        sheet.name, line, "protected_identity", "flag", row["protected_identity"]
                    )
                )
                protected = None
            guardians = _read_guardians(sheet.name, line, row, errors)
            if len(errors) > before:
                continue  # every fault of the row is reported; none of it is used
            # One student may be named by personnummer in one file and external id in another.
            student = merged.get(("pnr", pnr)) if pnr else None
            if student is None and external_id:
                student = by_external.get(external_id)
            if student is None:
                student = StudentRow(line=line, sheet=sheet.name)
            _merge(student, "personnummer", pnr or None, line, errors)
            _merge(student, "external_id", external_id, line, errors)
            _merge(student, "first_name", row.get("first_name"), line, errors)
            _merge(student, "last_name", row.get("last_name"), line, errors)
            _merge(student, "protected_identity", protected, line, errors)
            _merge(student, "group", row.get("group"), line, errors)
            for guardian in guardians:
                known = student.guardians.get(guardian.email)
                if known is None:
                    student.guardians[guardian.email] = guardian
                else:
                    known.name = known.name or guardian.name
                    known.phone = known.phone or guardian.phone
                    if known.shares_household is None:
                        known.shares_household = guardian.shares_household
            if student.key not in merged:
                merged[student.key] = student
                if student.external_id:
                    by_external[student.external_id] = student
    return list(merged.values())


# --- planning -------------------------------------------------------------------------------


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _users_by_email(emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(emails)):
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[user.email] = user
    return found


def _other_school_numbers(school: School, numbers: set[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(sorted(numbers)):
        taken.update(
            db.session.scalars(
                select(Student.personnummer).where(
                    Student.personnummer.in_(chunk), Student.school_id != school.id
                )
            )
        )
    return taken


def plan(school: School, year: SchoolYear, files: list[dict[str, str]]) -> Plan:
    """The dry run over the files ([{"name", "text"}]); writes nothing."""
    result = Plan(school_id=school.id, school_year_id=year.id)
    sheets = [read_sheet(f["name"], f["text"]) for f in files]
    for sheet in sheets:
        if sheet.error:
            result.sheet_errors.append((sheet.name, str(SHEET_ERRORS[sheet.error])))
        if sheet.ignored_headers:
            result.ignored_headers.append((sheet.name, sheet.ignored_headers))
        result.row_count += len(sheet.rows)
    # Files that name students come first, so a guardians file may refer to them.
    sheets.sort(key=lambda s: "first_name" not in s.columns)
    # teaching: files of teachers are planned by app/teaching/importing.py.
    from app.teaching.importing import is_teacher_sheet, plan_teaching

    teacher_sheets = [s for s in sheets if not s.error and is_teacher_sheet(s)]
    plan_teaching(result, school, year, teacher_sheets)
    sheets = [s for s in sheets if s not in teacher_sheets]
    rows = read_students([s for s in sheets if not s.error], result.errors)

    existing = db.session.scalars(select(Student).where(Student.school_id == school.id)).all()
    by_pnr = {s.personnummer: s for s in existing if s.personnummer}
    by_ext = {s.external_id: s for s in existing if s.external_id}
    elsewhere = _other_school_numbers(school, {r.personnummer for r in rows if r.personnummer})
    groups = {g.name.casefold(): g for g in year.groups}
    memberships = {
        m.student_id: m
        for m in db.session.scalars(
            select(GroupMembership).where(GroupMembership.school_year_id == year.id)
        )
    }
    users = _users_by_email({e for r in rows for e in r.guardians})
    links = {
        (g.guardian_id, g.student_id): g
        for g in db.session.scalars(
            select(Guardianship).where(
                Guardianship.student_id.in_(
                    select(Student.id).where(Student.school_id == school.id)
                )
            )
        )
    }
    details = {
        d.user_id: d
        for chunk in _chunks([u.id for u in users.values()])
        for d in db.session.scalars(select(ContactDetails).where(ContactDetails.user_id.in_(chunk)))
    }
    group_names = {g.id: g.name for g in year.groups}
    new_guardians: dict[str, dict[str, Any]] = {}
    seen_users: set[int] = set()
    # A guardian of siblings may be named on one of their rows only.
    named = {e: g.name for r in rows for e, g in r.guardians.items() if g.name}

    for row in rows:
        errors_before = len(result.errors)

        def error(column: str, code: str, value: str = "", row=row) -> None:
            result.errors.append(RowError(row.sheet, row.line, column, code, value))

        if row.personnummer and row.personnummer in elsewhere:
            error("personnummer", "other_school", row.personnummer)
            continue
        student = by_pnr.get(row.personnummer) if row.personnummer else None
        by_id = by_ext.get(row.external_id) if row.external_id else None
        if student is None:
            student = by_id
            if student is not None and student.personnummer and row.personnummer:
                error("personnummer", "key_conflict", row.personnummer)
                continue
        elif by_id is not None and by_id is not student:
            error("external_id", "key_conflict", row.external_id or "")
            continue
        group = None
        if row.group:
            group = groups.get(row.group.casefold())
            if group is None:
                error("group", "group", row.group)
        if student is None and not (row.first_name and row.last_name):
            error("first_name", "names", row.label)
        for guardian in row.guardians.values():
            guardian.name = guardian.name or named.get(guardian.email, "")
            if guardian.email not in users and not guardian.name:
                error("guardian1_name", "guardian_name", guardian.email)
        if len(result.errors) > errors_before:
            continue

        changes_before = result.changes
        key = row.personnummer or row.external_id
        if student is None:
            result.students_new.append(
                {
                    "key": key,
                    "personnummer": row.personnummer,
                    "external_id": row.external_id,
                    "first_name": row.first_name,
                    "last_name": row.last_name,
                    "protected_identity": bool(row.protected_identity),
                    "line": row.line,
                }
            )
            student_ref: int | str = f"new:{key}"
            current_group_id = None
        else:
            changes = {}
            for name in ("first_name", "last_name", "protected_identity", "external_id"):
                value = getattr(row, name)
                if name == "external_id" and row.personnummer is None:
                    continue  # the external id is what found the student
                if value is not None and value != getattr(student, name):
                    changes[name] = [getattr(student, name), value]
            if row.personnummer and student.personnummer is None:
                changes["personnummer"] = [None, row.personnummer]
            if changes:
                result.students_changed.append(
                    {"id": student.id, "name": student.name, "changes": changes, "line": row.line}
                )
            student_ref = student.id
            membership = memberships.get(student.id)
            current_group_id = membership.group_id if membership else None
        if group is not None and group.id != current_group_id:
            result.placements.append(
                {
                    "student": student_ref,
                    "name": row.label if student is None else student.name,
                    "from_group_id": current_group_id,
                    "from": group_names.get(current_group_id),
                    "to_group_id": group.id,
                    "to": group.name,
                }
            )

        for guardian in row.guardians.values():
            user = users.get(guardian.email)
            if user is None:
                if guardian.email not in new_guardians:
                    new_guardians[guardian.email] = {
                        "email": guardian.email,
                        "name": guardian.name,
                        "phone": guardian.phone,
                    }
                    result.guardians_new.append(new_guardians[guardian.email])
                guardian_ref: int | str = f"new:{guardian.email}"
                link = None
            else:
                guardian_ref = user.id
                first_mention = user.id not in seen_users
                seen_users.add(user.id)
                if first_mention and guardian.name and guardian.name != user.name:
                    result.guardians_changed.append(
                        {
                            "id": user.id,
                            "email": user.email,
                            "changes": {"name": [user.name, guardian.name]},
                        }
                    )
                contact = details.get(user.id)
                if (
                    first_mention
                    and guardian.phone
                    and (contact is None or contact.confirmed_at is None)
                    and (contact is None or contact.mobile != guardian.phone)
                ):
                    result.phones.append(
                        {
                            "user": user.id,
                            "email": user.email,
                            "old": contact.mobile if contact else None,
                            "new": guardian.phone,
                        }
                    )
                link = links.get((user.id, student.id)) if student is not None else None
            shares = guardian.shares_household
            if link is None:
                result.links_new.append(
                    {
                        "guardian": guardian_ref,
                        "student": student_ref,
                        "email": guardian.email,
                        "name": row.label if student is None else student.name,
                        "shares_household": True if shares is None else shares,
                    }
                )
            elif shares is not None and shares != link.shares_household:
                result.links_changed.append(
                    {
                        "id": link.id,
                        "email": guardian.email,
                        "name": student.name,
                        "shares_household": [link.shares_household, shares],
                    }
                )
        if student is not None and result.changes == changes_before:
            result.students_unchanged += 1
    return result


# --- applying -------------------------------------------------------------------------------


def apply(plan_: Plan, school: School, year: SchoolYear, actor: User) -> dict[str, int]:
    """Write the plan in the current transaction (the caller commits or rolls back)."""
    if not plan_.ok:
        raise ValueError("a plan with errors cannot be applied")
    now = utcnow()
    new_students: dict[str, Student] = {}
    for entry in plan_.students_new:
        student = Student(
            school_id=school.id,
            first_name=entry["first_name"],
            last_name=entry["last_name"],
            personnummer=entry["personnummer"],
            external_id=entry["external_id"],
            protected_identity=entry["protected_identity"],
        )
        new_students[f"new:{entry['key']}"] = student
    db.session.add_all(new_students.values())

    new_users: dict[str, User] = {}
    for entry in plan_.guardians_new:
        new_users[f"new:{entry['email']}"] = User(email=entry["email"], name=entry["name"])
    db.session.add_all(new_users.values())
    db.session.flush()

    existing = {
        s.id: s
        for chunk in _chunks([e["id"] for e in plan_.students_changed])
        for s in db.session.scalars(select(Student).where(Student.id.in_(chunk)))
    }
    for entry in plan_.students_changed:
        student = existing[entry["id"]]
        for name, (_old, new) in entry["changes"].items():
            setattr(student, name, new)

    def student_id(ref: int | str) -> int:
        return new_students[ref].id if isinstance(ref, str) else ref

    def guardian_id(ref: int | str) -> int:
        return new_users[ref].id if isinstance(ref, str) else ref

    memberships = {
        m.student_id: m
        for m in db.session.scalars(
            select(GroupMembership).where(GroupMembership.school_year_id == year.id)
        )
    }
    for entry in plan_.placements:
        sid = student_id(entry["student"])
        membership = memberships.get(sid)
        if membership is None:
            db.session.add(
                GroupMembership(
                    group_id=entry["to_group_id"], school_year_id=year.id, student_id=sid
                )
            )
        else:
            membership.group_id = entry["to_group_id"]
        db.session.add(
            GroupTransfer(
                student_id=sid,
                school_year_id=year.id,
                from_group_id=entry["from_group_id"],
                to_group_id=entry["to_group_id"],
                moved_at=now,
                moved_by_id=actor.id,
            )
        )
    # Handover: the mentors the students leave write one each (app/teaching/handover.py).
    from app.teaching.handover import due_after_placements

    due_after_placements(
        year,
        [
            (student_id(e["student"]), e["from_group_id"], e["to_group_id"])
            for e in plan_.placements
        ],
        now,
    )

    changed_users = {
        u.id: u
        for chunk in _chunks([e["id"] for e in plan_.guardians_changed])
        for u in db.session.scalars(select(User).where(User.id.in_(chunk)))
    }
    for entry in plan_.guardians_changed:
        changed_users[entry["id"]].name = entry["changes"]["name"][1]

    for entry in plan_.links_new:
        db.session.add(
            Guardianship(
                guardian_id=guardian_id(entry["guardian"]),
                student_id=student_id(entry["student"]),
                shares_household=entry["shares_household"],
            )
        )
    for entry in plan_.links_changed:
        db.session.get(Guardianship, entry["id"]).shares_household = entry["shares_household"][1]

    phones = [
        (new_users[f"new:{e['email']}"].id, e["phone"]) for e in plan_.guardians_new if e["phone"]
    ]
    phones += [(e["user"], e["new"]) for e in plan_.phones]
    details = {
        d.user_id: d
        for chunk in _chunks([uid for uid, _ in phones])
        for d in db.session.scalars(select(ContactDetails).where(ContactDetails.user_id.in_(chunk)))
    }
    for uid, phone in phones:
        contact = details.get(uid)
        if contact is None:
            db.session.add(ContactDetails(user_id=uid, mobile=phone, updated_at=now))
        else:
            contact.mobile, contact.updated_at = phone, now

    from app.teaching.importing import apply_teaching

    apply_teaching(plan_, school, actor)

    summary = plan_.summary()
    audit.record(
        "import.applied",
        school,
        {
            "school_year": year.name,
            **summary,
            "students_changed": [
                {"id": e["id"], "changes": e["changes"]} for e in plan_.students_changed
            ],
        },
        actor=actor,
    )
    db.session.flush()
    return summary
