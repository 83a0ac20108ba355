"""Talk preparation (issue 19): before a booked talk the student answers a short
self-assessment (school in general, each current goal, what to talk about) and each
guardian may add questions. The mentor reads all of it on the talk's notes page; the
guardians see only whether the student has prepared.

Answers can be changed until the talk starts; the server decides that at the moment of
saving. Every save is an upsert on a unique key (INSERT ... ON CONFLICT DO UPDATE), so a
double send, two tabs or two devices end in one row with the last answers.

The goals shown are the student's open goals of the period's school year and, again, the
goals agreed at the student's last talk (made from its agreed actions, Goal.from_period_id),
closed or not, so the student can say how they went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from app import audit, hot_path
from app.concurrency import dialect_insert
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.school.models import Term
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot
from app.talks.models_prep import (
    SCALE,
    TalkGuardianQuestions,
    TalkPreparation,
    TalkPreparationGoal,
)

SCALE_LABELS = {
    "well": _l("Going well"),
    "partly": _l("Partly well"),
    "hard": _l("Hard right now"),
}
assert tuple(SCALE_LABELS) == SCALE


def scale_label(value: str | None) -> str:
    return hot_path.text(SCALE_LABELS[value]) if value in SCALE_LABELS else "—"


def prepared_column(period_id, student_id):
    """Whether the student has prepared the period's talk, as a column for a bigger select
    (the home cards' talks statement): a saved preparation exists."""
    return exists().where(
        TalkPreparation.period_id == period_id, TalkPreparation.student_id == student_id
    )


def has_login_column(student_id):
    """Whether the student can prepare at all (a login of their own)."""
    return exists().where(Student.id == student_id, Student.user_id.is_not(None))


# --- the booked talk ----------------------------------------------------------------------


@dataclass(frozen=True)
class BookedTime:
    """The student's booked talk in the period, as the preparation pages show it."""

    booking_id: int
    starts_at: datetime
    ends_at: datetime
    mode: str
    location: str


def booked_time(period: TalkPeriod, student: Student) -> BookedTime | None:
    """The active booking's time (one statement), or None when the talk is not booked."""
    row = db.session.execute(
        select(
            TalkBooking.id, TalkSlot.starts_at, TalkSlot.ends_at, TalkSlot.mode, TalkSlot.location
        )
        .join(TalkSlot, TalkSlot.id == TalkBooking.active_slot_id)
        .where(TalkBooking.active_period_id == period.id, TalkBooking.student_id == student.id)
    ).first()
    return BookedTime(*row) if row else None


def is_open(talk: BookedTime | None, now: datetime | None = None) -> bool:
    """Answers and questions are taken while the talk is booked and has not started."""
    return talk is not None and (now or utcnow()) < talk.starts_at


# --- the goals to look back on ------------------------------------------------------------


@dataclass(frozen=True)
class GoalToReview:
    id: int
    area: str
    subject: str
    text: str
    status: str | None  # the goal's latest follow-up
    agreed: bool  # agreed at the student's last talk
    answer: str | None  # the student's "how is it going"
    note: str  # the student's short note


def _goals_statement(period: TalkPeriod, student_id: int):
    from app.goals.models import CLOSED, Goal, GoalUpdate

    latest = (
        select(GoalUpdate.status)
        .where(GoalUpdate.goal_id == Goal.id)
        .order_by(GoalUpdate.created_at.desc(), GoalUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The student's last talk that agreed goals: the latest other period (by its term's
    # start) that goals of the student were made from.
    made, earlier, earlier_term, this_term = (
        aliased(Goal),
        aliased(TalkPeriod),
        aliased(Term),
        aliased(Term),
    )
    this_start = select(this_term.start_date).where(this_term.id == period.term_id)
    last = (
        select(made.from_period_id)
        .join(earlier, earlier.id == made.from_period_id)
        .join(earlier_term, earlier_term.id == earlier.term_id)
        .where(
            made.student_id == student_id,
            made.from_period_id != period.id,
            earlier_term.start_date <= this_start.scalar_subquery(),
        )
        .order_by(earlier_term.start_date.desc(), earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    agreed = and_(Goal.from_period_id.is_not(None), Goal.from_period_id == last)
    preparation = (
        select(TalkPreparation.id)
        .where(TalkPreparation.period_id == period.id, TalkPreparation.student_id == student_id)
        .scalar_subquery()
    )
    open_status = or_(latest.is_(None), latest.not_in([literal_column(f"'{s}'") for s in CLOSED]))
    agreed_first = case((agreed, 0), else_=1)
    return (
        select(
            Goal.id,
            Goal.area,
            Goal.subject,
            Goal.text,
            latest,
            agreed_first,
            TalkPreparationGoal.status,
            TalkPreparationGoal.note,
        )
        .outerjoin(
            TalkPreparationGoal,
            and_(
                TalkPreparationGoal.goal_id == Goal.id,
                TalkPreparationGoal.preparation_id == preparation,
            ),
        )
        .where(
            Goal.student_id == student_id,
            or_(Goal.from_period_id.is_(None), Goal.from_period_id != period.id),
            or_(and_(Goal.school_year_id == period.group.school_year_id, open_status), agreed),
        )
        .order_by(agreed_first, Goal.area, Goal.id)
    )


def goals_to_review(period: TalkPeriod, student: Student) -> list[GoalToReview]:
    """The goals the preparation asks about, with the student's answers (one statement):
    the ones agreed at the last talk first."""
    rows = db.session.execute(_goals_statement(period, student.id)).all()
    return [
        GoalToReview(gid, area, subject or "", text, status, first == 0, answer, note or "")
        for gid, area, subject, text, status, first, answer, note in rows
    ]


# --- the student's answers ------------------------------------------------------------------


def preparation_of(period: TalkPeriod, student: Student) -> TalkPreparation | None:
    return db.session.scalar(
        select(TalkPreparation).where(
            TalkPreparation.period_id == period.id, TalkPreparation.student_id == student.id
        )
    )


def _upsert(model, rows: list[dict], keys: list[str], columns: list[str]):
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET columns: one statement for all rows;
    a concurrent insert of the same key waits for the other and then updates it."""
    insert = dialect_insert(db.session.connection().dialect.name)
    statement = insert(model.__table__).values(rows)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={c: statement.excluded[c] for c in columns}
    )


def save_preparation(
    period: TalkPeriod,
    student: Student,
    author: User,
    *,
    general: str,
    topics: str,
    answers: dict[int, tuple[str | None, str]],
    now: datetime | None = None,
) -> str:
    """Save the student's answers (the first save creates them), audited and committed.
    Returns "saved", or "closed" when the talk is not booked or has started (nothing is
    written). Answers for goals the preparation does not ask about are ignored."""
    now = now or utcnow()
    if not is_open(booked_time(period, student), now):
        return "closed"
    values = {"general": general, "topics": topics.strip(), "updated_at": now}
    preparation_id = db.session.execute(
        _upsert(
            TalkPreparation,
            [{"period_id": period.id, "student_id": student.id, **values}],
            ["period_id", "student_id"],
            list(values),
        ).returning(TalkPreparation.id)
    ).scalar_one()
    asked = {goal.id for goal in goals_to_review(period, student)}
    rows = [
        {
            "preparation_id": preparation_id,
            "goal_id": goal_id,
            "status": status or None,
            "note": note.strip(),
        }
        for goal_id, (status, note) in sorted(answers.items())
        if goal_id in asked
    ]
    if rows:
        db.session.execute(
            _upsert(TalkPreparationGoal, rows, ["preparation_id", "goal_id"], ["status", "note"])
        )
    audit.record(
        "talk_preparation.saved",
        None,
        {"period_id": period.id, "student_id": student.id, "goals": len(rows)},
        actor=author,
        school_id=student.school_id,
    )
    db.session.commit()
    return "saved"


# --- the guardians' questions ----------------------------------------------------------------


@dataclass(frozen=True)
class GuardianView:
    prepared: bool
    questions: str | None  # this guardian's own questions, None when none saved


def guardian_view(period: TalkPeriod, student: Student, guardian: User) -> GuardianView:
    """What a guardian sees of the preparation (one statement): whether the student has
    prepared, and their own questions."""
    own = (
        select(TalkGuardianQuestions.text)
        .where(
            TalkGuardianQuestions.period_id == period.id,
            TalkGuardianQuestions.student_id == student.id,
            TalkGuardianQuestions.guardian_id == guardian.id,
        )
        .scalar_subquery()
    )
    prepared, text = db.session.execute(select(prepared_column(period.id, student.id), own)).one()
    return GuardianView(bool(prepared), text)


def save_questions(
    period: TalkPeriod,
    student: Student,
    guardian: User,
    text: str,
    now: datetime | None = None,
) -> str:
    """Save the guardian's own questions for the talk, audited and committed: "saved", or
    "closed" when the talk is not booked or has started (nothing written)."""
    now = now or utcnow()
    if not is_open(booked_time(period, student), now):
        return "closed"
    db.session.execute(
        _upsert(
            TalkGuardianQuestions,
            [
                {
                    "period_id": period.id,
                    "student_id": student.id,
                    "guardian_id": guardian.id,
                    "text": text.strip(),
                    "updated_at": now,
                }
            ],
            ["period_id", "student_id", "guardian_id"],
            ["text", "updated_at"],
        )
    )
    audit.record(
        "talk_questions.saved",
        None,
        {"period_id": period.id, "student_id": student.id},
        actor=guardian,
        school_id=student.school_id,
    )
    db.session.commit()
    return "saved"


# --- the mentor's view ---------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianQuestions:
    name: str
    text: str
    updated_at: datetime


@dataclass(frozen=True)
class SavedAnswers:
    general: str
    topics: str
    updated_at: datetime


@dataclass
class MentorPreparation:
    preparation: SavedAnswers | None
    goals: list[GoalToReview]
    questions: list[GuardianQuestions]

    @property
    def prepared(self) -> bool:
        return self.preparation is not None


def for_mentor(period: TalkPeriod, student: Student) -> MentorPreparation:
    """Everything prepared for the talk, for the mentor's notes page, in two statements:
    the goals with the student's answers, and the answers with the guardians' questions
    (one UNION ALL: the preparation's row first, then a row per guardian)."""
    answers = select(
        literal_column("'preparation'").label("kind"),
        TalkPreparation.general.label("who"),
        TalkPreparation.topics.label("text"),
        TalkPreparation.updated_at.label("at"),
    ).where(TalkPreparation.period_id == period.id, TalkPreparation.student_id == student.id)
    questions = (
        select(
            literal_column("'questions'"),
            User.name,
            TalkGuardianQuestions.text,
            TalkGuardianQuestions.updated_at,
        )
        .join(User, User.id == TalkGuardianQuestions.guardian_id)
        .where(
            TalkGuardianQuestions.period_id == period.id,
            TalkGuardianQuestions.student_id == student.id,
            TalkGuardianQuestions.text != "",
        )
    )
    union = union_all(answers, questions).subquery()
    rows = db.session.execute(select(union).order_by(union.c.kind, union.c.who)).all()
    saved = next((r for r in rows if r.kind == "preparation"), None)
    return MentorPreparation(
        SavedAnswers(saved.who, saved.text, saved.at) if saved else None,
        goals_to_review(period, student),
        [GuardianQuestions(r.who, r.text, r.at) for r in rows if r.kind == "questions"],
    )
