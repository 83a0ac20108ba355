"""Handover (överlämning): when a student leaves a mentor, the mentor writes what the next one
needs to know.

A handover becomes due through the change itself, in the transaction that makes it:
- a student moved to another group of the same school year (admin page or import): the lead
  mentor of the group left, unless they also mentor the new group ("moved");
- a student placed in a group of a new school year whose mentors do not include the lead
  mentor of their group of the year before ("stage");
- a group's lead mentor replaced, so they no longer mentor the group at all ("mentor"): one
  handover for each student whose current group it is.
Co-mentors write none: the lead mentor (the form requires one) speaks for the group. No
handover is due when the outgoing mentor is no longer staff at the school (nobody could
write it), nor when a student is taken out of every group (nobody would read it).

The outgoing mentor writes it within HANDOVER_DAYS (app/access.py may_write_handover); who
reads it is app/access.py may_read_handover. Writing is an update of the one row per
student and transition, so a double send writes the same text twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, bindparam, exists, func, literal, select, update
from sqlalchemy.orm import aliased

from app import access, audit, hot_path, submissions
from app.concurrency import insert_unless_exists
from app.contacts.models import ContactNote
from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.goals.models import CLOSED, Goal, GoalUpdate
from app.people.models import Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, SchoolYear
from app.sql import Prepared
from app.teaching.models_handover import Handover

# How long the outgoing mentor may write (and correct) a handover after the change.
HANDOVER_DAYS = 30
# Each of the three texts: a short handover, a few sentences each.
TEXT_MAX = 1000

REASON_LABELS = {
    "moved": _l("Moved to another group"),
    "stage": _l("New school year"),
    "mentor": _l("New mentor for the group"),
}
# The three texts, in the order the form and the page show them.
TEXT_LABELS = {
    "what_works": _l("What works"),
    "what_to_watch": _l("What to watch"),
    "follow_ups": _l("Open follow-ups"),
}


def reason_label(reason: str) -> str:
    return hot_path.text(REASON_LABELS[reason])


# --- becoming due -------------------------------------------------------------------------


@dataclass(frozen=True)
class _GroupMentors:
    lead: int | None = None  # the lead mentor, if still staff at the group's school
    everyone: frozenset[int] = frozenset()


def _mentors_of(group_ids: set[int]) -> dict[int, _GroupMentors]:
    """Each group's lead mentor (when still staff at its school) and all its mentors."""
    if not group_ids:
        return {}
    staff = (
        exists()
        .where(Staff.user_id == GroupMentor.user_id, Staff.school_id == SchoolYear.school_id)
        .label("staff")
    )
    rows = db.session.execute(
        select(GroupMentor.group_id, GroupMentor.user_id, GroupMentor.is_co_mentor, staff)
        .join(MentorGroup, MentorGroup.id == GroupMentor.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(GroupMentor.group_id.in_(group_ids))
    )
    leads: dict[int, int | None] = {}
    everyone: dict[int, set[int]] = {}
    for group_id, user_id, co, is_staff in rows:
        everyone.setdefault(group_id, set()).add(user_id)
        if not co and is_staff:
            leads[group_id] = user_id
    return {
        gid: _GroupMentors(leads.get(gid), frozenset(everyone.get(gid, ()))) for gid in group_ids
    }


def _earlier_groups(year: SchoolYear, student_ids: set[int]) -> dict[int, int]:
    """Each student's group in their latest school year before `year` at the same school."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        select(GroupMembership.student_id, GroupMembership.group_id, SchoolYear.start_date)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(
            GroupMembership.student_id.in_(student_ids),
            SchoolYear.school_id == year.school_id,
            SchoolYear.start_date < year.start_date,
        )
        .order_by(SchoolYear.start_date)
    )
    return {student_id: group_id for student_id, group_id, _start in rows}


def _make_due(student_id, from_user_id, from_group_id, to_group_id, reason, at) -> bool:
    """One handover per student, outgoing mentor and group left (the database decides)."""
    return insert_unless_exists(
        Handover,
        student_id=student_id,
        from_user_id=from_user_id,
        from_group_id=from_group_id,
        to_group_id=to_group_id,
        reason=reason,
        due_at=at,
        write_until=at + timedelta(days=HANDOVER_DAYS),
        what_works="",
        what_to_watch="",
        follow_ups="",
    )


def due_after_placements(
    year: SchoolYear, placements: list[tuple[int, int | None, int | None]], at: datetime
) -> int:
    """Handovers due after students were placed in the year's groups: (student id, group
    left in the year or None, new group or None). A first placement of the year is a new
    stage when the student's group of the year before had another lead mentor. Adds to the
    caller's transaction; returns how many became due."""
    placements = [(s, f, t) for s, f, t in placements if t is not None and f != t]
    earlier = _earlier_groups(year, {s for s, f, _t in placements if f is None})
    moves = []
    for student_id, from_id, to_id in placements:
        if from_id is not None:
            moves.append((student_id, from_id, to_id, "moved"))
        elif student_id in earlier:
            moves.append((student_id, earlier[student_id], to_id, "stage"))
    mentors = _mentors_of({f for _s, f, _t, _r in moves} | {t for _s, _f, t, _r in moves})
    made = 0
    for student_id, from_id, to_id, reason in moves:
        lead = mentors[from_id].lead
        if lead is None or lead in mentors[to_id].everyone:
            continue
        made += _make_due(student_id, lead, from_id, to_id, reason, at)
    return made


def due_after_mentor_change(group: MentorGroup, old_lead_id: int | None, at: datetime) -> int:
    """Handovers due when the group's lead mentor no longer mentors it: one for each
    student whose current group it is. Adds to the caller's transaction."""
    if old_lead_id is None or old_lead_id in {m.user_id for m in group.mentors}:
        return 0
    is_staff = db.session.scalar(
        select(
            exists().where(
                Staff.user_id == old_lead_id, Staff.school_id == group.school_year.school_id
            )
        )
    )
    if not is_staff:
        return 0
    students = db.session.scalars(
        access.current_member_ids(select(MentorGroup.id).where(MentorGroup.id == group.id))
    ).all()
    return sum(
        _make_due(student_id, old_lead_id, group.id, group.id, "mentor", at)
        for student_id in students
    )


# --- the outgoing mentor's lists and form --------------------------------------------------


@dataclass(frozen=True)
class HandoverLine:
    id: int
    student_id: int
    student_name: str
    reason: str
    from_group: str
    to_group: str | None
    from_name: str
    due_at: datetime
    write_until: datetime
    written_at: datetime | None
    updated_at: datetime | None
    what_works: str
    what_to_watch: str
    follow_ups: str

    @property
    def texts(self) -> list[tuple[str, str]]:
        """The written parts: (label, text), in the form's order."""
        return [
            (hot_path.text(label), getattr(self, n))
            for n, label in TEXT_LABELS.items()
            if getattr(self, n)
        ]


def _lines(where, order) -> list[HandoverLine]:
    """Handovers with the student's, the groups' and the writer's names (one statement)."""
    from_group, to_group = aliased(MentorGroup), aliased(MentorGroup)
    rows = db.session.execute(
        select(
            Handover.id,
            Handover.student_id,
            Student.first_name,
            Student.last_name,
            Handover.reason,
            from_group.name,
            to_group.name,
            User.name,
            Handover.due_at,
            Handover.write_until,
            Handover.written_at,
            Handover.updated_at,
            Handover.what_works,
            Handover.what_to_watch,
            Handover.follow_ups,
        )
        .join(Student, Student.id == Handover.student_id)
        .join(User, User.id == Handover.from_user_id)
        .join(from_group, from_group.id == Handover.from_group_id)
        .outerjoin(to_group, to_group.id == Handover.to_group_id)
        .where(where)
        .order_by(*order)
    )
    return [
        HandoverLine(id_, sid, f"{first} {last}", *rest) for id_, sid, first, last, *rest in rows
    ]


@dataclass
class ToWrite:
    due: list[HandoverLine] = field(default_factory=list)
    written: list[HandoverLine] = field(default_factory=list)  # still open to corrections


def to_write(user: User, now: datetime | None = None) -> ToWrite:
    """The user's handovers they may still write: not yet written (soonest closing first),
    and written ones they may still correct."""
    found = ToWrite()
    for line in _lines(
        access.writable_handovers(user, now or utcnow()),
        (Handover.written_at.is_not(None), Handover.write_until, Student.last_name, Handover.id),
    ):
        (found.written if line.written_at else found.due).append(line)
    return found


def received(user: User) -> list[HandoverLine]:
    """Written handovers the user reads (app/access.py may_read_handover), newest first."""
    return _lines(access.readable_handovers(user), (Handover.written_at.desc(), Handover.id))


def received_for_student(user: User, student_id: int) -> list[HandoverLine]:
    """The written handovers of one student that the user reads, newest first."""
    return _lines(
        and_(Handover.student_id == student_id, access.readable_handovers(user)),
        (Handover.written_at.desc(), Handover.id),
    )


@dataclass(frozen=True)
class HomeCounts:
    to_write: int
    received: int


@dataclass(frozen=True)
class _ByParameter:
    """Stands for the user in the access rules' conditions, which read only `user.id`,
    so that a statement built from them takes the id as a bind parameter."""

    id: object


def _home_counts_statement():
    """Building this select took longer than the rest of the mentor's home: it is built
    once per process, the user and the time are parameters."""
    user, now = _ByParameter(bindparam("uid")), bindparam("now")
    due = (
        select(func.count(Handover.id))
        .where(access.writable_handovers(user, now), Handover.written_at.is_(None))
        .scalar_subquery()
    )
    read = select(func.count(Handover.id)).where(access.readable_handovers(user)).scalar_subquery()
    return select(due, read)


# Run on the cursor (app/sql.py): the mentor's home runs it on every view.
_HOME_COUNTS = Prepared(_home_counts_statement)


def home_counts(user: User, now: datetime | None = None) -> HomeCounts:
    """For the mentor's home: handovers to write, and received ones (one statement)."""
    to_write_count, received_count = _HOME_COUNTS.first(uid=user.id, now=now or utcnow())
    return HomeCounts(to_write_count, received_count)


def line_of(handover: Handover) -> HandoverLine:
    """A handover loaded with its student, writer and groups, as a line for the page."""
    return HandoverLine(
        handover.id,
        handover.student_id,
        handover.student.name,
        handover.reason,
        handover.from_group.name,
        handover.to_group.name if handover.to_group else None,
        handover.from_user.name,
        handover.due_at,
        handover.write_until,
        handover.written_at,
        handover.updated_at,
        handover.what_works,
        handover.what_to_watch,
        handover.follow_ups,
    )


@dataclass(frozen=True)
class ContextItem:
    kind: str  # "goal" or "note"
    text: str
    due: date | None


def context_for(handover: Handover) -> list[ContextItem]:
    """What the outgoing mentor sees, read only, beside the form: the student's open goals
    of the year they mentored and the open follow-ups of the contact log made before the
    change (one statement)."""
    latest = (
        select(GoalUpdate.status)
        .where(GoalUpdate.goal_id == Goal.id)
        .order_by(GoalUpdate.created_at.desc(), GoalUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    goals = select(
        literal("goal", String).label("kind"),
        Goal.text.label("text"),
        Goal.target_date.label("due"),
        Goal.id.label("id"),
    ).where(
        Goal.student_id == handover.student_id,
        Goal.school_year_id == handover.from_group.school_year_id,
        (latest.is_(None)) | latest.not_in(CLOSED),
    )
    notes = select(
        literal("note", String),
        ContactNote.summary,
        ContactNote.follow_up_on,
        ContactNote.id,
    ).where(
        ContactNote.student_id == handover.student_id,
        ContactNote.follow_up_on.is_not(None),
        ContactNote.follow_up_done.is_(False),
        ContactNote.created_at <= handover.due_at,
    )
    rows = db.session.execute(goals.union_all(notes)).all()
    items = [ContextItem(kind, text, due) for kind, text, due, _id in rows]
    items.sort(key=lambda i: (i.kind, i.due or date.max, i.text))
    return items


# --- writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """ "written", "repeated" (the same send again), or "refused" with the field to blame
    and the reason."""

    result: str
    field: str | None = None
    reason: object = None

    @property
    def ok(self) -> bool:
        return self.result != "refused"


EMPTY = _l("Write at least one of the three parts.")
CLOSED_NOW = _l("The time to write this handover has ended.")


def write(
    handover: Handover,
    user: User,
    texts: dict[str, str],
    send_key: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Save the handover's three texts and commit. Decided in the database at this moment:
    the update holds only while the user may still write it (may_write_handover)."""
    now = now or utcnow()
    values = {name: (texts.get(name) or "").strip()[:TEXT_MAX] for name in TEXT_LABELS}
    if not any(values.values()):
        return Outcome("refused", "what_works", EMPTY)
    if submissions.claim(user, send_key) is not None:
        db.session.rollback()
        return Outcome("repeated")
    changed = db.session.execute(
        update(Handover)
        .where(Handover.id == handover.id, access.writable_handovers(user, now))
        .values(
            **values,
            written_at=func.coalesce(Handover.written_at, literal(now, UTCDateTime)),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return Outcome("refused", "what_works", CLOSED_NOW)
    audit.record(
        "handover.written",
        handover.student,
        {"handover_id": handover.id, "first": handover.written_at is None},
        actor=user,
    )
    submissions.finish(user, send_key, "")
    db.session.commit()
    return Outcome("written")
