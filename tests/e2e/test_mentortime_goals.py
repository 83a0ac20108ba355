"""Mentor time and goals in a phone-sized browser."""

from __future__ import annotations

from playwright.sync_api import expect


def test_mentor_sets_time_agenda_goal_and_they_are_seen(phone):
    page = phone.page
    phone.sign_in("mentor9c@example.org")
    page.get_by_role("link", name="9C").click()
    page.get_by_role("link", name="Mentorstid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentorstid 9C")
    phone.check("mentortime-group")
    page.get_by_label("Veckodag").select_option("0")
    page.get_by_label("Börjar").fill("09:00")
    page.get_by_label("Rum", exact=True).fill("Biblioteket")
    page.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_text("Mentorstiden är tillagd.")).to_be_visible()
    page.get_by_role("link", name="Dagordning och ändringar").first.click()
    phone.check("mentortime-occurrence")
    page.get_by_label("Dagordning").fill("Planering av studiebesöket\nVal av gymnasium: frågor")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Mentorstiden är sparad.")).to_be_visible()

    page.get_by_role("link", name="Tillbaka till 9C").click()
    page.get_by_role("link", name="Elsa Karlsson", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mål för Elsa")
    page.get_by_label("Område").select_option("knowledge")
    page.get_by_label("Ämne (frivilligt)").fill("Engelska")
    page.get_by_label("Målet").fill("Läsa en engelsk bok i månaden")
    page.get_by_role("button", name="Spara målet").click()
    expect(page.get_by_text("Målet är sparat.")).to_be_visible()
    goal = page.locator(".goal").filter(has_text="Läsa en engelsk bok i månaden")
    goal.get_by_text("Följ upp", exact=True).click()
    goal.get_by_label("Status").select_option("under_way")
    goal.get_by_label("Kommentar").fill("Första boken klar")
    goal.get_by_role("button", name="Spara uppföljningen").click()
    expect(page.get_by_text("Uppföljningen är sparad.")).to_be_visible()
    phone.check("goals-mentor")
    page.get_by_role("button", name="Logga ut", exact=True).click()

    phone.sign_in("student@example.org")
    expect(page.get_by_text("Val av gymnasium: frågor").first).to_be_visible()
    expect(page.get_by_text("Läsa en engelsk bok i månaden")).to_be_visible()
    phone.check("student-home-full")
    page.get_by_role("link", name="Se målen och uppföljningarna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina mål")
    expect(page.get_by_text("Första boken klar")).to_be_hidden()  # inside the closed history
    page.get_by_text("Uppföljningar").first.click()
    expect(page.get_by_text("Första boken klar")).to_be_visible()
    phone.check("goals-student")
    page.get_by_role("button", name="Logga ut", exact=True).click()

    phone.sign_in("guardian@example.org")
    card = page.locator("article").filter(has_text="Elsa Karlsson")
    expect(card.get_by_text("Planering av studiebesöket").first).to_be_visible()
    expect(card.get_by_text("Läsa en engelsk bok i månaden")).to_be_visible()
    card.get_by_role("link", name="Se målen och uppföljningarna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mål för Elsa")
    expect(page.get_by_role("button", name="Spara uppföljningen")).to_have_count(0)  # read only
    phone.check("goals-guardian")
