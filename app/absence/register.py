"""Absence from the school's register: a documented CSV file (or the same rows as JSON from
an integration), planned first and applied once.

Columns (the first row names them, in any order; Swedish names work too):
    personnummer or external_id   the student, as the people import recognises them
    date                          YYYY-MM-DD, a day of the school's years
    minutes                       minutes absent that day (1–1440)
    valid                         ja/nej (yes/no, 1/0): valid absence by the register
    reason_code                   the register's reason code (optional, up to 20 characters)

A row is one student, day and reason code (the unique key): importing the same file again
changes nothing, a changed number of minutes or validity updates the row. A row with an
error is listed with its line number; the rest is imported only when the admin confirms.

Absence that is invalid (not valid in the register, and neither reported sick nor on
approved leave) on a school day that is today is told to the student's guardians at once,
once, through the outbox, in each guardian's language, with a link to answer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, or_, select, update

from app import audit
from app.absence.models import AbsenceImport, AbsencePolicy, RegisterAbsence, SicknessReport
from app.admin.csvfile import normalise_header
from app.concurrency import insert_unless_exists
from app.db_types import utcnow
from app.extensions import db
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.identity import normalise_personnummer
from app.people.models import Student
from app.school.calendar import school_days, today
from app.school.models import School, SchoolYear

COLUMNS: dict[str, tuple[str, ...]] = {
    "personnummer": ("personnummer", "pnr", "civicno", "personal_number"),
    "external_id": ("external_id", "externt_id", "elev_id", "student_id", "person_id"),
    "date": ("date", "datum", "dag", "day"),
    "minutes": ("minutes", "minuter", "franvaro_minuter", "absence_minutes"),
    "valid": ("valid", "giltig", "giltig_franvaro"),
    "reason_code": ("reason_code", "orsak", "orsakskod", "reason"),
}
YES = {"ja", "j", "yes", "y", "1", "true", "sant"}
NO = {"nej", "n", "no", "0", "false", "falskt"}
MAX_ROWS = 50_000

ROW_ERRORS = {
    "no_key": _l("A personnummer or an external id is needed to recognise the student."),
    "unknown_student": _l("No student of the school has this personnummer or id."),
    "date": _l("Not a date of the school year (YYYY-MM-DD)."),
    "minutes": _l("Minutes must be a whole number from 1 to 1440."),
    "valid": _l("Write ja or nej."),
    "reason_code": _l("At most 20 characters."),
    "duplicate": _l("The same student, day and reason code as an earlier row."),
}
SHEET_ERRORS = {
    "empty": _l("The file is empty."),
    "columns": _l(
        "The file needs the columns date, minutes, valid and a personnummer or an external_id."
    ),
    "too_many": _l("The file has too many rows."),
}


@dataclass
class RowError:
    line: int
    column: str
    code: str
    value: str = ""

    @property
    def message(self) -> str:
        return str(ROW_ERRORS[self.code])


@dataclass
class Row:
    line: int
    student_id: int
    day: date
    minutes: int
    valid: bool
    reason_code: str
    state: str = "new"  # "new", "changed", "unchanged"


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    sheet_error: str | None = None

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def changes(self) -> int:
        return self.count("new") + self.count("changed")

    def digest(self) -> str:
        text = "|".join(
            f"{r.student_id},{r.day},{r.minutes},{r.valid},{r.reason_code},{r.state}"
            for r in self.rows
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def read_csv(text: str) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The rows as {column: value} with their line numbers, or a sheet error."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], "empty"
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    positions: dict[int, str] = {}
    for index, header in enumerate(next(reader)):
        key = normalise_header(header)
        for name, spellings in COLUMNS.items():
            if key in spellings and name not in positions.values():
                positions[index] = name
    names = set(positions.values())
    if not {"date", "minutes", "valid"} <= names or not names & {"personnummer", "external_id"}:
        return [], "columns"
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (
                reader.line_num,
                {c: values[i].strip() if i < len(values) else "" for i, c in positions.items()},
            )
        )
        if len(rows) > MAX_ROWS:
            return [], "too_many"
    return rows, None


def _years(school: School) -> list[SchoolYear]:
    return list(school.school_years)


def plan(school: School, rows: list[tuple[int, dict[str, str]]]) -> Plan:
    """What importing the rows would do: each row resolved to a student and compared with
    what the school has (three queries, whatever the number of rows)."""
    result = Plan()
    students = db.session.execute(
        select(Student.id, Student.personnummer, Student.external_id).where(
            Student.school_id == school.id
        )
    ).all()
    by_pnr = {p: i for i, p, _e in students if p}
    by_ext = {e: i for i, _p, e in students if e}
    years = _years(school)
    seen: set[tuple[int, date, str]] = set()
    for line, row in rows:
        student_id = None
        pnr, ext = row.get("personnummer", ""), row.get("external_id", "")
        if pnr:
            try:
                student_id = by_pnr.get(normalise_personnummer(pnr))
            except ValueError:
                student_id = None
        if student_id is None and ext:
            student_id = by_ext.get(ext)
        if not pnr and not ext:
            result.errors.append(RowError(line, "personnummer", "no_key"))
            continue
        if student_id is None:
            result.errors.append(RowError(line, "personnummer", "unknown_student", pnr or ext))
            continue
        try:
            day = date.fromisoformat(row.get("date", ""))
        except ValueError:
            day = None
        if day is None or not any(y.start_date <= day <= y.end_date for y in years):
            result.errors.append(RowError(line, "date", "date", row.get("date", "")))
            continue
        raw = row.get("minutes", "")
        if not raw.isdigit() or not 1 <= int(raw) <= 1440:
            result.errors.append(RowError(line, "minutes", "minutes", raw))
            continue
        flag = row.get("valid", "").strip().lower()
        if flag not in YES | NO:
            result.errors.append(RowError(line, "valid", "valid", row.get("valid", "")))
            continue
        code = row.get("reason_code", "")
        if len(code) > 20:
            result.errors.append(RowError(line, "reason_code", "reason_code", code[:20]))
            continue
        key = (student_id, day, code)
        if key in seen:
            result.errors.append(RowError(line, "date", "duplicate", str(day)))
            continue
        seen.add(key)
        result.rows.append(Row(line, student_id, day, int(raw), flag in YES, code))
    _compare(result)
    return result


def _compare(result: Plan) -> None:
    if not result.rows:
        return
    ids = {r.student_id for r in result.rows}
    first, last = min(r.day for r in result.rows), max(r.day for r in result.rows)
    existing = {
        (a.student_id, a.day, a.reason_code): (a.minutes, a.valid)
        for a in db.session.scalars(
            select(RegisterAbsence).where(
                RegisterAbsence.student_id.in_(ids),
                RegisterAbsence.day >= first,
                RegisterAbsence.day <= last,
            )
        )
    }
    for row in result.rows:
        before = existing.get((row.student_id, row.day, row.reason_code))
        if before is None:
            row.state = "new"
        elif before == (row.minutes, row.valid):
            row.state = "unchanged"
        else:
            row.state = "changed"


@dataclass
class Applied:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    notified: int = 0


def apply(school: School, result: Plan, actor=None, on: date | None = None) -> Applied:
    """Write the plan's good rows (not committed). A row another import wrote meanwhile is
    updated rather than duplicated (the unique key decides)."""
    done = Applied()
    now = utcnow()
    touched: list[tuple[int, date, str]] = []
    for row in result.rows:
        if row.state == "unchanged":
            done.unchanged += 1
            continue
        made = insert_unless_exists(
            RegisterAbsence,
            school_id=school.id,
            student_id=row.student_id,
            day=row.day,
            minutes=row.minutes,
            valid=row.valid,
            reason_code=row.reason_code,
            created_at=now,
            updated_at=now,
        )
        if made:
            done.new += 1
        else:
            changed = db.session.execute(
                update(RegisterAbsence)
                .where(
                    RegisterAbsence.student_id == row.student_id,
                    RegisterAbsence.day == row.day,
                    RegisterAbsence.reason_code == row.reason_code,
                    or_(RegisterAbsence.minutes != row.minutes, RegisterAbsence.valid != row.valid),
                )
                .values(minutes=row.minutes, valid=row.valid, updated_at=now)
            ).rowcount
            done.changed += changed
            done.unchanged += 1 - changed
        touched.append((row.student_id, row.day, row.reason_code))
    audit.record(
        "absence.imported",
        None,
        {"new": done.new, "changed": done.changed},
        actor=actor,
        school_id=school.id,
    )
    done.notified = notify_invalid_today(school, {t[0] for t in touched}, on)
    return done


def _explained(student_id_column, day_column):
    """Whether a counting sickness report or approved leave covers the day."""
    from app.absence.overview import counting_reports
    from app.leave.models import LeaveRequest

    return or_(
        exists().where(
            SicknessReport.student_id == student_id_column,
            SicknessReport.start_date <= day_column,
            SicknessReport.end_date >= day_column,
            counting_reports(),
        ),
        exists().where(
            LeaveRequest.student_id == student_id_column,
            LeaveRequest.status == "approved",
            LeaveRequest.start_date <= day_column,
            LeaveRequest.end_date >= day_column,
        ),
    )


def notify_invalid_today(school: School, student_ids: set[int], on: date | None = None) -> int:
    """Tell the guardians of invalid absence today (a school day), once per absence: the
    claim is a conditional UPDATE of notified_at, so two imports at once tell them once.
    `on` is today in the school's time zone unless given (tests)."""
    on = on or today(school.time_zone)
    year = next((y for y in school.school_years if y.start_date <= on <= y.end_date), None)
    if not student_ids or year is None or not school_days(on, on, year):
        return 0
    due = db.session.scalars(
        select(RegisterAbsence).where(
            RegisterAbsence.student_id.in_(student_ids),
            RegisterAbsence.day == on,
            RegisterAbsence.valid.is_(False),
            RegisterAbsence.notified_at.is_(None),
            ~_explained(RegisterAbsence.student_id, RegisterAbsence.day),
        )
    ).all()
    told = 0
    for absence in due:
        claimed = db.session.execute(
            update(RegisterAbsence)
            .where(RegisterAbsence.id == absence.id, RegisterAbsence.notified_at.is_(None))
            .values(notified_at=utcnow())
        ).rowcount
        if not claimed:
            continue
        for guardian in guardians_of(absence.student_id):
            queue_mail(
                guardian.email,
                "absence_invalid",
                locale=guardian.locale,
                absence=absence,
                student=absence.student,
                to_user=guardian,
            )
        told += 1
    return told


# --- the integration's API token -----------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(school: School, actor) -> str:
    """A new API token for the school's integration (the earlier one stops working); only
    its hash is kept, the token is shown once."""
    token = "abs_" + secrets.token_urlsafe(32)
    rules = db.session.get(AbsencePolicy, school.id)
    if rules is None:
        from app.absence.policy import defaults

        rules = defaults(school.id)
        db.session.add(rules)
    rules.api_token_hash = token_digest(token)
    rules.api_token_created_at = utcnow()
    audit.record("absence.api_token_created", None, {}, actor=actor, school_id=school.id)
    db.session.commit()
    return token


def school_for_token(school_id: int, token: str | None) -> School | None:
    if not token:
        return None
    found = db.session.scalar(
        select(AbsencePolicy).where(
            AbsencePolicy.school_id == school_id,
            AbsencePolicy.api_token_hash == token_digest(token),
        )
    )
    return db.session.get(School, school_id) if found is not None else None


def rows_from_json(data) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The JSON body {"rows": [{"personnummer"|"external_id", "date", "minutes", "valid",
    "reason_code"}]} as the CSV's rows, numbered from 1."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return [], "columns"
    if len(data["rows"]) > MAX_ROWS:
        return [], "too_many"
    rows = []
    for number, item in enumerate(data["rows"], start=1):
        if not isinstance(item, dict):
            item = {}
        row = {}
        for name in COLUMNS:
            value = item.get(name, "")
            if isinstance(value, bool):
                value = "ja" if value else "nej"
            row[name] = str(value).strip() if value is not None else ""
        rows.append((number, row))
    return rows, None


# --- an import from the admin's file: staged, previewed, confirmed once -------------------


def stage(school: School, actor, name: str, text: str) -> AbsenceImport:
    """Keep an uploaded file's text for its preview (committed; unconfirmed uploads are
    removed after a day by app/retention.py)."""
    batch = AbsenceImport(school_id=school.id, created_by_id=actor.id, name=name[:200], text=text)
    db.session.add(batch)
    db.session.commit()
    return batch


def recent_imports(school: School, limit: int = 10) -> list[AbsenceImport]:
    return db.session.scalars(
        select(AbsenceImport)
        .where(AbsenceImport.school_id == school.id, AbsenceImport.applied_at.is_not(None))
        .order_by(AbsenceImport.applied_at.desc())
        .limit(limit)
    ).all()


def plan_of(batch: AbsenceImport) -> Plan:
    rows, error = read_csv(batch.text)
    if error:
        return Plan(sheet_error=error)
    return plan(batch.school, rows)


@dataclass
class Confirmed:
    """ "imported" (with what was done), "already" (a second click: the first one did it)
    or "changed" (the file's plan is not the one the admin saw)."""

    result: str
    done: Applied | None = None


def confirm(batch: AbsenceImport, digest: str | None, actor) -> Confirmed:
    """Apply the staged file if its plan is still the one previewed (its digest), once:
    the conditional update of applied_at decides between two clicks at once."""
    if batch.applied_at is not None:
        return Confirmed("already")
    current = plan_of(batch)
    if current.digest() != digest:
        return Confirmed("changed")
    claimed = db.session.execute(
        update(AbsenceImport)
        .where(AbsenceImport.id == batch.id, AbsenceImport.applied_at.is_(None))
        .values(applied_at=utcnow())
    ).rowcount
    if not claimed:
        db.session.rollback()
        return Confirmed("already")
    done = apply(batch.school, current, actor)
    batch.new_rows, batch.changed_rows, batch.text = done.new, done.changed, ""
    db.session.commit()
    return Confirmed("imported", done)


def discard(batch: AbsenceImport) -> None:
    """Drop a staged file that was never confirmed (committed)."""
    db.session.execute(delete(AbsenceImport).where(AbsenceImport.id == batch.id))
    db.session.commit()


@dataclass
class Received:
    """The integration's answer: "imported" (with what was done), "bad" (the body is not
    the documented JSON: an error code) or "rows" (row errors; nothing was written)."""

    result: str
    done: Applied | None = None
    error: str | None = None
    errors: list[RowError] = field(default_factory=list)


def receive(school: School, data) -> Received:
    """Rows from the integration: all of them, or nothing when any row is bad (there is no
    one to confirm a partial import). Committed."""
    rows, error = rows_from_json(data)
    if error:
        return Received("bad", error=error)
    result = plan(school, rows)
    if result.errors:
        return Received("rows", errors=result.errors)
    done = apply(school, result)
    db.session.commit()
    return Received("imported", done)
