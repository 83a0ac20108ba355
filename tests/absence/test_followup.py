"""The mentor's follow-up over HTTP: the watch list, a contact noted in the contact log,
a referral the principal closes; the pages guardians and students see."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.absence import reports
from app.absence.models import Referral, RegisterAbsence
from app.contacts.models import ContactNote
from app.extensions import db
from app.school.calendar import today
from app.school.models import MentorGroup, SchoolYear
from tests.conftest import post_form
from tests.talks.helpers import student, user


def _ids(app):
    with app.app_context():
        groups = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        return groups, student("Oskar").id, student("Elsa").id


def _invalid_absence(app, name="Oskar"):
    """An invalid register absence on the last school day up to today."""
    with app.app_context():
        from app.school.calendar import school_days

        year = db.session.scalar(select(SchoolYear))
        on = today()
        day = school_days(on - timedelta(days=10), on, year)[-1]
        child = student(name)
        db.session.add(
            RegisterAbsence(
                school_id=child.school_id, student_id=child.id, day=day, minutes=60, valid=False
            )
        )
        db.session.commit()


def test_the_watch_list_shows_an_invalid_absence_to_the_mentors_and_principal_only(app, login_as):
    groups, oskar, _elsa = _ids(app)
    _invalid_absence(app)
    url = f"/absence/groups/{groups['7A']}"
    page = login_as("mentor").get(url).text
    watched = page.split('id="watched"')[1].split("</section>")[0]
    assert "Oskar Lindqvist" in watched
    assert login_as("principal").get(url).status_code == 200
    for role in ("guardian", "other_guardian", "student", "other_mentor", "admin"):
        assert login_as(role).get(url).status_code == 404, role


def test_mentor_notes_a_call_agrees_a_follow_up_and_refers_and_the_principal_closes(app, login_as):
    _groups, oskar, _elsa = _ids(app)
    mentor = login_as("mentor")
    page_url = f"/absence/students/{oskar}"
    assert 'id="contact-form"' in mentor.get(page_url).text
    follow_up = (today() + timedelta(days=7)).isoformat()
    contact = {
        "channel": "phone",
        "with_whom": "Johan",
        "summary": "Pratade om frånvaron",
        "follow_up_on": follow_up,
        "submit_key": "contact-key-123456789",
    }
    assert post_form(mentor, f"{page_url}/contact", contact, page=page_url).status_code == 303
    assert post_form(mentor, f"{page_url}/contact", contact, page=page_url).status_code == 303
    empty = post_form(mentor, f"{page_url}/contact", {"channel": "phone"}, page=page_url)
    assert empty.status_code == 422 and 'id="summary-error"' in empty.text
    with app.app_context():
        [note] = db.session.scalars(select(ContactNote).where(ContactNote.student_id == oskar))
        assert note.follow_up_on.isoformat() == follow_up and note.with_whom == "Johan"
    data = {"reason": "Upprepad ogiltig frånvaro", "submit_key": "refer-key-1234567890"}
    assert post_form(mentor, f"{page_url}/refer", data, page=page_url).status_code == 303
    assert post_form(mentor, f"{page_url}/refer", data, page=page_url).status_code == 303
    other = {"reason": "Igen", "submit_key": "refer-key-0987654321"}
    assert post_form(mentor, f"{page_url}/refer", other, page=page_url).status_code == 303
    with app.app_context():
        [referral] = db.session.scalars(  # one open per student
            select(Referral).where(Referral.student_id == oskar)
        ).all()
        school_id = referral.school_id
    assert post_form(login_as("comentor"), f"{page_url}/refer", other, page=page_url)
    principal = login_as("principal")
    listing = principal.get(f"/absence/schools/{school_id}/referrals").text
    assert f"/absence/referrals/{referral.id}" in listing
    for role in ("guardian", "student", "admin", "mentor"):
        assert login_as(role).get(f"/absence/schools/{school_id}/referrals").status_code == 404
    detail = f"/absence/referrals/{referral.id}"
    assert post_form(mentor, detail, {"outcome": "x"}, page=page_url).status_code == 404
    refused = post_form(principal, detail, {"outcome": ""})
    assert refused.status_code == 422
    assert post_form(principal, detail, {"outcome": "Möte med hemmet, plan"}).status_code == 303
    with app.app_context():
        closed = db.session.get(Referral, referral.id)
        assert closed.status == "closed" and closed.open_student_id is None
        assert (
            db.session.scalar(
                select(func.count()).select_from(Referral).where(Referral.student_id == oskar)
            )
            == 1
        )


def test_guardians_and_the_student_see_the_chart_and_percentages_without_follow_up(app, login_as):
    _groups, oskar, elsa = _ids(app)
    with app.app_context():
        on = today()
        reports.report(
            user("guardian@example.org"),
            [(student("Elsa"), None)],
            reports.Dates(on - timedelta(days=3), on),
            "Hemlig anteckning",
        )
    for role, child in (("guardian", elsa), ("student", elsa), ("guardian", oskar)):
        page = login_as(role).get(f"/absence/students/{child}")
        assert page.status_code == 200
        assert "<svg" in page.text and 'role="img"' in page.text and "<table" in page.text
        assert 'id="contact-form"' not in page.text and 'id="referral-form"' not in page.text
    principal = login_as("principal").get(f"/absence/students/{elsa}").text
    assert "Hemlig anteckning" not in principal and "swatch-sick" not in principal
    assert login_as("other_guardian").get(f"/absence/students/{elsa}").status_code == 404
    assert login_as("mentor").get(f"/absence/students/{elsa}").status_code == 404  # 9C
    assert login_as("admin").get(f"/absence/students/{elsa}").status_code == 404
