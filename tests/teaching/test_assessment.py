"""The written assessment: prefilled from the teachers' input, edited by the mentor,
shared once after the talk with one mail per guardian (over real SMTP), read and printed
by the family, and final once shared."""

from __future__ import annotations

import re
import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale, gettext
from sqlalchemy import delete, func, select

from app.audit import AuditEvent
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage, deliver_pending
from app.people.models import Staff, User
from app.teaching import assessment as logic
from app.teaching.models_assessment import AssessmentEntry, WrittenAssessment
from tests.conftest import ACCOUNTS, post_form
from tests.talks.helpers import student, user
from tests.teaching.assessment_data import (
    TEACHER,
    oskar_ready,
    past_talk,
    period_of,
    teach,
    teacher,
)
from tests.test_outbox import Collect


@pytest.fixture
def ctx(app):
    """Domain calls inside a request (the mail's link is built with url_for)."""
    with app.test_request_context():
        yield app


def _open(ids):
    period, oskar = period_of("7A"), student("Oskar")
    return logic.open_for_mentor(period, oskar, user(ACCOUNTS["mentor"]))


def _values(assessment, **changes):
    values = {e.subject: (e.status, e.text) for e in assessment.entries}
    values.update(changes)
    return values


def _mails() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


# --- domain -----------------------------------------------------------------------------


def test_first_opening_prefills_every_subject_from_the_teachers_input(ctx):
    ids = oskar_ready()
    assessment = _open(ids)
    entries = logic.sorted_entries(assessment)
    # Taught in 7A: Swedish, English, Mathematics; with input only: Music. Subject-list order.
    assert [e.subject for e in entries] == ["SV", "EN", "MA", "MU"]
    by = {e.subject: e for e in entries}
    assert (by["SV"].status, by["SV"].text) == ("at_risk", "Behöver läsa mer hemma.")
    assert by["SV"].from_teacher.email == TEACHER
    assert (by["MA"].status, by["MA"].text, by["MA"].from_teacher_id) == (None, "", None)
    assert assessment.state == "draft"
    # Opening again makes nothing new; a subject taught since is added to the draft.
    assert _open(ids).id == assessment.id
    teach("7A", ["BI"])
    db.session.commit()
    assert [e.subject for e in logic.sorted_entries(_open(ids))] == ["SV", "EN", "MA", "BI", "MU"]
    assert db.session.scalar(select(func.count(WrittenAssessment.id))) == 1


def test_sharing_queues_one_mail_per_guardian_once(ctx):
    ids = oskar_ready()
    mentor = user(ACCOUNTS["mentor"])
    assessment = _open(ids)
    before = _mails()
    values = _values(assessment, MA=("needs_support", "Öva multiplikation."))
    first = logic.save(assessment, mentor, values, share=True)
    assert (first.result, first.mails) == ("shared", 2)  # Anna and Johan; Oskar has no login
    again = logic.save(assessment, mentor, values, share=True)
    assert again.result == "already_shared"
    assert _mails() - before == 2
    recipients = db.session.scalars(
        select(OutboxMessage.recipient).order_by(OutboxMessage.id.desc()).limit(2)
    ).all()
    assert sorted(recipients) == sorted([ACCOUNTS["guardian"], ACCOUNTS["other_guardian"]])
    shared = db.session.get(WrittenAssessment, assessment.id)
    assert shared.state == "shared" and shared.shared_by_id == mentor.id
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("assessment.%"))
    ).all()
    assert sorted(actions) == ["assessment.drafted", "assessment.saved", "assessment.shared"]


def test_a_shared_assessment_cannot_change(ctx):
    ids = oskar_ready()
    mentor = user(ACCOUNTS["mentor"])
    assessment = _open(ids)
    logic.save(assessment, mentor, _values(assessment, MA=("on_track", "Bra.")), share=True)
    refused = logic.save(assessment, mentor, _values(assessment, MA=("at_risk", "Ändrat")))
    assert refused.result == "locked"
    entry = db.session.scalar(select(AssessmentEntry).where(AssessmentEntry.subject == "MA"))
    assert (entry.status, entry.text) == ("on_track", "Bra.")
    # Nor does a later opening add a subject to what the family has read.
    teach("7A", ["BI"])
    db.session.commit()
    assert "BI" not in {e.subject for e in _open(ids).entries}


def test_sharing_waits_for_the_talk_and_needs_every_status(ctx):
    ids = oskar_ready(booked_in_past=False)  # Oskar has no booking; 7A's times are ahead
    mentor = user(ACCOUNTS["mentor"])
    assessment = _open(ids)
    period = period_of("7A")
    assert logic.share_opens_at(period, student("Oskar")) > utcnow()
    complete = _values(assessment, MA=("on_track", ""))
    assert logic.save(assessment, mentor, complete, share=True).result == "too_early"
    # The draft was saved all the same.
    assert (
        db.session.scalar(select(AssessmentEntry.status).where(AssessmentEntry.subject == "MA"))
        == "on_track"
    )
    booking = past_talk(student("Oskar"), period)
    db.session.commit()
    assert logic.share_opens_at(period, student("Oskar")) == booking.slot.starts_at
    incomplete = logic.save(assessment, mentor, _values(assessment, MA=(None, "")), share=True)
    assert (incomplete.result, incomplete.missing) == ("incomplete", ["MA"])
    assert db.session.get(WrittenAssessment, assessment.id).state == "draft"


def test_a_student_with_a_login_is_mailed_too(ctx):
    elsa = student("Elsa")
    period = period_of("9C")
    teach("9C", ["SV"])
    past_talk(elsa, period)
    db.session.commit()
    mentor = next(m.user for m in period.group.mentors if not m.is_co_mentor)
    assessment = logic.open_for_mentor(period, elsa, mentor)
    saved = logic.save(assessment, mentor, {"SV": ("on_track", "Fint.")}, share=True)
    assert (saved.result, saved.mails) == ("shared", 3)  # Anna, Peter, and Elsa herself
    recipients = db.session.scalars(
        select(OutboxMessage.recipient).order_by(OutboxMessage.id.desc()).limit(3)
    ).all()
    assert sorted(recipients) == sorted(
        [ACCOUNTS["guardian"], "peter.karlsson@example.net", ACCOUNTS["student"]]
    )


@pytest.fixture
def smtp_server():
    handler = Collect()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_the_mails_reach_a_real_smtp_server_in_each_guardians_language(make_app, smtp_server):
    handler, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    with app.test_request_context():
        ids = oskar_ready()
        user(ACCOUNTS["other_guardian"]).locale = "en"
        db.session.commit()
        assessment = _open(ids)
        logic.save(
            assessment,
            user(ACCOUNTS["mentor"]),
            _values(assessment, MA=("on_track", "")),
            share=True,
        )
        assert deliver_pending() == (2, 0)
        link = f"/assessments/{assessment.id}"
        expected = {}
        for email, locale in ((ACCOUNTS["guardian"], "sv"), (ACCOUNTS["other_guardian"], "en")):
            with force_locale(locale):
                expected[email] = gettext("Written assessment for %(name)s", name="Oskar")
    subjects = {m["To"]: str(make_header(decode_header(m["Subject"]))) for m in handler.messages}
    # Each in the recipient's language ("Skriftligt omdöme för Oskar" once translated).
    assert subjects == expected
    for mail in handler.messages:
        body = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
        assert link in body.get_payload(decode=True).decode()
        # The mail carries a link, never the assessment's text.
        assert "Behöver läsa" not in body.get_payload(decode=True).decode()


# --- pages ------------------------------------------------------------------------------


def _edit_path(ids):
    return f"/talks/periods/{ids['P7A']}/students/{ids['OSKAR']}/assessment"


def _form(**fields):
    base = {
        "status_SV": "at_risk",
        "text_SV": "Läser mer hemma.",
        "status_EN": "on_track",
        "text_EN": "Bra.",
        "status_MA": "needs_support",
        "text_MA": "Öva tabeller.",
        "status_MU": "on_track",
        "text_MU": "",
        "action": "save",
    }
    base.update(fields)
    return base


def test_mentor_edits_with_errors_next_to_the_field_and_nothing_lost(app, login_as):
    with app.app_context():
        ids = oskar_ready()
    mentor = login_as("mentor")
    page = mentor.get(_edit_path(ids)).get_data(as_text=True)
    assert "From Lena Lärare's input" in page or "Lena Lärare" in page
    assert "Behöver läsa mer hemma." in page
    too_long = "x" * 601
    response = post_form(mentor, _edit_path(ids), _form(text_MA=too_long, text_EN="Mitt nya"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="text_MA"[^>]*aria-invalid="true"', html)
    assert 'id="text_MA-error"' in html and too_long in html and "Mitt nya" in html
    response = post_form(mentor, _edit_path(ids), _form(status_MA="nonsense"))
    assert response.status_code == 422 and 'id="status_MA-error"' in response.get_data(as_text=True)
    response = post_form(mentor, _edit_path(ids), _form())
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(AssessmentEntry).where(AssessmentEntry.subject == "MA"))
        assert (entry.status, entry.text) == ("needs_support", "Öva tabeller.")
        assert db.session.scalar(select(WrittenAssessment.state)) == "draft"


def test_sharing_without_every_status_marks_the_field(app, login_as):
    with app.app_context():
        ids = oskar_ready()
    mentor = login_as("mentor")
    response = post_form(mentor, _edit_path(ids), _form(status_MA="", action="share"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="status_MA-error"' in html and "Läser mer hemma." in html


def test_draft_is_hidden_from_the_family_until_shared(app, login_as):
    with app.app_context():
        ids = oskar_ready()
    mentor, anna, johan = login_as("mentor"), login_as("guardian"), login_as("other_guardian")
    post_form(mentor, _edit_path(ids), _form())
    with app.app_context():
        assessment_id = db.session.scalar(select(WrittenAssessment.id))
    for client in (anna, johan):
        assert client.get(f"/assessments/{assessment_id}").status_code == 404
        assert client.get(f"/assessments/{assessment_id}/print").status_code == 404
        assert f"/assessments/{assessment_id}" not in client.get("/home/guardian").get_data(
            as_text=True
        )
    assert mentor.get(f"/assessments/{assessment_id}").status_code == 200
    response = post_form(mentor, _edit_path(ids), _form(action="share"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}")
    for client in (anna, johan):
        home = client.get("/home/guardian").get_data(as_text=True)
        assert f'href="/assessments/{assessment_id}"' in home
        page = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
        assert "Öva tabeller." in page and "Lena Lärare" not in page
        printed = client.get(f"/assessments/{assessment_id}/print").get_data(as_text=True)
        assert "Oskar Lindqvist" in printed and "7A" in printed and "Karin Lund" in printed
        assert "Lena Lärare" not in printed and "<nav" not in printed
        assert "assessment_print.css" in printed and "<form" not in printed
    # The edit page now sends to the shared page; a changed save is refused, text kept.
    assert mentor.get(_edit_path(ids)).status_code == 302
    page = f"/assessments/{assessment_id}"
    response = post_form(mentor, _edit_path(ids), _form(text_MA="Nytt efteråt"), page=page)
    assert response.status_code == 409
    assert "Nytt efteråt" in response.get_data(as_text=True)
    # The same form sent again (a double tap) is told it was sent.
    again = post_form(mentor, _edit_path(ids), _form(action="share"), page=page)
    assert again.status_code == 303


def test_the_group_printout_has_one_page_per_shared_assessment(app, login_as):
    with app.app_context():
        ids = oskar_ready()
    mentor = login_as("mentor")
    listing = f"/talks/periods/{ids['P7A']}/assessments"
    empty = mentor.get(listing + "/print").get_data(as_text=True)
    assert 'class="print-page"' not in empty and "print-empty" in empty
    post_form(mentor, _edit_path(ids), _form(action="share"))
    page = mentor.get(listing).get_data(as_text=True)
    assert f'href="{listing}/print"' in page
    printed = mentor.get(listing + "/print").get_data(as_text=True)
    assert printed.count('class="print-page"') == 1
    principal = login_as("principal")
    assert principal.get(listing).status_code == 200
    assert principal.get(listing + "/print").status_code == 200
    # The period overview links the list (mentors and principal).
    overview = mentor.get(f"/talks/periods/{ids['P7A']}").get_data(as_text=True)
    assert f'href="{listing}"' in overview


def test_the_student_reads_their_shared_assessment_from_home(app, login_as):
    with app.app_context():
        elsa = student("Elsa")
        period = period_of("9C")
        teach("9C", ["SV"])
        past_talk(elsa, period)
        db.session.commit()
        mentor = next(m.user for m in period.group.mentors if not m.is_co_mentor)
        assessment = logic.open_for_mentor(period, elsa, mentor)
        assessment_id, mentor_id = assessment.id, mentor.id
    elsa_client = login_as("student")
    assert elsa_client.get(f"/assessments/{assessment_id}").status_code == 404
    assert f"/assessments/{assessment_id}" not in elsa_client.get("/home/student").get_data(
        as_text=True
    )
    with app.test_request_context():
        assessment = db.session.get(WrittenAssessment, assessment_id)
        mentor = db.session.get(User, mentor_id)
        logic.save(assessment, mentor, {"SV": ("on_track", "Fint.")}, share=True)
    assert f'href="/assessments/{assessment_id}"' in elsa_client.get("/home/student").get_data(
        as_text=True
    )
    assert elsa_client.get(f"/assessments/{assessment_id}").status_code == 200


# --- who may read and write: teachers and former staff ------------------------------------


def test_teachers_and_former_mentors_get_404(app, login_as):
    """A teacher of the group never reads the assessment (not even their own subject's
    entry); a mentor who is no longer staff at the school loses it."""
    from tests.conftest import sign_in

    with app.app_context():
        ids = oskar_ready()
        teacher()
        db.session.commit()
    mentor = login_as("mentor")
    post_form(mentor, _edit_path(ids), _form(action="share"))
    with app.app_context():
        assessment_id = db.session.scalar(select(WrittenAssessment.id))
        from app.people.passwords import hash_password

        teacher().password_hash = hash_password("mentorskap")
        db.session.commit()
    pages = [
        f"/assessments/{assessment_id}",
        f"/assessments/{assessment_id}/print",
        f"/talks/periods/{ids['P7A']}/assessments",
        f"/talks/periods/{ids['P7A']}/assessments/print",
        _edit_path(ids),
    ]
    lena = app.test_client()
    assert sign_in(lena, TEACHER).status_code == 303
    assert [lena.get(p).status_code for p in pages] == [404] * 5
    with app.app_context():
        karin = user(ACCOUNTS["mentor"])
        db.session.execute(delete(Staff).where(Staff.user_id == karin.id))
        db.session.commit()
    assert [mentor.get(p).status_code for p in pages] == [404] * 5


def test_sharing_refuses_more_text_than_one_a4_page_holds(ctx):
    from app.teaching.models_assessment import TOTAL_MAX

    ids = oskar_ready(subjects=("SV", "EN", "MA", "BI"))  # and Music: five subjects
    mentor = user(ACCOUNTS["mentor"])
    assessment = _open(ids)
    text = ("Läser gärna. " * 50)[:499] + "!"
    values = {e.subject: ("on_track", text) for e in assessment.entries}
    assert len(values) * 500 == TOTAL_MAX + 100
    assert logic.save(assessment, mentor, values, share=True).result == "too_long"
    draft = db.session.get(WrittenAssessment, assessment.id)
    assert draft.state == "draft"
    assert logic.total_length(draft.entries) == TOTAL_MAX + 100  # every word kept
    values["MU"] = ("on_track", text[:400])
    assert logic.save(assessment, mentor, values, share=True).result == "shared"


def test_the_access_rules_role_by_role(ctx):
    """app/access.py may_write_assessment and may_read_assessment for each relation."""
    from app.access import may_read_assessment, may_write_assessment

    ids = oskar_ready()
    assessment = _open(ids)
    oskar = student("Oskar")
    people = {role: user(email) for role, email in ACCOUNTS.items()}
    people["teacher"] = teacher()
    writers = {"mentor", "comentor"}
    staff_readers = writers | {"principal"}
    family = {"guardian", "other_guardian"}
    for role, person in people.items():
        assert may_write_assessment(person, oskar) == (role in writers), role
        assert may_read_assessment(person, assessment) == (role in staff_readers), role
    values = _values(assessment, MA=("on_track", ""))
    logic.save(assessment, people["mentor"], values, share=True)
    shared = db.session.get(WrittenAssessment, assessment.id)
    for role, person in people.items():
        assert may_write_assessment(person, oskar) == (role in writers), role
        assert may_read_assessment(person, shared) == (role in staff_readers | family), role
