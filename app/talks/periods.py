"""Opening a talk period: which term to suggest, its title, and creating it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.concurrency import insert_unless_exists
from app.extensions import db
from app.people.models import User
from app.school.calendar import local_to_utc
from app.school.models import MentorGroup, Term
from app.talks.models import TalkPeriod


def term_label(term: Term) -> str:
    """ "HT 2026", "VT 2027": how the school names a term."""
    return f"{term.kind} {term.start_date.year}"


def default_title(term: Term) -> str:
    """The period's title when the mentor does not write one: "Utvecklingssamtal HT 2026"."""
    return _("Development talks %(term)s %(year)s", term=term.kind, year=term.start_date.year)


def suggested_term(terms: Sequence[Term], taken: Iterable[int], on: date) -> Term | None:
    """The term a new period is most likely for: the first that has not ended and has no
    period of the group yet; else the first that has not ended; else the last."""
    taken = set(taken)
    coming = [t for t in terms if t.end_date >= on]
    return next((t for t in coming if t.id not in taken), None) or (
        coming[0] if coming else (terms[-1] if terms else None)
    )


def title_for(term: Term, typed: str | None, terms: Iterable[Term]) -> str:
    """The title to save: what the mentor wrote, unless it is empty or still the title
    suggested for another term (the term was changed, the title not): then the chosen
    term's own title."""
    typed = (typed or "").strip()
    if not typed or typed in {default_title(t) for t in terms if t.id != term.id}:
        return default_title(term)
    return typed


def terms_of(group: MentorGroup) -> tuple[list[Term], set[int]]:
    """The terms of the group's school year, and those that already have its period: one
    statement."""
    has_period = (
        select(TalkPeriod.id)
        .where(TalkPeriod.group_id == group.id, TalkPeriod.term_id == Term.id)
        .exists()
    )
    rows = db.session.execute(
        select(Term, has_period)
        .where(Term.school_year_id == group.school_year_id)
        .order_by(Term.start_date)
    ).all()
    return [term for term, _taken in rows], {term.id for term, taken in rows if taken}


def open_period(
    group: MentorGroup,
    term: Term,
    author: User,
    *,
    title: str,
    opens: datetime,
    closes: datetime,
    cancel_hours: int,
    talk_minutes: int,
    tz: str,
) -> TalkPeriod | None:
    """Create the group's period for the term (times in the school's local time), or
    None when the group already has one that term."""
    values = dict(
        group_id=group.id,
        term_id=term.id,
        title=title,
        booking_opens_at=local_to_utc(opens.date(), opens.time(), tz),
        booking_closes_at=local_to_utc(closes.date(), closes.time(), tz),
        cancel_hours=cancel_hours,
        talk_minutes=talk_minutes,
        created_by_id=author.id,
    )
    # Two mentors opening the same term at once: the unique key decides, the second gets None.
    if not insert_unless_exists(TalkPeriod, **values):
        return None
    period = db.session.scalar(
        select(TalkPeriod).where(TalkPeriod.group_id == group.id, TalkPeriod.term_id == term.id)
    )
    audit.record("talk_period.created", period, {"group_id": group.id, "term_id": term.id})
    db.session.commit()
    return period
