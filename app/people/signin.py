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


# purpose → (endpoint of the link, mail template, config key of its lifetime)
LINKS = {
    "signin": ("people.link_signin", "signin_link", "SIGNIN_LINK_MINUTES"),
    "reset": ("people.reset_password", "password_reset", "PASSWORD_RESET_MINUTES"),
}


def send_link(email: str, purpose: str) -> None:
    """Queue a one-time link if the address belongs to an active user; silent otherwise,
    so that the answer never tells whether an account exists."""
    user = find_user(email)
    if user is None or not user.active:
        return
    endpoint, template, lifetime = LINKS[purpose]
    minutes = current_app.config[lifetime]
    secret = tokens.issue(user, purpose, minutes)
    queue_mail(
        user.email,
        template,
        locale=user.locale,
        user=user,
        link=_absolute(endpoint, token=secret),
        minutes=minutes,
    )
    audit.record(f"{purpose}_link.sent", user, actor=user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record("password.changed", user, actor=user)
