"""The mentor's follow-up: each student's absence this term, who is past the school's
thresholds (the watch list), contacts with home and referrals to the principal.

Loading is in a fixed number of queries whatever the size of the group or the number of
absence rows: the events of all the students come in one UNION ALL, and the figures are
counted in Python (app/absence/figures.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    Time,
    case,
    false,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)

from app import audit, submissions
from app.absence import figures, policy
from app.absence.models import AbsencePolicy, Referral, RegisterAbsence, SicknessReport
from app.absence.overview import counting_reports
from app.concurrency import insert_unless_exists, lock_row
from app.contacts.log import add_note
from app.contacts.models import ContactNote
from app.db_types import utcnow
from app.extensions import db
from app.leave.models import LeaveRequest
from app.people.models import Student, User
from app.school.calendar import school_days
from app.school.models import SchoolYear


@dataclass
class Event:
    """A row of the events query: a report, approved leave or a register row."""

    kind: str  # "sick", "answer" (not yet accepted), "leave", "register"
    student_id: int
    start: date
    end: date
    from_time: time | None = None
    minutes: int = 0
    valid: bool = True
    note: str = ""
    late: bool = False
    report_id: int | None = None


def events_for(student_ids, first: date, last: date) -> list[Event]:
    """Every report, approved leave and register row of the students that touches
    first–last: one query."""
    reports = select(
        SicknessReport.student_id.label("student_id"),
        case((counting_reports(), "sick"), else_="answer").label("kind"),
        SicknessReport.start_date.label("start"),
        SicknessReport.end_date.label("end"),
        SicknessReport.from_time.label("from_time"),
        literal(0).label("minutes"),
        literal(True, Boolean).label("valid"),
        SicknessReport.note.label("note"),
        SicknessReport.late.label("late"),
        SicknessReport.id.label("report_id"),
    ).where(
        SicknessReport.student_id.in_(student_ids),
        SicknessReport.cancelled_at.is_(None),
        SicknessReport.start_date <= last,
        SicknessReport.end_date >= first,
    )
    leave = select(
        LeaveRequest.student_id,
        literal("leave", String),
        LeaveRequest.start_date,
        LeaveRequest.end_date,
        null().cast(Time),
        literal(0),
        literal(True, Boolean),
        literal("", Text),
        false(),
        null().cast(Integer),
    ).where(
        LeaveRequest.student_id.in_(student_ids),
        LeaveRequest.status == "approved",
        LeaveRequest.start_date <= last,
        LeaveRequest.end_date >= first,
    )
    registered = select(
        RegisterAbsence.student_id,
        literal("register", String),
        RegisterAbsence.day,
        RegisterAbsence.day,
        null().cast(Time),
        RegisterAbsence.minutes,
        RegisterAbsence.valid,
        literal("", Text),
        false(),
        null().cast(Integer),
    ).where(
        RegisterAbsence.student_id.in_(student_ids),
        RegisterAbsence.day >= first,
        RegisterAbsence.day <= last,
    )
    rows = db.session.execute(union_all(reports, leave, registered)).all()
    return [Event(row[1], row[0], *row[2:]) for row in rows]


def _as_figures(events: list[Event], rules: AbsencePolicy):
    spans, registered = [], []
    for e in events:
        if e.kind == "sick":
            spans.append(
                figures.Span("sick", e.start, e.end, policy.part_of_day(rules, e.from_time))
            )
        elif e.kind == "leave":
            spans.append(figures.Span("leave", e.start, e.end))
        elif e.kind == "register":
            registered.append(figures.Registered(e.start, e.minutes, bool(e.valid)))
    return spans, registered


def year_context(year: SchoolYear, school_id: int, on: date):
    """The year's terms and days off (set on the year) and the school's absence rules, in
    one query; returns the term of `on` and the rules."""
    from sqlalchemy.orm.attributes import set_committed_value

    from app.school.models import DayOff, Term

    rows = db.session.execute(
        select(Term, DayOff, AbsencePolicy)
        .select_from(SchoolYear)
        .outerjoin(Term, Term.school_year_id == SchoolYear.id)
        .outerjoin(DayOff, DayOff.school_year_id == SchoolYear.id)
        .outerjoin(AbsencePolicy, AbsencePolicy.school_id == school_id)
        .where(SchoolYear.id == year.id)
    ).all()
    terms = {t.id: t for t, _d, _p in rows if t is not None}
    days_off = {d.id: d for _t, d, _p in rows if d is not None}
    set_committed_value(year, "terms", sorted(terms.values(), key=lambda t: t.start_date))
    set_committed_value(year, "days_off", list(days_off.values()))
    found = next((p for _t, _d, p in rows if p is not None), None)
    return policy.term_of(year, on), policy.with_defaults(found, school_id)


def term_days(year: SchoolYear, term, on: date) -> list[date]:
    """The term's school days up to and including `on`."""
    if term is None:
        return school_days(year.start_date, min(on, year.end_date), year)
    return school_days(term.start_date, min(on, term.end_date), year)


def summarise(events: list[Event], days: list[date], rules: AbsencePolicy) -> figures.Summary:
    spans, registered = _as_figures(events, rules)
    return figures.summarise(days, spans, registered, policy.day_minutes(rules))


def reports_in_window(events: list[Event], on: date) -> int:
    since = on - timedelta(days=policy.REPORT_WINDOW_DAYS - 1)
    return len({e.report_id for e in events if e.kind == "sick" and since <= e.start <= on})


def watch_reasons(summary: figures.Summary, reports: int, rules: AbsencePolicy) -> list[str]:
    """Why a student is on the watch list: "percent" (absence this term at or past the
    school's limit), "invalid" (any invalid absence, where the school counts it),
    "reports" (at least the limit of sickness reports in the last 30 days)."""
    reasons = []
    if summary.school_days and summary.percent() >= rules.percent_limit:
        reasons.append("percent")
    if rules.invalid_counts and summary.invalid_days:
        reasons.append("invalid")
    if reports >= rules.reports_limit:
        reasons.append("reports")
    return reasons


@dataclass
class WatchLine:
    student: Student
    summary: figures.Summary
    reasons: list[str]
    trend: str
    reports: int
    last_contact: date | None
    next_follow_up: date | None
    referral_id: int | None


@dataclass
class Watchlist:
    watched: list[WatchLine] = field(default_factory=list)
    others: list[WatchLine] = field(default_factory=list)
    answers: list[tuple[Event, Student]] = field(default_factory=list)
    school_days: int = 0


def _contact_columns():
    last = (
        select(func.max(ContactNote.occurred_on))
        .where(ContactNote.student_id == Student.id)
        .correlate(Student)
        .scalar_subquery()
    )
    upcoming = (
        select(func.min(ContactNote.follow_up_on))
        .where(
            ContactNote.student_id == Student.id,
            ContactNote.follow_up_on.is_not(None),
            ContactNote.follow_up_done.is_(False),
        )
        .correlate(Student)
        .scalar_subquery()
    )
    referral = (
        select(Referral.id)
        .where(Referral.open_student_id == Student.id)
        .correlate(Student)
        .scalar_subquery()
    )
    return last, upcoming, referral


def watchlist(group, year: SchoolYear, term, rules: AbsencePolicy, on: date) -> Watchlist:
    """The group's students with this term's absence, the watched first (two queries:
    the students with their contacts and referral, and the events)."""
    from app.school.models import GroupMembership

    members = select(GroupMembership.student_id).where(GroupMembership.group_id == group.id)
    rows = db.session.execute(
        select(Student, *_contact_columns())
        .where(Student.id.in_(members))
        .order_by(Student.first_name, Student.last_name, Student.id)
    ).all()
    days = term_days(year, term, on)
    first = days[0] if days else on
    events = events_for(members, first, on) if days else []
    by_student: dict[int, list[Event]] = {}
    for e in events:
        by_student.setdefault(e.student_id, []).append(e)
    result = Watchlist(school_days=len(days))
    names = {row[0].id: row[0] for row in rows}
    result.answers = [(e, names[e.student_id]) for e in events if e.kind == "answer"]
    for student, last, upcoming, referral in rows:
        mine = by_student.get(student.id, [])
        summary = summarise(mine, days, rules)
        count = reports_in_window(mine, on)
        line = WatchLine(
            student,
            summary,
            watch_reasons(summary, count, rules),
            figures.trend(summary),
            count,
            last,
            upcoming,
            referral,
        )
        (result.watched if line.reasons else result.others).append(line)
    result.watched.sort(key=lambda w: -w.summary.percent())
    return result


# --- actions ----------------------------------------------------------------------------


def note_contact(
    student: Student, mentor: User, on: date, values: dict, send_key: str | None, url: str
) -> bool:
    """A call or message to home, in the contact log (contacts' own function), with an
    agreed follow-up date if any. Returns False for a second send of the same form."""

    def create() -> str:
        add_note(student, mentor, occurred_on=on, **values)
        return url

    return submissions.create_once(mentor, send_key, create)[1]


@dataclass(frozen=True)
class Outcome:
    """ "referred", "repeated", "closed", or "refused" with a reason ("already_open",
    "already_closed")."""

    result: str
    reason: str | None = None
    referral: Referral | None = None

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def refer(student: Student, mentor: User, reason: str, send_key: str | None) -> Outcome:
    """Refer the student to the principal; one open referral per student (the database's
    unique key on open_student_id decides between two at once)."""
    if submissions.claim(mentor, send_key) is not None:
        db.session.rollback()
        return Outcome("repeated")
    lock_row(Student, student.id)
    made = insert_unless_exists(
        Referral,
        student_id=student.id,
        school_id=student.school_id,
        open_student_id=student.id,
        reason=reason.strip(),
        status="open",
        outcome="",
        created_by_id=mentor.id,
        created_at=utcnow(),
    )
    if not made:
        db.session.rollback()
        return Outcome("refused", "already_open")
    referral = db.session.scalar(select(Referral).where(Referral.open_student_id == student.id))
    audit.record("absence.referred", referral, {"student_id": student.id}, actor=mentor)
    submissions.finish(mentor, send_key, "")
    db.session.commit()
    return Outcome("referred", referral=referral)


def close(referral: Referral, principal: User, outcome: str) -> Outcome:
    changed = db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.status == "open")
        .values(
            status="closed",
            open_student_id=None,
            outcome=outcome.strip(),
            closed_by_id=principal.id,
            closed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return Outcome("refused", "already_closed")
    audit.record("absence.referral_closed", referral, {}, actor=principal)
    db.session.commit()
    db.session.expire(referral)
    return Outcome("closed")


def open_referrals(school_id: int) -> list[tuple[Referral, str]]:
    """The school's referrals, open first, with the student's current group name."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.school_id == school_id)
            .options(joinedload(Referral.student), joinedload(Referral.created_by))
            .order_by(Referral.status.desc(), Referral.created_at.desc())
            .limit(200)
        )
    )


@dataclass
class StudentAbsence:
    year: SchoolYear | None
    term: object
    rules: AbsencePolicy
    summary: figures.Summary
    reports: list[Event]
    last_contact: date | None = None
    next_follow_up: date | None = None
    referral_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    trend: str = "steady"


def student_absence(student: Student, on: date, with_follow_up: bool) -> StudentAbsence:
    """A student's absence this term (school days up to today), the reports among it,
    and for mentors the watch list's facts: four queries at most."""
    from app.school.calendar import current_year

    years = db.session.scalars(
        select(SchoolYear).where(SchoolYear.school_id == student.school_id)
    ).all()
    year = current_year(years, on)
    if year is None:
        rules = policy.for_school(student.school_id)
        return StudentAbsence(None, None, rules, figures.Summary(), [])
    term, rules = year_context(year, student.school_id, on)
    days = term_days(year, term, on)
    first = days[0] if days else on
    events = events_for([student.id], first, on) if days else []
    summary = summarise(events, days, rules)
    result = StudentAbsence(
        year,
        term,
        rules,
        summary,
        sorted(
            (e for e in events if e.kind in ("sick", "answer")),
            key=lambda e: e.start,
            reverse=True,
        ),
    )
    if with_follow_up:
        last, upcoming, referral = _contact_columns()
        result.last_contact, result.next_follow_up, result.referral_id = db.session.execute(
            select(last, upcoming, referral).where(Student.id == student.id)
        ).one()
        result.reasons = watch_reasons(summary, reports_in_window(events, on), rules)
        result.trend = figures.trend(summary)
    return result
