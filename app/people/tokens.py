"""One-time link tokens for sign-in and password reset.

The link carries 256 random bits; only their SHA-256 is stored. A token is
consumed by one conditional UPDATE, so two clicks at once cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update

from app.db_types import utcnow
from app.extensions import db
from app.people.models import SignInToken, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str, minutes: int) -> str:
    """Create a token for the user and return its secret (put it in the link only)."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        SignInToken(
            user_id=user.id,
            token_hash=_digest(secret),
            purpose=purpose,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    return secret


def peek(secret: str, purpose: str) -> SignInToken | None:
    """The token if it is valid now (unused, unexpired, right purpose), without using it."""
    token = db.session.scalar(
        db.select(SignInToken).where(SignInToken.token_hash == _digest(secret))
    )
    if (
        token is None
        or token.purpose != purpose
        or token.used_at is not None
        or token.expires_at <= utcnow()
        or not token.user.active
    ):
        return None
    return token


def consume(secret: str, purpose: str) -> User | None:
    """Use the token once. Returns its user, or None when invalid, expired or used."""
    now = utcnow()
    result = db.session.execute(
        update(SignInToken)
        .where(
            SignInToken.token_hash == _digest(secret),
            SignInToken.purpose == purpose,
            SignInToken.used_at.is_(None),
            SignInToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    token = db.session.scalar(
        db.select(SignInToken).where(SignInToken.token_hash == _digest(secret))
    )
    user = token.user
    return user if user.active else None


def revoke_all(user: User) -> int:
    """Make every unused one-time link of the user (sign-in, reset, invitation) stop
    working: after a new password or sign-in address (the caller commits)."""
    result = db.session.execute(
        update(SignInToken)
        .where(SignInToken.user_id == user.id, SignInToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
