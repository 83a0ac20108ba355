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


def test_the_new_link_can_be_copied_and_scanned(phone):
    page = phone.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.sign_in("guardian@example.org")
    phone.goto("/calendar")
    page.get_by_role("button", name="Skapa en kalenderlänk – Allt som gäller mig").click()
    expect(page.get_by_role("img", name="QR-kod för kalenderlänken")).to_be_visible()
    address = page.get_by_label("Eller kopiera adressen").input_value()
    page.get_by_role("button", name="Kopiera adressen").click()
    expect(page.get_by_role("button", name="Kopierat")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == address
    phone.check("calendar-copy-and-qr")
