"""Sending undeliverable mail again: a fresh round of tries, audited and committed."""

from __future__ import annotations

from app import audit
from app.extensions import db
from app.outbox import OutboxMessage, retry
from app.people.models import User


def send_again(message: OutboxMessage, actor: User, school_id: int | None) -> None:
    """Queue the message again (`school_id`: the school whose page it was sent from)."""
    retry(message)
    audit.record(
        "mail.retried",
        message,
        {"recipient": message.recipient, "subject": message.subject},
        actor=actor,
        school_id=school_id,
    )
    db.session.commit()
