"""Teachers' input: the domain (save, validate, the mentor's view, the reminder) and the
teacher's pages (home, input page with htmx and without JavaScript)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.access import roles_of
from app.audit import AuditEvent
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import Staff, Student
from app.teaching import inputs
from app.teaching.models import COMMENT_MAX, STATUSES, TeacherInput, TeachingReminder
from app.teaching.reminders import remind_late
from app.teaching.subjects import SUBJECTS, subject_label
from tests.conftest import csrf_token
from tests.talks.helpers import student, user
from tests.teaching.helpers import period_of, student_ids


def _inputs(period_id: int, subject: str) -> list[TeacherInput]:
    return list(
        db.session.scalars(
            select(TeacherInput).where(
                TeacherInput.period_id == period_id, TeacherInput.subject == subject
            )
        )
    )


# --- the domain -------------------------------------------------------------------------


def test_subjects_and_statuses_are_one_list_each():
    assert {"SV", "SVA", "EN", "MA", "ML", "MLA", "SL", "IDH", "HKK"} <= set(SUBJECTS)
    assert STATUSES == ("on_track", "needs_support", "at_risk")


def test_validate_refuses_an_unknown_status_and_a_long_comment():
    assert inputs.validate("at_risk", "") == {}
    assert inputs.validate("bad", "") == {"status": "status"}
    assert inputs.validate(None, "x" * (COMMENT_MAX + 1)) == {
        "status": "status",
        "comment": "comment",
    }
    assert inputs.validate("on_track", "x" * COMMENT_MAX) == {}


def test_saving_twice_keeps_one_row_with_the_last_words(ctx):
    period, maja = period_of("7A"), user("teacher@example.org")
    oskar = student("Oskar")
    assert inputs.save_input(maja, period, "SV", oskar, "at_risk", "  Prov missat ").ok
    assert inputs.save_input(maja, period, "SV", oskar, "needs_support", "Bättre").ok
    rows = [r for r in _inputs(period.id, "SV") if r.student_id == oskar.id]
    assert [(r.status, r.comment, r.teacher_id) for r in rows] == [
        ("needs_support", "Bättre", maja.id)
    ]


def test_saving_refuses_bad_input_and_stores_nothing(ctx):
    period, maja, oskar = period_of("7A"), user("teacher@example.org"), student("Oskar")
    saved = inputs.save_input(maja, period, "SV", oskar, "later", "x" * 501)
    assert not saved.ok and set(saved.errors) == {"status", "comment"}
    assert not [r for r in _inputs(period.id, "SV") if r.student_id == oskar.id]


def test_teacher_role_needs_an_assignment_and_staff_at_the_school(ctx):
    maja = user("teacher@example.org")
    assert "teacher" in roles_of(maja)
    assert "teacher" in roles_of(user("mentor8b@example.org"))  # a mentor who teaches too
    assert "mentor" in roles_of(user("mentor8b@example.org"))
    assert "teacher" not in roles_of(user("mentor@example.org"))
    db.session.execute(Staff.__table__.delete().where(Staff.user_id == maja.id))
    db.session.commit()
    assert "teacher" not in roles_of(maja)


def test_group_input_lists_every_subject_and_who_is_late(ctx):
    period = period_of("7A")
    data = inputs.group_input(period)
    assert data.subjects == ["SV", "EN", "MA", "BI", "SH"]
    late = {t.name: t.missing for t in data.late}
    size = len(student_ids("7A"))
    # The demo: Maja gave every student's mathematics and a third of English.
    assert late["Erik Sjöberg"] == 2 * size
    assert late["Sara Nilsson"] == size
    assert 0 < late["Maja Berg"] < size
    assert all(len(s.cells) >= 1 for s in data.students)  # mathematics for everyone


def test_the_reminder_goes_once_per_period_and_teacher(app):
    with app.test_request_context():
        _the_reminder_goes_once()


def _the_reminder_goes_once():
    period, karin = period_of("7A"), user("mentor@example.org")
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    first = remind_late(period, karin)
    assert first.count == 3  # Maja, Erik and Sara are late
    mails = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id).offset(before)
    ).all()
    assert sorted(m.recipient for m in mails) == [
        "mentor8b@example.org",
        "teacher2@example.org",
        "teacher@example.org",
    ]
    assert f"/teaching/periods/{period.id}/input/SV" in next(
        m.body_text for m in mails if m.recipient == "teacher2@example.org"
    )
    again = remind_late(period, user("comentor@example.org"))
    assert (again.count, again.already) == (0, 3)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 3
    assert db.session.scalar(select(func.count()).select_from(TeachingReminder)) == 3
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "teaching.reminded")) == 2
    )


def test_a_teacher_who_has_answered_is_not_reminded(app):
    with app.test_request_context():
        _answered_not_reminded()


def _answered_not_reminded():
    period, sara = period_of("7A"), user("mentor8b@example.org")
    for sid in student_ids("7A"):
        inputs.save_input(sara, period, "BI", db.session.get(Student, sid), "on_track", "")
    remind_late(period, user("mentor@example.org"))
    reminded = set(db.session.scalars(select(TeachingReminder.teacher_id)))
    assert sara.id not in reminded and user("teacher@example.org").id in reminded


# --- the teacher's pages -----------------------------------------------------------------


def _ids(app):
    with app.app_context():
        return period_of("7A").id, period_of("9C").id, student("Oskar").id


def test_teacher_home_lists_groups_subjects_periods_and_progress(app, login_as):
    client = login_as("teacher")
    html = client.get("/home/teacher").get_data(as_text=True)
    p7a, _p9c, _oskar = _ids(app)
    assert "7A" in html and "8B" in html
    assert f'href="/teaching/periods/{p7a}/input/MA"' in html
    assert f'href="/teaching/periods/{p7a}/input/EN"' in html
    with app.app_context():
        size = len(student_ids("7A"))
    # mathematics: every student done ("av" once translated)
    assert re.search(rf"{size} (of|av) {size}", html)


def test_input_page_saves_a_row_without_javascript(app, login_as):
    p7a, _p9c, oskar = _ids(app)
    client = login_as("teacher")
    page = f"/teaching/periods/{p7a}/input/MA"
    html = client.get(page).get_data(as_text=True)
    assert re.search(r'id="input-count"[^>]*>\s*\d+ (of|av) \d+', html)
    action = f"/teaching/periods/{p7a}/input/MA/students/{oskar}"
    answer = client.post(
        action, data={"csrf_token": csrf_token(client, page), "status": "at_risk", "comment": "Hm"}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"{page}#row-{oskar}")
    with app.app_context():
        row = db.session.scalar(
            select(TeacherInput).where(
                TeacherInput.student_id == oskar, TeacherInput.subject == "MA"
            )
        )
        assert (row.status, row.comment) == ("at_risk", "Hm")


def test_bad_input_comes_back_with_errors_next_to_the_fields_and_the_text_kept(app, login_as):
    p7a, _p9c, oskar = _ids(app)
    client = login_as("teacher")
    page = f"/teaching/periods/{p7a}/input/EN"
    token = csrf_token(client, page)
    long = "Lång kommentar " * 40
    answer = client.post(
        f"{page}/students/{oskar}", data={"csrf_token": token, "comment": long.strip()}
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="status-{oskar}-error"' in html and f'id="comment-{oskar}-error"' in html
    assert long.strip() in html
    assert 'id="input-count"' in html  # the whole page, every other row too
    # With htmx the row alone comes back, with the same errors.
    answer = client.post(
        f"{page}/students/{oskar}",
        data={"csrf_token": token, "status": "maybe"},
        headers={"HX-Request": "true", "HX-Target": f"row-{oskar}"},
    )
    assert answer.status_code == 422
    fragment = answer.get_data(as_text=True)
    # A comment typed before the status (htmx sends it when the field is left) waits.
    waiting = client.post(
        f"{page}/students/{oskar}",
        data={"csrf_token": token, "comment": "Först text"},
        headers={"HX-Request": "true", "HX-Target": f"row-{oskar}"},
    )
    assert waiting.status_code == 204
    assert fragment.lstrip().startswith(f'<li id="row-{oskar}"')
    assert f'id="status-{oskar}-error"' in fragment and "<h1" not in fragment


def test_htmx_save_answers_the_row_and_the_new_count(app, login_as):
    p7a, _p9c, oskar = _ids(app)
    client = login_as("teacher")
    page = f"/teaching/periods/{p7a}/input/EN"
    before = int(re.search(r'id="input-count"[^>]*>\s*(\d+)', client.get(page).text).group(1))
    answer = client.post(
        f"{page}/students/{oskar}",
        data={"csrf_token": csrf_token(client, page), "status": "on_track", "comment": ""},
        headers={"HX-Request": "true", "HX-Target": f"row-{oskar}"},
    )
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert f'<li id="row-{oskar}"' in fragment and "data-announce" in fragment
    count = re.search(
        r'id="input-count" hx-swap-oob="true"[^>]*>\s*(\d+) (?:of|av) (\d+)', fragment
    )
    assert count and int(count.group(1)) in (before, before + 1)


def test_a_teacher_cannot_write_for_another_group_or_an_ended_period(app, login_as):
    p7a, p9c, oskar = _ids(app)
    client = login_as("teacher")
    token = csrf_token(client, "/home/teacher")
    with app.app_context():
        elsa = student("Elsa").id
        eight_b = student_ids("8B")[0]
    data = {"csrf_token": token, "status": "at_risk"}
    assert (
        client.post(f"/teaching/periods/{p7a}/input/MA/students/{elsa}", data=data).status_code
        == 404
    )
    assert (
        client.post(f"/teaching/periods/{p7a}/input/MA/students/{eight_b}", data=data).status_code
        == 404
    )
    assert (
        client.post(f"/teaching/periods/{p9c}/input/MA/students/{elsa}", data=data).status_code
        == 404
    )
    assert (
        client.post(f"/teaching/periods/{p7a}/input/SV/students/{oskar}", data=data).status_code
        == 404
    )
    assert client.get(f"/teaching/periods/{p7a}/input/XX").status_code == 404
    # When the period's term has ended, the page and its saving are gone.
    with app.app_context():
        period = period_of("7A")
        term = period.term
        term.end_date = term.start_date + timedelta(days=1)
        db.session.commit()
    assert client.get(f"/teaching/periods/{p7a}/input/MA").status_code == 404
    assert (
        client.post(f"/teaching/periods/{p7a}/input/MA/students/{oskar}", data=data).status_code
        == 404
    )


def test_teacher_pages_show_only_the_group_taught(app, login_as):
    """Maja teaches 7A and 8B, not 9C: no 9C student's name on any of her pages, and of
    7A only names and her subjects' input (no guardians, no contact details)."""
    p7a, _p9c, _oskar = _ids(app)
    client = login_as("teacher")
    pages = [
        "/home/teacher",
        f"/teaching/periods/{p7a}/input/MA",
        f"/teaching/periods/{p7a}/input/EN",
    ]
    html = " ".join(client.get(p).get_data(as_text=True) for p in pages)
    with app.app_context():
        nine_c = db.session.scalars(select(Student).where(Student.id.in_(student_ids("9C")))).all()
        guardians = [g.guardian.name for g in student("Oskar").guardianships]
    assert "Oskar Lindqvist" in html
    assert not [s.name for s in nine_c if s.name in html and s.name != "Oskar Lindqvist"]
    assert not [name for name in guardians if name in html]
    assert "Biology" not in html and subject_label("BI") not in html


@pytest.mark.parametrize("role", ["mentor", "comentor"])
def test_the_mentor_sees_every_subject_and_who_is_late(app, login_as, role):
    p7a, _p9c, oskar = _ids(app)
    teacher = login_as("teacher")
    page = f"/teaching/periods/{p7a}/input/EN"
    teacher.post(
        f"{page}/students/{oskar}",
        data={"csrf_token": csrf_token(teacher, page), "status": "at_risk", "comment": "Prov"},
    )
    client = login_as(role)
    html = client.get(f"/teaching/periods/{p7a}/students/{oskar}").get_data(as_text=True)
    assert "Prov" in html and "Maja Berg" in html
    assert "Erik Sjöberg" in html and "Sara Nilsson" in html  # not answered yet
    overview = client.get(f"/teaching/periods/{p7a}").get_data(as_text=True)
    assert f"/teaching/periods/{p7a}/remind" in overview
    confirm = client.get(f"/teaching/periods/{p7a}/remind").get_data(as_text=True)
    assert "Erik Sjöberg" in confirm
    answer = client.post(
        f"/teaching/periods/{p7a}/remind",
        data={"csrf_token": csrf_token(client, f"/teaching/periods/{p7a}/remind")},
    )
    assert answer.status_code == 303
    after = client.get(f"/teaching/periods/{p7a}").get_data(as_text=True)
    assert f'href="/teaching/periods/{p7a}/remind"' not in after  # everyone reminded
