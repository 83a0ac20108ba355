"""A guardian's phone: two talk periods open at once, moving and cancelling a talk with a
confirm step that shows the times (with htmx and without JavaScript), where the focus
goes, and the calendar page's help. In English, the source language, so the checks read
the texts these changes added before they are translated."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import PHONE, Phone

SEASON = {"HT": "autumn", "VT": "spring"}


def _english_phone(browser, live_server, javascript: bool = True):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, Phone(page, live_server)


@pytest.fixture
def english(browser, live_server):
    context, phone = _english_phone(browser, live_server)
    yield phone
    context.close()
    assert phone.problems == []


@pytest.fixture
def english_without_js(browser, live_server):
    context, phone = _english_phone(browser, live_server, javascript=False)
    yield phone
    context.close()


def _sign_in(phone: Phone, email: str = "guardian@example.org") -> None:
    page = phone.page
    phone.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("mentorskap")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _booked_talk(live_app) -> tuple[int, str]:
    """Oskar's talk booked in the demo's 7A period; its id and start (HH:MM)."""
    from zoneinfo import ZoneInfo

    from app.extensions import db
    from app.talks import booking as logic
    from app.talks.models import TalkPeriod
    from app.talks.slots import future_open_slots
    from tests.talks.helpers import student, user

    with live_app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        slot = future_open_slots(period)[0]
        booking = logic.book(user("guardian@example.org"), student("Oskar"), period, slot.id)
        db.session.commit()
        start = slot.starts_at.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%H:%M")
        return booking.id, start


def test_two_open_periods_name_their_term_and_the_due_one_comes_first(english, live_app):
    from app.extensions import db
    from app.talks.models import TalkPeriod
    from tests.talks.helpers import make_period

    with live_app.app_context():
        spring = make_period("7A")  # the other term, open now too, closing after the demo's
        due = db.session.scalar(
            select(TalkPeriod).where(TalkPeriod.group.has(name="7A"), TalkPeriod.id != spring.id)
        )
        due_kind, later_kind = due.term.kind, spring.term.kind
    page = english.page
    _sign_in(english)
    card = page.locator("article", has=page.get_by_role("heading", name="Oskar Lindqvist"))
    buttons = card.locator(".talk-status a.button")
    expect(buttons).to_have_count(2)
    expect(buttons.nth(0)).to_have_text(f"Book the {SEASON[due_kind]} talk for Oskar")
    expect(buttons.nth(1)).to_have_text(f"Book the {SEASON[later_kind]} talk for Oskar")
    first = card.locator(".talk-status", has=page.locator("a.button")).nth(0)
    expect(first.get_by_text("Due now")).to_be_visible()
    expect(card.get_by_text("Due now")).to_have_count(1)
    english.check("home-two-periods")
    buttons.nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a talk for Oskar")
    expect(page.get_by_text("Utvecklingssamtal 7A")).to_be_visible()  # the later period


def test_moving_shows_old_and_new_time_and_moves_only_when_confirmed(english, live_app):
    booking_id, old_start = _booked_talk(live_app)
    page = english.page
    _sign_in(english)
    english.goto(f"/talks/bookings/{booking_id}")
    page.get_by_role("link", name="Move to another time").click()
    new_time = page.locator("a.slot .slot-time").nth(1).inner_text()
    page.locator("a.slot").nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move the talk for Oskar")
    facts = page.locator("main dl.facts")
    expect(facts.locator("dd").nth(0)).to_contain_text(old_start)
    expect(facts.locator("dd").nth(1)).to_contain_text(new_time.split("–")[0])
    # Focus moves into the page once htmx has settled the boosted navigation (app.js).
    page.wait_for_function(
        "() => document.getElementById('main').contains(document.activeElement)", timeout=5000
    )
    english.check("talk-move-confirm")
    # Keeping the booked time changes nothing.
    page.get_by_role("link", name="Keep the booked time").click()
    expect(page.locator(".lead").first).to_contain_text(old_start)
    page.go_back()
    page.get_by_role("button", name="Move to the new time").click()
    expect(page.get_by_text("The talk is moved.")).to_be_visible()
    expect(page.locator(".lead").first).to_contain_text(new_time.split("–")[0])


def test_cancelling_asks_in_place_with_focus_on_the_question(english, live_app):
    booking_id, start = _booked_talk(live_app)
    page = english.page
    _sign_in(english)
    english.goto(f"/talks/bookings/{booking_id}")
    region = page.locator("#change")
    expect(region).to_have_attribute("aria-live", "polite")
    page.get_by_role("link", name="Cancel the talk").click()
    heading = page.get_by_role("heading", name="Cancel this talk?")
    expect(heading).to_be_visible()
    assert page.url.endswith(f"/talks/bookings/{booking_id}")  # swapped in place
    expect(page.locator("#change-heading")).to_be_focused()
    expect(region).to_contain_text(start)
    english.check("talk-cancel-confirm-inline")
    page.get_by_role("link", name="Keep the talk").click()
    expect(page.get_by_role("link", name="Cancel the talk")).to_be_visible()

    page.get_by_role("link", name="Cancel the talk").click()
    page.get_by_label("Reason (optional)").fill("We are away")
    page.get_by_role("button", name="Yes, cancel the talk").click()
    expect(page.get_by_text("The talk is cancelled.")).to_be_visible()
    expect(page.get_by_role("link", name="Book a new time")).to_be_visible()


def test_cancelling_and_moving_without_javascript(english_without_js, live_app):
    booking_id, start = _booked_talk(live_app)
    phone = english_without_js
    page = phone.page
    _sign_in(phone)
    phone.goto(f"/talks/bookings/{booking_id}")
    page.get_by_role("link", name="Move to another time").click()
    page.locator("a.slot").nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move the talk for Oskar")
    page.get_by_role("link", name="Keep the booked time").click()
    page.get_by_role("link", name="Cancel the talk").click()
    assert page.url.endswith(f"/talks/bookings/{booking_id}/cancel")  # a page of its own
    expect(page.get_by_role("heading", name="Cancel this talk?")).to_be_visible()
    expect(page.locator("#change .lead")).to_contain_text(start)
    expect(page.locator("#change-heading")).to_be_focused()  # autofocus: the question first
    page.get_by_role("button", name="Yes, cancel the talk").click()
    expect(page.get_by_text("The talk is cancelled.")).to_be_visible()


def test_calendar_help_for_android_iphone_and_outlook(english):
    page = english.page
    _sign_in(english)
    english.goto("/calendar")
    help_ = page.locator("section.howto")
    expect(help_.locator("details > summary")).to_have_text(
        ["Android (Google Calendar)", "iPhone (Apple Calendar)", "Outlook"]
    )
    android = help_.locator("details").nth(0)
    expect(android.get_by_text("From URL", exact=False)).to_be_hidden()  # closed at first
    android.locator("summary").click()
    expect(android.locator("ol > li")).to_have_count(4)
    expect(android).to_contain_text("calendar.google.com")
    expect(android).not_to_contain_text("computer")
    english.check("calendar-help")
