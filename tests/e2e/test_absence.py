"""Absence in a phone-sized browser: a guardian reports two children sick in a few taps,
the mentor sees them at once. Elements are found by their links and ids, so the tests
hold before and after the translation pass."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.absence.policy import next_school_day
from app.extensions import db
from app.school.calendar import today
from app.school.models import SchoolYear


def _sign_out(phone):
    phone.page.locator("form[action='/logout'] button").first.click()
    phone.page.wait_for_url("**/login**")


def test_guardian_reports_two_children_in_two_taps_and_the_mentor_sees_them(phone, live_app):
    page = phone.page
    phone.sign_in("guardian@example.org")
    expect(page).to_have_url(f"{phone.base_url}/home/guardian")
    phone.check("absence-guardian-home")
    taps = 0
    page.locator("a[href='/absence/report?all=1']").click()
    taps += 1
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.get_by_label("Oskar", exact=True)).to_be_checked()
    expect(page.get_by_label("Elsa", exact=True)).to_be_checked()
    phone.check("absence-report")
    page.locator("#report-form button[type=submit]").click()
    taps += 1
    assert taps <= 3
    expect(page).to_have_url(f"{phone.base_url}/absence")
    expect(page.locator("#reports-heading + ul li")).to_have_count(2)
    phone.check("absence-mine")
    _sign_out(phone)

    with live_app.app_context():
        year = db.session.scalar(select(SchoolYear))
        school_day_today = next_school_day(today(), year, include=True) == today()
    phone.sign_in("mentor@example.org")
    absent = page.locator("#absent-today")
    if school_day_today:  # on a weekend the report is for Monday, not today
        expect(absent.get_by_text("Oskar Lindqvist")).to_be_visible()
        expect(absent.get_by_text("Elsa Karlsson")).to_have_count(0)  # 9C is not hers
    phone.check("absence-mentor-home")
