"""An admin imports the register in a phone-sized browser; the invalid absence of today
reaches the guardians over real SMTP the same day, and the link in the mail lets a
guardian answer "was sick"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.outbox import deliver_pending
from app.school.calendar import school_days, today
from app.school.models import SchoolYear
from tests.talks.helpers import student
from tests.test_outbox import smtp_server  # noqa: F401 - the fixture


@pytest.fixture
def live_app(make_app, smtp_server):  # noqa: F811
    _handler, port = smtp_server
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)


def test_imported_invalid_absence_today_notifies_the_guardians(
    phone,
    live_app,
    smtp_server,  # noqa: F811
    tmp_path,
):
    handler, _port = smtp_server
    page = phone.page
    with live_app.app_context():
        on = today()
        if not school_days(on, on, db.session.scalar(select(SchoolYear))):
            pytest.skip("today is no school day: no one is told of absence today")
        oskar = student("Oskar")
        oskar.external_id = "S-OSKAR"
        db.session.commit()
    csv = tmp_path / "franvaro.csv"
    csv.write_text(
        "external_id;date;minutes;valid;reason_code\n"
        f"S-OSKAR;{on};80;nej;OG\n"
        f"S-NOBODY;{on};80;nej;OG\n",
        encoding="utf-8",
    )
    phone.sign_in("admin@example.org")
    page.locator("a[href$='/settings']").first.click()
    expect(page.locator("#absence-settings-form")).to_be_visible()
    phone.check("absence-settings")
    page.locator("a[href$='/import']").first.click()
    phone.check("absence-import")
    page.locator("#file").set_input_files(str(csv))
    page.locator("#absence-import-form button[type=submit]").click()
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.locator("#import-errors tbody td").first).to_have_text("3")
    phone.check("absence-import-preview")
    page.locator("form[action$='/apply'] button").click()
    expect(page.locator("#import-done")).to_be_visible()
    phone.check("absence-import-done")

    with live_app.test_request_context():
        assert deliver_pending()[0] == 2  # Oskar's two guardians
    assert {m["To"] for m in handler.messages} == {
        "guardian@example.org",
        "guardian2@example.org",
    }
    body = handler.messages[0].get_payload()[0].get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/absence/register/\d+/answer", body).group(0)
    path = "/" + link.split("/", 3)[3]

    page.locator("form[action='/logout'] button").first.click()
    page.wait_for_url("**/login**")
    phone.sign_in("guardian2@example.org")
    phone.goto(path)
    page.locator("#answer-form button[type=submit]").click()
    expect(page).to_have_url(f"{phone.base_url}/absence")
