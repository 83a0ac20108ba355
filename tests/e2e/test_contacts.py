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
    # "With whom": the student's guardians to tick, or someone else in words.
    page.locator("ul#guardians input").first.check()
    page.get_by_label("Sammanfattning").fill("Pratade om frånvaron och om läxhjälp.")
    page.get_by_label("Följ upp den (frivilligt)").fill(
        (utcnow() + timedelta(days=7)).date().isoformat()
    )
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.get_by_text("Kontakten är antecknad.")).to_be_visible()
    expect(page.get_by_text("Pratade om frånvaron och om läxhjälp.")).to_be_visible()
    phone.check("contacts-log")
    # Back to where the mentor came from: the group's contacts, then the group.
    page.locator("a.back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakter 7A")
    page.get_by_role("link", name="Tillbaka till 7A").click()
    page.get_by_role("link", name="Kontaktlogg", exact=True).click()
    expect(page.get_by_text("Följ upp")).to_be_visible()
    phone.check("contacts-group-log")


def test_mentor_notes_a_contact_from_an_empty_group_log(phone):
    """From the empty log of 8B: choose the student, tick who the contact was with (an
    error first: the focus goes to it, nothing typed is lost), save, and go back the way
    the mentor came: the student's log, the group log, the group."""
    page = phone.page
    phone.sign_in("mentor8b@example.org")
    page.get_by_role("link", name="8B").click()
    page.get_by_role("link", name="Kontaktlogg", exact=True).click()
    expect(page.get_by_text("Inga kontakter antecknade ännu.")).to_be_visible()
    phone.check("contacts-group-log-empty")
    page.locator("#pick-student button").click()  # no student chosen yet
    expect(page.locator("#student-error")).to_be_visible()
    expect(page.locator("#student")).to_be_focused()
    student = page.locator("#student option").nth(3).inner_text()
    page.locator("#student").select_option(label=student)
    page.locator("#pick-student button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kontaktlogg: {student}")
    page.get_by_label("Sammanfattning").fill("Ringde om utflykten på fredag.")
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.locator("#with_whom-error")).to_be_visible()
    expect(page.locator("#with_whom")).to_be_focused()
    expect(page.get_by_label("Sammanfattning")).to_have_value("Ringde om utflykten på fredag.")
    phone.check("contacts-note-error")
    guardian = page.locator("ul#guardians label").first.inner_text()
    page.get_by_label(guardian).check()
    page.locator("#with_whom").fill("och eleven")
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.get_by_text("Kontakten är antecknad.")).to_be_visible()
    expect(page.get_by_text(f"{guardian}, och eleven")).to_be_visible()
    page.locator("a.back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontaktlogg 8B")
    expect(page.get_by_text("Ringde om utflykten på fredag.")).to_be_visible()
    page.get_by_role("link", name="Tillbaka till 8B").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grupp 8B")
    # Each student's log is one tap from the group's list of students, and back.
    page.get_by_role("link", name=f"Kontaktlogg – {student}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kontaktlogg: {student}")
    phone.check("contacts-student-log")
    page.locator("a.back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grupp 8B")


def test_a_note_without_javascript(phone_without_js):
    page = phone_without_js.page
    phone_without_js.sign_in("mentor8b@example.org")
    page.get_by_role("link", name="8B").click()
    page.get_by_role("link", name="Kontaktlogg", exact=True).click()
    page.locator("#student").select_option(index=2)
    page.locator("#pick-student button").click()
    page.get_by_label("Sammanfattning").fill("Mejlade om läxorna.")
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.locator("#with_whom")).to_be_focused()
    page.locator("#with_whom").fill("Eleven")
    page.get_by_role("button", name="Spara anteckningen").click()
    expect(page.get_by_text("Mejlade om läxorna.")).to_be_visible()
    page.locator("a.back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontaktlogg 8B")
