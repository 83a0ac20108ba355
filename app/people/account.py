"""A person's own account: signing in and out, their signed-in devices, their password and
their language. Each step writes its audit row and commits here and returns what became
of it; the views keep the cookie session (Flask's session and Flask-Login's login_user /
logout_user), which is request mechanics."""

from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.db_types import utcnow
from app.extensions import db
from app.people import sessions, signin, tokens
from app.people.models import User


def sign_in(user: User, remember: bool, user_agent: str | None) -> None:
    """Open a sign-in session for the user (then `user.get_id()` is its secret, for
    login_user), note the time, audit and commit."""
    sessions.start(user, remember, user_agent)
    user.last_signed_in_at = utcnow()
    audit.record("signin", user, actor=user)
    db.session.commit()


def sign_out(user: User) -> None:
    """End this request's sign-in session on the server, audited, and commit."""
    sessions.end(sessions.current())
    audit.record("signout", user, actor=user)
    db.session.commit()


def sign_in_with_link(token: str, signed_in: User | None, user_agent: str | None) -> User | None:
    """Use a one-time sign-in link: its user, signed in (remembered) and committed, with
    whoever was signed in on this device (`signed_in`) signed out first. None when the
    link is unknown, used or expired; nothing is written then."""
    user = tokens.consume(token, "signin")
    if user is None:
        db.session.rollback()
        return None
    if signed_in is not None:
        sign_out(signed_in)
    sign_in(user, True, user_agent)
    return user


def reset_password(token: str, password: str) -> User | None:
    """Use a password-reset link: the user's new password, committed (every session of
    theirs ends, every earlier link stops working). None when the link is unknown, used
    or expired; nothing is written then."""
    user = tokens.consume(token, "reset")
    if user is None:
        db.session.rollback()
        return None
    signin.set_password(user, password)
    db.session.commit()
    return user


@dataclass(frozen=True)
class PasswordChange:
    """ "changed" (`remember`: whether this device stays remembered in its new session), or
    why not: "wrong_current", "sign_in_again" (see signin.change_password)."""

    result: str
    remember: bool = False


def change_password(user: User, current: str, new: str, user_agent: str | None) -> PasswordChange:
    """A signed-in person changes or chooses their password. Changed, every session ends
    and this device gets a fresh one (for login_user), committed."""
    result = signin.change_password(user, current, new)
    if result != "changed":
        return PasswordChange(result)
    return PasswordChange(result, renew_session(user, user_agent))


def renew_session(user: User, user_agent: str | None) -> bool:
    """After a change that takes over an account (a new password, a new sign-in address;
    the change is written but not committed): every session of the account ends, this
    one too, and this device gets a fresh one, committed with the change. Returns whether
    the device stays remembered; the view then gives the cookie the new session with
    login_user(user, remember=..., force=True)."""
    remember = sessions.rotate(user, user_agent)
    db.session.commit()
    return remember


def sign_out_device(user: User, session_id: int) -> bool:
    """End one of the user's other sessions, audited and committed. False when it is not
    theirs or already ended (nothing is written)."""
    if not sessions.end_by_id(user, session_id):
        return False
    audit.record("signout.device", user, {"session": session_id}, actor=user)
    db.session.commit()
    return True


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, this one too, audited, and commit."""
    sessions.end_all(user)
    audit.record("signout.everywhere", user, actor=user)
    db.session.commit()


def set_language(user: User, locale: str) -> bool:
    """Save the user's language, audited and committed. False when it already was."""
    if user.locale == locale:
        return False
    audit.record("account.language", user, {"old": user.locale, "new": locale}, actor=user)
    user.locale = locale
    db.session.commit()
    return True
