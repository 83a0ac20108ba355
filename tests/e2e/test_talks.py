"""Development talks in a phone-sized browser."""

from __future__ import annotations

from playwright.sync_api import expect


def book_button(page, first_name: str):
    """The home card's button to book the child's talk (it names the term)."""
    return page.locator(".talk-status a.button.primary", has_text=first_name).first


def test_guardian_books_moves_and_cancels(phone, browser, live_server):
    page = phone.page
    phone.sign_in("guardian@example.org")
    book_button(page, "Oskar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boka samtal för Oskar")
    phone.check("talk-choose-slot")
    first = page.locator("a.slot").first
    first_time = first.locator(".slot-time").inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta bokningen")
    phone.check("talk-confirm")
    page.get_by_label("Vi behöver tolk").check()
    page.get_by_label("Språk för tolken").select_option("")
    page.get_by_role("button", name="Boka samtalet").click()
    expect(page.locator("#interpreter_language-error")).to_have_text(
        "Välj vilket språk tolken ska tala."
    )
    page.get_by_label("Språk för tolken").select_option("so")
    page.get_by_label("Meddelande till mentorn (frivilligt)").fill("Vi kommer båda två")
    page.get_by_role("button", name="Boka samtalet").click()
    expect(page.get_by_text("Samtalet är bokat.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utvecklingssamtal för Oskar")
    expect(page.locator(".lead").first).to_contain_text(first_time.split("–")[0])
    phone.check("talk-booking")

    # The other guardian, on another phone, sees the booking on the child's card.
    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    johan = other.new_page()
    johan.goto(live_server + "/login")
    johan.get_by_label("E-postadress").fill("guardian2@example.org")
    johan.get_by_label("Lösenord", exact=True).fill("mentorskap")
    johan.get_by_role("button", name="Logga in").click()
    expect(johan.get_by_text(first_time.split("–")[0])).to_be_visible()
    other.close()

    page.get_by_role("link", name="Flytta till en annan tid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flytta samtalet för Oskar")
    phone.check("talk-move")
    second = page.locator("a.slot").nth(2)
    new_time = second.locator(".slot-time").inner_text()
    second.click()  # asks to confirm (tests/e2e/test_confirm_changes.py) before moving
    expect(page.locator("main dl.facts")).to_contain_text(new_time.split("–")[0])
    page.locator("main form button.primary").click()
    expect(page.get_by_text("Samtalet är flyttat.")).to_be_visible()
    expect(page.locator(".lead").first).to_contain_text(new_time.split("–")[0])

    page.get_by_role("link", name="Avboka samtalet").click()  # asks to confirm in place
    page.get_by_label("Anledning (frivilligt)").fill("Vi är bortresta")
    page.locator("#change button.danger").click()
    expect(page.get_by_text("Samtalet är avbokat.")).to_be_visible()
    expect(page.get_by_role("link", name="Boka en ny tid")).to_be_visible()


def test_keyboard_only_booking(phone):
    page = phone.page
    phone.sign_in("guardian@example.org")

    def tab_until(selector: str, text: str = "", limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                "([s, t]) => document.activeElement.matches(s)"
                " && document.activeElement.textContent.includes(t)",
                [selector, text],
            ):
                return
        raise AssertionError(f"keyboard never reached {selector} {text}")

    tab_until("a.button.primary", "Oskar")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Boka samtal för Oskar")
    tab_until("a.slot")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta bokningen")
    tab_until("button.primary")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Samtalet är bokat.")).to_be_visible()


def test_mentor_generates_slots_and_sees_overview(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utvecklingssamtal HT 2026")
    expect(page.locator(".stats")).to_contain_text("12 bokade")
    phone.check("talk-period-overview")
    page.get_by_role("link", name="Lägg till tider").click()
    phone.check("talk-slots-form")
    page.locator("ul.checks input").nth(12).check()
    page.get_by_label("Från").fill("08:00")
    page.get_by_label("Till").fill("10:00")
    page.get_by_label("Längd (minuter)").fill("20")
    page.get_by_label("Paus mellan samtal (minuter)").fill("10")
    page.get_by_label("Raster").fill("09:00-09:15")
    page.get_by_label("Rum, videolänk eller telefonanteckning").fill("Rum 14")
    page.get_by_role("button", name="Förhandsvisa").click()
    expect(page.get_by_role("heading", name="Förhandsvisning")).to_be_visible()
    expect(page.locator(".chips li")).to_have_count(3)  # 08:00, 08:30, 09:15; 09:45 would not fit
    phone.check("talk-slots-preview")
    page.get_by_role("button", name="Publicera 3 tider").click()
    expect(page.get_by_text("3 tider är publicerade.")).to_be_visible()
    page.get_by_role("link", name="Dagsschema att skriva ut").click()
    expect(page.locator("table").first).to_be_visible()
    phone.check("talk-schedule")


def test_mentor_creates_a_period_with_errors_first(phone):
    page = phone.page
    phone.sign_in("mentor8b@example.org")
    page.get_by_role("link", name="8B").click()
    page.get_by_role("link", name="Ny samtalsperiod").click()
    phone.check("talk-period-form")
    # The title is the term's, and follows the term until the mentor writes another.
    expect(page.get_by_label("Rubrik")).to_have_value("Utvecklingssamtal HT 2026")
    page.get_by_label("Termin").select_option(label="VT 2027")
    page.get_by_label("Längd på ett samtal (minuter)").fill("2")
    page.get_by_role("button", name="Skapa perioden").click()
    expect(page.locator("#talk_minutes-error")).to_be_visible()
    # The error and what was typed come back in the form's place; the focus is on the field.
    expect(page.locator("#talk_minutes")).to_be_focused()
    expect(page.get_by_label("Termin")).to_have_value(page.get_by_label("Termin").input_value())
    page.get_by_label("Längd på ett samtal (minuter)").fill("20")
    page.get_by_role("button", name="Skapa perioden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägg till tider")
    expect(page.get_by_text("Utvecklingssamtal VT 2027 · 8B")).to_be_visible()


def _keep_free_times(live_app, count: int) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.talks.models import TalkPeriod
    from tests.talks.test_views import keep_free_times

    with live_app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        period_id = period.id
    keep_free_times(live_app, period_id, count)


def _fill_generator(page, start: str = "08:00") -> None:
    page.locator("ul.checks input").nth(12).check()
    page.get_by_label("Från").fill(start)
    page.get_by_label("Till").fill("09:00")
    page.get_by_label("Paus mellan samtal (minuter)").fill("0")
    page.get_by_label("Rum, videolänk eller telefonanteckning").fill("Rum 14")


def test_the_preview_is_shown_and_focused_where_the_mentor_is(phone, live_app):
    """The preview opens right under its button with its heading focused and in view, and
    says when the free times do not cover the students without a booked talk."""
    _keep_free_times(live_app, 2)
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    page.get_by_role("link", name="Lägg till tider").click()
    _fill_generator(page, start="10:00")  # the end before the start: an error first
    page.get_by_role("button", name="Förhandsvisa").click()
    expect(page.locator("#end-error")).to_be_visible()
    expect(page.locator("#end")).to_be_focused()
    expect(page.get_by_label("Rum, videolänk eller telefonanteckning")).to_have_value("Rum 14")
    page.get_by_label("Från").fill("08:00")
    page.get_by_role("button", name="Förhandsvisa").click()
    heading = page.locator("#preview-heading")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    expect(page.locator("#coverage")).to_be_in_viewport()
    # 2 free times and these 3 for the 16 students of 7A who have not booked yet.
    expect(page.locator("#coverage")).to_contain_text("5")
    expect(page.locator("#coverage")).to_contain_text("16")
    phone.check("talk-slots-preview-focused")
    page.get_by_role("button", name="Publicera 3 tider").click()
    expect(page.get_by_text("3 tider är publicerade.")).to_be_visible()


def test_the_preview_without_javascript(phone_without_js, live_app):
    _keep_free_times(live_app, 2)
    page = phone_without_js.page
    phone_without_js.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    page.get_by_role("link", name="Lägg till tider").click()
    _fill_generator(page)
    page.get_by_role("button", name="Förhandsvisa").click()
    expect(page.locator("#preview-heading")).to_be_focused()
    expect(page.locator("#preview-heading")).to_be_in_viewport()
    expect(page.locator("#coverage")).to_be_visible()
    page.get_by_role("button", name="Publicera 3 tider").click()
    expect(page.get_by_text("3 tider är publicerade.")).to_be_visible()


def test_talk_record_page(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    page.get_by_role("link", name="Anteckningar efter samtalet").first.click()
    phone.check("talk-record")
    page.get_by_label("Blev samtalet av?").select_option("yes")
    page.get_by_label("Anteckningar (bara personal)").fill("Bra samtal")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("är sparade")).to_be_visible()


def test_stale_page_cannot_book_a_taken_slot(phone, browser, live_server, live_app):
    """Two guardians open the same time; the second to confirm is told it was just taken,
    sees the remaining free times, and what they typed comes along to the next time."""
    from sqlalchemy import select

    from app.extensions import db
    from app.people.passwords import hash_password
    from app.talks.models import TalkBooking, TalkPeriod

    with live_app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        booked = set(db.session.scalars(select(TalkBooking.student_id)))
        rival = next(
            m.student
            for m in period.group.memberships
            if m.student_id not in booked and m.student.first_name != "Oskar"
        )
        parent = rival.guardianships[0].guardian
        parent.password_hash = hash_password("rival password 1")
        rival_email, rival_name = parent.email, rival.first_name
        db.session.commit()

    page = phone.page
    phone.sign_in("guardian@example.org")
    book_button(page, "Oskar").click()
    slot_time = page.locator("a.slot .slot-time").first.inner_text()
    page.locator("a.slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta bokningen")

    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    rival_page = other.new_page()
    rival_page.goto(live_server + "/login")
    rival_page.get_by_label("E-postadress").fill(rival_email)
    rival_page.get_by_label("Lösenord", exact=True).fill("rival password 1")
    rival_page.get_by_role("button", name="Logga in").click()
    book_button(rival_page, rival_name).click()
    rival_page.locator("a.slot").first.click()
    rival_page.get_by_role("button", name="Boka samtalet").click()
    expect(rival_page.get_by_text("Samtalet är bokat.")).to_be_visible()
    other.close()

    page.get_by_label("Meddelande till mentorn (frivilligt)").fill("Oskar vill visa sitt projekt")
    page.get_by_role("button", name="Boka samtalet").click()
    taken = "Någon annan hann boka den tiden. Välj en annan nedan."
    expect(page.get_by_text(taken)).to_be_visible()
    first_free = page.locator(".slot .slot-time").first.inner_text()
    assert first_free != slot_time
    phone.check("talk-just-taken")
    page.locator(".slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta bokningen")
    message = page.get_by_label("Meddelande till mentorn (frivilligt)")
    expect(message).to_have_value("Oskar vill visa sitt projekt")
    page.get_by_role("button", name="Boka samtalet").click()
    expect(page.get_by_text("Samtalet är bokat.")).to_be_visible()
