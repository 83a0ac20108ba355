"""Building a personal calendar feed (RFC 5545) and its fingerprint.

What a feed holds follows from the user's relations: their children's talks, approved
leave, the children's groups' mentor time and the school year's days off (guardian); own
talk, mentor time and days off (student); own talk slots and their groups' mentor time
(mentor). Minimal personal data: children by first name only, no personnummer, no
addresses, no notes, and for a student with protected identity no group or room.

The fingerprint covers every input, so an unchanged fingerprint means an unchanged feed:
it is the ETag, and a 304 is answered without building anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vRecur
from sqlalchemy import String, bindparam, cast, func, or_, select
from sqlalchemy.orm import selectinload

from app.access import child_ids, mentored_group_ids
from app.db_types import utcnow
from app.extensions import db
from app.feeds.models import FeedToken
from app.leave.models import LeaveRequest
from app.mentortime.models import MentorTime, MentorTimeOccurrence
from app.mentortime.schedule import occurrences
from app.people.models import Student, User
from app.school.models import DayOff, GroupMembership, MentorGroup, SchoolYear
from app.talks.ics import PRODID, booking_uid, vtimezone
from app.talks.models import TalkBooking, TalkSlot

KEEP_CANCELLED = timedelta(days=30)  # cancelled talks stay as CANCELLED so calendars drop them
TZ = "Europe/Stockholm"


@dataclass
class Scope:
    """Whose events a feed shows."""

    user_id: int
    title: str
    student_ids: set[int] = field(default_factory=set)  # children, or the student themself
    mentor: bool = False
    group_ids: set[int] = field(default_factory=set)  # groups whose mentor time is shown
    protected_ids: set[int] = field(default_factory=set)
    refresh_query: RefreshQuery | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> str:
        """The scope as the shared cache keeps it (sorted, so equal scopes give equal text)."""
        return json.dumps(
            {
                "user_id": self.user_id,
                "title": self.title,
                "student_ids": sorted(self.student_ids),
                "mentor": self.mentor,
                "group_ids": sorted(self.group_ids),
                "protected_ids": sorted(self.protected_ids),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Scope:
        data = json.loads(text)
        return cls(
            data["user_id"],
            data["title"],
            set(data["student_ids"]),
            data["mentor"],
            set(data["group_ids"]),
            set(data["protected_ids"]),
        )


def scope_for(token: FeedToken) -> Scope:
    user = token.user
    if token.student_id is not None:
        student_ids = {token.student_id}
    else:
        student_ids = set(db.session.scalars(child_ids(user)))
        student_ids |= set(db.session.scalars(select(Student.id).where(Student.user_id == user.id)))
    groups = set(
        db.session.scalars(
            select(GroupMembership.group_id).where(GroupMembership.student_id.in_(student_ids))
        )
    )
    mentored = set() if token.student_id else set(db.session.scalars(mentored_group_ids(user)))
    protected = set(
        db.session.scalars(
            select(Student.id).where(Student.id.in_(student_ids), Student.protected_identity)
        )
    )
    title = token.student.first_name if token.student else user.name
    return Scope(user.id, title, student_ids, bool(mentored), groups | mentored, protected)


def _year_ids(scope: Scope) -> set[int]:
    return set(
        db.session.scalars(
            select(MentorGroup.school_year_id).where(MentorGroup.id.in_(scope.group_ids))
        )
    )


def _summary(*aggregates):
    """Several aggregates from one scan of a table, as one text value ("3|2026-11-02 …")."""
    texts = [func.coalesce(cast(a, String), "") for a in aggregates]
    joined = texts[0]
    for t in texts[1:]:
        joined = joined + "|" + t
    return select(joined)


@lru_cache(maxsize=2)  # per process, safely: a statement built from code alone
def _fingerprint_statement(mentor: bool):
    """Built once (per variant) with bound parameters: constructing the statement costs
    more than running it, and this runs on every calendar refresh. One subquery per
    table, each reading the table once."""
    students = bindparam("students", expanding=True)
    groups = bindparam("groups", expanding=True)
    user_id = bindparam("user_id")
    years = select(MentorGroup.school_year_id).where(MentorGroup.id.in_(groups))
    bookings = TalkBooking.student_id.in_(students)
    if mentor:
        own_slots = select(TalkSlot.id).where(TalkSlot.mentor_id == user_id)
        bookings = or_(bookings, TalkBooking.slot_id.in_(own_slots))
    times = select(MentorTime.id).where(MentorTime.group_id.in_(groups))
    parts = [
        _summary(func.count(TalkBooking.id), func.max(TalkBooking.updated_at)).where(bookings),
        _summary(func.count(TalkSlot.id), func.max(TalkSlot.removed_at)).where(
            TalkSlot.mentor_id == user_id
        ),
        _summary(
            func.count(LeaveRequest.id).filter(LeaveRequest.status == "approved"),
            func.max(LeaveRequest.decided_at),
        ).where(LeaveRequest.student_id.in_(students)),
        _summary(func.count(MentorTime.id), func.max(MentorTime.updated_at)).where(
            MentorTime.group_id.in_(groups)
        ),
        _summary(
            func.count(MentorTimeOccurrence.id), func.sum(MentorTimeOccurrence.sequence)
        ).where(MentorTimeOccurrence.mentor_time_id.in_(times)),
        _summary(func.count(DayOff.id), func.max(DayOff.id), func.max(DayOff.end_date)).where(
            DayOff.school_year_id.in_(years)
        ),
    ]
    # The link itself rides along, so a refresh is one round trip: is it still valid
    # (revoked or inactive gives NULL), and what was last served.
    link = (
        select(
            FeedToken.id, FeedToken.content_fingerprint, FeedToken.content_changed_at, User.locale
        )
        .join(User, User.id == FeedToken.user_id)
        .where(
            FeedToken.token_hash == bindparam("token_hash"),
            FeedToken.revoked_at.is_(None),
            User.active.is_(True),
        )
        .subquery()
    )
    return select(
        link.c.id,
        link.c.content_fingerprint,
        link.c.content_changed_at,
        link.c.locale,
        *(p.scalar_subquery() for p in parts),
    ).select_from(link)


@dataclass
class Refresh:
    """One refresh: the link's state and the fingerprint of the feed's content now."""

    token_id: int
    served_fingerprint: str | None
    served_changed_at: datetime | None
    locale: str
    fingerprint: str


@dataclass(frozen=True)
class RefreshQuery:
    """The refresh statement of one link, compiled for the database's driver."""

    sql: str
    parameters: tuple | dict
    read_changed_at: Callable | None  # the driver's value of content_changed_at -> datetime


def _refresh_query(scope: Scope, token_hash: str) -> RefreshQuery:
    """Compiled once per scope. The values stay bound parameters, so the SQL text is
    the same for every link of the same shape and PostgreSQL prepares it once per
    connection (planning it costs more than running it)."""
    if scope.refresh_query is None:
        statement = _fingerprint_statement(scope.mentor).params(
            students=sorted(scope.student_ids) or [-1],
            groups=sorted(scope.group_ids) or [-1],
            user_id=scope.user_id,
            token_hash=token_hash,
        )
        dialect = db.session.get_bind().dialect
        # Expanded: one placeholder per id, in the driver's own parameter style. The values
        # (ids, a hex digest, fixed strings) need no bind processing.
        expanded = statement.compile(dialect=dialect).construct_expanded_state()
        parameters = expanded.positional_parameters if expanded.positiontup else expanded.parameters
        changed_type = FeedToken.__table__.c.content_changed_at.type.dialect_impl(dialect)
        scope.refresh_query = RefreshQuery(
            expanded.statement, parameters, changed_type.result_processor(dialect, None)
        )
    return scope.refresh_query


def refresh(scope: Scope, token_hash: str, today: date) -> Refresh | None:
    """One statement: the link (None if unknown, revoked or inactive) and the aggregates
    of everything the feed is made of."""
    query = _refresh_query(scope, token_hash)
    # Run on the DBAPI cursor of the session's own connection (the same transaction): on
    # every calendar refresh, building the statement and SQLAlchemy's result machinery for
    # this one row cost more than the database's work (measured with bench/feeds.py).
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(query.sql, query.parameters)
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    token_id, served, changed_at, locale, *values = row
    if query.read_changed_at is not None:
        changed_at = query.read_changed_at(changed_at)
    locale = locale or "sv"
    raw = repr((scope, locale, today, tuple(values)))
    return Refresh(token_id, served, changed_at, locale, hashlib.sha256(raw.encode()).hexdigest())


def _event(uid: str, summary: str, modified: datetime, sequence: int = 0) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", sequence)
    event.add("summary", summary)
    return event


def _talk_events(scope: Scope, now: datetime, tz: ZoneInfo) -> list[Event]:
    events = []
    bookings = db.session.scalars(
        select(TalkBooking)
        .join(TalkSlot, TalkSlot.id == TalkBooking.slot_id)
        .where(
            TalkBooking.student_id.in_(scope.student_ids),
            or_(
                TalkBooking.active_slot_id.is_not(None),
                TalkBooking.cancelled_at > now - KEEP_CANCELLED,
            ),
        )
        .options(
            selectinload(TalkBooking.slot).selectinload(TalkSlot.mentor),
            selectinload(TalkBooking.student),
        )
    ).all()
    for b in bookings:
        # Feeds end up in other companies' clouds: for a student with protected identity
        # they carry neither name nor place (the place gives away the group).
        protected = b.student.protected_identity
        summary = (
            _("Development talk")
            if protected
            else _("Development talk: %(name)s", name=b.student.first_name)
        )
        event = _event(booking_uid(b), summary, b.updated_at, b.sequence)
        event.add("dtstart", b.slot.starts_at.astimezone(tz))
        event.add("dtend", b.slot.ends_at.astimezone(tz))
        if b.slot.location and not protected:
            event.add("location", b.slot.location)
        event.add("status", "CONFIRMED" if b.active else "CANCELLED")
        events.append(event)
    if scope.mentor:
        slots = db.session.scalars(
            select(TalkSlot)
            .where(
                TalkSlot.mentor_id == scope.user_id,
                or_(TalkSlot.removed_at.is_(None), TalkSlot.removed_at > now - KEEP_CANCELLED),
                TalkSlot.ends_at > now - KEEP_CANCELLED,
            )
            .options(selectinload(TalkSlot.bookings).selectinload(TalkBooking.student))
        ).all()
        for slot in slots:
            booking = slot.active_booking
            modified = max(
                [slot.starts_at - timedelta(days=365)]
                + [b.updated_at for b in slot.bookings]
                + ([slot.removed_at] if slot.removed_at else [])
            )
            if booking is None:
                summary = _("Free talk time")
            elif booking.student.protected_identity:
                summary = _("Development talk")
            else:
                summary = _("Development talk: %(name)s", name=booking.student.first_name)
            event = _event(
                f"talk-slot-{slot.id}@mentorskap",
                summary,
                modified,
                sum(b.sequence + 1 for b in slot.bookings) + (1 if slot.removed_at else 0),
            )
            event.add("dtstart", slot.starts_at.astimezone(tz))
            event.add("dtend", slot.ends_at.astimezone(tz))
            if slot.location:
                event.add("location", slot.location)
            event.add("status", "CANCELLED" if slot.removed_at else "CONFIRMED")
            events.append(event)
    return events


def _leave_events(scope: Scope) -> list[Event]:
    events = []
    approved = db.session.scalars(
        select(LeaveRequest)
        .where(LeaveRequest.student_id.in_(scope.student_ids), LeaveRequest.status == "approved")
        .options(selectinload(LeaveRequest.student))
    ).all()
    for r in approved:
        event = _event(
            f"leave-{r.id}@mentorskap",
            _("Leave: %(name)s", name=r.student.first_name),
            r.decided_at or r.created_at,
        )
        event.add("dtstart", r.start_date)
        event.add("dtend", r.end_date + timedelta(days=1))  # DATE values: the end is exclusive
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events


def _mentor_time_events(scope: Scope, tz: ZoneInfo) -> list[Event]:
    """One event per weekly mentor time: an RRULE with EXDATE for skipped school days and
    cancelled weeks, and RECURRENCE-ID overrides for moved weeks or weeks with an agenda."""
    events = []
    times = db.session.scalars(
        select(MentorTime)
        .where(MentorTime.group_id.in_(scope.group_ids))
        .options(
            selectinload(MentorTime.occurrences),
            selectinload(MentorTime.group)
            .selectinload(MentorGroup.school_year)
            .selectinload(SchoolYear.days_off),
        )
    ).all()
    members = dict(
        db.session.execute(
            select(GroupMembership.student_id, GroupMembership.group_id).where(
                GroupMembership.student_id.in_(scope.student_ids)
            )
        ).all()
    )
    for mt in times:
        year = mt.group.school_year
        children = [sid for sid, gid in members.items() if gid == mt.group_id]
        hide = any(sid in scope.protected_ids for sid in children)
        label = _("Mentor time") if hide else _("Mentor time %(group)s", group=mt.group.name)
        first = year.start_date + timedelta(days=(mt.weekday - year.start_date.weekday()) % 7)
        start = datetime.combine(first, mt.start, tzinfo=tz)
        master = _event(f"mentortime-{mt.id}@mentorskap", label, mt.updated_at)
        master.add("dtstart", start)
        master.add("dtend", start + timedelta(minutes=mt.minutes))
        until = datetime.combine(year.end_date, time(23, 59, 59), tzinfo=tz).astimezone(UTC)
        master.add("rrule", vRecur(freq="WEEKLY", until=until))
        if mt.room and not hide:
            master.add("location", mt.room)
        taught = {o.regular_date for o in occurrences(mt, year.start_date, year.end_date, tz.key)}
        weekly = [
            first + timedelta(weeks=i) for i in range(((year.end_date - first).days // 7) + 1)
        ]
        overrides = {o.on_date: o for o in mt.occurrences}
        skipped = [
            d for d in weekly if d not in taught or (overrides.get(d) and overrides[d].cancelled)
        ]
        for day in skipped:
            master.add("exdate", datetime.combine(day, mt.start, tzinfo=tz))
        events.append(master)
        for day, o in sorted(overrides.items()):
            if o.cancelled or day not in taught:
                continue
            if not (o.moved_date or o.moved_start or o.moved_room or o.agenda.strip()):
                continue
            moved_start = datetime.combine(
                o.moved_date or day, o.moved_start or mt.start, tzinfo=tz
            )
            override = _event(master["uid"], label, o.updated_at, o.sequence)
            override.add("recurrence-id", datetime.combine(day, mt.start, tzinfo=tz))
            override.add("dtstart", moved_start)
            override.add("dtend", moved_start + timedelta(minutes=mt.minutes))
            if not hide and (o.moved_room or mt.room):
                override.add("location", o.moved_room or mt.room)
            if o.agenda.strip():
                override.add("description", o.agenda.strip())
            events.append(override)
    return events


def _days_off_events(scope: Scope) -> list[Event]:
    events = []
    for off in db.session.scalars(
        select(DayOff).where(DayOff.school_year_id.in_(_year_ids(scope)))
    ):
        event = _event(
            f"dayoff-{off.id}@mentorskap", off.name, datetime(off.start_date.year, 1, 1, tzinfo=UTC)
        )
        event.add("dtstart", off.start_date)
        event.add("dtend", off.end_date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events


def build(scope: Scope, locale: str, now: datetime | None = None) -> bytes:
    now = now or utcnow()
    tz = ZoneInfo(TZ)
    with force_locale(locale):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", f"Mentorskap – {scope.title}")
        calendar.add("x-wr-timezone", TZ)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        calendar.add_component(vtimezone(TZ))
        for event in (
            _talk_events(scope, now, tz)
            + _leave_events(scope)
            + _mentor_time_events(scope, tz)
            + _days_off_events(scope)
        ):
            calendar.add_component(event)
    return calendar.to_ical()
