"""Concerns in a browser (issue 19): a teacher at a laptop raises a concern about Oskar;
his mentor, on a phone (390×844), finds it on his student page, writes a follow-up and
closes it. Elements are found by ids and links, so the test holds before and after the
translation pass."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.school.models import MentorGroup
from app.teaching.models_concerns import Concern
from tests.talks.helpers import student
from tests.teaching.concern_helpers import TEACHERS, make_teacher


def test_a_teacher_raises_a_concern_and_the_mentor_follows_it_up_and_closes_it(
    desktop, phone, live_app
):
    with live_app.app_context():
        make_teacher("teacher")
        oskar = student("Oskar").id
        group = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))

    # The teacher, at a laptop: pick the student, fill in the form (an error first).
    page = desktop.page
    desktop.sign_in(TEACHERS["teacher"][0])
    desktop.goto("/teaching/concerns")
    desktop.check("concerns-teacher-empty")
    page.locator("a[href='/teaching/concerns/new']").first.click()
    desktop.check("concerns-teacher-pick")
    page.locator(f"a[href='/teaching/concerns/new?student={oskar}']").click()
    page.locator("#kind-0").check()
    page.locator("#subject").select_option("MA")
    page.locator("#concern-form button[type=submit]").click()
    expect(page.locator("#text-error")).to_be_visible()
    expect(page.locator("#kind-0")).to_be_checked()  # nothing typed is lost
    desktop.check("concerns-teacher-error")
    page.locator("#text").fill("Har missat tre prov och riskerar F.")
    page.locator("#concern-form button[type=submit]").click()
    expect(page.locator("#concern-status .badge-warn")).to_be_visible()
    desktop.check("concerns-teacher-raised")
    with live_app.app_context():
        concern = db.session.scalar(select(Concern.id))
    expect(page).to_have_url(f"{desktop.base_url}/teaching/concerns/{concern}")

    # The mentor, on a phone: home → the group → Oskar's page → the concern.
    mobile = phone.page
    phone.sign_in("mentor@example.org")
    on_home = f"section[aria-labelledby=week-concerns] a[href='/teaching/concerns/{concern}']"
    expect(mobile.locator(on_home)).to_be_visible()
    phone.check("concerns-mentor-home")
    mobile.locator(f"a[href='/groups/{group}']").first.click()
    mobile.locator(f"a[href='/students/{oskar}/goals']").click()
    link = mobile.locator(f"#concerns a[href^='/teaching/concerns/{concern}']")
    expect(link).to_be_visible()
    phone.check("concerns-mentor-student-page")
    link.click()
    expect(mobile.get_by_text("Har missat tre prov och riskerar F.")).to_be_visible()
    phone.check("concerns-mentor-detail")
    mobile.locator("#follow_up").fill("Ringt hem, stödlektioner på tisdagar.")
    mobile.locator("#follow-up-form button[type=submit]").click()
    expect(mobile.locator("#concern-follow-up")).to_contain_text("stödlektioner")
    mobile.locator("#close-form button[type=submit]").click()  # no outcome chosen yet
    expect(mobile.locator("#outcome-error")).to_be_visible()
    phone.check("concerns-mentor-close-error")
    mobile.locator("#outcome-1").check()
    mobile.locator("#close-form button[type=submit]").click()
    expect(mobile.locator("#concern-status .badge-ok")).to_be_visible()
    expect(mobile.locator("#close-form")).to_have_count(0)
    phone.check("concerns-mentor-closed")
    mobile.locator("a.back").click()
    expect(mobile).to_have_url(f"{phone.base_url}/students/{oskar}/goals")
    expect(mobile.locator("#concerns .empty")).to_be_visible()

    # The teacher sees it closed, without the mentor's follow-up.
    desktop.goto("/teaching/concerns")
    expect(page.locator("#closed-concerns + ul a")).to_have_count(1)
    desktop.goto(f"/teaching/concerns/{concern}")
    expect(page.locator("#concern-status .badge-ok")).to_be_visible()
    expect(page.get_by_text("stödlektioner")).to_have_count(0)
    desktop.check("concerns-teacher-closed")


def test_the_teacher_raises_a_concern_on_a_phone_too(phone, live_app):
    with live_app.app_context():
        make_teacher("teacher")
        oskar = student("Oskar").id
    page = phone.page
    phone.sign_in(TEACHERS["teacher"][0])
    phone.goto("/teaching/concerns")
    phone.check("concerns-teacher-phone-mine")
    page.locator("a[href='/teaching/concerns/new']").first.click()
    phone.check("concerns-teacher-phone-pick")
    page.locator(f"a[href='/teaching/concerns/new?student={oskar}']").click()
    phone.check("concerns-teacher-phone-form")
    page.locator("#kind-1").check()
    page.locator("#subject").select_option("FY")
    page.locator("#text").fill("Verkar trött och orolig på lektionerna.")
    page.locator("#concern-form button[type=submit]").click()
    expect(page.locator("#concern-status .badge-warn")).to_be_visible()
    page.locator("a.back").click()
    expect(page.locator("#teacher-concerns + ul a")).to_have_count(1)
    phone.check("concerns-teacher-phone-open")


def test_raising_and_closing_work_without_javascript(phone_without_js, live_app):
    with live_app.app_context():
        make_teacher("teacher")
        oskar = student("Oskar").id
    page = phone_without_js.page
    phone_without_js.sign_in(TEACHERS["teacher"][0])
    phone_without_js.goto(f"/teaching/concerns/new?student={oskar}")
    page.locator("#concern-form button[type=submit]").click()
    expect(page.locator("#kind-error")).to_be_visible()
    page.locator("#kind-0").check()
    page.locator("#text").fill("Utan JavaScript.")
    page.locator("#concern-form button[type=submit]").click()
    expect(page.locator("#concern-status .badge-warn")).to_be_visible()
    with live_app.app_context():
        concern = db.session.scalar(select(Concern.id))
    page.locator("form[action='/logout'] button").first.click()
    phone_without_js.sign_in("comentor@example.org")
    phone_without_js.goto(f"/teaching/concerns/{concern}")
    page.locator("#confirm").check()
    page.locator("#tell-form button[type=submit]").click()
    expect(page.locator("#tell-form")).to_have_count(0)  # told: the form is gone
    page.locator("#outcome-3").check()
    page.locator("#close-form button[type=submit]").click()
    expect(page.locator("#concern-status .badge-ok")).to_be_visible()
    with live_app.app_context():
        row = db.session.get(Concern, concern)
        assert row.guardians_told_at is not None and row.outcome == "no_action"
