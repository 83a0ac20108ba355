"""Leave in a phone-sized browser: apply, decide, see the decision."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.school.calendar import school_days
from app.school.models import SchoolYear


def _days(app, count: int, offset: int) -> tuple[str, str]:
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        start = date.today() + timedelta(days=offset)
        days = school_days(start, start + timedelta(days=60), year)
        return days[0].isoformat(), days[count - 1].isoformat()


def _sign_out(phone):
    phone.page.get_by_role("button", name="Logga ut", exact=True).click()
    expect(phone.page.get_by_text("Du är utloggad.")).to_be_visible()


def test_guardian_applies_mentor_approves_guardian_sees_it(phone, live_app):
    page = phone.page
    first, last = _days(live_app, 2, 7)
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Ansök om ledighet för Oskar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansök om ledighet")
    phone.check("leave-new")
    page.get_by_label("Första dagen").fill(first)
    page.get_by_label("Sista dagen").fill(last)
    page.get_by_label("Mer om ledigheten (frivilligt)").fill("Mormors 80-årsdag")
    page.get_by_role("button", name="Räkna dagarna").click()
    expect(page.get_by_text("Mentorn beslutar.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="2 skoldagar")).to_be_visible()
    phone.check("leave-preview")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_text("Ansökan är skickad.")).to_be_visible()
    expect(page.get_by_text("Väntar på beslut").first).to_be_visible()
    phone.check("leave-mine")
    _sign_out(phone)

    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="ledighetsansökningar att besluta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledighetsansökningar att besluta")
    phone.check("leave-inbox")
    card = page.locator(".leave-item").filter(has_text="Oskar Lindqvist")
    card.get_by_label("Kommentar till vårdnadshavarna").fill("Trevlig resa!")
    card.get_by_role("button", name="Bevilja").click()
    expect(page.get_by_text("Beviljad. Vårdnadshavarna får besked.")).to_be_visible()
    _sign_out(phone)

    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Mina ledighetsansökningar").click()
    expect(page.get_by_text("Beviljad", exact=True).first).to_be_visible()
    expect(page.get_by_text("Trevlig resa!")).to_be_visible()


def test_over_the_limit_reaches_the_principal(phone, live_app):
    page = phone.page
    first, last = _days(live_app, 5, 20)
    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Ansök om ledighet", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansök om ledighet")
    page.get_by_label("Oskar", exact=True).check()
    page.get_by_label("Elsa", exact=True).check()
    page.get_by_label("Första dagen").fill(first)
    page.get_by_label("Sista dagen").fill(last)
    page.get_by_label("Anledning").select_option("family")
    page.get_by_role("button", name="Räkna dagarna").click()
    expect(
        page.get_by_text("Rektor beslutar, eftersom det är mer än mentorn får bevilja.").first
    ).to_be_visible()
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_text("2 ansökningar är skickade, en för varje barn.")).to_be_visible()
    _sign_out(phone)

    phone.sign_in("principal@example.org")
    page.get_by_role("link", name="Ledighetsansökningar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledighet på Lindbackaskolan")
    phone.check("leave-school")
    card = page.locator(".leave-item").filter(has_text="Oskar Lindqvist")
    card.get_by_role("button", name="Bevilja").click()
    expect(page.get_by_text("Beviljad. Vårdnadshavarna får besked.")).to_be_visible()
    page.get_by_role("link", name="Oskar Lindqvist").click()
    phone.check("leave-detail")
    _sign_out(phone)

    phone.sign_in("guardian@example.org")
    page.get_by_role("link", name="Mina ledighetsansökningar").click()
    row = page.locator(".roster li").filter(has_text="Oskar")
    expect(row.get_by_text("Beviljad")).to_be_visible()


def test_reject_without_comment_is_explained(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="ledighetsansökan att besluta").click()
    card = page.locator(".leave-item").first
    card.get_by_role("button", name="Avslå").click()
    expect(
        page.get_by_text("Skriv varför, så att vårdnadshavarna förstår beslutet.")
    ).to_be_visible()
    phone.check("leave-reject-error")


def test_leave_rules_page(phone):
    page = phone.page
    phone.sign_in("admin@example.org")
    page.get_by_role("link", name="Regler", exact=True).click()
    phone.check("leave-policy")
    page.get_by_label("Skoldagar per läsår som mentorn får bevilja").fill("4")
    page.get_by_role("button", name="Spara reglerna").click()
    expect(page.get_by_text("Skolans regler är sparade.")).to_be_visible()
