"""What the talk pages show, loaded in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from flask_babel import format_date
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from app.db_types import utcnow
from app.extensions import db
from app.people.models import Guardianship, Student, User
from app.school.calendar import school_days, today
from app.school.models import GroupMembership, Term
from app.sql import Prepared
from app.surveys import survey
from app.talks.models import TalkBooking, TalkPeriod, TalkRecord, TalkSlot
from app.talks.preparation import has_login_column, prepared_column  # issue 19

DAYS_TO_OFFER = 20


@dataclass
class StudentRow:
    student: Student
    booking: TalkBooking | None
    record: TalkRecord | None
    prepared: bool = False  # issue 19: the student has prepared the talk


@dataclass
class PeriodData:
    slots: list[TalkSlot]
    rows: list[StudentRow]
    booked: int = 0
    free: int = 0
    not_booked: list[StudentRow] = field(default_factory=list)


def period_overview(period: TalkPeriod) -> PeriodData:
    """The period's times with their bookings, and the group's students with their booking,
    talk record and preparation: two statements whatever the group's or period's size."""
    slots = list(
        db.session.scalars(
            select(TalkSlot)
            .where(TalkSlot.period_id == period.id, TalkSlot.removed_at.is_(None))
            .options(
                joinedload(TalkSlot.mentor),
                joinedload(TalkSlot.bookings).joinedload(TalkBooking.student),
            )
            .order_by(TalkSlot.starts_at)
        ).unique()
    )
    # Issue 19: whether each student has prepared the talk, in the same statement; the
    # talk record (one per period and student) comes along too.
    student_rows = db.session.execute(
        select(Student, prepared_column(period.id, Student.id), TalkRecord)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .outerjoin(
            TalkRecord,
            and_(TalkRecord.period_id == period.id, TalkRecord.student_id == Student.id),
        )
        .where(GroupMembership.group_id == period.group_id)
        .order_by(Student.last_name, Student.first_name)
    ).all()
    students = [student for student, _prepared, _record in student_rows]
    prepared = {student.id for student, done, _record in student_rows if done}
    records = {student.id: record for student, _done, record in student_rows if record}
    # Every active booking of the period is on one of its times (a removed time's booking
    # is cancelled with it), so the times' bookings are all of them.
    bookings = {
        b.student_id: b for slot in slots for b in slot.bookings if b.active_period_id == period.id
    }
    rows = [
        StudentRow(s, bookings.get(s.id), records.get(s.id), s.id in prepared) for s in students
    ]
    now = utcnow()
    return PeriodData(
        slots=slots,
        rows=rows,
        booked=len(bookings),
        free=sum(1 for s in slots if s.active_booking is None and s.starts_at > now),
        not_booked=[r for r in rows if r.booking is None],
    )


def school_day_choices(period: TalkPeriod) -> list[SelectChoice]:
    """The next school days of the period's term (weekends, holidays and days off left out)."""
    first = max(today(), period.term.start_date)
    days = school_days(first, period.term.end_date, period.group.school_year)
    return [SelectChoice(d.isoformat(), format_date(d, "EEE d MMM")) for d in days[:DAYS_TO_OFFER]]


@dataclass(frozen=True, slots=True)
class SiblingName:
    first_name: str


@dataclass(frozen=True, slots=True)
class SiblingSlot:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class SiblingTalk:
    """Another child's coming talk, as the booking page shows it (plain values)."""

    student: SiblingName
    slot: SiblingSlot


def _sibling_bookings_statement():
    guardian_id, student_id = bindparam("guardian_id"), bindparam("student_id")
    siblings = select(Guardianship.student_id).where(
        Guardianship.guardian_id == guardian_id, Guardianship.student_id != student_id
    )
    return (
        select(Student.first_name, TalkSlot.starts_at, TalkSlot.ends_at)
        .select_from(TalkBooking)
        .join(TalkSlot, TalkSlot.id == TalkBooking.active_slot_id)
        .join(Student, Student.id == TalkBooking.student_id)
        .where(TalkBooking.student_id.in_(siblings), TalkSlot.ends_at > bindparam("now"))
        .order_by(TalkSlot.starts_at)
    )


# Run on the cursor (app/sql.py): every booking page asks it.
_SIBLING_BOOKINGS = Prepared(_sibling_bookings_statement)


def sibling_bookings(guardian: User, student: Student, period: TalkPeriod) -> list[SiblingTalk]:
    """The guardian's other children's coming talks, to line up or warn of clashes."""
    rows = _SIBLING_BOOKINGS.all(guardian_id=guardian.id, student_id=student.id, now=utcnow())
    return [
        SiblingTalk(SiblingName(first_name), SiblingSlot(starts, ends))
        for first_name, starts, ends in rows
    ]


def clashes(
    slots: list[TalkSlot], siblings: list[TalkBooking]
) -> dict[int, tuple[str, TalkBooking]]:
    """slot id → ("overlap" | "before" | "after", the sibling's booking). "before" and
    "after" mark slots within ten minutes of a sibling's talk: back-to-back visits."""
    near = timedelta(minutes=10)
    result: dict[int, tuple[str, TalkBooking]] = {}
    for slot in slots:
        for other in siblings:
            theirs = other.slot
            if slot.starts_at < theirs.ends_at and slot.ends_at > theirs.starts_at:
                result[slot.id] = ("overlap", other)
                break
            if timedelta(0) <= theirs.starts_at - slot.ends_at <= near:
                result.setdefault(slot.id, ("before", other))
            elif timedelta(0) <= slot.starts_at - theirs.ends_at <= near:
                result.setdefault(slot.id, ("after", other))
    return result


@dataclass
class ChildTalk:
    period: TalkPeriod
    booking: TalkBooking | None
    is_open: bool
    summary: TalkRecord | None = None
    # Of two or more periods open for booking at once, the one whose booking closes first.
    due_now: bool = False
    # Issue 19, talk preparation: whether the student has prepared the booked talk, and
    # whether they can (a login of their own).
    prepared: bool = False
    can_prepare: bool = False
    # Issue 19: the student's written assessment of the period, once shared (its id).
    assessment_id: int | None = None

    @property
    def upcoming(self) -> bool:
        """Booked and not started: it can still be prepared."""
        return self.booking is not None and utcnow() < self.booking.slot.starts_at


def published_summary(period_id: int, student_id: int) -> TalkRecord | None:
    """The talk record, only if the mentor has published its summary."""
    return db.session.scalar(
        select(TalkRecord).where(
            TalkRecord.period_id == period_id,
            TalkRecord.student_id == student_id,
            TalkRecord.summary_published.is_(True),
        )
    )


@dataclass(frozen=True)
class BookedSlot:
    """What a home card shows of a booked time."""

    starts_at: datetime
    ends_at: datetime
    mode: str
    location: str | None


@dataclass(frozen=True)
class BookedTalk:
    id: int
    slot: BookedSlot


@dataclass(frozen=True)
class PublishedSummary:
    summary: str
    actions: str


@cache  # per process, safely: built from code alone; the ids are bound parameters
def _talks_for_students_statement():
    """Built once: building this select costs more than running it."""
    from app.teaching.models_assessment import WrittenAssessment

    member = GroupMembership
    return (
        select(
            TalkPeriod.id,
            TalkPeriod.group_id,
            TalkPeriod.title,
            TalkPeriod.booking_opens_at,
            TalkPeriod.booking_closes_at,
            Term.kind,
            member.student_id,
            TalkBooking.id,
            TalkSlot.starts_at,
            TalkSlot.ends_at,
            TalkSlot.mode,
            TalkSlot.location,
            TalkRecord.summary,
            TalkRecord.actions,
            # Issue 19: prepared yes/no, folded into this statement (no extra query).
            prepared_column(TalkPeriod.id, member.student_id),
            has_login_column(member.student_id),
            WrittenAssessment.id,
            # The survey after the talks (app/surveys): when the period is over, and
            # whether the user of the home page has answered.
            survey.last_talk_column(),
            survey.answered_column(bindparam("uid")),
        )
        .join(Term, Term.id == TalkPeriod.term_id)
        .join(member, member.group_id == TalkPeriod.group_id)
        .outerjoin(
            TalkBooking,
            and_(
                TalkBooking.active_period_id == TalkPeriod.id,
                TalkBooking.student_id == member.student_id,
            ),
        )
        .outerjoin(TalkSlot, TalkSlot.id == TalkBooking.slot_id)
        .outerjoin(
            TalkRecord,
            and_(
                TalkRecord.period_id == TalkPeriod.id,
                TalkRecord.student_id == member.student_id,
                TalkRecord.summary_published.is_(True),
            ),
        )
        # Issue 19: a shared written assessment of the period (a draft is not shown).
        .outerjoin(
            WrittenAssessment,
            and_(
                WrittenAssessment.period_id == TalkPeriod.id,
                WrittenAssessment.student_id == member.student_id,
                WrittenAssessment.state == "shared",
            ),
        )
        .where(
            member.student_id.in_(bindparam("students", expanding=True)),
            TalkPeriod.group_id.in_(bindparam("groups", expanding=True)),
        )
        .order_by(TalkPeriod.booking_opens_at, TalkPeriod.id)
    )


# Run on the cursor (app/sql.py): the guardian's and the student's home run it on every view.
_TALKS_FOR_STUDENTS = Prepared(_talks_for_students_statement)


def talks_for_students(
    pairs: list[tuple[int, int]], now: datetime | None = None
) -> dict[int, list[ChildTalk]]:
    """For home cards: each student's talk periods in their current group, with the
    active booking and a published summary: one query for all students. `pairs` are
    (student id, current group id)."""
    return talks_and_surveys(pairs, None, now)[0]


def talks_and_surveys(
    pairs: list[tuple[int, int]], user_id: int | None, now: datetime | None = None
) -> tuple[dict[int, list[ChildTalk]], dict[int, list[survey.SurveyInvite]]]:
    """talks_for_students, and in the same query each student's periods whose survey the
    user (the student, or a guardian) may answer now and has not (app/surveys)."""
    if not pairs:
        return {}, {}
    now = now or utcnow()
    wanted = set(pairs)
    # Plain rows on the session's connection: no entities, so no ORM loading to pay for.
    ids = {
        "students": sorted({s for s, _ in pairs}),
        "groups": sorted({g for _, g in pairs}),
        "uid": user_id or 0,
    }
    rows = _TALKS_FOR_STUDENTS.all(**ids)
    result: dict[int, list[ChildTalk]] = {}
    surveys: dict[int, list[survey.SurveyInvite]] = {}
    for (
        period_id,
        group_id,
        title,
        opens,
        closes,
        term_kind,
        sid,
        booking_id,
        starts,
        ends,
        mode,
        location,
        summary_text,
        actions,
        prepared,
        has_login,
        assessment_id,
        last_talk_ends,
        answered,
    ) in rows:
        if (sid, group_id) not in wanted:
            continue
        if user_id is not None:
            invite = survey.invitation(period_id, title, closes, last_talk_ends, answered, now)
            if invite is not None:
                surveys.setdefault(sid, []).append(invite)
        booking = (
            BookedTalk(booking_id, BookedSlot(starts, ends, mode, location))
            if booking_id is not None
            else None
        )
        summary = PublishedSummary(summary_text, actions) if summary_text is not None else None
        # A finished period drops off the card once its talk has passed, unless
        # the mentor has published a summary of it or shared its written assessment.
        finished = (booking is None and closes < now) or (
            booking is not None and ends < now - timedelta(days=1)
        )
        if finished and summary is None and assessment_id is None:
            continue
        period = PeriodHeading(period_id, title, opens, closes, term_kind)
        is_open = opens <= now < closes
        talk = ChildTalk(period, booking, is_open, summary, assessment_id=assessment_id)
        talk.prepared, talk.can_prepare = bool(prepared), bool(has_login)
        result.setdefault(sid, []).append(talk)
    return {sid: due_first(talks) for sid, talks in result.items()}, surveys


def due_first(talks: list[ChildTalk]) -> list[ChildTalk]:
    """With more than one period to book at once (autumn and spring both open), mark the
    one whose booking closes first as due now and put it first; the rest keep their order."""
    to_book = [t for t in talks if t.is_open and t.booking is None]
    if len(to_book) < 2:
        return talks
    due = min(to_book, key=lambda t: (t.period.booking_closes_at, t.period.id))
    due.due_now = True
    return [due] + [t for t in talks if t is not due]


@dataclass(frozen=True)
class PeriodHeading:
    id: int
    title: str
    booking_opens_at: datetime
    booking_closes_at: datetime
    term_kind: str  # "HT" or "VT": names the period in the card's button
