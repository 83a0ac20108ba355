"""In a real browser: text typed while the sign-in ran out comes back to be read and sent;
the account page lists the devices and signs them out."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select, update

from app.db_types import utcnow
from app.extensions import db
from app.people.models import UserSession
from app.talks.models import TalkRecord

NOTE = "Oskar vill jobba mer med matten. Vi ses igen i mars."


def test_text_typed_while_signed_out_is_read_and_sent(phone, live_app):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    page.get_by_role("link", name="Anteckningar efter samtalet").first.click()
    page.get_by_label("Blev samtalet av?").select_option("yes")
    page.get_by_label("Anteckningar (bara personal)").fill(NOTE)
    with live_app.app_context():  # the sign-in runs out while the mentor types
        db.session.execute(update(UserSession).values(expires_at=utcnow()))
        db.session.commit()
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Logga in igen för att spara det du skrev"
    )
    phone.check("resume-signin")
    page.get_by_label("E-postadress").fill("mentor@example.org")
    page.get_by_label("Lösenord", exact=True).fill("mentorskap")
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Läs igenom och skicka")
    expect(page.get_by_label("Anteckningar (bara personal)")).to_have_value(NOTE)
    phone.check("resume-send")
    with live_app.app_context():
        assert db.session.scalar(select(TalkRecord.notes)) is None  # nothing sent by itself
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("är sparade")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(select(TalkRecord.notes)) == NOTE


def test_account_lists_devices_and_signs_out_everywhere(phone, browser, live_server):
    laptop = browser.new_context(locale="sv-SE").new_page()
    laptop.goto(live_server + "/login")
    laptop.get_by_label("E-postadress").fill("guardian@example.org")
    laptop.get_by_label("Lösenord", exact=True).fill("mentorskap")
    laptop.get_by_role("button", name="Logga in").click()
    laptop.wait_for_url(lambda url: "/login" not in url)

    page = phone.page
    phone.sign_in("guardian@example.org")
    phone.goto("/account")
    sessions = page.locator(".sessions li")
    expect(sessions).to_have_count(2)
    expect(page.get_by_text("den här enheten")).to_be_visible()
    phone.check("account-sessions")
    page.get_by_role("button", name="Logga ut överallt").click()
    expect(page.get_by_text("Du är utloggad på alla enheter.")).to_be_visible()
    laptop.goto(live_server + "/account")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Logga in i Mentorskap")
    laptop.context.close()
