"""The mentor's week on a phone: what is on this week, each item a tap from where the
mentor acts on it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_tap_targets import SMALL_TARGETS
from tests.home.week_data import seed_week


def test_mentor_starts_the_day_on_the_week(phone, live_app):
    seed_week(live_app)
    page = phone.page
    phone.sign_in("mentor@example.org")
    week = page.locator("section.week")
    talks = week.filter(has=page.get_by_role("heading", name="Utvecklingssamtal"))
    expect(talks.get_by_text("Kommer: Mamma och pappa")).to_be_visible()
    expect(talks.get_by_text("Tolk: arabiska")).to_be_visible()
    expect(week.filter(has_text="Lämna in läxorna i tid")).to_be_visible()
    expect(week.filter(has_text="Ringa tillbaka om skolskjutsen")).to_be_visible()
    expect(page.locator("#week-empty")).to_have_count(0)
    assert page.evaluate(SMALL_TARGETS) == []
    phone.check("mentor-week")  # axe, no sideways scrolling, a screenshot

    student = talks.get_by_role("link").first
    name = student.inner_text()
    student.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)  # the talk's notes
    expect(page).to_have_title(f"Anteckningar efter samtalet · {name} · Mentorskap")
    page.go_back()
    leave = week.filter(has=page.get_by_role("heading", name="Ledighetsansökningar att besluta"))
    leave.get_by_role("listitem").first.get_by_role("link").click()
    expect(page.get_by_role("button", name="Bevilja")).to_be_visible()


def test_a_quiet_week_says_so_on_a_phone(phone):
    phone.sign_in("mentor8b@example.org")
    expect(phone.page.locator("#week-empty")).to_be_visible()
    phone.check("mentor-week-empty")
