"""Each demo role signs in on a phone and reaches its home; pages pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.outbox import OutboxMessage
from app.people.signin import process_link_requests

HOMES = [
    ("guardian@example.org", "/home/guardian", "Hej Anna"),
    ("guardian2@example.org", "/home/guardian", "Hej Johan"),
    ("student@example.org", "/home/student", "Hej Elsa"),
    ("mentor@example.org", "/home/mentor", "Mina grupper"),
    ("comentor@example.org", "/home/mentor", "Mina grupper"),
    ("principal@example.org", "/home/principal", "Skolöversikt"),
    ("admin@example.org", "/home/admin", "Administration"),
]


@pytest.mark.parametrize(("email", "home", "heading"), HOMES)
def test_role_signs_in_and_reaches_home(phone, email, home, heading):
    phone.goto("/")
    expect(phone.page.get_by_role("heading", name="Logga in i Mentorskap")).to_be_visible()
    phone.sign_in(email)
    assert phone.page.url.endswith(home)
    # The mentor's home opens with the week; "Mina grupper" is its second heading.
    expect(phone.page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    phone.check(f"home-{email.split('@')[0]}")


def test_public_pages_pass_axe(phone):
    for path, name in [
        ("/login", "login"),
        ("/login/link", "request-link"),
        ("/password/forgot", "forgot-password"),
        ("/offline", "offline"),
    ]:
        phone.goto(path)
        phone.check(name)


def test_wrong_password_shows_error_and_keeps_email(phone):
    phone.goto("/login")
    phone.page.get_by_label("E-postadress").fill("mentor@example.org")
    phone.page.get_by_label("Lösenord", exact=True).fill("not the password")
    phone.page.get_by_role("button", name="Logga in").click()
    error = phone.page.locator("#password-error")
    expect(error).to_have_text("Fel e-postadress eller lösenord.")
    expect(phone.page.get_by_label("E-postadress")).to_have_value("mentor@example.org")
    phone.check("login-error")


def test_language_switch_in_footer(phone):
    phone.sign_in("guardian@example.org")
    phone.page.get_by_role("button", name="English").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Hello Anna")
    expect(phone.page.locator("html")).to_have_attribute("lang", "en")
    phone.page.get_by_role("button", name="Svenska").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Hej Anna")


def test_mentor_follows_links_to_group_account_and_signs_out(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grupp 7A")
    expect(page.locator(".roster li")).to_have_count(28)
    phone.check("group-7a")
    page.get_by_role("link", name="Tillbaka").click()
    expect(page.get_by_role("heading", name="Mina grupper")).to_be_visible()
    page.get_by_role("link", name="Mitt konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")
    phone.check("account")
    page.get_by_role("button", name="Logga ut", exact=True).click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.goto(phone.base_url + "/home/mentor")
    assert "/login" in page.url


def test_principal_reaches_every_group_from_home(phone):
    phone.sign_in("principal@example.org")
    phone.check("principal-home")
    phone.page.get_by_role("link", name="9C").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Grupp 9C")


def test_password_change_error_is_shown_inline(phone):
    page = phone.page
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Mitt konto").click()
    page.get_by_label("Nuvarande lösenord").fill("mentorskap")
    page.get_by_label("Nytt lösenord").fill("short")
    page.get_by_label("Upprepa det nya lösenordet").fill("short")
    page.get_by_role("button", name="Spara lösenordet").click()
    expect(page.locator("#password-error")).to_have_text("Använd minst 10 tecken.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")  # same page kept
    phone.check("account-password-error")


def test_signin_link_flow(phone, live_app):
    page = phone.page
    phone.goto("/login")
    page.get_by_role("link", name="Logga in med en länk via e-post i stället").click()
    # Both pages have an e-mail field: wait for the new one before typing.
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in med en länk")
    page.get_by_label("E-postadress").fill("guardian2@example.org")
    page.get_by_role("button", name="Skicka länken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Titta i din e-post")
    with live_app.app_context():
        process_link_requests()  # what `flask send-mail` does first
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        link = re.search(r"/login/link/\S+", mail.body_text).group(0)
    phone.goto(link)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Johan")


def test_error_page_keeps_navigation(phone):
    phone.sign_in("guardian@example.org")
    phone.goto("/groups/999999")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(phone.page.get_by_role("link", name="Mitt konto")).to_be_visible()
    phone.check("error-404")


def test_works_without_javascript(phone_without_js):
    phone = phone_without_js
    phone.sign_in("mentor@example.org")
    expect(phone.page.get_by_role("heading", name="Mina grupper")).to_be_visible()
    phone.page.get_by_role("link", name="7A").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Grupp 7A")
