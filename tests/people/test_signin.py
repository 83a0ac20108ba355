"""Sign-in with password and with one-time links; no user enumeration; rate limits."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from app.audit import AuditEvent
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import SignInToken, User
from app.people.signin import process_link_requests
from tests.conftest import ACCOUNTS, csrf_token, post_form, sign_in

LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/login/link/[A-Za-z0-9_-]+)")
RESET_RE = re.compile(r"http://127\.0\.0\.1:5000(/password/reset/[A-Za-z0-9_-]+)")


def _last_mail(app, recipient: str) -> OutboxMessage | None:
    """The newest mail to the recipient, after the mail worker handled link requests."""
    with app.app_context():
        process_link_requests()
        return db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc())
        )


def test_password_signin_lands_on_role_home(client):
    response = sign_in(client, "Guardian@Example.org")  # e-mail is case-insensitive
    assert response.status_code == 303
    assert response.headers["Location"] == "/home/guardian"
    home = client.get("/home/guardian")
    assert home.status_code == 200
    assert "Hej Anna" in home.get_data(as_text=True)


def test_wrong_password_keeps_email_and_says_why(client):
    response = sign_in(client, ACCOUNTS["mentor"], password="wrong-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fel e-postadress eller lösenord." in page
    assert 'value="mentor@example.org"' in page


def _without_tokens(response) -> str:
    """The page without its CSRF tokens (form fields and the htmx header), which carry a
    timestamp; everything else of two answers must match."""
    return re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.get_data(as_text=True))


def test_unknown_and_wrong_password_answer_the_same(client):
    unknown = sign_in(client, "nobody@example.org", password="whatever-it-is")
    wrong = sign_in(client, ACCOUNTS["mentor"], password="whatever-it-is")
    assert unknown.status_code == wrong.status_code == 422
    assert _without_tokens(unknown) == _without_tokens(wrong)


def test_empty_form_errors_next_to_fields(client):
    response = post_form(client, "/login", {"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "Skriv din e-postadress." in page
    assert 'id="password-error"' in page and 'aria-invalid="true"' in page


def test_next_parameter_only_follows_local_paths(client):
    token = csrf_token(client)
    data = {"csrf_token": token, "email": ACCOUNTS["mentor"], "password": "mentorskap"}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/home/mentor"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    response = client.post("/login?next=/account", data={**data, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/account"


def test_signin_link_works_once(app, client):
    response = post_form(client, "/login/link", {"email": ACCOUNTS["guardian"]})
    assert response.status_code == 200
    mail = _last_mail(app, ACCOUNTS["guardian"])
    assert mail.subject == "Din inloggningslänk till Mentorskap"
    path = LINK_RE.search(mail.body_text).group(1)
    assert path in mail.body_html

    # Opening the link (as a mail scanner would) does not use it up.
    assert client.get(path).status_code == 200
    response = post_form(client, path, {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/home/guardian"

    other = app.test_client()
    again = post_form(other, path, {}, page="/login")
    assert again.status_code == 410
    assert "Länken fungerar inte längre" in again.get_data(as_text=True)
    assert other.get("/home/guardian").status_code == 302


def test_signin_link_expires_after_15_minutes(app, client):
    post_form(client, "/login/link", {"email": ACCOUNTS["guardian"]})
    path = LINK_RE.search(_last_mail(app, ACCOUNTS["guardian"]).body_text).group(1)
    with app.app_context():
        token = db.session.scalars(select(SignInToken)).one()
        assert timedelta(minutes=14) < token.expires_at - token.created_at <= timedelta(minutes=15)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "Länken fungerar inte längre" in client.get(path).get_data(as_text=True)
    assert post_form(client, path, {}, page="/login").status_code == 410


def test_link_request_does_not_reveal_accounts(app, client):
    known = post_form(client, "/login/link", {"email": ACCOUNTS["guardian"]})
    unknown = post_form(client, "/login/link", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known).replace(ACCOUNTS["guardian"], "X") == _without_tokens(
        unknown
    ).replace("nobody@example.org", "X")
    assert _last_mail(app, "nobody@example.org") is None


def test_password_reset_sets_new_password_and_ends_old_sessions(app, client):
    old_session = app.test_client()
    sign_in(old_session, ACCOUNTS["mentor"])
    assert old_session.get("/home/mentor").status_code == 200

    post_form(client, "/password/forgot", {"email": ACCOUNTS["mentor"]})
    path = RESET_RE.search(_last_mail(app, ACCOUNTS["mentor"]).body_text).group(1)
    short = post_form(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "Använd minst 10 tecken." in short.get_data(as_text=True)
    done = post_form(
        client, path, {"password": "a new long password", "confirm": "a new long password"}
    )
    assert done.status_code == 303

    assert sign_in(app.test_client(), ACCOUNTS["mentor"]).status_code == 422
    assert sign_in(app.test_client(), ACCOUNTS["mentor"], "a new long password").status_code == 303
    assert old_session.get("/home/mentor").status_code == 302  # signed out everywhere
    assert (
        post_form(
            client, path, {"password": "another password 1", "confirm": "another password 1"}
        ).status_code
        == 410
    )


def test_signout_is_post_only_and_clears_caches(login_as):
    client = login_as("guardian")
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {}, page="/account")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/home/guardian").status_code == 302


def test_signin_and_signout_are_audited(app, login_as):
    client = login_as("principal")
    post_form(client, "/logout", {}, page="/account")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["signin", "signout"]


def test_inactive_user_cannot_sign_in(app, client):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ACCOUNTS["mentor"]))
        user.active = False
        db.session.commit()
    assert sign_in(client, ACCOUNTS["mentor"]).status_code == 422


def test_rate_limit_on_signin(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [sign_in(client, "nobody@example.org", password="x").status_code for _ in range(7)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429
    assert "För många försök" in sign_in(client, "nobody@example.org", "x").get_data(as_text=True)


def test_remember_me_cookie_lasts_30_days(client):
    response = sign_in(client, ACCOUNTS["guardian"], remember="y")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=29, hours=23) < expires - utcnow() <= timedelta(days=30)


def test_signout_also_ends_a_remembered_session(client):
    sign_in(client, ACCOUNTS["guardian"], remember="y")
    response = post_form(client, "/logout", {}, page="/account")
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "1970" in cleared[0])
    assert client.get("/home/guardian").status_code == 302
