"""Sign-in sessions that end on the server.

A sign-in creates a `UserSession` row; the session cookie and the 30-day remember-me
cookie carry only its random secret (Flask-Login stores `User.get_id()`, which is that
secret). Every request looks the row up, so ending the row ends the cookies wherever they
were copied to: sign-out ends this session, a new password, a new e-mail address or
deactivation end all of the account's sessions. Rows live in the database, so every app
process and instance agrees.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import ua_parser
from flask import current_app, g
from sqlalchemy import bindparam, delete, or_, select, update

from app.db_types import utcnow
from app.extensions import db
from app.people.models import User, UserSession
from app.sql import Prepared, Row

# How often the last-seen time is written: often enough for the account page, rarely
# enough that a page view normally writes nothing.
LAST_SEEN_EVERY = timedelta(minutes=5)
# Taking over an account (a first password, a new sign-in address) needs a sign-in this
# recent: a copied cookie or a phone left unlocked is not enough.
RECENT_SIGNIN = timedelta(minutes=15)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _expiry(row, now: datetime) -> datetime:
    """Idle time slides with use (12 hours, 30 days remembered), but no session outlives
    the longest lifetime from its sign-in, however often it is used."""
    config = current_app.config
    idle = config["REMEMBER_COOKIE_DURATION"] if row.remember else config["SIGNIN_IDLE_LIFETIME"]
    return min(now + idle, row.created_at + config["REMEMBER_COOKIE_DURATION"])


def describe_device(user_agent: str | None) -> str:
    """'Firefox on Android' from a User-Agent header, or '' when it says nothing useful."""
    parsed = ua_parser.parse((user_agent or "")[:512])
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else system
    if browser and system:
        return f"{browser} / {system}"[:100]
    return (browser or system)[:100]


def start(user: User, remember: bool, user_agent: str | None) -> UserSession:
    """Open a session for the user; `user.get_id()` then returns its secret (the caller
    passes the user to Flask-Login's login_user and commits)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    # The account's ended and expired sessions are of no more use.
    db.session.execute(
        delete(UserSession)
        .where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= now),
        )
        # Rows ended by a bulk update earlier in this request are in the session too.
        .execution_options(synchronize_session="fetch")
    )
    row = UserSession(
        user_id=user.id,
        token_hash=_digest(secret),
        device=describe_device(user_agent),
        remember=remember,
        created_at=now,
        last_seen_at=now,
    )
    row.expires_at = _expiry(row, now)
    db.session.add(row)
    db.session.flush()
    user.session_secret = secret
    g.user_session = row
    return row


def _load_statement():
    """The session lookup with the user's roles; only the token's hash changes between
    requests."""
    from app.access import role_columns

    return (
        select(
            *_USER.columns,
            *(getattr(UserSession, name) for name in _SESSION_FIELDS),
            *role_columns(User.id),
        )
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
    )


# Every column of the user's row: the signed-in user is built from them.
_USER = Row.of(User)
# Run on the cursor (app/sql.py): the lookup runs on every signed-in request, and
# SQLAlchemy's statement and ORM loading machinery cost several times the lookup itself.
_LOAD = Prepared(_load_statement)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """The sign-in session of this request, as read with the user."""

    id: int
    remember: bool
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


# The session row's columns, as its fields name them (read with the user, in this order).
_SESSION_FIELDS = tuple(f.name for f in fields(SessionRow))


def load(secret: str) -> User | None:
    """The user of a live session, with the roles they hold (one statement), else None.
    Keeps the session alive: its expiry slides with use, written at most every few
    minutes."""
    if not secret or len(secret) > 100:
        return None
    from app.access import roles_from_columns

    found = _LOAD.first(token_hash=_digest(secret))
    if found is None:
        return None
    user_end = len(_USER)
    session_end = user_end + len(_SESSION_FIELDS)
    user = _USER.entity(found[:user_end])
    row = SessionRow(*found[user_end:session_end])
    held = found[session_end:]
    now = utcnow()
    longest = row.created_at + current_app.config["REMEMBER_COOKIE_DURATION"]
    if min(row.expires_at, longest) <= now or not user.active:
        # Whose sign-in ran out: text kept across the new sign-in is only for them.
        g.lapsed_user_id = user.id
        return None
    if now - row.last_seen_at >= LAST_SEEN_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values(last_seen_at=now, expires_at=_expiry(row, now))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    user.session_secret = secret
    g.user_session = row
    # The roles come with the session row, so a page asks nothing more to know them.
    g.roles = roles_from_columns(user, held)
    g.roles_user_id = user.id
    return user


def current() -> UserSession | SessionRow | None:
    """The session of this request, if signed in."""
    return g.get("user_session")


def lapsed_user_id() -> int | None:
    """The account whose session this request's cookie named but which had run out."""
    return g.get("lapsed_user_id")


def signed_in_recently() -> bool:
    """Whether this session's sign-in (password or link) was within RECENT_SIGNIN."""
    row = current()
    return row is not None and utcnow() - row.created_at < RECENT_SIGNIN


def rotate(user: User, user_agent: str | None) -> bool:
    """After a new password or sign-in address: end every session of the account, this
    one too, and open a fresh one for this device, so a copy of the old cookie dies.
    Returns whether to remember the device; the caller logs the user in again with
    Flask-Login (login_user) and commits."""
    remember = bool(current() and current().remember)
    end_all(user)
    start(user, remember, user_agent)
    return remember


def end(row, now: datetime | None = None) -> None:
    """End one session (the caller commits)."""
    if row is None:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def end_all(user: User, keep: UserSession | None = None) -> int:
    """End every session of the user, except `keep` (the caller commits). Returns how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount


@dataclass(frozen=True)
class ActiveSession:
    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime
    this_device: bool


def active(user: User) -> list[ActiveSession]:
    """The user's live sessions, most recently used first, for the account page."""
    now = utcnow()
    this = current()
    rows = db.session.execute(
        select(UserSession.id, UserSession.device, UserSession.created_at, UserSession.last_seen_at)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    return [
        ActiveSession(
            r.id, r.device, r.created_at, r.last_seen_at, this is not None and r.id == this.id
        )
        for r in rows
    ]


def end_by_id(user: User, session_id: int) -> bool:
    """End one of the user's own sessions from the account page (the caller commits)."""
    result = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
