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


def _invalid_absence_for_oskar(app) -> None:
    from datetime import timedelta

    from app.absence.models import RegisterAbsence
    from app.school.calendar import school_days
    from tests.talks.helpers import student

    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        day = school_days(today() - timedelta(days=10), today(), year)[-1]
        oskar = student("Oskar")
        db.session.add(
            RegisterAbsence(
                school_id=oskar.school_id, student_id=oskar.id, day=day, minutes=90, valid=False
            )
        )
        db.session.commit()


def test_mentor_refers_from_the_watch_list_and_the_principal_closes(phone, live_app):
    page = phone.page
    _invalid_absence_for_oskar(live_app)
    phone.sign_in("mentor@example.org")
    page.locator("#absent-today a[href^='/absence/groups/']").first.click()
    expect(page.locator("#watched")).to_contain_text("Oskar Lindqvist")
    phone.check("absence-watchlist")
    page.locator("#watched a", has_text="Oskar Lindqvist").click()
    expect(page.locator("#follow-up")).to_be_visible()
    phone.check("absence-student-mentor")
    form = page.locator("#contact-form")
    form.locator("#with_whom").fill("Johan")
    form.locator("#summary").fill("Ringde om frånvaron på måndagen")
    form.locator("button[type=submit]").click()
    expect(form.locator("#with_whom")).to_have_value("")  # the page after the save
    referral = page.locator("#referral-form")
    referral.locator("#reason").fill("Upprepad ogiltig frånvaro trots samtal")
    referral.locator("button[type=submit]").click()
    expect(page.locator("#follow-up a[href^='/absence/referrals/']")).to_be_visible()
    _sign_out(phone)

    phone.sign_in("principal@example.org")
    page.locator("a[href$='/referrals']").first.click()
    expect(page.locator("#open-referrals")).to_contain_text("Oskar Lindqvist")
    phone.check("absence-referrals")
    page.locator("#open-referrals a", has_text="Oskar Lindqvist").click()
    phone.check("absence-referral")
    page.locator("#outcome").fill("Möte med hemmet; plan för ökad närvaro")
    page.locator("#close-form button[type=submit]").click()
    expect(page.locator("#open-referrals li")).to_have_count(0)


def test_guardian_answers_an_invalid_absence_and_sees_the_chart(phone, live_app):
    page = phone.page
    _invalid_absence_for_oskar(live_app)
    phone.sign_in("guardian2@example.org")
    page.locator("a[href='/absence']").first.click()
    page.locator("#unexplained a").first.click()
    phone.check("absence-answer")
    page.locator("#answer-form button[type=submit]").click()
    expect(page).to_have_url(f"{phone.base_url}/absence")
    expect(page.locator("#unexplained")).to_have_count(0)
    page.goto(phone.base_url + "/home/guardian")
    page.locator("a[href^='/absence/students/']").first.click()
    expect(page.locator("figure.chart svg")).to_be_visible()
    phone.check("absence-student-guardian")
