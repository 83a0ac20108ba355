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
from sqlalchemy import or_, select, text
from sqlalchemy.orm import selectinload

from app.db_types import utcnow
from app.extensions import db
from app.feeds.models import FeedToken
from app.leave.models import LeaveRequest
from app.mentortime.models import MentorTime
from app.mentortime.schedule import occurrences
from app.school.models import DayOff, GroupMembership, MentorGroup, SchoolYear
from app.talks.ics import PRODID, booking_uid, to_ical
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

    def to_json(self) -> str:
        """The scope as text (sorted, so equal scopes give equal text): part of the fingerprint."""
        return _scope_text(
            self.user_id,
            self.title,
            sorted(self.student_ids),
            self.mentor,
            sorted(self.group_ids),
            sorted(self.protected_ids),
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


def _year_ids(scope: Scope) -> set[int]:
    return set(
        db.session.scalars(
            select(MentorGroup.school_year_id).where(MentorGroup.id.in_(scope.group_ids))
        )
    )


# The link's refresh, as SQL that SQLite and PostgreSQL both run. The link's scope (its
# students, their groups and the groups its user mentors) is derived here from the
# relations, each set once (materialised), so answering an unchanged feed needs nothing but
# this one statement. (COALESCE(student_id, 0) = 0 rather than IS NULL: SQLite 3.40 gets
# IS NULL wrong on the updated row in RETURNING; ids start at 1.)
# Two statements share the scope (_SCOPE) and the columns (_COLUMNS): the refresh, which
# counts the request on the link's row (UPDATE ... RETURNING), and the look that counts
# nothing (SELECT), for the 304 answered before Flask (app/feeds/fast.py). Sharing them
# keeps the fingerprint of both the same.
# On SQLite most of the statement's cost is its temporary tables (a materialised CTE, a
# UNION, an IN list and an ORDER BY each make one), so: the sets are joined rather than
# asked with IN (each set is distinct: a UNION, or one row per student), the bookings of
# the scope's students and of the mentor's slots are one UNION instead of two IN lists,
# the id lists are not sorted (_id_list sorts them) and the staff check is an EXISTS.
# That is 8 temporary tables instead of 19, and about 16 µs less per 304 (bench/cpu.py,
# 73 -> 56 µs). CROSS JOIN keeps SQLite's join order (the small set first, the table
# through its index; left to itself it read mentor_time_occurrence whole); PostgreSQL
# takes it as a plain join. The results, and so the fingerprints, are the IN form's.
_SCOPE = """
WITH link AS MATERIALIZED (
    SELECT ft.id, ft.user_id, COALESCE(ft.student_id, 0) AS student_id, u.name, u.locale
    FROM feed_token ft JOIN "user" u ON u.id = ft.user_id
    WHERE ft.token_hash = :token_hash AND ft.revoked_at IS NULL AND u.active
),
students AS MATERIALIZED (
    -- the link's child; or the user as a student, and their children (whole-user links).
    -- Three branches, each found by an index: one condition with OR read every student.
    SELECT s.id, s.protected_identity FROM link JOIN student s ON s.id = link.student_id
    UNION
    SELECT s.id, s.protected_identity FROM link JOIN student s ON s.user_id = link.user_id
     WHERE link.student_id = 0
    UNION
    SELECT s.id, s.protected_identity FROM link
      JOIN guardianship g ON g.guardian_id = link.user_id AND link.student_id = 0
      JOIN student s ON s.id = g.student_id
),
mentored AS MATERIALIZED (
    -- groups the user mentors at schools where they are still staff (whole-user links)
    SELECT gm.group_id AS id FROM group_mentor gm
    JOIN mentor_group mg ON mg.id = gm.group_id
    JOIN school_year sy ON sy.id = mg.school_year_id
    JOIN link ON link.student_id = 0 AND gm.user_id = link.user_id
    WHERE EXISTS (SELECT 1 FROM staff st
                  WHERE st.user_id = link.user_id AND st.school_id = sy.school_id)
),
grps AS MATERIALIZED (
    SELECT m.group_id AS id FROM students CROSS JOIN group_membership m
    WHERE m.student_id = students.id
    UNION SELECT id FROM mentored
)
"""
_COLUMNS = """
    id, content_fingerprint, content_changed_at, hits, hits_until, user_id,
    (SELECT locale FROM link),
    (SELECT CASE WHEN link.student_id <> 0
                 THEN (SELECT s.first_name FROM student s WHERE s.id = link.student_id)
                 ELSE link.name END FROM link),
    (SELECT {ids} FROM students x),
    (SELECT {ids} FROM grps x),
    (SELECT {ids} FROM students x WHERE x.protected_identity),
    (SELECT COUNT(*) FROM mentored),
    (SELECT COUNT(x.id) || '|' || COALESCE(CAST(MAX(x.updated_at) AS VARCHAR), '')
       FROM (SELECT b.id, b.updated_at FROM students CROSS JOIN talk_booking b
              WHERE b.student_id = students.id
             UNION
             SELECT b.id, b.updated_at FROM link CROSS JOIN talk_slot t CROSS JOIN talk_booking b
              WHERE EXISTS (SELECT 1 FROM mentored)
                AND t.mentor_id = link.user_id AND b.slot_id = t.id) x),
    (SELECT COUNT(t.id) || '|' || COALESCE(CAST(MAX(t.removed_at) AS VARCHAR), '')
       FROM talk_slot t, link WHERE t.mentor_id = link.user_id),
    (SELECT COUNT(CASE WHEN l.status = 'approved' THEN 1 END) || '|'
            || COALESCE(CAST(MAX(l.decided_at) AS VARCHAR), '')
       FROM students CROSS JOIN leave_request l WHERE l.student_id = students.id),
    (SELECT COUNT(mt.id) || '|' || COALESCE(CAST(MAX(mt.updated_at) AS VARCHAR), '')
       FROM grps CROSS JOIN mentor_time mt WHERE mt.group_id = grps.id),
    (SELECT COUNT(o.id) || '|' || COALESCE(CAST(SUM(o.sequence) AS VARCHAR), '')
       FROM grps CROSS JOIN mentor_time mt CROSS JOIN mentor_time_occurrence o
      WHERE mt.group_id = grps.id AND o.mentor_time_id = mt.id),
    (SELECT COUNT(d.id) || '|' || COALESCE(CAST(MAX(d.id) AS VARCHAR), '') || '|'
            || COALESCE(CAST(MAX(d.end_date) AS VARCHAR), '')
       FROM day_off d
      WHERE d.school_year_id IN (SELECT g.school_year_id FROM grps CROSS JOIN mentor_group g
                                 WHERE g.id = grps.id))
"""
_REFRESH_SQL = (
    _SCOPE
    + """UPDATE feed_token SET
    hits = CASE WHEN hits_until > :now THEN hits + 1 ELSE 1 END,
    hits_until = CASE WHEN hits_until > :now THEN hits_until ELSE :window_end END
WHERE id = (SELECT id FROM link)
RETURNING"""
    + _COLUMNS
)
# The same row, read: no write, no lock, nothing counted.
_LOOK_SQL = _SCOPE + "SELECT" + _COLUMNS + "FROM feed_token WHERE id = (SELECT id FROM link)\n"
# A list of ids as one text ("3,5,8"), in each database's words (in no particular order
# on SQLite: the fingerprint and the scope read it through _id_list/_id_set).
_IDS = {
    "sqlite": "COALESCE(group_concat(CAST(x.id AS VARCHAR), ','), '')",
    "postgresql": "COALESCE(string_agg(CAST(x.id AS VARCHAR), ',' ORDER BY x.id), '')",
}


@dataclass
class Refresh:
    """One refresh: the link's state, its scope and the fingerprint of the feed's
    content now, and how many requests the link has made in the current window."""

    token_id: int
    served_fingerprint: str | None
    served_changed_at: datetime | None
    locale: str
    fingerprint: str
    scope: Scope
    hits: int
    window_ends: float


@dataclass(slots=True)
class Look:
    """What the link's row says without counting anything (look_on): enough to answer a
    calendar that already holds the current content with 304."""

    current: bool  # the content now is the content last served (and recorded with its time)
    etag: str  # the current content's ETag (without quotes)
    hits: int  # requests counted in the link's current window ...
    window_ends: float  # ... which ends then (seconds since the epoch)

    def over(self, limit: int, now: float) -> bool:
        """Whether the link has been refused in its current window (more than `limit`
        requests counted), so that its next counted request is refused too."""
        return self.hits > limit and self.window_ends > now


@dataclass(frozen=True)
class RefreshQuery:
    """A statement of this module compiled for the database's driver."""

    sql: str
    names: tuple[str, ...] | None  # positional drivers: the order of the parameters
    read_changed_at: Callable | None  # the driver's value of content_changed_at -> datetime


_STATEMENTS = {"refresh": _REFRESH_SQL, "look": _LOOK_SQL}


@lru_cache(maxsize=8)  # per process, safely: compiled from code alone, per dialect
def _query(dialect, kind: str) -> RefreshQuery:
    sql = _STATEMENTS[kind].replace("{ids}", _IDS.get(dialect.name, _IDS["sqlite"]))
    compiled = text(sql).compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positiontup else None
    changed_type = FeedToken.__table__.c.content_changed_at.type.dialect_impl(dialect)
    return RefreshQuery(str(compiled), names, changed_type.result_processor(dialect, None))


@lru_cache(maxsize=8)  # a pure function of the configured text
def rate_limit(value: str):
    """The per-link limit (FEED_RATE_LIMIT, e.g. "60 per minute")."""
    from limits import parse

    return parse(value)


def _id_set(value: str | None) -> set[int]:
    return {int(i) for i in value.split(",")} if value else set()


def _id_list(value: str | None) -> list[int]:
    """The ids of a text from _IDS, sorted as Scope.to_json sorts them (the text has no
    id twice: each set comes from one table's ids or a UNION)."""
    return sorted(int(i) for i in value.split(",")) if value else []


def refresh(token_hash: str, today: date, now: float, window: float) -> Refresh | None:
    """One statement, and the only one a feed answered by the view needs: the link (None
    if unknown, revoked or its user inactive), counted against its rate limit (requests in
    the window ending at `window_ends`, atomically, so every worker and instance counts
    together), its scope, and the aggregates of everything the feed is made of. Commits."""
    connection = db.session.connection()
    # Run on the DBAPI cursor of the session's own connection: on every calendar refresh,
    # SQLAlchemy's statement and result machinery for this one row cost more than the
    # database's work (measured with bench/feeds.py).
    query = _query(connection.dialect, "refresh")
    row = _run(
        connection.connection.dbapi_connection,
        query,
        {"now": now, "window_end": now + window, "token_hash": token_hash},
    )
    db.session.commit()
    return _from_row(row, query, today)


def look_on(dbapi_connection, dialect, token_hash: str, today: date) -> Look | None:
    """The link's row as the refresh would see it, read and not counted (one SELECT; no
    write, so no lock and no commit to wait for): None if the link is unknown, revoked
    or its user inactive. For app/feeds/fast.py, on a connection in autocommit mode."""
    query = _query(dialect, "look")
    row = _run(dbapi_connection, query, {"token_hash": token_hash})
    if row is None:
        return None
    fingerprint = _fingerprint(row, today)
    # content_changed_at is only asked whether it is set: no need to read it as a time.
    current = row[1] == fingerprint and row[2] is not None
    return Look(current, fingerprint[:32], row[3], row[4])


def _run(dbapi_connection, query: RefreshQuery, values: dict):
    parameters = tuple(values[n] for n in query.names) if query.names else values
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(query.sql, parameters)
        return cursor.fetchone()
    finally:
        cursor.close()


# The scope's text as Scope.to_json writes it (json.dumps with these options), with the
# encoder made once rather than on every call.
_SCOPE_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _scope_text(
    user_id: int, title: str, students: list, mentor: bool, groups: list, protected: list
) -> str:
    return _SCOPE_JSON.encode(
        {
            "user_id": user_id,
            "title": title,
            "student_ids": students,
            "mentor": mentor,
            "group_ids": groups,
            "protected_ids": protected,
        }
    )


def _fingerprint(row, today: date) -> str:
    """The content's fingerprint from a row of either statement: of the scope (as text),
    the language, the day and the aggregates. The view's refresh and the 304 before Flask
    both compute it here, so an ETag the one handed out is the one the other checks."""
    return _fingerprint_of(tuple(row[5:]), today)


# Per process, safely: a pure function of its arguments (the row's scope and content
# columns, and the day), so every process computes the same value. A calendar polls the
# same link with the same content again and again; this spares it the text and the hash.
@lru_cache(maxsize=4096)
def _fingerprint_of(values: tuple, today: date) -> str:
    user_id, locale, title, students, groups, protected, mentor = values[:7]
    scope = _scope_text(
        user_id, title, _id_list(students), bool(mentor), _id_list(groups), _id_list(protected)
    )
    raw = repr((scope, locale or "sv", today, values[7:]))
    return hashlib.sha256(raw.encode()).hexdigest()


def _from_row(row, query: RefreshQuery, today: date) -> Refresh | None:
    if row is None:
        return None
    token_id, served, changed_at, hits, window_ends, user_id, locale, title = row[:8]
    students, groups, protected, mentor = row[8:12]
    if query.read_changed_at is not None:
        changed_at = query.read_changed_at(changed_at)
    scope = Scope(
        user_id, title, _id_set(students), bool(mentor), _id_set(groups), _id_set(protected)
    )
    return Refresh(
        token_id,
        served,
        changed_at,
        locale or "sv",
        _fingerprint(row, today),
        scope,
        hits,
        window_ends,
    )


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
                [slot.updated_at]
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
        event = _event(f"dayoff-{off.id}@mentorskap", off.name, off.updated_at)
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
        for event in (
            _talk_events(scope, now, tz)
            + _leave_events(scope)
            + _mentor_time_events(scope, tz)
            + _days_off_events(scope)
        ):
            calendar.add_component(event)
    return to_ical(calendar, TZ)
