"""The survey's tables. Anonymity is in their shape:

- `survey_answered` says only that a person has answered a period's survey (the
  once-only rule). It has no time and nothing that points at the answers.
- `survey_tally` holds no answers at all, only counts: for a period and audience, how
  many chose each score of each item. An answer adds one to a count; it leaves no row of
  its own, so there is no per-answer id, order or time to line up with `survey_answered`.
- `survey_comment` holds the optional comments: text only, under a random key (no
  sequence, no time, no user), and they are always shown sorted by their text.
"""

from __future__ import annotations

import secrets

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def _random_key() -> str:
    return secrets.token_hex(16)


class SurveyAnswered(db.Model):
    """A person has answered the survey of a talk period: nothing else."""

    __tablename__ = "survey_answered"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("talk_period.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SurveyTally(db.Model):
    """How many of a period's students (or guardians) chose `score` for `item`."""

    __tablename__ = "survey_tally"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("audience IN ('student', 'guardian')", name="audience"),
        CheckConstraint("count >= 0", name="count"),
    )

    period_id: Mapped[int] = mapped_column(
        ForeignKey("talk_period.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[str] = mapped_column(String(8), primary_key=True)
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


class SurveyComment(db.Model):
    """An optional comment, without its author, time or place in a sequence."""

    __tablename__ = "survey_comment"
    __table_args__ = (CheckConstraint("audience IN ('student', 'guardian')", name="audience"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_key)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("talk_period.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
