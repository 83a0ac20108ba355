"""The people/groups import accepts a file of teachers: teacher, group, subject."""

from __future__ import annotations

from sqlalchemy import func, select

from app.access import roles_of
from app.admin.csvfile import canonical_column
from app.audit import AuditEvent
from app.extensions import db
from app.people.models import Staff, User
from app.teaching.models import TeachingAssignment
from tests.admin.test_import import _confirm, _import, _preview

TEACHERS = (
    "Lärare e-post;Lärare;Klass;Ämne\n"
    "ny.larare@example.org;Nils Ny;7A;MA\n"
    "ny.larare@example.org;;8B;ma\n"
    "mentor@example.org;;7A;SV\n"
    "teacher@example.org;Maja Berg;7A;MA\n"  # already so: nothing to do
)


def _assignments() -> set[tuple[str, str, str]]:
    from app.school.models import MentorGroup

    return set(
        db.session.execute(
            select(User.email, MentorGroup.name, TeachingAssignment.subject)
            .join(User, User.id == TeachingAssignment.teacher_id)
            .join(MentorGroup, MentorGroup.id == TeachingAssignment.group_id)
        )
    )


def test_teacher_headers_in_swedish_and_english():
    assert canonical_column("Lärare e-post") == "teacher_email"
    assert canonical_column("teacher_email") == "teacher_email"
    assert canonical_column("Ämne") == "subject"


def test_a_file_of_teachers_makes_accounts_roles_and_assignments(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        before = _assignments()
    _import(admin, [("larare.csv", TEACHERS.encode())])
    with app.app_context():
        after = _assignments()
        assert after - before == {
            ("ny.larare@example.org", "7A", "MA"),
            ("ny.larare@example.org", "8B", "MA"),
            ("mentor@example.org", "7A", "SV"),
        }
        nils = db.session.scalar(select(User).where(User.email == "ny.larare@example.org"))
        assert nils.name == "Nils Ny" and nils.password_hash is None
        assert "teacher" in roles_of(nils)
        assert "teacher" in roles_of(
            db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(Staff).where(Staff.user_id == nils.id)
            )
            == 1
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.applied"))
        assert event.detail["assignments_new"] == 3 and event.detail["teachers_new"] == 1
    # The same file again changes nothing.
    _location, preview = _preview(admin, [("larare.csv", TEACHERS.encode())])
    assert 'name="digest"' not in preview.get_data(as_text=True)


def test_rows_with_errors_name_the_line_and_import_nothing(app, login_as):
    admin = login_as("admin")
    bad = (
        "teacher_email;teacher_name;group;subject\n"
        "okand@example.org;;7A;MA\n"  # a new teacher without a name
        "x@example.org;X;7A;Kemi\n"  # not a code
        "y@example.org;Y;9Z;MA\n"  # no such group
        "not-an-address;Z;7A;MA\n"
    )
    _location, preview = _preview(admin, [("larare.csv", bad.encode())])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'name="digest"' not in html
    for line in ("2", "3", "4", "5"):
        assert f"<td>{line}</td>" in html
    with app.app_context():
        assert not db.session.scalar(select(User).where(User.email == "x@example.org"))


def test_teachers_and_students_in_one_upload(app, login_as):
    from tests.admin.helpers import students_csv

    admin = login_as("admin")
    location, preview = _preview(
        admin, [("elever.csv", students_csv(2).encode()), ("larare.csv", TEACHERS.encode())]
    )
    assert _confirm(admin, location, preview.get_data(as_text=True)).status_code == 303
    with app.app_context():
        assert ("ny.larare@example.org", "8B", "MA") in _assignments()
