"""Odd input (issue 14): one regression test per class the reviewer's crafted requests
found, each answered with a 4xx and a clear message, never a 500 nor another site."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.contacts.models import ContactDetails, ContactNote
from app.exports import csv_bytes, neutralise, neutralise_phone
from app.extensions import db
from app.fields import Form
from app.leave.models import LeaveRequest
from app.people.models import Student, User
from app.school.models import MentorGroup, SchoolYear
from app.web import safe_next
from tests.conftest import csrf_token, post_form

OFF_SITE = [
    "//evil.example",
    "//evil.example/leave",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/home\r\nSet-Cookie: x=1",
    "/home\x00",
]


def _oskar(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Student.id).where(Student.first_name == "Oskar"))


def _off_site(location: str | None) -> bool:
    from tests.test_fuzz import off_site

    return bool(location) and off_site(location)


# --- ids past the database's integer range -------------------------------------------------


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64])
def test_ids_past_the_integer_range_are_not_found(login_as, big):
    mentor = login_as("mentor")
    assert mentor.get(f"/groups/{big}").status_code == 404
    assert mentor.get(f"/talks/periods/{big}/students/1/book").status_code == 404
    token = csrf_token(mentor, "/account")
    assert mentor.post(f"/contact-notes/{big}/done", data={"csrf_token": token}).status_code == 404
    assert mentor.get("/groups/0").status_code == 404


def test_ids_in_query_strings_past_the_range_are_ignored(login_as):
    principal = login_as("principal")
    assert principal.get(f"/leave/schools/1?group={2**63}").status_code == 200
    assert login_as("admin").get(f"/admin/schools/1/audit?page={2**63}").status_code == 200
    assert login_as("guardian").get(f"/leave/new?student={2**63}").status_code == 200


# --- redirects: next and back --------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_other_sites_and_control_characters(target):
    assert safe_next(target) is None


def test_safe_next_keeps_paths_on_this_site():
    assert safe_next("/leave/3?status=pending") == "/leave/3?status=pending"
    assert safe_next("/") == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_sends_the_browser_off_site(client, target):
    response = post_form(
        client,
        "/login?" + _query(next=target),
        {"email": "mentor@example.org", "password": "mentorskap"},
        page="/login",
    )
    assert response.status_code == 303
    assert not _off_site(response.headers["Location"]), response.headers["Location"]


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


@pytest.mark.parametrize("target", OFF_SITE)
def test_contact_note_done_stays_on_the_site(app, login_as, target):
    oskar = _oskar(app)
    mentor = login_as("mentor")
    post_form(
        mentor,
        f"/students/{oskar}/contact-log",
        {
            "occurred_on": "2026-11-20",
            "channel": "phone",
            "with_whom": "Anna",
            "summary": "Läxor",
            "follow_up_on": "2026-12-01",
        },
    )
    with app.app_context():
        note_id = db.session.scalar(select(func.max(ContactNote.id)))
    response = post_form(
        mentor, f"/contact-notes/{note_id}/done", {"back": target}, page="/account"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/students/{oskar}/contact-log"


@pytest.mark.parametrize("target", OFF_SITE)
def test_leave_decision_stays_on_the_site(app, login_as, target):
    with app.app_context():
        leave_id = db.session.scalar(
            select(func.min(LeaveRequest.id)).where(LeaveRequest.status == "pending")
        )
    assert leave_id, "the demo has a pending leave request"
    response = post_form(
        login_as("principal"),
        f"/leave/{leave_id}/decide",
        {"decision": "reject", "comment": "Skoldagar", "back": target},
        page="/account",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/leave/{leave_id}"


# --- control characters in text fields ---------------------------------------------------------


def test_every_form_uses_the_base_form_with_the_input_rules(app):
    import app as package

    forms = []
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith(package.__name__ + "."):
            forms.append(cls)
    assert forms and all(issubclass(cls, Form) for cls in forms), [
        cls for cls in forms if not issubclass(cls, Form)
    ]


@pytest.mark.parametrize("bad", ["Läxor\x00", "Läxor\x1b[31m", "La\x7fxor"])
def test_control_characters_in_text_are_refused_next_to_the_field(app, login_as, bad):
    oskar = _oskar(app)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ContactNote))
    response = post_form(
        login_as("mentor"),
        f"/students/{oskar}/contact-log",
        {"occurred_on": "2026-11-20", "channel": "phone", "with_whom": "Anna", "summary": bad},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Texten innehåller osynliga kontrolltecken" in page
    assert 'value="Anna"' in page  # the other input is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactNote)) == before


def test_multi_line_text_keeps_tabs_and_line_breaks(app, login_as):
    response = post_form(
        login_as("mentor"),
        f"/students/{_oskar(app)}/contact-log",
        {
            "occurred_on": "2026-11-20",
            "channel": "phone",
            "with_whom": "Anna",
            "summary": "Rad ett\r\n\tRad två",
        },
    )
    assert response.status_code == 303


def test_a_nul_in_a_single_line_field_is_refused(client):
    response = post_form(client, "/login", {"email": "mentor@example.org\x00", "password": "x"})
    assert response.status_code == 422
    assert "kontrolltecken" in response.get_data(as_text=True)


def test_control_characters_in_url_segments_are_not_found(client):
    assert client.get("/login/link/abc%00def").status_code == 404
    assert client.get("/feeds/abc%00.ics").status_code == 404


# --- dates at the calendar's edges ---------------------------------------------------------------


YEAR = {
    "name": "9998/99",
    "start_date": "9998-08-01",
    "end_date": "9999-06-30",
    "ht_start": "9998-08-01",
    "ht_end": "9998-12-20",
    "vt_start": "9999-01-07",
    "vt_end": "9999-06-30",
}


def test_a_school_year_in_9998_is_refused_next_to_the_fields(app, login_as):
    response = post_form(login_as("admin"), "/admin/schools/1/years/new", YEAR)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Välj ett datum under åren 2000–2100." in page
    assert 'value="9998/99"' in page
    with app.app_context():
        assert not db.session.scalar(select(SchoolYear).where(SchoolYear.name == "9998/99"))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_leave_dates_at_the_calendars_edges_are_refused(app, login_as, day):
    response = post_form(
        login_as("guardian"),
        "/leave/new",
        {
            "students": str(_oskar(app)),
            "start_date": day,
            "end_date": day,
            "reason": "travel",
            "note": "Resa",
        },
    )
    assert response.status_code == 422
    assert "Välj ett datum under åren 2000–2100." in response.get_data(as_text=True)


def test_dates_in_query_strings_and_paths_are_bounded(login_as):
    principal = login_as("principal")
    response = principal.get("/leave/schools/1?from=0001-01-01&to=9999-12-31")
    assert response.status_code == 200
    assert login_as("mentor").get("/mentor-times/1/9999-12-31").status_code == 404
    assert login_as("mentor").get("/mentor-times/1/0001-01-01").status_code == 404


# --- a binary file uploaded as CSV ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"personnummer;first_name\x00\x01\x02",
        "personnummer;förnamn\n".encode("utf-16"),
        b"PK\x03\x04\x14\x00\x06\x00\x81\x8d\x8f\x90\x9d",
    ],
)
def test_a_binary_file_is_refused_next_to_the_file_field(app, login_as, content):
    admin = login_as("admin")
    page = admin.get("/admin/schools/1/import").get_data(as_text=True)
    year = re.search(r'<option (?:selected )?value="(\d+)"', page).group(1)
    response = admin.post(
        "/admin/schools/1/import",
        data={
            "csrf_token": csrf_token(admin, "/admin/schools/1/import"),
            "school_year": year,
            "files": [(io.BytesIO(content), "elever.csv")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "elever.csv är ingen CSV-textfil" in response.get_data(as_text=True)


# --- formula injection in exports -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+46 70 123 45 67", "'+46 70 123 45 67"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Anna Berg", "Anna Berg"),
        ("070-123 45 67", "070-123 45 67"),
        ("", ""),
    ],
)
def test_cells_that_start_like_a_formula_are_neutralised(value, cell):
    assert neutralise(value) == cell


def test_csv_cells_are_quoted_and_neutralised():
    text = csv_bytes(["Namn"], [["=1+2"], ["a;b"]]).decode("utf-8-sig")
    assert text == '"Namn"\r\n"\'=1+2"\r\n"a;b"\r\n'


def test_vcard_phone_numbers_stay_dialable_but_not_formulas():
    assert neutralise_phone("+46701234567") == "+46701234567"
    assert neutralise_phone("+46 70-123 45 67") == "+46 70-123 45 67"
    assert neutralise_phone("+1+cmd|' /C calc'!A0") == "'+1+cmd|' /C calc'!A0"


def _poison_guardian(app) -> None:
    with app.app_context():
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        guardian.name = '=HYPERLINK("http://evil.example","Klicka")'
        details = db.session.scalar(
            select(ContactDetails).where(ContactDetails.user_id == guardian.id)
        )
        details.mobile = "+46701740699"
        details.town = "@SUM(1+1)"
        db.session.commit()


def _group_7a(app) -> int:
    with app.app_context():
        return db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))


def test_the_contact_csv_export_neutralises_formulas(app, login_as):
    _poison_guardian(app)
    response = login_as("mentor").get(f"/groups/{_group_7a(app)}/contacts.csv")
    text = response.data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert '\'=HYPERLINK("http://evil.example","Klicka")' in cells
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells), cells
    assert text.startswith('"Elev";')  # every cell quoted


def test_the_vcard_export_neutralises_formulas(app, login_as):
    _poison_guardian(app)
    text = login_as("mentor").get(f"/groups/{_group_7a(app)}/contacts.vcf").get_data(as_text=True)
    assert "FN:'=HYPERLINK" in text
    assert "\nFN:=" not in text and ";@SUM" not in text
    assert "+46701740699" in text  # the number is still dialable


def test_an_id_past_the_range_in_a_posted_field_is_not_found(login_as):
    guardian = login_as("guardian")
    response = post_form(guardian, "/calendar/links", {"student_id": str(2**63)}, page="/calendar")
    assert response.status_code == 404


def test_a_text_field_left_out_of_a_sent_form_is_empty_text(app, login_as):
    """A hand-made request without some of a form's text fields is read as a browser would
    send them (empty), and the page answers; before, the talk notes answered 500."""
    from app.talks.models import TalkRecord
    from tests.talks.helpers import make_period, student

    with app.app_context():
        period = make_period("7A")
        oskar = student("Oskar").id
        period_id = period.id
        db.session.commit()
    client = login_as("mentor")
    path = f"/talks/periods/{period_id}/students/{oskar}/record"
    response = post_form(client, path, {"held": "yes", "notes": "Bra samtal"})
    assert response.status_code == 303
    with app.app_context():
        record = db.session.scalar(select(TalkRecord).where(TalkRecord.student_id == oskar))
        assert (record.notes, record.actions, record.summary) == ("Bra samtal", "", "")
