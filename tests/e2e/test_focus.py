"""After an htmx swap, focus moves to the error or the updated region, and a status that
focus does not reach is announced in the polite live region (static/js/app.js)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_leave import _days


def _active(page) -> dict:
    return page.evaluate(
        """() => {
            const a = document.activeElement;
            return {tag: a.tagName, id: a.id, cls: a.className, text: a.textContent.trim(),
                    invalid: a.getAttribute('aria-invalid')};
        }"""
    )


def test_an_error_after_an_htmx_post_gets_focus_and_success_focuses_the_message(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="ledighetsansökan att besluta").click()
    card = page.locator(".leave-item").first
    card.get_by_role("button", name="Avslå").click()  # without the comment a rejection needs
    why = "Skriv varför, så att vårdnadshavarna förstår beslutet."
    expect(page.get_by_text(why)).to_be_visible()
    page.wait_for_function("() => document.activeElement.tagName === 'TEXTAREA'")
    active = _active(page)
    assert active["invalid"] == "true" and active["id"].startswith("comment-"), active

    page.keyboard.type("Skolan har nationella prov den veckan.")
    page.locator(".leave-item").first.get_by_role("button", name="Avslå").click()
    page.wait_for_function("() => document.activeElement.classList.contains('flash')")
    assert "Avslagen" in _active(page)["text"]
    # Focus reads the outcome: the live region stays quiet rather than saying it twice.
    assert page.locator("#announcer").text_content() == ""


def test_a_boosted_form_moves_focus_to_its_first_error_and_to_the_preview(phone, live_app):
    page = phone.page
    first, last = _days(live_app, 2, 7)
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Ansök om ledighet", exact=True).click()
    page.get_by_label("Oskar", exact=True).check()
    page.get_by_role("button", name="Räkna dagarna").click()  # no dates, no reason
    page.wait_for_function("() => document.activeElement.getAttribute('aria-invalid') === 'true'")
    assert _active(page)["tag"] in ("INPUT", "SELECT")

    page.get_by_label("Första dagen").fill(first)
    page.get_by_label("Sista dagen").fill(last)
    page.get_by_label("Anledning").select_option("travel")
    page.get_by_role("button", name="Räkna dagarna").click()
    page.wait_for_function("() => document.activeElement.matches('section[data-focus]')")
    assert "Innan du skickar" in _active(page)["text"]


def test_results_that_swap_in_while_typing_keep_focus_and_are_announced(phone):
    page = phone.page
    phone.sign_in("admin@example.org")
    page.get_by_role("link", name="Administrera skolan").click()
    page.wait_for_url("**/admin/schools/*")
    page.goto(page.url.rstrip("/") + "/students")
    field = page.get_by_label("Namn eller externt id")
    field.click()
    page.keyboard.type("Oskar")
    expect(page.locator("#results").get_by_role("link", name="Lindqvist, Oskar")).to_be_visible()
    expect(page.locator("#announcer")).to_have_text("1 elev")
    assert _active(page)["id"] == "q"
    page.keyboard.type("zzz")
    expect(page.locator("#announcer")).to_have_text("Ingen elev matchar.")
    assert _active(page)["id"] == "q"
