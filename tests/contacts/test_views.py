"""Contact pages over HTTP."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import vobject
from sqlalchemy import select

from app.audit import AuditEvent
from app.contacts.models import ContactDetails, ContactNote
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import Student, User
from app.school.models import MentorGroup
from tests.conftest import ACCOUNTS, post_form, sign_in

FORM = {
    "mobile": "070-174 06 99",
    "other_phone": "",
    "email": "guardian@example.org",
    "street": "Ny väg 2",
    "postal_code": "12345",
    "town": "Lindbacka",
    "language": "so",
    "needs_interpreter": "y",
}


def _group_id(app, name="7A") -> int:
    with app.app_context():
        return db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == name))


def test_guardian_updates_details(app, login_as):
    client = login_as("guardian")
    response = post_form(client, "/contact", FORM)
    assert response.status_code == 303
    page = client.get("/contact").get_data(as_text=True)
    assert 'value="070-174 06 99"' in page and 'value="123 45"' in page and "Dina ändringar" in page
    with app.app_context():
        d = db.session.scalar(
            select(ContactDetails).join(User).where(User.email == ACCOUNTS["guardian"])
        )
        assert d.mobile == "+46701740699" and d.postal_code == "123 45" and d.needs_interpreter
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.changed"))
        assert event.detail["street"]["new"] == "Ny väg 2"


def test_bad_input_is_explained_and_nothing_saved(app, login_as):
    client = login_as("guardian")
    response = post_form(
        client, "/contact", {**FORM, "mobile": "12", "postal_code": "1234", "town": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv ett telefonnummer som 070-123 45 67" in page
    assert "Skriv postnumret som fem siffror" in page and 'value="Ny väg 2"' in page
    with app.app_context():
        d = db.session.scalar(
            select(ContactDetails).join(User).where(User.email == ACCOUNTS["guardian"])
        )
        assert d.street != "Ny väg 2"


def test_email_change_needs_the_link_from_the_new_address(app, login_as):
    client = login_as("guardian")
    post_form(client, "/contact", {**FORM, "email": "anna.ny@example.net"})
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "anna.ny@example.net")) is None
        confirm = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "anna.ny@example.net")
        )
        notice = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == ACCOUNTS["guardian"])
        ).all()[-1]
    assert "håller på att bytas" in notice.subject and "anna.ny@example.net" in notice.body_text
    path = re.search(r"http://127\.0\.0\.1:5000(/contact/email/\S+)", confirm.body_text).group(1)
    assert client.get(path).status_code == 200  # only shows the button
    assert post_form(client, path, {}).status_code == 303
    assert sign_in(app.test_client(), "anna.ny@example.net").status_code == 303
    assert post_form(client, path, {}, page="/contact").status_code == 410  # once only


def test_email_change_to_a_taken_address_is_refused_at_confirmation(app, login_as):
    client = login_as("guardian")
    post_form(client, "/contact", {**FORM, "email": ACCOUNTS["mentor"]})
    with app.app_context():
        confirm = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == ACCOUNTS["mentor"])
        )
    path = re.search(r"(/contact/email/\S+)", confirm.body_text).group(1)
    response = post_form(client, path, {})
    assert response.status_code == 410 and "används redan av ett annat konto" in response.get_data(
        as_text=True
    )


def test_due_confirmation_is_asked_once_after_sign_in(app, client):
    with app.app_context():
        d = db.session.scalar(
            select(ContactDetails).join(User).where(User.email == ACCOUNTS["guardian"])
        )
        d.confirmed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    sign_in(client, ACCOUNTS["guardian"])
    first = client.get("/home/guardian")
    assert first.status_code == 302 and first.headers["Location"] == "/contact/check"
    assert client.get("/home/guardian").status_code == 200  # "ask me later" works
    response = post_form(client, "/contact/confirm", {}, page="/contact/check")
    assert response.status_code == 303
    with app.app_context():
        d = db.session.scalar(
            select(ContactDetails).join(User).where(User.email == ACCOUNTS["guardian"])
        )
        assert utcnow() - d.confirmed_at < timedelta(minutes=1)


def test_group_list_has_call_links_and_markers(app, login_as):
    page = login_as("mentor").get(f"/groups/{_group_id(app)}/contacts").get_data(as_text=True)
    assert 'href="tel:+4670174' in page and 'href="mailto:' in page
    assert page.count("Skyddade personuppgifter: inga adresser") == 1
    assert "Lindbackavägen" not in page  # addresses are not listed at all
    unconfirmed = (
        login_as("mentor")
        .get(f"/groups/{_group_id(app)}/contacts?unconfirmed=1")
        .get_data(as_text=True)
    )
    assert unconfirmed.count('class="name"') < page.count('class="name"')


def _protected(app) -> tuple[str, list[str]]:
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.protected_identity))
        streets = [
            d.street
            for g in student.guardianships
            if (
                d := db.session.scalar(
                    select(ContactDetails).where(ContactDetails.user_id == g.guardian_id)
                )
            )
        ]
        return student.name, streets


def test_csv_export_opens_in_excel_and_hides_protected_addresses(app, login_as):
    response = login_as("mentor").get(f"/groups/{_group_id(app)}/contacts.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark for Excel
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Elev", "Vårdnadshavare", "Mobil"]
    name, streets = _protected(app)
    protected = [r for r in rows if r[0] == name]
    assert protected and all(r[5] == r[6] == r[7] == "" for r in protected)
    assert streets and not any(street in response.data.decode() for street in streets)
    assert any(r[5] for r in rows[1:] if r[0] != name)  # others do have addresses
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
            == "contacts.exported"
        )


def test_vcard_export_parses_and_hides_protected_addresses(app, login_as):
    response = login_as("mentor").get(f"/groups/{_group_id(app)}/contacts.vcf")
    cards = list(vobject.readComponents(response.data.decode()))
    assert len(cards) > 40
    name, streets = _protected(app)
    for card in cards:
        if f"Vårdnadshavare till {name}" == card.note.value:
            assert not hasattr(card, "adr")
    assert not any(street in response.data.decode() for street in streets)


def test_contact_log_is_staff_only(app, login_as):
    with app.app_context():
        oskar = db.session.scalar(select(Student.id).where(Student.first_name == "Oskar"))
    mentor = login_as("mentor")
    bad = post_form(
        mentor,
        f"/students/{oskar}/contact-log",
        {
            "occurred_on": "2026-11-20",
            "channel": "phone",
            "with_whom": "",
            "summary": "Viktigt samtal",
        },
    )
    assert bad.status_code == 422 and "Viktigt samtal" in bad.get_data(as_text=True)
    ok = post_form(
        mentor,
        f"/students/{oskar}/contact-log",
        {
            "occurred_on": "2026-11-20",
            "channel": "phone",
            "with_whom": "Anna (mamma)",
            "summary": "Pratade om läxor",
            "follow_up_on": "2026-12-01",
        },
    )
    assert ok.status_code == 303
    group_log = (
        login_as("principal").get(f"/groups/{_group_id(app)}/contact-log").get_data(as_text=True)
    )
    assert "Pratade om läxor" in group_log and "Följ upp" in group_log
    for role in ("guardian", "other_guardian", "student", "admin", "other_mentor"):
        assert login_as(role).get(f"/students/{oskar}/contact-log").status_code == 404, role
    with app.app_context():
        note = db.session.scalar(select(ContactNote))
    post_form(mentor, f"/contact-notes/{note.id}/done", {}, page=f"/students/{oskar}/contact-log")
    with app.app_context():
        assert db.session.get(ContactNote, note.id).follow_up_done


def test_phone_fields_bring_up_the_phones_keypads(login_as):
    page = login_as("guardian").get("/contact").get_data(as_text=True)
    assert re.search(r'<input autocomplete="tel" id="mobile" [^>]*type="tel"', page)
    assert re.search(r'<input autocomplete="tel" id="other_phone" [^>]*type="tel"', page)
    assert re.search(r'id="postal_code" inputmode="numeric" name="postal_code"', page)
    assert re.search(r'autocomplete="email" id="email" [^>]*type="email"', page)


def test_unconfirmed_details_are_not_worded_as_an_accusation(app, login_as):
    with app.app_context():
        for details in db.session.scalars(select(ContactDetails)):
            details.confirmed_at = None
        db.session.commit()
    page = login_as("mentor").get(f"/groups/{_group_id(app)}/contacts").get_data(as_text=True)
    assert "Inte bekräftat än" in page and "Aldrig bekräftad" not in page


# --- issue 16: no dead ends in the contact log -------------------------------------------


def _ids(app) -> dict:
    from app.people.models import Guardianship

    with app.app_context():
        oskar = db.session.scalar(select(Student).where(Student.first_name == "Oskar"))
        eight_b = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
        student_8b = db.session.scalar(
            select(Student.id)
            .join(Student.memberships)
            .where(Student.memberships.any(group_id=eight_b.id))
            .order_by(Student.id)
        )
        protected = db.session.scalar(select(Student).where(Student.protected_identity))
        return {
            "oskar": oskar.id,
            "guardians": {g.guardian.name: g.guardian_id for g in oskar.guardianships},
            "7A": _group_id(app),
            "8B": eight_b.id,
            "student_8b": student_8b,
            "protected": protected.id,
            "protected_guardian": db.session.scalar(
                select(Guardianship.guardian_id).where(Guardianship.student_id == protected.id)
            ),
        }


def test_an_empty_group_log_offers_a_new_note_for_a_chosen_student(app, login_as):
    ids = _ids(app)
    mentor = login_as("other_mentor")
    page = mentor.get(f"/groups/{ids['8B']}/contact-log").get_data(as_text=True)
    assert "Inga kontakter antecknade ännu." in page
    picker = f"/groups/{ids['8B']}/contact-log/student"
    assert f'action="{picker}"' in page and len(re.findall(r"<option value=\"\d+\"", page)) == 28
    chosen = mentor.get(f"{picker}?student={ids['student_8b']}")
    assert chosen.status_code == 303
    assert chosen.headers["Location"] == (
        f"/students/{ids['student_8b']}/contact-log?back=/groups/{ids['8B']}/contact-log"
    )
    # htmx: the same answer as a navigation the page makes.
    hx = mentor.get(f"{picker}?student={ids['student_8b']}", headers={"HX-Request": "true"})
    assert hx.status_code == 200 and hx.headers["HX-Location"] == chosen.headers["Location"]
    for wrong in ("", str(ids["oskar"]), "abc"):  # nothing, a student of 7A, no id
        refused = mentor.get(f"{picker}?student={wrong}")
        assert refused.status_code == 422, wrong
        html = refused.get_data(as_text=True)
        assert 'id="student-error"' in html and re.search(r"<select[^>]*autofocus", html)


def test_back_returns_where_the_mentor_came_from_and_never_off_site(app, login_as):
    ids = _ids(app)
    mentor = login_as("mentor")
    log = f"/students/{ids['oskar']}/contact-log"

    def back(path: str) -> str:
        html = mentor.get(path).get_data(as_text=True)
        return re.search(r'<a href="([^"]*)" class="back">', html).group(1)

    assert back(f"{log}?back=/groups/{ids['7A']}") == f"/groups/{ids['7A']}"
    assert back(f"{log}?back=/groups/{ids['7A']}/contacts") == f"/groups/{ids['7A']}/contacts"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert back(f"{log}?back={evil}") == f"/groups/{ids['7A']}/contact-log", evil
    assert back(log) == f"/groups/{ids['7A']}/contact-log"  # the student's group log
    # The pages that lead here say where they are, so Back returns there.
    group = mentor.get(f"/groups/{ids['7A']}").get_data(as_text=True)
    assert f'href="{log}?back=/groups/{ids["7A"]}"' in group
    group_log = mentor.get(f"/groups/{ids['7A']}/contact-log").get_data(as_text=True)
    assert f'action="/groups/{ids["7A"]}/contact-log/student"' in group_log
    # A saved note keeps the way back.
    saved = post_form(
        mentor,
        f"{log}?back=/groups/{ids['7A']}",
        {
            "occurred_on": "2026-11-20",
            "channel": "phone",
            "guardians": str(ids["guardians"]["Anna Karlsson"]),
            "summary": "Om läxor",
        },
    )
    assert (
        saved.status_code == 303 and saved.headers["Location"] == f"{log}?back=/groups/{ids['7A']}"
    )


def test_with_whom_is_chosen_from_the_guardians_or_written(app, login_as):
    ids = _ids(app)
    mentor = login_as("mentor")
    log = f"/students/{ids['oskar']}/contact-log"
    page = mentor.get(log).get_data(as_text=True)
    for name, guardian_id in ids["guardians"].items():
        assert re.search(
            rf'<input[^>]*type="checkbox" value="{guardian_id}"[^>]*> <label[^>]*>{name}</label>',
            page,
        )
    base = {"occurred_on": "2026-11-20", "channel": "meeting", "summary": "Utvecklingssamtal"}
    anna, johan = ids["guardians"]["Anna Karlsson"], ids["guardians"]["Johan Lindqvist"]
    nobody = post_form(mentor, log, {**base, "summary": "Det jag skrev"})
    assert nobody.status_code == 422
    html = nobody.get_data(as_text=True)
    assert 'id="with_whom-error"' in html and "Det jag skrev" in html
    assert re.search(
        r'<input[^>]*autofocus[^>]*id="with_whom"|<input[^>]*id="with_whom"[^>]*autofocus', html
    )
    stranger = post_form(mentor, log, {**base, "guardians": str(ids["protected_guardian"])})
    assert stranger.status_code == 422 and 'id="guardians-error"' in stranger.get_data(as_text=True)
    assert post_form(mentor, log, {**base, "guardians": str(anna)}).status_code == 303
    both = {**base, "guardians": [str(anna), str(johan)], "with_whom": "tolk på telefon"}
    assert post_form(mentor, log, both).status_code == 303
    assert post_form(mentor, log, {**base, "with_whom": "Mormor"}).status_code == 303
    with app.app_context():
        stored = list(db.session.scalars(select(ContactNote.with_whom).order_by(ContactNote.id)))
    assert stored[-3:] == [
        "Anna Karlsson",
        "Anna Karlsson, Johan Lindqvist, tolk på telefon",
        "Mormor",
    ]


def test_a_protected_students_log_offers_guardians_by_name_only(app, login_as):
    ids = _ids(app)
    with app.app_context():
        street = "Hemliga vägen 1"
        details = db.session.scalar(
            select(ContactDetails).where(ContactDetails.user_id == ids["protected_guardian"])
        ) or ContactDetails(user_id=ids["protected_guardian"])
        details.street, details.postal_code, details.town = street, "12345", "Hemby"
        details.mobile = "+46701234567"
        db.session.add(details)
        db.session.commit()
        name = db.session.get(User, ids["protected_guardian"]).name
    html = (
        login_as("mentor").get(f"/students/{ids['protected']}/contact-log").get_data(as_text=True)
    )
    assert name in html and "Skyddade personuppgifter: inga adresser" in html
    assert street not in html and "Hemby" not in html and "070-123 45 67" not in html
