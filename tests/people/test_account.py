"""Account steps, called directly: each returns what became of it and commits; a used link,
a wrong password or a device that is not one's own is an ordinary answer that writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.people import account, sessions, signin, tokens
from app.people.models import User, UserSession
from tests.conftest import ACCOUNTS
from tests.talks.helpers import user

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def ctx(app):
    """A request context, as in a view: sessions note this request's session row."""
    with app.test_request_context():
        yield app


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _last_action() -> str:
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))


def _live_sessions(person: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == person.id, UserSession.ended_at.is_(None))
    )


def test_sign_in_opens_a_session_and_commits(ctx):
    guardian = user(ACCOUNTS["guardian"])
    account.sign_in(guardian, False, BROWSER)
    secret = guardian.get_id()
    db.session.rollback()  # nothing left to lose: it was committed
    assert sessions.load(secret).id == guardian.id
    assert guardian.last_signed_in_at is not None and _last_action() == "signin"


def test_a_used_link_signs_no_one_in_and_writes_nothing(ctx):
    guardian, mentor = user(ACCOUNTS["guardian"]), user(ACCOUNTS["mentor"])
    secret = tokens.issue(guardian, "signin", 15)
    db.session.commit()
    account.sign_in(mentor, False, BROWSER)  # someone else was signed in on this device
    before = _audit_rows()
    assert account.sign_in_with_link("not-a-token", mentor, BROWSER) is None
    assert _audit_rows() == before and _live_sessions(mentor) == 1
    assert account.sign_in_with_link(secret, mentor, BROWSER) == guardian
    assert _live_sessions(mentor) == 0 and _live_sessions(guardian) == 1
    assert account.sign_in_with_link(secret, None, BROWSER) is None  # once only


def test_a_reset_link_sets_the_password_once(ctx):
    guardian = user(ACCOUNTS["guardian"])
    secret = tokens.issue(guardian, "reset", 15)
    db.session.commit()
    assert account.reset_password(secret, "ett nytt långt lösenord") == guardian
    db.session.rollback()
    assert signin.authenticate(ACCOUNTS["guardian"], "ett nytt långt lösenord") == guardian
    assert account.reset_password(secret, "ett annat lösenord igen") is None
    assert signin.authenticate(ACCOUNTS["guardian"], "ett annat lösenord igen") is None


def test_a_wrong_current_password_is_an_answer_not_a_change(ctx):
    mentor = user(ACCOUNTS["mentor"])
    account.sign_in(mentor, True, BROWSER)
    before = _audit_rows()
    wrong = account.change_password(mentor, "fel", "ett nytt långt lösenord", BROWSER)
    assert wrong == account.PasswordChange("wrong_current")
    assert _audit_rows() == before
    changed = account.change_password(mentor, DEMO_PASSWORD, "ett nytt långt lösenord", BROWSER)
    assert changed == account.PasswordChange("changed", remember=True)
    db.session.rollback()
    assert signin.authenticate(ACCOUNTS["mentor"], "ett nytt långt lösenord") == mentor
    assert _live_sessions(mentor) == 1  # only this device's fresh one


def test_a_password_without_a_recent_sign_in_is_refused(ctx):
    guardian = user(ACCOUNTS["other_guardian"])
    guardian.password_hash = None
    db.session.commit()
    outcome = account.change_password(guardian, "", "ett nytt långt lösenord", BROWSER)
    assert outcome == account.PasswordChange("sign_in_again")
    assert db.session.get(User, guardian.id).password_hash is None


def test_only_ones_own_devices_are_signed_out(ctx):
    guardian, mentor = user(ACCOUNTS["guardian"]), user(ACCOUNTS["mentor"])
    account.sign_in(mentor, False, BROWSER)
    theirs = sessions.current().id
    before = _audit_rows()
    assert account.sign_out_device(guardian, theirs) is False
    assert _audit_rows() == before and _live_sessions(mentor) == 1
    assert account.sign_out_device(mentor, theirs) is True
    db.session.rollback()
    assert _live_sessions(mentor) == 0 and _last_action() == "signout.device"
    account.sign_in(guardian, False, BROWSER)
    account.sign_in(guardian, False, BROWSER)
    account.sign_out_everywhere(guardian)
    db.session.rollback()
    assert _live_sessions(guardian) == 0 and _last_action() == "signout.everywhere"


def test_the_language_is_saved_once(ctx):
    guardian = user(ACCOUNTS["guardian"])
    assert account.set_language(guardian, "ar") is True
    db.session.rollback()
    assert db.session.get(User, guardian.id).locale == "ar"
    before = _audit_rows()
    assert account.set_language(guardian, "ar") is False
    assert _audit_rows() == before
