"""Teachers' input in a real browser, at a laptop's width and a phone's 390×844: a teacher
marks two students "at risk" (saved as they go, with htmx), and the mentor sees both on
the students' pages. Elements are found by ids, hrefs and data attributes, so the test
holds before and after the translation pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.teaching.models import TeacherInput
from tests.e2e.conftest import ARTIFACTS
from tests.talks.helpers import student
from tests.teaching.helpers import period_of, student_ids

SHOTS = Path("/work/shots/teaching")


def _shot(name: str) -> None:
    """Keep the check's screenshot where people look at them too."""
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(ARTIFACTS / f"{name}.png", SHOTS / f"after_{name}.png")


def _sign_out(browser):
    browser.page.locator("form[action='/logout'] button").first.click()
    browser.page.wait_for_url("**/login**")


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_teacher_marks_two_students_at_risk_and_the_mentor_sees_both(request, live_app, size):
    browser = request.getfixturevalue("desktop" if size == "laptop" else "phone")
    page = browser.page
    with live_app.app_context():
        period = period_of("7A").id
        oskar = student("Oskar").id
        other = next(
            sid
            for sid in student_ids("7A")
            if sid != oskar
            and not db.session.scalar(
                select(TeacherInput.id).where(
                    TeacherInput.student_id == sid, TeacherInput.subject == "EN"
                )
            )
        )

    browser.sign_in("teacher@example.org")
    expect(page).to_have_url(f"{browser.base_url}/home/teacher")
    browser.check(f"teaching-home-{size}")
    _shot(f"teaching-home-{size}")
    page.locator(f"a[href='/teaching/periods/{period}/input/EN']").click()
    expect(page.locator("#input-count")).to_be_visible()
    before = page.locator("#input-count").inner_text()
    for sid in (oskar, other):
        row = page.locator(f"#row-{sid}")
        with page.expect_response(lambda r: r.request.method == "POST"):
            row.locator(f"label[for='status-{sid}-at_risk']").click()
        expect(page.locator(f"#row-{sid} .badge-ok")).to_be_visible()  # saved
        expect(page.locator(f"#status-{sid}-at_risk")).to_be_checked()
    page.locator(f"#comment-{oskar}").fill("Har missat två prov")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator(f"#row-{oskar} button[type=submit]").click()
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(page.locator(f"#comment-{oskar}")).to_have_value("Har missat två prov")
    expect(page.locator("#input-count")).not_to_have_text(before)
    browser.check(f"teaching-input-{size}")
    _shot(f"teaching-input-{size}")
    with live_app.app_context():
        saved = {
            r.student_id: (r.status, r.comment)
            for r in db.session.scalars(
                select(TeacherInput).where(
                    TeacherInput.period_id == period,
                    TeacherInput.subject == "EN",
                    TeacherInput.student_id.in_([oskar, other]),
                )
            )
        }
    assert saved == {oskar: ("at_risk", "Har missat två prov"), other: ("at_risk", "")}
    _sign_out(browser)

    browser.sign_in("mentor@example.org")
    page.locator("a[href^='/groups/']").first.click()
    page.locator(f"a[href='/talks/periods/{period}']").first.click()
    page.locator(f"a[href='/teaching/periods/{period}']").first.click()
    expect(page.locator(f"a[href='/teaching/periods/{period}/remind']")).to_be_visible()
    browser.check(f"teaching-group-{size}")
    _shot(f"teaching-group-{size}")
    for sid in (oskar, other):
        page.locator(f"a[href='/teaching/periods/{period}/students/{sid}']").click()
        expect(page).to_have_url(f"{browser.base_url}/teaching/periods/{period}/students/{sid}")
        expect(page.locator("li[data-subject=EN] [data-status=at_risk]")).to_be_visible()
        if sid == oskar:
            expect(page.get_by_text("Har missat två prov")).to_be_visible()
            browser.check(f"teaching-student-{size}")
            _shot(f"teaching-student-{size}")
        page.go_back()
        expect(page).to_have_url(f"{browser.base_url}/teaching/periods/{period}")
    page.locator(f"a[href='/teaching/periods/{period}/remind']").click()
    browser.check(f"teaching-remind-{size}")
    _shot(f"teaching-remind-{size}")
    page.locator(f"form[action='/teaching/periods/{period}/remind'] button").click()
    expect(page).to_have_url(f"{browser.base_url}/teaching/periods/{period}")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"a[href='/teaching/periods/{period}/remind']")).to_have_count(0)
