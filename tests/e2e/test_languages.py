"""A guardian in Arabic, Somali and Ukrainian at phone size: sign in, book a talk, apply for
leave. Every page is in the language and its direction, with no sideways scrolling and no
serious accessibility issue (phone.check runs axe)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from app import languages
from app.extensions import db
from app.people.models import User
from app.school.calendar import school_days
from app.school.models import SchoolYear


def _school_days(app, count: int, offset: int) -> tuple[str, str]:
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        start = date.today() + timedelta(days=offset)
        days = school_days(start, start + timedelta(days=60), year)
        return days[0].isoformat(), days[count - 1].isoformat()


def _sign_in_speaking(phone, live_app, code: str) -> None:
    """The demo guardian, whose saved language is `code`, signs in (by the form's fields,
    whatever language the page is in)."""
    with live_app.app_context():
        db.session.execute(
            update(User).where(User.email == "guardian@example.org").values(locale=code)
        )
        db.session.commit()
    phone.goto("/login")
    phone.page.locator("input[name=email]").fill("guardian@example.org")
    phone.page.locator("input[name=password]").fill("mentorskap")
    phone.page.locator("#login-form button[type=submit]").click()
    phone.page.wait_for_url(lambda url: "/login" not in url)


def _in_language(phone, code: str) -> None:
    html = phone.page.locator("html")
    expect(html).to_have_attribute("lang", code)
    expect(html).to_have_attribute("dir", languages.direction(code))


@pytest.mark.parametrize("code", ["ar", "so", "uk"])
def test_guardian_books_and_applies_in_own_language(phone, live_app, code):
    page = phone.page
    _sign_in_speaking(phone, live_app, code)
    _in_language(phone, code)
    phone.check(f"{code}-guardian-home")

    page.locator("a.button.primary[href*='/book']").first.click()
    page.wait_for_url("**/book")
    _in_language(phone, code)
    phone.check(f"{code}-choose-slot")
    page.locator("a.slot").first.click()
    page.wait_for_url("**/book/*")
    _in_language(phone, code)
    phone.check(f"{code}-confirm")
    page.locator("form[method=post] button.primary").first.click()
    page.wait_for_url("**/talks/bookings/*")
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator(".flash-success")).to_be_visible()
    phone.check(f"{code}-booking")

    first, last = _school_days(live_app, 2, 10)
    phone.goto("/leave/new")
    _in_language(phone, code)
    page.locator("input[name=students]").first.check()
    page.locator("input[name=start_date]").fill(first)
    page.locator("input[name=end_date]").fill(last)
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("button[name=action][value=send]")).to_be_visible()
    phone.check(f"{code}-leave-preview")
    page.locator("button[name=action][value=send]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    _in_language(phone, code)
    phone.check(f"{code}-leave-mine")


def test_pseudo_locale_shows_no_clipped_or_overflowing_text(phone, live_app):
    """Every message 40% longer: the guardian's home and booking pages still fit a phone."""
    live_app.config["PSEUDO_LOCALE"] = True
    page = phone.page
    _sign_in_speaking(phone, live_app, "en-XA")
    expect(page.locator("html")).to_have_attribute("lang", "en-XA")
    phone.check("pseudo-guardian-home")
    page.locator("a.button.primary[href*='/book']").first.click()
    page.wait_for_url("**/book")
    phone.check("pseudo-choose-slot")
    page.locator("a.slot").first.click()
    page.wait_for_url("**/book/*")
    phone.check("pseudo-confirm")
