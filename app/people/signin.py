"""Sign-in logic: check credentials, send one-time links, set passwords."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.outbox import queue_mail
from app.people import tokens
from app.people.models import User
from app.people.passwords import hash_password, verify_password


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same effort either way)."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def send_signin_link(email: str) -> None:
    """Queue a sign-in link if the address belongs to an active user; silent otherwise."""
    user = find_user(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["SIGNIN_LINK_MINUTES"]
    secret = tokens.issue(user, "signin", minutes)
    queue_mail(
        user.email,
        "signin_link",
        locale=user.locale,
        user=user,
        link=_absolute("people.link_signin", token=secret),
        minutes=minutes,
    )
    audit.record("signin_link.sent", user, actor=user)
    db.session.commit()


def send_password_reset(email: str) -> None:
    user = find_user(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    secret = tokens.issue(user, "reset", minutes)
    queue_mail(
        user.email,
        "password_reset",
        locale=user.locale,
        user=user,
        link=_absolute("people.reset_password", token=secret),
        minutes=minutes,
    )
    audit.record("password_reset.sent", user, actor=user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record("password.changed", user, actor=user)
