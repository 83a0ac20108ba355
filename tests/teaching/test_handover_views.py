"""Handover pages: from the admin's move to the old mentor's home and form, to the new
mentor's page of the student."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.school.models import MentorGroup
from app.teaching.handover import TEXT_MAX
from app.teaching.models_handover import Handover
from tests.conftest import csrf_token, post_form
from tests.talks.helpers import student

KEY_RE = re.compile(
    r'name="submit_key" type="hidden" value="([^"]+)"|name="submit_key" value="([^"]+)"'
)


def _in_english(client):
    """The tests read the English source text, whatever the catalogues say."""
    post_form(client, "/language", {"locale": "en", "next": "/account"}, page="/account")
    return client


def _login(login_as, role: str):
    return _in_english(login_as(role))


def _ids(app) -> dict[str, int]:
    with app.app_context():
        ids = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        ids["OSKAR"] = student("Oskar").id
        return ids


def _admin_moves_oskar(app, login_as, to: str = "8B") -> int:
    ids = _ids(app)
    admin = login_as("admin")
    response = post_form(admin, f"/admin/students/{ids['OSKAR']}", {"group": ids[to]})
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalar(select(Handover.id))


def _send_key(page: str) -> str:
    match = KEY_RE.search(page)
    assert match, "no send key on the form"
    return match.group(1) or match.group(2)


def test_the_old_mentor_writes_the_handover_from_home_and_the_new_mentor_reads_it(app, login_as):
    handover_id = _admin_moves_oskar(app, login_as)
    assert handover_id is not None
    karin = _login(login_as, "mentor")
    home = karin.get("/home/mentor").get_data(as_text=True)
    assert "Handovers to write (1)" in home
    listed = karin.get("/handovers/to-write").get_data(as_text=True)
    assert f"/handovers/{handover_id}/write" in listed and "Oskar Lindqvist" in listed
    form = karin.get(f"/handovers/{handover_id}/write")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Handover for Oskar Lindqvist" in page
    # Read only beside the form: his open goals (the demo gives him two).
    assert "Bli säkrare på bråkräkning" in page
    sent = post_form(
        karin,
        f"/handovers/{handover_id}/write",
        {
            "what_works": "Korta genomgångar och tydliga instruktioner",
            "what_to_watch": "Trött på måndagar",
            "follow_ups": "",
            "submit_key": _send_key(page),
        },
    )
    assert sent.status_code == 303 and sent.headers["Location"] == "/handovers/to-write"
    after = karin.get("/handovers/to-write").get_data(as_text=True)
    assert "The handover for Oskar Lindqvist is saved." in after
    assert "No handovers to write." in after and "Correct until" in after
    assert "Handovers to write (0)" in karin.get("/home/mentor").get_data(as_text=True)

    sara = _login(login_as, "other_mentor")
    assert "Handovers received (1)" in sara.get("/home/mentor").get_data(as_text=True)
    student_page = sara.get(f"/students/{_ids(app)['OSKAR']}/goals").get_data(as_text=True)
    assert "Korta genomgångar och tydliga instruktioner" in student_page
    assert "From Karin Lund" in student_page
    received = sara.get("/handovers/received").get_data(as_text=True)
    assert f"/handovers/{handover_id}" in received
    detail = sara.get(f"/handovers/{handover_id}")
    assert detail.status_code == 200
    assert "Trött på måndagar" in detail.get_data(as_text=True)
    # The old mentor's page of the student is gone; the handover shows to no guardian.
    assert karin.get(f"/students/{_ids(app)['OSKAR']}/goals").status_code == 404
    guardian_page = login_as("guardian").get(f"/students/{_ids(app)['OSKAR']}/goals")
    assert "Korta genomgångar" not in guardian_page.get_data(as_text=True)


def test_errors_show_next_to_the_field_and_keep_what_was_typed(app, login_as):
    handover_id = _admin_moves_oskar(app, login_as)
    karin = _login(login_as, "mentor")
    url = f"/handovers/{handover_id}/write"
    empty = post_form(karin, url, {"what_works": "", "what_to_watch": " ", "follow_ups": ""})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert 'id="what_works-error"' in page and "Write at least one of the three parts." in page
    too_long = post_form(
        karin,
        url,
        {"what_works": "Bra", "what_to_watch": "x" * (TEXT_MAX + 1), "follow_ups": "Ring hem"},
    )
    assert too_long.status_code == 422
    page = too_long.get_data(as_text=True)
    assert 'id="what_to_watch-error"' in page and f"At most {TEXT_MAX} characters." in page
    assert "Bra</textarea>" in page and "Ring hem</textarea>" in page
    with app.app_context():
        assert db.session.get(Handover, handover_id).written_at is None


def test_a_double_send_writes_once(app, login_as):
    handover_id = _admin_moves_oskar(app, login_as)
    karin = _login(login_as, "mentor")
    url = f"/handovers/{handover_id}/write"
    key = _send_key(karin.get(url).get_data(as_text=True))
    token = csrf_token(karin, url)
    data = {"csrf_token": token, "what_works": "Bra", "submit_key": key}
    first = karin.post(url, data=data)
    second = karin.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert "This was already sent" in karin.get("/handovers/to-write").get_data(as_text=True)
    with app.app_context():
        writes = select(func.count()).where(AuditEvent.action == "handover.written")
        assert db.session.scalar(writes) == 1


def test_empty_states(app, login_as):
    karin = _login(login_as, "mentor")
    assert "No handovers to write." in karin.get("/handovers/to-write").get_data(as_text=True)
    received = karin.get("/handovers/received").get_data(as_text=True)
    assert "No handovers yet." in received
    principal = _login(login_as, "principal")
    assert "/handovers/received" in principal.get("/home/principal").get_data(as_text=True)
    assert principal.get("/handovers/received").status_code == 200


def test_the_pages_work_without_javascript_and_link_back(app, login_as):
    handover_id = _admin_moves_oskar(app, login_as)
    karin = _login(login_as, "mentor")
    page = karin.get(f"/handovers/{handover_id}/write").get_data(as_text=True)
    # A plain form (no hx- attributes of its own) that posts to the page itself.
    form = page[page.index('<form method="post" novalidate') :]
    form = form[: form.index("</form>")]
    assert "hx-" not in form and 'class="back"' in page
    assert 'href="/handovers/to-write" class="back"' in page


def test_an_import_that_moves_a_student_makes_the_old_mentors_handover_due(app, login_as):
    from app.people.models import Student
    from tests.admin.helpers import personnummer, students_csv
    from tests.admin.test_import import _import

    admin = login_as("admin")
    original = students_csv(4)
    _import(admin, [("elever.csv", original.encode())])  # new students: nothing to hand over
    with app.app_context():
        assert db.session.scalar(select(func.count(Handover.id))) == 0
    moved = original.replace(
        f"{personnummer(3)};Elev3;Importsson;7A", f"{personnummer(3)};Elev3;Importsson;9C"
    )
    _import(admin, [("elever.csv", moved.encode())])
    with app.app_context():
        (made,) = db.session.scalars(select(Handover)).all()
        elev3 = db.session.get(Student, made.student_id)
        assert (elev3.first_name, made.reason) == ("Elev3", "moved")
        assert (made.from_user.email, made.from_group.name, made.to_group.name) == (
            "mentor@example.org",
            "7A",
            "9C",
        )
    assert "Handovers to write (1)" in _login(login_as, "mentor").get("/home/mentor").get_data(
        as_text=True
    )
