"""How long the app keeps what it only needs for a while, and the sweep that deletes the rest.

One list (`RULES`) says what is kept how long; `sweep` deletes what has passed. The mail
worker (`flask outbox work`) sweeps once an hour, and `flask retention sweep` does it by hand
or from cron. Deleting is idempotent, so several workers sweeping at once is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from app.absence.models import AbsenceImport
from app.admin.models import ImportBatch
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import SignInToken, UserSession
from app.submissions import Submission
from app.teaching.models_handover import Handover


@dataclass(frozen=True)
class Rule:
    name: str
    keep: timedelta
    # Which rows have passed, given the cut-off time (now - keep).
    passed: Callable[[datetime], object]
    model: type


RULES = (
    # A send key only has to outlive a double tap or a resend after a lost answer.
    Rule("send keys", timedelta(days=30), lambda cut: Submission.created_at < cut, Submission),
    # Ended or expired sign-ins: the account page lists only live ones.
    Rule(
        "ended sessions",
        timedelta(days=30),
        lambda cut: or_(UserSession.ended_at < cut, UserSession.expires_at < cut),
        UserSession,
    ),
    # One-time links last minutes to days; a used or expired one is worth nothing.
    Rule(
        "one-time links", timedelta(days=7), lambda cut: SignInToken.expires_at < cut, SignInToken
    ),
    # A delivered mail's text is personal data that the recipient already has.
    Rule(
        "delivered mail", timedelta(days=30), lambda cut: OutboxMessage.sent_at < cut, OutboxMessage
    ),
    # An upload the admin never confirmed: its file is personal data.
    Rule(
        "unconfirmed people imports",
        timedelta(days=1),
        lambda cut: (ImportBatch.applied_at.is_(None)) & (ImportBatch.created_at < cut),
        ImportBatch,
    ),
    Rule(
        "unconfirmed absence imports",
        timedelta(days=1),
        lambda cut: (AbsenceImport.applied_at.is_(None)) & (AbsenceImport.created_at < cut),
        AbsenceImport,
    ),
    # Undeliverable mail stays on the administrators' page for a term's worth of time.
    Rule(
        "undeliverable mail",
        timedelta(days=90),
        lambda cut: OutboxMessage.failed_at < cut,
        OutboxMessage,
    ),
    # --- handover (issue 19) ---
    # A handover never written by the end of its time is an empty row: nobody may write it.
    Rule(
        "handovers never written",
        timedelta(0),
        lambda cut: (Handover.written_at.is_(None)) & (Handover.write_until < cut),
        Handover,
    ),
    # --- end handover ---
)

SWEEP_EVERY = timedelta(hours=1)


def _clear_sickness_notes() -> int:
    """A sickness report's note is health data, cleared when its term has ended."""
    from app.absence.reports import clear_ended_notes
    from app.school.calendar import today

    return clear_ended_notes(today())


# What is not deleted but emptied: name -> a function that clears it and commits.
CLEARS = {"sickness notes of ended terms": _clear_sickness_notes}


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Delete what every rule says has passed and empty what `CLEARS` names; returns the
    number of rows per rule."""
    now = now or utcnow()
    deleted = {}
    for rule in RULES:
        result = db.session.execute(
            delete(rule.model)
            .where(rule.passed(now - rule.keep))
            .execution_options(synchronize_session=False)
        )
        deleted[rule.name] = result.rowcount or 0
    db.session.commit()
    for name, clear in CLEARS.items():
        deleted[name] = clear()
    return deleted
