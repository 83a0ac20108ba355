"""The survey after a talk period: when it is open, answering it once, and what the
mentor and the principal may see of the answers.

When: a talk period is over when its booking has closed and its last talk (the last
time not removed) has ended, whichever is later. From then its survey is open for
OPEN_DAYS days, to the period's students with a login and to the guardians of its
students.

Anonymity (see app/surveys/models.py for the tables): an answer is added to counts and
leaves no row of its own; who has answered is kept apart, with no time. The mentor sees a
group's counts and comments only when at least MIN_ANSWERS have answered, the principal
the school's per term under the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, exists, func, select

from app.concurrency import dialect_insert, insert_unless_exists
from app.db_types import utcnow
from app.extensions import db
from app.school.models import MentorGroup, SchoolYear, Term
from app.surveys.items import AUDIENCES, SCALE, items_for
from app.surveys.models import SurveyAnswered, SurveyComment, SurveyTally
from app.talks.models import TalkPeriod, TalkSlot
from app.talks.periods import term_label

# The fewest answers whose totals anyone sees (the one place this number is set).
MIN_ANSWERS = 5
# How long the survey stays open after the talk period is over.
OPEN_DAYS = 28
# The longest comment kept.
COMMENT_MAX = 500


# --- when ------------------------------------------------------------------------------


def last_talk_column():
    """The end of a period's last talk (times not removed), correlated to TalkPeriod:
    a column for statements that load periods."""
    return (
        select(func.max(TalkSlot.ends_at))
        .where(TalkSlot.period_id == TalkPeriod.id, TalkSlot.removed_at.is_(None))
        .correlate(TalkPeriod)
        .scalar_subquery()
    )


def answered_column(user_id):
    """Whether the user (an id or a bind parameter) has answered the period's survey."""
    return exists().where(
        SurveyAnswered.period_id == TalkPeriod.id, SurveyAnswered.user_id == user_id
    )


def ended_at(booking_closes_at: datetime, last_talk_ends: datetime | None) -> datetime:
    """The rule: the period is over when booking has closed and its last talk has ended."""
    if last_talk_ends is None:
        return booking_closes_at
    return max(booking_closes_at, last_talk_ends)


def closes_at(ended: datetime) -> datetime:
    return ended + timedelta(days=OPEN_DAYS)


def state(ended: datetime, now: datetime | None = None) -> str:
    """ "not_yet" (talks still to come), "open" or "closed"."""
    now = now or utcnow()
    if now < ended:
        return "not_yet"
    return "open" if now < closes_at(ended) else "closed"


@dataclass
class SurveyInvite:
    """The home card: a period's survey the user may answer now."""

    period_id: int
    title: str
    closes_at: datetime
    names: list[str] = field(default_factory=list)  # the children it is about (guardians)


def invitation(
    period_id: int,
    title: str,
    booking_closes_at: datetime,
    last_talk_ends: datetime | None,
    answered: bool,
    now: datetime,
) -> SurveyInvite | None:
    """A card for the period's survey, when it is open and the user has not answered."""
    ended = ended_at(booking_closes_at, last_talk_ends)
    if answered or state(ended, now) != "open":
        return None
    return SurveyInvite(period_id, title, closes_at(ended))


# --- answering -------------------------------------------------------------------------


@dataclass
class PeriodSurvey:
    """A period's survey as the answer page sees it for one user."""

    state: str
    closes_at: datetime
    answered: bool


@cache  # per process, safely: built from code alone
def _period_survey_statement():
    return select(
        TalkPeriod.booking_closes_at, last_talk_column(), answered_column(bindparam("uid"))
    ).where(TalkPeriod.id == bindparam("period_id"))


def period_survey(period: TalkPeriod, user_id: int, now: datetime | None = None) -> PeriodSurvey:
    closes, last, answered = db.session.execute(
        _period_survey_statement(), {"period_id": period.id, "uid": user_id}
    ).one()
    ended = ended_at(closes, last)
    return PeriodSurvey(state(ended, now), closes_at(ended), bool(answered))


@dataclass(frozen=True)
class Outcome:
    """ "answered", "already" (this person had answered: a double send changes nothing),
    or "refused" with a reason ("not_open") or field errors ({item key or "comment": code})."""

    result: str
    reason: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def check_answers(audience: str, scores: dict, comment: str) -> dict[str, str]:
    """Field errors: every item of the audience needs a score on the scale; the comment
    has a length limit."""
    errors = {}
    for item in items_for(audience):
        if scores.get(item.key) not in SCALE:
            errors[item.key] = "missing"
    if len(comment) > COMMENT_MAX:
        errors["comment"] = "too_long"
    return errors


def answer(
    user_id: int,
    period: TalkPeriod,
    audience: str,
    scores: dict[str, int],
    comment: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Answer the period's survey once (the caller has checked the user may: app/access.py
    may_answer_survey). The "has answered" row and the counts are written in one
    transaction; a second or concurrent send finds the row and adds nothing."""
    comment = comment.strip()
    errors = check_answers(audience, scores, comment)
    if errors:
        return Outcome("refused", errors=errors)
    if period_survey(period, user_id, now).state != "open":
        return Outcome("refused", "not_open")
    if not insert_unless_exists(SurveyAnswered, period_id=period.id, user_id=user_id):
        db.session.rollback()
        return Outcome("already")
    table = SurveyTally.__table__
    insert = dialect_insert(db.session.connection().dialect.name)
    rows = [
        {
            "period_id": period.id,
            "audience": audience,
            "item": item.key,
            "score": scores[item.key],
            "count": 1,
        }
        for item in items_for(audience)
    ]
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.period_id, table.c.audience, table.c.item, table.c.score],
        set_={"count": table.c.count + statement.excluded.count},
    )
    db.session.execute(statement)
    if comment:
        db.session.add(SurveyComment(period_id=period.id, audience=audience, text=comment))
    db.session.commit()
    return Outcome("answered")


# --- results ---------------------------------------------------------------------------


@dataclass
class ItemTotal:
    key: str
    counts: list[int]  # how many chose 1, 2, 3, 4, 5

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float:
        n = self.answers
        return sum(s * c for s, c in zip(SCALE, self.counts, strict=True)) / n if n else 0.0


@dataclass
class AudienceTotals:
    """One audience's answers to a survey: shown only from MIN_ANSWERS respondents."""

    audience: str
    respondents: int
    items: list[ItemTotal] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_ANSWERS


def _items(audience: str, counts: dict[tuple[str, int], int]) -> list[ItemTotal]:
    return [
        ItemTotal(i.key, [counts.get((i.key, s), 0) for s in SCALE]) for i in items_for(audience)
    ]


def _respondents(audience: str, counts: dict[tuple[str, int], int]) -> int:
    """Every item is answered, so the respondents are the most answers any item has (an
    item added later has fewer)."""
    keys = {i.key for i in items_for(audience)}
    per_item: dict[str, int] = {}
    for (key, _score), n in counts.items():
        if key in keys:
            per_item[key] = per_item.get(key, 0) + n
    return max(per_item.values(), default=0)


def _totals(
    audience: str, counts: dict[tuple[str, int], int], respondents: int | None = None
) -> AudienceTotals:
    """An audience's totals from the counts of (item, score): each item's counts only when
    enough have answered to show them."""
    if respondents is None:
        respondents = _respondents(audience, counts)
    totals = AudienceTotals(audience, respondents)
    if totals.shown:
        totals.items = _items(audience, counts)
    return totals


@dataclass
class PeriodResults:
    period_id: int
    title: str
    term: str
    state: str
    closes_at: datetime
    audiences: list[AudienceTotals]


@cache  # per process, safely: built from code alone
def _group_periods_statement():
    return (
        select(
            TalkPeriod.id,
            TalkPeriod.title,
            TalkPeriod.booking_closes_at,
            last_talk_column(),
            Term.kind,
            Term.start_date,
        )
        .join(Term, Term.id == TalkPeriod.term_id)
        .where(TalkPeriod.group_id == bindparam("group_id"))
        .order_by(Term.start_date.desc(), TalkPeriod.id.desc())
    )


@cache  # per process, safely: built from code alone
def _group_tally_statement():
    return select(
        SurveyTally.period_id,
        SurveyTally.audience,
        SurveyTally.item,
        SurveyTally.score,
        SurveyTally.count,
    ).where(
        SurveyTally.period_id.in_(
            select(TalkPeriod.id).where(TalkPeriod.group_id == bindparam("group_id"))
        )
    )


@cache  # per process, safely: built from code alone
def _comments_statement():
    # Sorted by their text: the order says nothing about who wrote first.
    return (
        select(SurveyComment.period_id, SurveyComment.audience, SurveyComment.text)
        .where(SurveyComment.period_id.in_(bindparam("periods", expanding=True)))
        .order_by(SurveyComment.text, SurveyComment.id)
    )


def group_results(group: MentorGroup, now: datetime | None = None) -> list[PeriodResults]:
    """The group's talk periods that are over, newest first, each with its students' and
    guardians' totals (when enough have answered) and comments (likewise, sorted by
    text, never with names). Three statements whatever the number of answers."""
    from types import SimpleNamespace

    connection = db.session.connection()
    periods = []
    for pid, title, booking_closes, last, kind, start in connection.execute(
        _group_periods_statement(), {"group_id": group.id}
    ):
        ended = ended_at(booking_closes, last)
        status = state(ended, now)
        if status != "not_yet":
            term = term_label(SimpleNamespace(kind=kind, start_date=start))
            periods.append(PeriodResults(pid, title, term, status, closes_at(ended), []))
    if not periods:
        return []
    counts: dict[tuple[int, str], dict[tuple[str, int], int]] = {}
    for pid, audience, item, score, n in connection.execute(
        _group_tally_statement(), {"group_id": group.id}
    ):
        counts.setdefault((pid, audience), {})[(item, score)] = n
    shown = {}
    for period in periods:
        for audience in AUDIENCES:
            totals = _totals(audience, counts.get((period.period_id, audience), {}))
            period.audiences.append(totals)
            if totals.shown:
                shown[(period.period_id, audience)] = totals
    if shown:
        rows = connection.execute(
            _comments_statement(), {"periods": sorted({pid for pid, _a in shown})}
        )
        for pid, audience, text in rows:
            if (pid, audience) in shown:
                shown[(pid, audience)].comments.append(text)
    return periods


# --- the school over time --------------------------------------------------------------


@dataclass
class TermTotals:
    term_id: int
    label: str
    audiences: dict[str, AudienceTotals]


@cache  # per process, safely: built from code alone
def _school_tally_statement():
    total = func.sum(SurveyTally.count)
    return (
        select(
            Term.id,
            Term.kind,
            Term.start_date,
            SurveyTally.period_id,
            SurveyTally.audience,
            SurveyTally.item,
            SurveyTally.score,
            total,
        )
        .join(TalkPeriod, TalkPeriod.id == SurveyTally.period_id)
        .join(Term, Term.id == TalkPeriod.term_id)
        .join(SchoolYear, SchoolYear.id == Term.school_year_id)
        .where(SchoolYear.school_id == bindparam("school_id"))
        .group_by(
            Term.id,
            Term.kind,
            Term.start_date,
            SurveyTally.period_id,
            SurveyTally.audience,
            SurveyTally.item,
            SurveyTally.score,
        )
        .order_by(Term.start_date, Term.id)
    )


def school_trend(school_id: int) -> list[TermTotals]:
    """The school's totals per term, oldest first: for each audience the respondents of
    all its groups' periods and, from MIN_ANSWERS respondents, each item's counts. One
    statement whatever the number of terms, groups or answers."""
    from types import SimpleNamespace

    terms: dict[int, TermTotals] = {}
    # term → audience → period → (item, score) → count
    counts: dict[int, dict[str, dict[int, dict[tuple[str, int], int]]]] = {}
    rows = db.session.connection().execute(_school_tally_statement(), {"school_id": school_id})
    for term_id, kind, start, pid, audience, item, score, n in rows:
        if term_id not in terms:
            label = term_label(SimpleNamespace(kind=kind, start_date=start))
            terms[term_id] = TermTotals(term_id, label, {})
        by_period = counts.setdefault(term_id, {}).setdefault(audience, {})
        by_period.setdefault(pid, {})[(item, score)] = n
    for term_id, term in terms.items():
        for audience in AUDIENCES:
            periods = counts[term_id].get(audience, {})
            merged: dict[tuple[str, int], int] = {}
            for period_counts in periods.values():
                for key, n in period_counts.items():
                    merged[key] = merged.get(key, 0) + n
            respondents = sum(_respondents(audience, c) for c in periods.values())
            term.audiences[audience] = _totals(audience, merged, respondents)
    return list(terms.values())
