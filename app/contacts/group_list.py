"""The mentor's list of a group's guardians, and its CSV and vCard exports.

A student with protected identity: no address of their guardians is ever listed or
exported, and staff see a marker that the details are protected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import vobject
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit, languages
from app.contacts.details import display_phone
from app.contacts.models import ContactDetails
from app.exports import csv_bytes, neutralise, neutralise_phone
from app.extensions import db
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, MentorGroup


@dataclass
class GuardianRow:
    guardian: User
    details: ContactDetails | None
    protected: bool

    @property
    def reachable(self) -> bool:
        d = self.details
        return bool(self.guardian.email or (d and (d.mobile or d.other_phone)))

    @property
    def address(self) -> str:
        """Empty for a protected student's guardians, always."""
        d = self.details
        if self.protected or d is None or not d.street:
            return ""
        return ", ".join(
            x for x in (d.street, f"{d.postal_code or ''} {d.town or ''}".strip()) if x
        )


@dataclass
class StudentRow:
    student: Student
    guardians: list[GuardianRow]

    @property
    def unreachable(self) -> bool:
        return not any(g.reachable for g in self.guardians)

    def confirmed_since(self, since: date) -> bool:
        return all(
            g.details and g.details.confirmed_at and g.details.confirmed_at.date() >= since
            for g in self.guardians
        )


def group_rows(group: MentorGroup) -> list[StudentRow]:
    """Students with their guardians and details: three queries for any group size."""
    students = db.session.scalars(
        select(Student)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(GroupMembership.group_id == group.id)
        .options(selectinload(Student.guardianships).selectinload(Guardianship.guardian))
        .order_by(Student.last_name, Student.first_name)
    ).all()
    ids = {g.guardian_id for s in students for g in s.guardianships}
    details = {
        d.user_id: d
        for d in db.session.scalars(select(ContactDetails).where(ContactDetails.user_id.in_(ids)))
    }
    return [
        StudentRow(
            s,
            [
                GuardianRow(g.guardian, details.get(g.guardian_id), s.protected_identity)
                for g in s.guardianships
            ],
        )
        for s in students
    ]


CSV_HEADER = (
    "Elev", "Vårdnadshavare", "Mobil", "Telefon", "E-post", "Adress", "Postnummer", "Ort",
    "Språk", "Tolk", "Bekräftad",
)  # fmt: skip


def as_csv(rows: list[StudentRow]) -> bytes:
    """UTF-8 with BOM and semicolons: Excel opens it with å, ä, ö intact. Cells that
    start like a formula are neutralised (app.exports)."""
    lines = []
    for row in rows:
        for g in row.guardians:
            d = g.details
            hide = g.protected or d is None
            lines.append(
                (
                    row.student.name,
                    g.guardian.name,
                    display_phone(d.mobile) if d else "",
                    display_phone(d.other_phone) if d else "",
                    g.guardian.email,
                    "" if hide else d.street or "",
                    "" if hide else d.postal_code or "",
                    "" if hide else d.town or "",
                    languages.name(d.language, "sv") if d else "",
                    "ja" if d and d.needs_interpreter else "",
                    d.confirmed_at.date().isoformat() if d and d.confirmed_at else "",
                )
            )
    return csv_bytes(CSV_HEADER, lines)


def as_vcards(rows: list[StudentRow]) -> bytes:
    """One vCard per guardian; text values are neutralised like CSV cells (app.exports),
    since address books export them to spreadsheets; phone numbers stay dialable."""
    cards = []
    for row in rows:
        for g in row.guardians:
            card = vobject.vCard()
            name = neutralise(g.guardian.name)
            card.add("fn").value = name
            parts = g.guardian.name.rsplit(" ", 1)
            card.add("n").value = vobject.vcard.Name(
                family=neutralise(parts[-1]), given=neutralise(parts[0]) if len(parts) > 1 else ""
            )
            card.add("email").value = neutralise(g.guardian.email)
            d = g.details
            for number, kind in ((d and d.mobile, "CELL"), (d and d.other_phone, "VOICE")):
                if number:
                    tel = card.add("tel")
                    tel.value = neutralise_phone(number)
                    tel.type_param = kind
            if d and d.street and not g.protected:
                card.add("adr").value = vobject.vcard.Address(
                    street=neutralise(d.street),
                    code=neutralise(d.postal_code or ""),
                    city=neutralise(d.town or ""),
                    country="Sverige",
                )
            card.add("note").value = neutralise(f"Vårdnadshavare till {row.student.name}")
            cards.append(card.serialize())
    return "".join(cards).encode("utf-8")


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str


def export(group: MentorGroup, kind: str) -> Export:
    """The group's contact list as a file, "csv" or "vcf" (a vCard per guardian); the
    export is audited and committed (a list of personal details left the app)."""
    rows = group_rows(group)
    # The file is made before the commit, which expires what was loaded (every row again).
    if kind == "csv":
        body, mimetype = as_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = as_vcards(rows), "text/vcard; charset=utf-8"
    filename = f"kontakter-{group.name}.{kind}"
    audit.record("contacts.exported", group, {"format": kind, "students": len(rows)})
    db.session.commit()
    return Export(body, mimetype, filename)
