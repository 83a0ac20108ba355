"""Concern pages (issue 19): the teacher raises a concern from a student picker with
errors next to the fields; the mentor sees it on the home page and the student's page,
follows it up, tells the guardians and closes it; the teacher sees the status only."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.outbox import OutboxMessage
from app.teaching.models_concerns import Concern
from tests.conftest import csrf_token, post_form, sign_in
from tests.talks.helpers import student
from tests.teaching.concern_helpers import TEACHERS, make_teacher, raise_one

SEND_KEY_RE = re.compile(r'name="submit_key"[^>]*value="([^"]+)"')


def _teacher_client(app, role: str = "teacher"):
    with app.app_context():
        make_teacher(role)
    client = app.test_client()
    assert sign_in(client, TEACHERS[role][0]).status_code == 303
    return client


def _oskar(app) -> int:
    with app.app_context():
        return student("Oskar").id


def _concern(app, text: str = "Riskerar F") -> int:
    with app.test_request_context():
        return raise_one(make_teacher("teacher"), student("Oskar"), text=text).id


def test_the_teacher_picks_a_student_and_raises_a_concern(app):
    client = _teacher_client(app)
    oskar = _oskar(app)
    picker = client.get("/teaching/concerns/new").get_data(as_text=True)
    assert f"/teaching/concerns/new?student={oskar}" in picker and "Elsa" not in picker
    page = f"/teaching/concerns/new?student={oskar}"
    form = client.get(page).get_data(as_text=True)
    assert 'value="MA"' in form and 'value="FY"' in form and 'value="EN"' not in form
    key = SEND_KEY_RE.search(form).group(1)
    data = {"kind": "grade_warning", "subject": "MA", "text": "Riskerar F", "submit_key": key}
    sent = post_form(client, page, data)
    assert sent.status_code == 303
    with app.app_context():
        concern = db.session.scalar(select(Concern))
        assert sent.headers["Location"] == f"/teaching/concerns/{concern.id}"
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    again = post_form(client, page, data)  # the same form sent again
    assert again.headers["Location"] == f"/teaching/concerns/{concern.id}"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Concern)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails
    mine = client.get("/teaching/concerns").get_data(as_text=True)
    assert f"/teaching/concerns/{concern.id}" in mine and "Oskar Lindqvist" in mine


def test_errors_show_next_to_the_fields_and_keep_what_was_typed(app):
    client = _teacher_client(app)
    page = f"/teaching/concerns/new?student={_oskar(app)}"
    answer = post_form(client, page, {"subject": "EN", "text": "Behåll mig"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="kind-error"' in html and 'id="subject-error"' in html
    assert "Behåll mig" in html
    long = post_form(client, page, {"kind": "worry", "subject": "MA", "text": "x" * 1001})
    assert long.status_code == 422 and 'id="text-error"' in long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Concern)) == 0


def test_a_teacher_of_another_group_or_subject_cannot_raise_for_the_student(app):
    oskar = _oskar(app)
    other = _teacher_client(app, "teacher_8b")
    assert other.get(f"/teaching/concerns/new?student={oskar}").status_code == 404
    english = _teacher_client(app, "other_teacher")
    page = f"/teaching/concerns/new?student={oskar}"
    answer = post_form(english, page, {"kind": "worry", "subject": "MA", "text": "x"})
    assert answer.status_code == 422  # MA is not among their choices
    former = _teacher_client(app, "former_teacher")
    assert former.get("/teaching/concerns/new").status_code == 404


def test_the_mentor_sees_it_at_home_and_on_the_students_page_and_follows_it_up(app, login_as):
    concern = _concern(app, text="Har missat tre prov")
    oskar = _oskar(app)
    mentor = login_as("mentor")
    home = mentor.get("/home/mentor").get_data(as_text=True)
    assert 'id="week-concerns"' in home and f"/teaching/concerns/{concern}" in home
    goals = mentor.get(f"/students/{oskar}/goals").get_data(as_text=True)
    assert f"/teaching/concerns/{concern}" in goals
    page = f"/teaching/concerns/{concern}"
    detail = mentor.get(page).get_data(as_text=True)
    assert "Har missat tre prov" in detail and f"/students/{oskar}/contact-log" in detail
    assert 'id="close-form"' in detail and 'id="tell-form"' in detail
    token = csrf_token(mentor, page)
    saved = mentor.post(f"{page}/follow-up", data={"csrf_token": token, "follow_up": "Ringt hem"})
    assert saved.status_code == 303
    no_box = mentor.post(f"{page}/tell-guardians", data={"csrf_token": token, "message": "Hej"})
    assert no_box.status_code == 422
    assert 'id="confirm-error"' in no_box.get_data(as_text=True)
    told = mentor.post(f"{page}/tell-guardians", data={"csrf_token": token, "confirm": "y"})
    assert told.status_code == 303
    no_outcome = mentor.post(f"{page}/close", data={"csrf_token": token, "note": "Klart"})
    assert no_outcome.status_code == 422
    assert 'id="outcome-error"' in no_outcome.get_data(as_text=True)
    closed = mentor.post(f"{page}/close", data={"csrf_token": token, "outcome": "improved"})
    assert closed.status_code == 303
    again = mentor.post(f"{page}/close", data={"csrf_token": token, "outcome": "support"})
    assert again.status_code == 303  # told it was already closed; nothing changes
    with app.app_context():
        row = db.session.get(Concern, concern)
        assert (row.status, row.outcome, row.follow_up) == ("closed", "improved", "Ringt hem")
        assert row.guardians_told_at is not None
    after = mentor.get("/home/mentor").get_data(as_text=True)
    assert 'id="week-concerns"' not in after


def test_the_teacher_sees_the_status_but_never_the_follow_up(app, login_as):
    concern = _concern(app)
    mentor = login_as("mentor")
    page = f"/teaching/concerns/{concern}"
    token = csrf_token(mentor, page)
    mentor.post(f"{page}/follow-up", data={"csrf_token": token, "follow_up": "Hemligt EHT"})
    mentor.post(
        f"{page}/tell-guardians",
        data={"csrf_token": token, "confirm": "y", "message": "Till hemmet"},
    )
    mentor.post(
        f"{page}/close", data={"csrf_token": token, "outcome": "referred", "note": "Till EHT"}
    )
    teacher = _teacher_client(app)
    html = teacher.get(page).get_data(as_text=True)
    assert 'id="concern-status"' in html
    for secret in ("Hemligt EHT", "Till hemmet", "Till EHT", 'id="concern-outcome"'):
        assert secret not in html
    assert 'id="close-form"' not in html
    assert (
        teacher.post(f"{page}/close", data={"csrf_token": csrf_token(teacher, page)}).status_code
        == 404
    )


def test_the_principal_reads_and_guardians_and_students_never_see_concerns(app, login_as):
    concern = _concern(app)
    oskar = _oskar(app)
    principal = login_as("principal")
    html = principal.get(f"/teaching/concerns/{concern}").get_data(as_text=True)
    assert 'id="close-form"' not in html
    assert principal.get(f"/teaching/students/{oskar}/concerns").status_code == 200
    for role in ("guardian", "other_guardian", "student", "other_mentor", "admin"):
        client = login_as(role)
        assert client.get(f"/teaching/concerns/{concern}").status_code == 404, role
        assert client.get(f"/teaching/students/{oskar}/concerns").status_code == 404, role
        if role != "other_mentor":  # 8B's mentor also teaches 7A biology in the demo
            assert client.get("/teaching/concerns/new").status_code == 404, role
            assert client.get("/teaching/concerns").status_code == 404, role


def test_empty_states(app, login_as):
    teacher = _teacher_client(app)
    mine = teacher.get("/teaching/concerns").get_data(as_text=True)
    assert mine.count('class="empty"') == 2  # no open, no closed
    oskar = _oskar(app)
    mentor = login_as("mentor")
    listing = mentor.get(f"/teaching/students/{oskar}/concerns").get_data(as_text=True)
    assert 'class="empty"' in listing
    goals = mentor.get(f"/students/{oskar}/goals").get_data(as_text=True)
    assert 'id="student-concerns"' in goals


def test_hand_made_choices_get_errors_next_to_the_field_never_a_500(app, login_as):
    concern = _concern(app)
    teacher = _teacher_client(app)
    page = f"/teaching/concerns/new?student={_oskar(app)}"
    odd = post_form(teacher, page, {"kind": "angry", "subject": "XX", "text": "x"})
    assert odd.status_code == 422
    html = odd.get_data(as_text=True)
    assert 'id="kind-error"' in html and 'id="subject-error"' in html
    mentor = login_as("mentor")
    detail = f"/teaching/concerns/{concern}"
    token = csrf_token(mentor, detail)
    answer = mentor.post(f"{detail}/close", data={"csrf_token": token, "outcome": "maybe"})
    assert answer.status_code == 422 and 'id="outcome-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Concern, concern).status == "open"
