"""The survey after the talk in a phone-sized browser: four of 9C's students answer and
their mentor sees nothing; the fifth answers and the totals appear. Elements are found by
ids and links, so the test holds before and after the translation pass."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.people.models import User
from app.surveys.items import items_for
from tests.surveys.helpers import end_period, first_period, group, student_user_ids


def _five_students_with_passwords(app) -> tuple[int, int, list[str]]:
    """9C's first talk period over, and five of its students able to sign in (with the
    demo password)."""
    with app.app_context():
        period = end_period(first_period("9C"))
        elsa = db.session.scalar(select(User).where(User.email == "student@example.org"))
        users = [db.session.get(User, uid) for uid in student_user_ids("9C")[:5]]
        for user in users:
            user.password_hash = elsa.password_hash
        db.session.commit()
        return period.id, group("9C").id, [u.email for u in users]


def _sign_out(phone):
    phone.page.locator("form[action='/logout'] button").first.click()
    phone.page.wait_for_url("**/login**")


def _answer(phone, email: str, period_id: int, value: int, shots: bool = False) -> None:
    page = phone.page
    phone.sign_in(email)
    card = page.locator(f"#survey-card-{period_id}")
    expect(card).to_be_visible()
    if shots:
        phone.check("survey-student-home")
    card.locator(f"a[href='/surveys/periods/{period_id}']").click()
    form = page.locator("#survey-form")
    expect(form).to_be_visible()
    if shots:
        phone.check("survey-form")
    items = form.locator("fieldset.survey-item")
    expect(items).to_have_count(len(items_for("student")))
    for i in range(len(items_for("student"))):
        items.nth(i).locator("label.scale-option").nth(value - 1).click()
    form.locator("textarea[name=comment]").fill(f"Kommentar från nummer {value}")
    form.locator("button[type=submit]").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    if shots:
        phone.check("survey-thanks")
    page.goto(phone.base_url + "/home/student")
    expect(page.locator(f"#survey-card-{period_id}")).to_have_count(0)
    _sign_out(phone)


def _mentor_results(phone, group_id: int, name: str):
    page = phone.page
    phone.sign_in("mentor9c@example.org")
    page.locator(f"a[href='/surveys/groups/{group_id}']").click()
    expect(page).to_have_url(f"{phone.base_url}/surveys/groups/{group_id}")
    phone.check(name)
    return page


def test_five_students_answer_and_the_totals_appear_for_the_mentor(phone, live_app):
    period_id, group_id, emails = _five_students_with_passwords(live_app)
    for n, email in enumerate(emails[:4]):
        _answer(phone, email, period_id, 1 + n, shots=n == 0)
    page = _mentor_results(phone, group_id, "survey-mentor-four")
    section = page.locator(f"#survey-period-{period_id}")
    expect(section.locator(".survey-hidden")).to_have_count(2)  # students and guardians
    expect(section.locator("table")).to_have_count(0)
    expect(section).not_to_contain_text("Kommentar")
    _sign_out(phone)

    _answer(phone, emails[4], period_id, 5)
    page = _mentor_results(phone, group_id, "survey-mentor-five")
    totals = page.locator(f"#totals-{period_id}-student")
    expect(totals).to_be_visible()
    expect(totals.locator("tbody tr")).to_have_count(len(items_for("student")))
    # Every item was answered 1, 2, 3, 4 and 5 once: a mean of 3 and one in each column.
    first = totals.locator("tbody tr").first.locator("td")
    expect(first.nth(0)).to_have_text("3,0")
    expect(first.nth(1)).to_have_text("1 / 1 / 1 / 1 / 1")
    expect(page.locator(".survey-comments li")).to_have_count(5)
    expect(section.locator(".survey-hidden")).to_have_count(1)  # the guardians: none yet
