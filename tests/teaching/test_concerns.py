"""Concerns (issue 19), the domain: a teacher raises one, the student's mentors are told
once each in their language, the mentor follows up, tells the guardians once and closes
once. Decision rights are app/access.py's (may_raise_concern, may_follow_up_concern,
may_read_concern)."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from sqlalchemy import delete, func, select

from app import access
from app.extensions import db
from app.outbox import OutboxMessage, deliver_pending
from app.people.models import Staff
from app.teaching import concerns
from app.teaching.models_concerns import Concern
from tests.talks.helpers import student, user
from tests.teaching.concern_helpers import make_teacher, make_teachers, raise_one
from tests.test_outbox import smtp_server  # noqa: F401 - the fixture


@pytest.fixture
def ctx(app):
    """A request context: the mails carry absolute links."""
    with app.test_request_context():
        yield app


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_teacher_raises_a_concern_and_each_mentor_of_the_group_gets_one_mail(ctx):
    teacher = make_teacher("teacher")
    before = _count(OutboxMessage)
    concern = raise_one(teacher, student("Oskar"))
    assert (concern.status, concern.subject, concern.kind) == ("open", "MA", "grade_warning")
    assert concern.group.name == "7A" and concern.raised_by_id == teacher.id
    assert _count(OutboxMessage) == before + 2  # 7A's mentor and co-mentor
    mail = _mail_to("mentor@example.org")[-1]
    assert "Oskar Lindqvist" in mail.subject
    assert f"/teaching/concerns/{concern.id}" in mail.body_text
    assert len(_mail_to("comentor@example.org")) == 1
    assert _mail_to("mentor8b@example.org") == []


def test_a_double_send_is_one_concern_and_one_mail_each(ctx):
    teacher = make_teacher("teacher")
    oskar = student("Oskar")
    before = _count(OutboxMessage)
    first = concerns.raise_concern(teacher, oskar, "worry", "FY", "Orolig", "key-1")
    again = concerns.raise_concern(teacher, oskar, "worry", "FY", "Orolig", "key-1")
    assert (first.result, again.result) == ("raised", "repeated")
    assert _count(Concern) == 1 and _count(OutboxMessage) == before + 2


@pytest.mark.parametrize(
    ("kind", "subject", "text", "errors"),
    [
        ("worry", "EN", "x", {"subject": "subject"}),  # not a subject the teacher has in 7A
        ("angry", "MA", "x", {"kind": "kind"}),
        ("worry", "MA", "   ", {"text": "text_missing"}),
        ("worry", "MA", "x" * 1001, {"text": "text_long"}),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_sent(ctx, kind, subject, text, errors):
    teacher = make_teacher("teacher")
    before = _count(OutboxMessage)
    outcome = concerns.raise_concern(teacher, student("Oskar"), kind, subject, text)
    assert (outcome.result, outcome.errors) == ("refused", errors)
    assert _count(Concern) == 0 and _count(OutboxMessage) == before


def test_who_may_raise_a_concern_about_whom_in_what(ctx):
    teachers = make_teachers()
    oskar, elsa = student("Oskar"), student("Elsa")
    assert access.may_raise_concern(teachers["teacher"], oskar, "MA")
    assert not access.may_raise_concern(teachers["teacher"], oskar, "EN")  # not their subject
    assert access.may_raise_concern(teachers["other_teacher"], oskar, "EN")
    assert not access.may_raise_concern(teachers["teacher"], elsa, "MA")  # 9C: not taught
    assert not access.may_raise_concern(teachers["teacher_8b"], oskar, "MA")  # another group
    assert not access.may_raise_concern(teachers["former_teacher"], oskar, "MA")  # not staff
    assert not access.may_raise_concern(user("mentor@example.org"), oskar, "MA")


def test_who_may_read_and_follow_up(ctx):
    teachers = make_teachers()
    concern = raise_one(teachers["teacher"], student("Oskar"))
    readers = {"mentor@example.org", "comentor@example.org", "principal@example.org"}
    followers = {"mentor@example.org", "comentor@example.org"}
    people = {
        *readers,
        "mentor8b@example.org",
        "guardian@example.org",
        "guardian2@example.org",
        "student@example.org",
        "admin@example.org",
        "kommun@example.org",
    }
    for email in people:
        assert access.may_read_concern(user(email), concern) == (email in readers), email
        assert access.may_follow_up_concern(user(email), concern) == (email in followers), email
    assert access.may_read_concern(teachers["teacher"], concern)
    assert not access.may_follow_up_concern(teachers["teacher"], concern)
    for role in ("other_teacher", "teacher_8b", "former_teacher"):
        assert not access.may_read_concern(teachers[role], concern), role
    # A mentor who leaves the school (no staff row there) loses the concern.
    comentor = user("comentor@example.org")
    db.session.execute(delete(Staff).where(Staff.user_id == comentor.id))
    db.session.commit()
    assert not access.may_read_concern(comentor, concern)
    assert not access.may_follow_up_concern(comentor, concern)


def test_the_guardians_are_told_once_without_the_teachers_words(ctx):
    concern = raise_one(make_teacher("teacher"), student("Oskar"), text="Hemlig text")
    mentor = user("mentor@example.org")
    told = concerns.tell_guardians(concern, mentor, "Jag ringer i veckan.")
    again = concerns.tell_guardians(concern, mentor, "Igen")
    assert (told.result, again.result, again.reason) == ("told", "refused", "already_told")
    for email in ("guardian@example.org", "guardian2@example.org"):
        [mail] = _mail_to(email)
        assert "Oskar" in mail.subject
        assert "Hemlig text" not in mail.body_text + mail.body_html
        assert "Jag ringer i veckan." in mail.body_text and "Igen" not in mail.body_text
        assert "Karin Lund" in mail.body_text  # the mentor will be in touch
    assert db.session.get(Concern, concern.id).guardian_message == "Jag ringer i veckan."


def test_a_protected_students_guardians_are_not_told_the_mentor_or_school(ctx):
    teacher = make_teacher("teacher")
    protected = db.session.scalar(
        select(access.Student).where(access.Student.protected_identity.is_(True))
    )
    concern = raise_one(teacher, protected)
    assert concerns.tell_guardians(concern, user("mentor@example.org")).ok
    mails = list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.contains(protected.first_name))
        )
    )
    guardian_mails = [
        m for m in mails if m.recipient not in ("mentor@example.org", "comentor@example.org")
    ]
    assert guardian_mails
    for mail in guardian_mails:
        text = mail.body_text + mail.body_html + mail.subject
        for secret in ("Karin", "7A", "Lindbacka", protected.last_name):
            assert secret not in text, secret


def test_close_once_with_an_outcome_and_the_follow_up_only_while_open(ctx):
    concern = raise_one(make_teacher("teacher"), student("Oskar"))
    mentor = user("comentor@example.org")
    assert concerns.save_follow_up(concern, mentor, "Pratat med eleven").result == "saved"
    assert concerns.close(concern, mentor, "maybe").errors == {"outcome": "outcome"}
    assert concerns.close(concern, mentor, "support", "Stödlektioner").result == "closed"
    second = concerns.close(concern, user("mentor@example.org"), "improved")
    assert (second.result, second.reason) == ("refused", "already_closed")
    late = concerns.save_follow_up(concern, mentor, "Sent")
    assert (late.result, late.reason) == ("refused", "already_closed")
    concern = db.session.get(Concern, concern.id)
    assert (concern.status, concern.outcome, concern.outcome_note) == (
        "closed",
        "support",
        "Stödlektioner",
    )
    assert concern.follow_up == "Pratat med eleven"


def test_the_teachers_own_list_and_the_students_list(ctx):
    teachers = make_teachers()
    oskar = student("Oskar")
    mine = raise_one(teachers["teacher"], oskar)
    theirs = raise_one(teachers["other_teacher"], oskar, subject="EN")
    assert [c.id for c in concerns.raised_by(teachers["teacher"])] == [mine.id]
    assert {c.id for c in concerns.of_student(oskar.id)} == {mine.id, theirs.id}
    groups = concerns.students_to_pick(teachers["teacher"])
    assert [g for g, _ in groups] == ["7A"] and len(groups[0][1]) == 28
    assert concerns.students_to_pick(teachers["former_teacher"]) == []


def test_the_mentors_and_guardians_mails_are_delivered_over_smtp_in_their_language(
    make_app,
    smtp_server,  # noqa: F811
):
    handler, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    with app.test_request_context():
        user("comentor@example.org").locale = "en"
        user("guardian2@example.org").locale = "en"
        db.session.commit()
        concern = raise_one(make_teacher("teacher"), student("Oskar"))
        concerns.tell_guardians(concern, user("mentor@example.org"))
        assert deliver_pending() == (4, 0)
    # The subject names the student and the subject; the greeting shows the language (the
    # new texts are translated in the lead's translation pass, the greeting already is).
    greetings = {}
    for message in handler.messages:
        subject = str(make_header(decode_header(message["Subject"])))
        assert "Oskar" in subject, subject
        body = message.get_payload()[0].get_payload(decode=True).decode()
        greetings[message["To"]] = body.split(" ", 1)[0]
    assert greetings == {
        "mentor@example.org": "Hej",
        "comentor@example.org": "Hello",
        "guardian@example.org": "Hej",
        "guardian2@example.org": "Hello",
    }
