"""Role-aware start pages and switching between roles."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.people.models import User
from app.school.models import GroupMentor, MentorGroup
from tests.conftest import sign_in


def test_root_sends_anonymous_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_guardian_sees_a_card_per_child_with_group_and_mentor(login_as):
    page = login_as("guardian").get("/home/guardian").get_data(as_text=True)
    assert "Elsa Karlsson" in page and "Oskar Lindqvist" in page
    assert "9C" in page and "7A" in page
    assert "Karin Lund" in page and "Jonas Ekström" in page  # 7A's mentor and co-mentor
    assert "Dina 2 barn i skolan" in page


def test_other_guardian_sees_only_their_own_child(login_as):
    page = login_as("other_guardian").get("/home/guardian").get_data(as_text=True)
    assert "Oskar Lindqvist" in page
    assert "Elsa Karlsson" not in page


def test_student_sees_own_overview(login_as):
    page = login_as("student").get("/home/student").get_data(as_text=True)
    assert "Hej Elsa" in page and "9C" in page and "Ahmed Hassan" in page


def test_mentor_and_comentor_see_their_group(login_as):
    for role in ("mentor", "comentor"):
        page = login_as(role).get("/home/mentor").get_data(as_text=True)
        assert ">7A</a>" in page and "28 elever" in page
        assert ">8B</a>" not in page


def test_mentor_group_page_marks_protected_identity(login_as):
    client = login_as("mentor")
    home = client.get("/home/mentor").get_data(as_text=True)
    href = home.split('href="/groups/', 1)[1].split('"', 1)[0]
    page = client.get(f"/groups/{href}").get_data(as_text=True)
    assert page.count('class="name"') == 28
    assert page.count("Skyddade personuppgifter") == 1


def test_principal_sees_school_overview(login_as):
    page = login_as("principal").get("/home/principal").get_data(as_text=True)
    assert "Lindbackaskolan" in page and "84 elever" in page and "3 grupper" in page
    assert "Höstlov" in page


def test_admin_sees_administration(login_as):
    page = login_as("admin").get("/home/admin").get_data(as_text=True)
    assert "99990001" in page and "3 skoldagar per läsår" in page
    assert "principal@example.org" in page


def test_person_with_two_roles_switches_between_them(app, client):
    # The principal is also co-mentor of 8B: two roles, two homes.
    with app.app_context():
        principal = db.session.scalar(select(User).where(User.email == "principal@example.org"))
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
        db.session.add(GroupMentor(group_id=group.id, user_id=principal.id, is_co_mentor=True))
        db.session.commit()
    response = sign_in(client, "principal@example.org")
    assert response.headers["Location"] == "/home/mentor"  # roles in a fixed order
    nav = client.get("/home/mentor").get_data(as_text=True)
    assert 'href="/role/principal"' in nav and 'href="/role/mentor"' in nav
    assert client.get("/role/principal").headers["Location"] == "/home/principal"
    assert client.get("/").headers["Location"] == "/home/principal"  # remembered
    assert client.get("/role/guardian").status_code == 404  # not a role of theirs


def test_user_without_role_gets_a_clear_page(app, client):
    from app.people.passwords import hash_password

    with app.app_context():
        db.session.add(
            User(
                email="new@example.org",
                name="Ny Person",
                password_hash=hash_password("long enough password"),
            )
        )
        db.session.commit()
    response = sign_in(client, "new@example.org", "long enough password")
    assert response.headers["Location"] == "/no-role"
    page = client.get("/no-role").get_data(as_text=True)
    assert "inte kopplat till en elev eller en skola" in page
