"""The app opens its offline page without a connection, also after signing out."""

from __future__ import annotations

from playwright.sync_api import expect


def test_offline_page_survives_sign_out(phone):
    page = phone.page
    phone.sign_in("guardian@example.org")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        "() => caches.open('mentorskap-static-v1').then(c => c.match('/offline')).then(Boolean)"
    )
    page.get_by_role("button", name="Logga ut", exact=True).click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.wait_for_function(
        "() => caches.open('mentorskap-static-v1').then(c => c.match('/offline')).then(Boolean)"
    )
    page.context.set_offline(True)
    try:
        phone.goto("/home/guardian")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ingen anslutning")
    finally:
        page.context.set_offline(False)
