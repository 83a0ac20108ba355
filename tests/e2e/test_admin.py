"""School administration in a browser, on a phone and at a desk: a new school year with
days off, a group with a mentor, an import after its dry run, invitations to guardians."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import Student
from tests.admin.helpers import students_csv


def _heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_admin_sets_up_a_year_imports_and_invites(request, device, live_app, tmp_path):
    screen = request.getfixturevalue(device)
    page = screen.page
    screen.sign_in("admin@example.org")
    page.get_by_role("link", name="Administrera skolan").click()
    _heading(page, "Lindbackaskolan")
    screen.check(f"{device}-admin-school")

    # A new school year, started from this one.
    page.get_by_role("link", name="Starta nästa läsår").first.click()
    _heading(page, "Nytt läsår")
    expect(page.get_by_label("Namn")).to_have_value("2027/28")
    screen.check(f"{device}-admin-year-new")
    page.get_by_role("button", name="Skapa läsåret").click()
    _heading(page, "Läsår 2027/28")
    expect(page.get_by_text("Läsåret 2027/28 är skapat.")).to_be_visible()
    expect(page.locator("#days-off").get_by_text("Höstlov")).to_be_visible()

    # A study day of its own; an error first, with what was typed kept.
    form = page.locator("#day-off-form")
    form.get_by_label("Namn").fill("Extra studiedag")
    form.get_by_label("Slag").select_option("study_day")
    form.get_by_label("Från").fill("2028-08-01")
    form.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_text("Lov och studiedagar måste ligga inom läsåret.")).to_be_visible()
    form = page.locator("#day-off-form")
    expect(form.get_by_label("Namn")).to_have_value("Extra studiedag")
    form.get_by_label("Från").fill("2028-03-13")
    form.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_text("Extra studiedag är tillagd.")).to_be_visible()
    screen.check(f"{device}-admin-year")

    # A new group with a mentor.
    page.get_by_role("link", name="Ny grupp").click()
    _heading(page, "Ny grupp 2027/28")
    page.get_by_label("Namn").fill("7D")
    page.get_by_label("Mentor", exact=True).select_option(
        label="Sara Nilsson (mentor8b@example.org)"
    )
    page.get_by_role("group", name="Medmentorer").get_by_label("Jonas Ekström").check()
    screen.check(f"{device}-admin-group-new")
    page.get_by_role("button", name="Spara").click()
    _heading(page, "7D 2027/28")
    expect(page.get_by_text("Jonas Ekström (medmentor)")).to_be_visible()

    # Import: dry run first, then confirm.
    page.get_by_role("link", name="Läsår 2027/28").click()
    _heading(page, "Läsår 2027/28")
    page.locator("a.back").click()
    _heading(page, "Läsår")
    page.get_by_role("link", name="Import", exact=True).click()
    _heading(page, "Importera elever och vårdnadshavare")
    screen.check(f"{device}-admin-import")
    csv_file = tmp_path / "elever.csv"
    csv_file.write_text(students_csv(4, groups=("7A",)), encoding="utf-8-sig")
    page.get_by_label("Läsår").select_option(label="2026/27")
    page.get_by_label("CSV-filer").set_input_files(str(csv_file))
    page.get_by_role("button", name="Förhandsvisa importen").click()
    _heading(page, "Förhandsvisning av importen")
    with live_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Student))
    screen.check(f"{device}-admin-import-preview")
    page.get_by_role("button", name="Importera nu").click()
    _heading(page, "Importen är klar")
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Student)) == before + 4
    screen.check(f"{device}-admin-import-done")

    # Invitations to the guardians of 7A.
    page.get_by_role("link", name="Bjud in vårdnadshavare").click()
    _heading(page, "Bjud in vårdnadshavare")
    screen.check(f"{device}-admin-invitations")
    with live_app.app_context():
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    page.get_by_role("button", name="Bjud in 7A").click()
    expect(page.get_by_text("inbjudningar är skickade")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > mails + 8

    # The audit log shows the import.
    page.get_by_role("link", name="Händelselogg").click()
    _heading(page, "Händelselogg")
    page.get_by_label("Vad").select_option(label="Import")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#results").get_by_text("Import", exact=True)).to_be_visible()
    screen.check(f"{device}-admin-audit")


def test_principal_reads_the_administration(phone):
    page = phone.page
    phone.sign_in("principal@example.org")
    page.get_by_role("link", name="Administrera skolan").click()
    _heading(page, "Lindbackaskolan")
    expect(
        page.get_by_text("Du kan läsa sidan; skolans administratörer ändrar den.")
    ).to_be_visible()
    page.get_by_role("link", name="Personal").click()
    _heading(page, "Personal")
    expect(page.get_by_role("button", name="Skicka inbjudan")).to_have_count(0)
    phone.check("principal-admin-staff")
    page.get_by_role("link", name="Elever").click()
    _heading(page, "Elever")
    page.get_by_label("Namn eller externt id").fill("Oskar")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="Lindqvist, Oskar").click()
    _heading(page, "Oskar Lindqvist")
    expect(page.get_by_role("button", name="Flytta")).to_have_count(0)
    phone.check("principal-admin-student")
