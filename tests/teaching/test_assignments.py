"""The admin sets who teaches a group in which subject, on the group's admin page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.people.models import Staff, User
from app.teaching import assignments
from app.teaching.models import TeachingAssignment
from tests.conftest import csrf_token
from tests.talks.helpers import user
from tests.teaching.helpers import group


def _count(**where) -> int:
    query = select(func.count()).select_from(TeachingAssignment)
    for name, value in where.items():
        query = query.where(getattr(TeachingAssignment, name) == value)
    return db.session.scalar(query)


def test_assign_refuses_unknown_subjects_non_teachers_and_doubles(ctx):
    seven_a, admin = group("7A"), user("admin@example.org")
    maja, principal = user("teacher@example.org"), user("principal@example.org")
    assert assignments.assign(seven_a, "XX", maja.id, admin).code == "subject"
    assert assignments.assign(seven_a, "KE", principal.id, admin).code == "teacher"
    assert assignments.assign(seven_a, "MA", maja.id, admin).code == "exists"
    assert assignments.assign(seven_a, "KE", maja.id, admin).ok
    assert _count(group_id=seven_a.id, subject="KE", teacher_id=maja.id) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "teaching.assigned"))
    assert event.detail["subject"] == "KE" and event.actor_id == admin.id


def _group_page(app, client):
    with app.app_context():
        gid = group("7A").id
    return gid, f"/admin/groups/{gid}"


def test_admin_adds_and_removes_a_teacher_on_the_group_page(app, login_as):
    admin = login_as("admin")
    gid, page = _group_page(app, admin)
    html = admin.get(page).get_data(as_text=True)
    assert 'id="teaching"' in html and "Maja Berg" in html
    # One teachers section (a merge had left two, with the same ids and forms).
    assert html.count('id="teaching-section"') == 1 and html.count('id="teacher"') == 1
    with app.app_context():
        erik = user("teacher2@example.org").id
    answer = admin.post(
        f"/admin/groups/{gid}/teaching",
        data={"csrf_token": csrf_token(admin, page), "subject": "KE", "teacher": erik},
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#teaching")
    with app.app_context():
        made = db.session.scalar(
            select(TeachingAssignment).where(
                TeachingAssignment.subject == "KE", TeachingAssignment.teacher_id == erik
            )
        )
        assert made is not None
        made_id = made.id
    # The same again: refused next to the field, the page kept.
    again = admin.post(
        f"/admin/groups/{gid}/teaching",
        data={"csrf_token": csrf_token(admin, page), "subject": "KE", "teacher": erik},
    )
    assert again.status_code == 422
    assert re.search(r'id="teacher-error"', again.get_data(as_text=True))
    removed = admin.post(
        f"/admin/teaching/{made_id}/remove", data={"csrf_token": csrf_token(admin, page)}
    )
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(TeachingAssignment, made_id) is None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"teaching.assigned", "teaching.unassigned"} <= actions


def test_the_teacher_list_offers_the_schools_teachers_only(app, login_as):
    admin = login_as("admin")
    gid, page = _group_page(app, admin)
    html = admin.get(page).get_data(as_text=True)
    select_html = html[
        html.index('name="teacher"') : html.index("</select>", html.index('name="teacher"'))
    ]
    assert "Erik Sjöberg" in select_html and "Eva Bergström" not in select_html  # principal
    with app.app_context():
        principal = user("principal@example.org").id
    answer = admin.post(
        f"/admin/groups/{gid}/teaching",
        data={"csrf_token": csrf_token(admin, page), "subject": "KE", "teacher": principal},
    )
    assert answer.status_code == 422


def test_principals_read_the_teachers_but_do_not_change_them(app, login_as):
    principal = login_as("principal")
    gid, page = _group_page(app, principal)
    html = principal.get(page).get_data(as_text=True)
    assert "Maja Berg" in html and f"/admin/groups/{gid}/teaching" not in html


def test_a_former_teacher_loses_the_role_and_the_pages(app, login_as):
    client = login_as("teacher")
    assert client.get("/home/teacher").status_code == 200
    with app.app_context():
        maja = db.session.scalar(select(User).where(User.email == "teacher@example.org"))
        db.session.execute(Staff.__table__.delete().where(Staff.user_id == maja.id))
        db.session.commit()
    assert client.get("/home/teacher").status_code == 404


def test_a_mentor_who_teaches_switches_between_both_roles(app, login_as):
    client = login_as("other_mentor")
    assert client.get("/home/mentor").status_code == 200
    answer = client.get("/role/teacher")
    assert answer.status_code in (302, 303) and answer.headers["Location"].endswith("/home/teacher")
    html = client.get("/home/teacher").get_data(as_text=True)
    assert 'href="/role/mentor"' in html
