"""Sessions end on the server: sign-out, a new password or e-mail address, deactivation;
one-time links die with a new password; link requests cost the same for any address."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, func, select

from app.contacts.models import EmailChange
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import LinkRequest, SignInToken, User, UserSession
from app.people.signin import process_link_requests
from app.school.models import School
from tests.conftest import ACCOUNTS, csrf_token, post_form, sign_in

LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/(?:login/link|password/reset)/[A-Za-z0-9_-]+)")


def _copy_cookies(source, target) -> None:
    """What a thief gets by copying the cookies of a signed-in browser."""
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _latest_link(app) -> str:
    """The path of the one-time link in the newest mail, once the mail worker has run."""
    with app.app_context():
        process_link_requests()
        body = db.session.scalars(
            select(OutboxMessage.body_text).order_by(OutboxMessage.id.desc())
        ).first()
    return LINK_RE.search(body).group(1)


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_signout_ends_the_copied_session_and_remember_cookies(app):
    browser = app.test_client()
    assert sign_in(browser, ACCOUNTS["guardian"], remember="y").status_code == 303
    assert browser.get_cookie("remember_token") is not None
    thief_session, thief_remember = app.test_client(), app.test_client()
    _copy_cookies(browser, thief_session)
    thief_remember.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert _signed_in(thief_session) and _signed_in(thief_remember)

    assert _sign_out(browser).status_code == 303
    for client in (browser, thief_session, thief_remember):
        response = client.get("/account")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_device_has_its_own_session(app):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, ACCOUNTS["mentor"])
    sign_in(laptop, ACCOUNTS["mentor"])
    _sign_out(phone)
    assert not _signed_in(phone) and _signed_in(laptop)


def test_password_change_ends_the_other_devices_and_keeps_this_one(app):
    """The other devices are signed out; this one gets a fresh session, so a copy of its
    old cookie is signed out too."""
    phone, laptop, thief = app.test_client(), app.test_client(), app.test_client()
    sign_in(phone, ACCOUNTS["mentor"], remember="y")
    sign_in(laptop, ACCOUNTS["mentor"], remember="y")
    _copy_cookies(laptop, thief)
    response = post_form(
        laptop,
        "/account/password",
        {"current": "mentorskap", "password": "ett-nytt-losenord", "confirm": "ett-nytt-losenord"},
        page="/account",
    )
    assert response.status_code == 303
    assert _signed_in(laptop) and not _signed_in(phone) and not _signed_in(thief)


def test_a_new_password_kills_every_earlier_link(app):
    client = app.test_client()
    post_form(client, "/login/link", {"email": ACCOUNTS["guardian"]})
    post_form(client, "/password/forgot", {"email": ACCOUNTS["guardian"]})
    with app.app_context():
        process_link_requests()
        # A second reset link a while later (one within two minutes is not sent again).
        for token in db.session.scalars(select(SignInToken)):
            token.created_at -= timedelta(minutes=3)
        db.session.commit()
    post_form(client, "/password/forgot", {"email": ACCOUNTS["guardian"]})
    with app.app_context():
        process_link_requests()
        bodies = db.session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == ACCOUNTS["guardian"])
            .order_by(OutboxMessage.id)
        ).all()
    signin_link, first_reset, second_reset = (LINK_RE.search(b).group(1) for b in bodies[-3:])
    assert "/login/link/" in signin_link and "/password/reset/" in second_reset

    new = {"password": "ett-nytt-losenord", "confirm": "ett-nytt-losenord"}
    assert post_form(client, second_reset, new).status_code == 303
    assert client.get(first_reset).status_code == 410
    assert "fungerar inte" in client.get(signin_link).get_data(as_text=True).lower()
    response = post_form(client, signin_link, {}, page=signin_link)
    assert response.status_code == 410


def test_password_reset_ends_every_session(app):
    phone = app.test_client()
    sign_in(phone, ACCOUNTS["guardian"], remember="y")
    other = app.test_client()
    post_form(other, "/password/forgot", {"email": ACCOUNTS["guardian"]})
    reset = _latest_link(app)
    post_form(other, reset, {"password": "ett-nytt-losenord", "confirm": "ett-nytt-losenord"})
    assert not _signed_in(phone)


def test_email_change_needs_the_account_that_asked_and_ends_other_sessions(app, login_as):
    guardian = login_as("guardian")
    other_device = login_as("guardian")
    post_form(guardian, "/contact", {"email": "anna.ny@example.net", "mobile": "070-174 06 05"})
    with app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body_text).where(OutboxMessage.recipient == "anna.ny@example.net")
        )
    path = re.search(r"/contact/email/[A-Za-z0-9_-]+", body).group(0)

    stranger = app.test_client()
    response = stranger.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    someone_else = login_as("other_guardian")
    refused = post_form(someone_else, path, {})
    assert refused.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(EmailChange.used_at)) is None

    assert post_form(guardian, path, {}).status_code == 303
    with app.app_context():
        changed = db.session.scalar(select(EmailChange.user_id))
        email = db.session.scalar(select(User.email).where(User.id == changed))
    assert email == "anna.ny@example.net"
    assert _signed_in(guardian) and not _signed_in(other_device)


def test_deactivation_ends_the_sessions(app, login_as):
    principal = login_as("principal")
    admin = login_as("admin")
    with app.app_context():
        school_id = db.session.scalar(select(School.id))
        user_id = db.session.scalar(select(User.id).where(User.email == ACCOUNTS["principal"]))
    page = f"/admin/schools/{school_id}/staff/{user_id}"
    response = post_form(admin, f"{page}/deactivate", {}, page=page)
    assert response.status_code == 303
    assert not _signed_in(principal)


def test_account_lists_sessions_and_signs_out_one_or_all(app):
    phone, laptop = app.test_client(), app.test_client()
    phone_agent = {
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    }
    phone.environ_base["HTTP_USER_AGENT"] = phone_agent["User-Agent"]
    sign_in(phone, ACCOUNTS["principal"])
    sign_in(laptop, ACCOUNTS["principal"])
    page = laptop.get("/account").get_data(as_text=True)
    assert "Där du är inloggad" in page and "Mobile Safari / iOS" in page
    assert "den här enheten" in page
    ended = re.search(r'action="(/account/sessions/\d+/end)"', page).group(1)
    assert post_form(laptop, ended, {}, page="/account").status_code == 303
    assert not _signed_in(phone) and _signed_in(laptop)

    sign_in(phone, ACCOUNTS["principal"])
    response = post_form(laptop, "/account/sessions/end-all", {}, page="/account")
    assert response.status_code == 303
    assert not _signed_in(phone) and not _signed_in(laptop)
    with app.app_context():
        live = db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))
        )
    assert live == 0


def test_a_session_of_another_account_cannot_be_ended(app, login_as):
    victim = login_as("mentor")
    attacker = login_as("guardian")
    with app.app_context():
        victim_session = db.session.scalar(
            select(UserSession.id).join(User).where(User.email == ACCOUNTS["mentor"])
        )
    post_form(attacker, f"/account/sessions/{victim_session}/end", {}, page="/account")
    assert _signed_in(victim)


def _statements(app, client, url: str, email: str) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    token = csrf_token(client, url)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.post(url, data={"csrf_token": token, "email": email})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def test_link_requests_do_the_same_work_for_known_and_unknown_addresses(app):
    """No account enumeration by timing: the request stores the address and nothing else;
    the mail worker looks the account up later."""
    for url in ("/login/link", "/password/forgot"):
        known = _statements(app, app.test_client(), url, ACCOUNTS["guardian"])
        unknown = _statements(app, app.test_client(), url, "nobody@example.org")
        assert known == unknown and any("link_request" in s for s in known)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LinkRequest)) == 4
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        assert process_link_requests() == 2  # only the known address gets mail
        assert process_link_requests() == 0  # each request is handled once
        after = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert after == before + 2


def _age_sessions(app, email: str, **delta) -> None:
    """Make the account's sessions look signed in that long ago."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
            row.created_at -= timedelta(**delta)
            row.last_seen_at = utcnow()
        db.session.commit()


def test_a_copied_cookie_cannot_add_a_password_to_a_link_only_account(app):
    """The reviewer's takeover: a thief with a link-only guardian's cookie chose a password.
    Now choosing a first password needs a sign-in within 15 minutes."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ACCOUNTS["other_guardian"]))
        user.password_hash = None
        db.session.commit()
    browser = app.test_client()
    post_form(browser, "/login/link", {"email": ACCOUNTS["other_guardian"]})
    link = _latest_link(app)
    assert post_form(browser, link, {}, page=link).status_code == 303
    thief = app.test_client()
    _copy_cookies(browser, thief)
    _age_sessions(app, ACCOUNTS["other_guardian"], minutes=20)
    new = {"password": "tjuvens-losenord", "confirm": "tjuvens-losenord"}
    refused = post_form(thief, "/account/password", new, page="/account")
    assert refused.status_code == 422
    assert "logga in igen med en länk" in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(User.password_hash).where(User.email == ACCOUNTS["other_guardian"])
            )
            is None
        )

    _age_sessions(app, ACCOUNTS["other_guardian"], minutes=-20)  # back to just signed in
    assert post_form(browser, "/account/password", new, page="/account").status_code == 303


def test_a_new_sign_in_address_needs_a_recent_sign_in(app, login_as):
    guardian = login_as("guardian")
    _age_sessions(app, ACCOUNTS["guardian"], minutes=20)
    response = post_form(
        guardian, "/contact", {"email": "tjuv@evil.example", "mobile": "070-174 06 05"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="email-error"' in page
    assert "tjuv@evil.example" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailChange)) == 0
    # The other details may still be saved without a new address.
    same = post_form(guardian, "/contact", {"email": ACCOUNTS["guardian"], "mobile": "0701740605"})
    assert same.status_code == 303


def test_confirming_a_new_address_rotates_this_devices_session(app, login_as):
    guardian = login_as("guardian")
    thief = app.test_client()
    _copy_cookies(guardian, thief)
    post_form(guardian, "/contact", {"email": "anna.ny@example.net", "mobile": "070-174 06 05"})
    with app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body_text).where(OutboxMessage.recipient == "anna.ny@example.net")
        )
    path = re.search(r"/contact/email/[A-Za-z0-9_-]+", body).group(0)
    assert post_form(guardian, path, {}).status_code == 303
    assert _signed_in(guardian) and not _signed_in(thief)


def test_no_session_outlives_thirty_days_however_often_it_is_used(app):
    browser = app.test_client()
    sign_in(browser, ACCOUNTS["mentor"], remember="y")
    _age_sessions(app, ACCOUNTS["mentor"], days=31)
    with app.app_context():  # used a minute ago, so the idle expiry alone would allow it
        for row in db.session.scalars(select(UserSession)):
            row.last_seen_at = utcnow() - timedelta(minutes=6)
        db.session.commit()
    assert not _signed_in(browser)


def test_signing_in_by_link_while_signed_in_ends_the_old_session(app):
    browser, copy = app.test_client(), app.test_client()
    sign_in(browser, ACCOUNTS["guardian"])
    _copy_cookies(browser, copy)
    post_form(browser, "/login/link", {"email": ACCOUNTS["other_guardian"]})
    link = _latest_link(app)
    assert post_form(browser, link, {}, page=link).status_code == 303
    assert not _signed_in(copy)


def test_many_requests_for_one_address_send_one_link(app):
    for _ in range(3):
        post_form(app.test_client(), "/login/link", {"email": ACCOUNTS["guardian"]})
    with app.app_context():
        assert process_link_requests() == 1


def test_ipv6_clients_are_counted_by_their_64_network(app):
    from app.throttle import address

    with app.test_request_context(environ_base={"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}):
        first = address()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "2001:db8:1:2:bbbb::9"}):
        assert address() == first == "2001:db8:1:2::/64"
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        assert address() == "192.0.2.7"
