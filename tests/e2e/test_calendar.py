"""The calendar page in a phone-sized browser."""

from __future__ import annotations

from playwright.sync_api import expect


def test_guardian_makes_a_calendar_link_and_the_feed_answers(phone):
    page = phone.page
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Kalender").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Din kalender")
    phone.check("calendar")
    page.get_by_role("button", name="Skapa en kalenderlänk – Allt som gäller mig").click()
    expect(page.get_by_text("Din kalenderlänk är klar.")).to_be_visible()
    subscribe = page.get_by_role("link", name="Prenumerera i kalenderappen")
    assert subscribe.get_attribute("href").startswith("webcal://")
    address = page.get_by_label("Eller kopiera adressen").input_value()
    phone.check("calendar-new-link")
    response = page.request.get(address)
    assert response.status == 200 and "BEGIN:VCALENDAR" in response.text()
    page.reload()
    expect(page.get_by_text("Du har en länk")).to_be_visible()
