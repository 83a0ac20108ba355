"""Feed links: creating (and so revoking the previous), finding, and keeping track of
when a feed's content last changed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app import audit
from app.db_types import utcnow
from app.extensions import db
from app.feeds.models import FeedToken
from app.people.models import User


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewLink:
    secret: str  # goes into the link only; the database keeps its hash
    replaced: bool  # an earlier link for the same feed stopped working


def create(user: User, student_id: int | None) -> NewLink:
    """A new secret link for the feed (192 random bits); the previous one stops working.
    Committed: the link is the user's the moment they are shown it."""
    revoked = db.session.execute(
        update(FeedToken)
        .where(
            FeedToken.user_id == user.id,
            FeedToken.student_id.is_(None)
            if student_id is None
            else FeedToken.student_id == student_id,
            FeedToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(24)
    token = FeedToken(user_id=user.id, student_id=student_id, token_hash=digest(secret))
    db.session.add(token)
    db.session.flush()
    audit.record("feed.link_created", token, {"student_id": student_id}, actor=user)
    db.session.commit()
    return NewLink(secret, replaced=revoked.rowcount > 0)


def record_content(refresh, now: datetime | None = None) -> datetime:
    """Store a changed fingerprint; returns when the content last changed."""
    if refresh.served_fingerprint == refresh.fingerprint and refresh.served_changed_at is not None:
        return refresh.served_changed_at
    # HTTP dates have whole seconds: a change within the same second as the last one must
    # still get a later Last-Modified, or If-Modified-Since would hide it.
    changed = (now or utcnow()).replace(microsecond=0)
    previous = refresh.served_changed_at
    if previous is not None and changed <= previous:
        changed = previous + timedelta(seconds=1)
    db.session.execute(
        update(FeedToken)
        .where(FeedToken.id == refresh.token_id)
        .values(content_fingerprint=refresh.fingerprint, content_changed_at=changed)
    )
    db.session.commit()
    return changed


def active_links(user: User) -> dict[int | None, FeedToken]:
    return {
        t.student_id: t
        for t in db.session.scalars(
            select(FeedToken).where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        )
    }
