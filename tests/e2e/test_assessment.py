"""The written assessment in a phone-sized browser (issue 19): the mentor edits and shares
it, the guardian opens it from home, and its printout is one A4 page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from app.extensions import db
from tests.teaching.assessment_data import oskar_ready

SHOTS = Path("/work/shots/assessment")


def shot(page, name: str) -> None:
    """A screenshot for people to look at, after checking the page's tap targets and
    inputs as tests/e2e/test_tap_targets.py does for the pages its crawl reaches."""
    from tests.e2e.test_tap_targets import SMALL_TARGETS, UNSTYLED_INPUTS

    assert page.evaluate(SMALL_TARGETS) == [], name
    if "/print" not in page.url:  # the printout has no input and its own stylesheet
        assert page.evaluate(UNSTYLED_INPUTS) == [], name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"after_{name}.png"), full_page=True)


def pdf_pages(pdf: bytes) -> int:
    """The page objects of a PDF (/Type /Page, not the /Type /Pages tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_mentor_shares_guardian_reads_and_prints_one_a4_page(phone, browser, live_app, live_server):
    with live_app.app_context():
        ids = oskar_ready()
        db.session.remove()
    page = phone.page
    phone.sign_in("mentor@example.org")
    # Home → the group → its talk period → the written assessments → Oskar's.
    page.locator(f"main a[href='/groups/{ids['7A']}']").first.click()
    page.locator(f"main a[href='/talks/periods/{ids['P7A']}']").first.click()
    expect(page).to_have_url(re.compile(r"/talks/periods/\d+$"))
    shot(page, "period_overview")
    page.locator(f"main a[href='/talks/periods/{ids['P7A']}/assessments']").click()
    expect(page).to_have_url(re.compile(r"/assessments$"))
    expect(page.locator("main .roster")).to_contain_text("Oskar Lindqvist")
    phone.check("assessment-list")
    shot(page, "list")
    edit = f"/talks/periods/{ids['P7A']}/students/{ids['OSKAR']}/assessment"
    page.locator(f"main a[href='{edit}']").click()
    expect(page).to_have_url(re.compile(r"/assessment$"))
    # Prefilled from the teachers' input, marked as such.
    expect(page.locator("#text_SV")).to_have_value("Behöver läsa mer hemma.")
    expect(page.locator("#status_SV")).to_have_value("at_risk")
    expect(page.locator("#subject-SV")).to_contain_text("Lena Lärare")
    phone.check("assessment-edit")
    shot(page, "edit")
    # Sharing with a subject without a status: the error is next to that field.
    page.locator("button[value=share]").click()
    expect(page.locator("#status_MA-error")).to_be_visible()
    expect(page.locator("#status_MA")).to_have_attribute("aria-invalid", "true")
    shot(page, "edit_error")
    page.locator("#status_MA").select_option("needs_support")
    page.locator("#text_MA").fill("Öva multiplikationstabellerna varje vecka.")
    page.locator("button[value=share]").click()
    expect(page.locator("main .flash-success")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Öva multiplikationstabellerna")
    phone.check("assessment-shared-mentor")
    shot(page, "shared_mentor")

    # The guardian, on their own phone, opens it from home.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="sv-SE"
    )
    anna = context.new_page()
    anna.goto(live_server + "/login")
    anna.get_by_label("E-postadress").fill("guardian@example.org")
    anna.get_by_label("Lösenord", exact=True).fill("mentorskap")
    anna.get_by_role("button", name="Logga in").click()
    anna.wait_for_url(lambda url: "/login" not in url)
    if "/contact/check" in anna.url:
        anna.goto(live_server + "/home/guardian")
    link = anna.locator("main a[href^='/assessments/']").first
    expect(link).to_be_visible()
    shot(anna, "guardian_home")
    link.click()
    expect(anna).to_have_url(re.compile(r"/assessments/\d+$"))
    expect(anna.locator("main h1")).to_contain_text("Oskar Lindqvist")
    expect(anna.locator("main table")).to_contain_text("Öva multiplikationstabellerna")
    expect(anna.locator("main")).not_to_contain_text("Lena Lärare")
    shot(anna, "guardian_view")
    anna.locator("main a[href$='/print']").click()
    expect(anna).to_have_url(re.compile(r"/print$"))
    expect(anna.locator(".print-page h1")).to_be_visible()
    expect(anna.locator(".print-page")).to_contain_text("Oskar Lindqvist")
    expect(anna.locator("[data-print]")).to_be_visible()  # the script shows the button
    shot(anna, "print_screen")
    anna.emulate_media(media="print")
    expect(anna.locator(".print-toolbar")).to_be_hidden()
    shot(anna, "print_media")
    pdf = anna.pdf(format="A4", print_background=True)
    (SHOTS / "printout.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    context.close()


def test_the_longest_assessment_that_may_be_shared_prints_on_one_a4_page(
    phone, live_app, live_server
):
    """16 subjects and TOTAL_MAX characters of text, spread over 16, 8, 6 or 4 of them (each
    at most TEXT_MAX): always one A4 page. The texts are written straight into the shared
    rows, to print each spread (a shared assessment cannot change through the app)."""
    from flask import current_app
    from sqlalchemy import update

    from app.teaching import assessment as logic
    from app.teaching.models_assessment import TEXT_MAX, TOTAL_MAX, AssessmentEntry
    from app.teaching.subjects import SUBJECTS
    from tests.talks.helpers import student, user
    from tests.teaching.assessment_data import period_of

    with live_app.app_context(), current_app.test_request_context():
        oskar_ready(subjects=tuple(SUBJECTS)[:15])
        mentor = user("mentor@example.org")
        made = logic.open_for_mentor(period_of("7A"), student("Oskar"), mentor)
        values = {e.subject: ("at_risk", "") for e in made.entries}  # the longest status
        assert logic.save(made, mentor, values, share=True).result == "shared"
        assessment_id, subjects = made.id, [e.subject for e in made.entries]
        db.session.remove()
    assert len(subjects) == 16
    phone.sign_in("guardian@example.org")
    words = "Läser gärna och skriver tydligt, " * 100
    for count in (16, 8, 6, 4):
        length = min(TOTAL_MAX // count, TEXT_MAX)
        with live_app.app_context():
            db.session.execute(update(AssessmentEntry).values(text=""))
            db.session.execute(
                update(AssessmentEntry)
                .where(AssessmentEntry.subject.in_(subjects[:count]))
                .values(text=words[:length])
            )
            db.session.commit()
        phone.goto(f"/assessments/{assessment_id}/print")
        pdf = phone.page.pdf(format="A4")
        assert pdf_pages(pdf) == 1, (count, length)
    shot(phone.page, "print_longest")
