"""Contact details and the contact log in a phone-sized browser."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.contacts.models import ContactDetails
from app.db_types import utcnow
from app.extensions import db
from app.people.models import User


def test_guardian_updates_phone_then_confirms_next_year(phone, live_app):
    page = phone.page
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Mina kontaktuppgifter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina kontaktuppgifter")
    phone.check("contacts-mine")
    page.get_by_label("Mobiltelefon").fill("12")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#mobile-error")).to_contain_text("Skriv ett telefonnummer")
    page.get_by_label("Mobiltelefon").fill("0701740698")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Dina kontaktuppgifter är sparade.")).to_be_visible()
    expect(page.get_by_label("Mobiltelefon")).to_have_value("070-174 06 98")

    with live_app.app_context():  # a year passes
        d = db.session.scalar(
            select(ContactDetails).join(User).where(User.email == "guardian@example.org")
        )
        d.confirmed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    page.get_by_role("button", name="Logga ut", exact=True).click()
    phone.sign_in("guardian@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stämmer dina kontaktuppgifter?")
    expect(page.get_by_text("070-174 06 98")).to_be_visible()
    phone.check("contacts-check")
    page.get_by_role("button", name="Stämmer fortfarande").click()
    expect(page.get_by_text("Tack! Dina kontaktuppgifter är bekräftade.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Anna")


def test_mentor_calls_and_notes_a_contact(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Kontakter med hemmet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakter 7A")
    phone.check("contacts-group")
    call = page.locator("a[href^='tel:']").first
    href, text = call.get_attribute("href"), call.inner_text()
    # E.164 in the link for the phone to dial, national form for the eye.
    assert re.fullmatch(r"tel:\+4670174\d{4}", href)
    assert text == f"070-174 {href[-4:-2]} {href[-2:]}"
    page.get_by_role("link", name="Kontaktlogg").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontaktlogg:")
    page.get_by_label("Med vem").fill("Mamma, i telefon")
    page.get_by_label("Sammanfattning").fill("Pratade om frånvaron och om läxhjälp.")
    page.get_by_label("Följ upp den (frivilligt)").fill(
        (utcnow() + timedelta(days=7)).date().isoformat()
    )
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.get_by_text("Kontakten är antecknad.")).to_be_visible()
    expect(page.get_by_text("Pratade om frånvaron och om läxhjälp.")).to_be_visible()
    phone.check("contacts-log")
    page.get_by_role("link", name="Tillbaka").click()
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Kontaktlogg", exact=True).click()
    expect(page.get_by_text("Följ upp")).to_be_visible()
    phone.check("contacts-group-log")
