"""Sign-in logic: check credentials, send one-time links, set passwords."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.outbox import queue_mail
from app.people import tokens
from app.people.models import User
from app.people.passwords import hash_password, verify_password
from app.web import absolute_url


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same effort either way)."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


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
    mail_link(user, purpose, minutes, template, minutes=minutes)
    audit.record(f"{purpose}_link.sent", user, actor=user)
    db.session.commit()


def mail_link(user: User, purpose: str, lifetime: int, template: str, **context) -> None:
    """Issue a one-time link token valid for `lifetime` minutes and queue the e-mail that
    carries it (the caller audits and commits)."""
    secret = tokens.issue(user, purpose, lifetime)
    link = absolute_url(LINKS[purpose][0], token=secret)
    queue_mail(user.email, template, locale=user.locale, user=user, link=link, **context)


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record("password.changed", user, actor=user)
