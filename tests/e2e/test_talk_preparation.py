"""Talk preparation (issue 19) at 390×844: the student prepares the booked talk from
their home, a guardian sees "prepared" and adds questions, and the mentor reads it all
on the talk's notes page. Selectors avoid UI text where new strings are not translated
yet; screenshots also go to /work/shots/prep/ when that folder exists."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

SHOTS = Path("/work/shots/prep")


def _shot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"after_{name}.png"), full_page=True)


def _book_elsas_talk(app) -> tuple[int, int]:
    from app.extensions import db
    from app.school.models import MentorGroup
    from app.talks import booking
    from app.talks.models import TalkPeriod
    from app.talks.slots import future_open_slots
    from tests.talks.helpers import student, user

    with app.app_context():
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "9C"))
        period = min(
            db.session.scalars(select(TalkPeriod).where(TalkPeriod.group_id == group.id)),
            key=lambda p: (p.term.start_date, p.id),
        )
        elsa = student("Elsa")
        slot = future_open_slots(period)[0]
        booking.book(user("guardian@example.org"), elsa, period, slot.id, attendees="Elsa och Anna")
        db.session.commit()
        return period.id, elsa.id


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord", exact=True).fill("mentorskap")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_student_prepares_guardian_sees_prepared_mentor_reads(
    phone, browser, live_app, live_server
):
    period_id, elsa_id = _book_elsas_talk(live_app)
    page = phone.page

    # The student: "Prepare your talk" on the home card.
    phone.sign_in("student@example.org")
    prepare = page.locator(".prep-link a.button.primary")
    expect(prepare).to_be_visible()
    _shot(page, "student_home_not_prepared")
    prepare.click()
    expect(page.locator("#prep-form")).to_be_visible()
    phone.check("prep-student-form")
    _shot(page, "student_form")

    # Saved without the general answer: the error sits by the question, nothing is lost.
    page.locator("#topics").fill("Jag vill prata om matten och om friluftsdagen")
    page.locator("#prep-form button[type=submit]").click()
    expect(page.locator("#general-error")).to_be_visible()
    expect(page.locator("#topics")).to_have_value("Jag vill prata om matten och om friluftsdagen")
    phone.check("prep-student-form-error")
    _shot(page, "student_form_error")

    page.locator("label:has(#general-1)").click()
    goal = page.locator(".prep-goal").first
    goal.locator("input[type=radio][value=well]").check()
    goal.locator("input[type=text]").fill("Söndagsplaneringen funkar")
    page.locator("#prep-form button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("/home/student"))
    done = page.locator(".prep-link a.button")
    expect(done).to_be_visible()
    expect(page.locator(".prep-link a.button.primary")).to_have_count(0)
    phone.check("prep-student-home-prepared")
    _shot(page, "student_home_prepared")

    # A guardian on another phone: "prepared: yes", and their own questions.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="sv-SE"
    )
    anna = context.new_page()
    _sign_in(anna, live_server, "guardian@example.org")
    if "/contact/check" in anna.url:
        anna.goto(live_server + "/home/guardian")
    card = anna.locator("article", has=anna.locator(f"#student-{elsa_id}"))
    expect(card.locator(".prep-status .badge-ok")).to_be_visible()
    _shot(anna, "guardian_home_prepared")
    card.locator(f"a[href$='/students/{elsa_id}/questions']").click()
    expect(anna.locator("#prepared-status .badge-ok")).to_be_visible()
    expect(anna.get_by_text("Söndagsplaneringen funkar")).to_have_count(0)
    anna.locator("#questions").fill("Hur går det med läxorna hemma?")
    _shot(anna, "guardian_questions")
    anna.locator("#questions-form button[type=submit]").click()
    anna.wait_for_url(lambda url: url.endswith("/home/guardian"))
    context.close()

    # The mentor of 9C reads it all on the talk's notes page.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="sv-SE"
    )
    mentor = context.new_page()
    _sign_in(mentor, live_server, "mentor9c@example.org")
    mentor.goto(f"{live_server}/talks/periods/{period_id}")
    mentor.locator(f"a[href$='/students/{elsa_id}/record']").first.click()
    section = mentor.locator("#preparation")
    expect(section).to_contain_text("Jag vill prata om matten och om friluftsdagen")
    expect(section).to_contain_text("Söndagsplaneringen funkar")
    expect(section).to_contain_text("Hur går det med läxorna hemma?")
    expect(section).to_contain_text("Anna Karlsson")
    _shot(mentor, "mentor_record")
    context.close()


def test_a_guardian_adds_questions_without_javascript(phone_without_js, live_app):
    """Plain forms: the questions are saved and shown again with JavaScript off."""
    period_id, elsa_id = _book_elsas_talk(live_app)
    phone = phone_without_js
    page = phone.page
    phone.sign_in("guardian@example.org")
    path = f"/talks/periods/{period_id}/students/{elsa_id}/questions"
    phone.goto(path)
    expect(page.locator("#prepared-status .badge")).to_be_visible()
    # The field holds at most 1000 characters (maxlength; the server checks it too).
    expect(page.locator("#questions")).to_have_attribute("maxlength", "1000")
    page.locator("#questions").fill("Hur trivs Elsa i gruppen?")
    page.locator("#questions-form button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("/home/guardian"))
    phone.goto(path)
    expect(page.locator("#questions")).to_have_value("Hur trivs Elsa i gruppen?")
