"""Concerns under real parallel HTTP requests (issue 19), on SQLite and PostgreSQL, in
the style of tests/test_concurrency.py: a raise sent many times at once is one concern and
one mail per mentor; the mentor and co-mentor closing and telling the guardians at once
close it once and tell each guardian once; no answer is a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.outbox import OutboxMessage
from app.teaching.models_concerns import Concern
from tests.talks.helpers import student
from tests.teaching.concern_helpers import TEACHERS, make_teacher, raise_one
from tests.test_concurrency import (
    ATTEMPTS,
    Browser,
    all_at_once,
    assert_no_server_errors,
    running,
)


def _mails_to(*addresses: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.recipient.in_(addresses))
    )


def _teacher(port: int) -> Browser:
    browser = Browser(port)
    fields = browser.hidden_fields("/login")
    email = TEACHERS["teacher"][0]
    answer = browser.request(
        "POST", "/login", {**fields, "email": email, "password": DEMO_PASSWORD}
    )
    assert answer.status == 303
    return browser


def test_a_concern_sent_many_times_at_once_is_one_concern_and_one_mail_each(app):
    with app.app_context():
        make_teacher("teacher")
        oskar = student("Oskar").id
    page = f"/teaching/concerns/new?student={oskar}"
    with running(app) as port:
        teacher = _teacher(port)
        fields = teacher.hidden_fields(page)
        data = {**fields, "kind": "grade_warning", "subject": "MA", "text": "Riskerar F"}
        answers = all_at_once([(teacher, "POST", page, data)] * ATTEMPTS)
    assert_no_server_errors(answers)
    assert all(a.status == 303 for a in answers), sorted(a.status for a in answers)
    with app.app_context():
        [concern_id] = db.session.scalars(select(Concern.id)).all()
        assert {a.location for a in answers} == {f"/teaching/concerns/{concern_id}"}
        assert _mails_to("mentor@example.org") == 1
        assert _mails_to("comentor@example.org") == 1


def test_mentor_and_comentor_close_and_tell_the_guardians_at_once(app):
    with app.test_request_context():
        concern = raise_one(make_teacher("teacher"), student("Oskar")).id
    page = f"/teaching/concerns/{concern}"
    with running(app) as port:
        mentor = Browser(port).sign_in("mentor")
        comentor = Browser(port).sign_in("comentor")
        m_token = mentor.hidden_fields(page)["csrf_token"]
        c_token = comentor.hidden_fields(page)["csrf_token"]
        calls = []
        for browser, token, outcome in (
            (mentor, m_token, "improved"),
            (comentor, c_token, "support"),
        ):
            calls += [
                (browser, "POST", f"{page}/close", {"csrf_token": token, "outcome": outcome})
            ] * (ATTEMPTS // 4)
            calls += [
                (
                    browser,
                    "POST",
                    f"{page}/tell-guardians",
                    {"csrf_token": token, "confirm": "y", "message": outcome},
                )
            ] * (ATTEMPTS // 4)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    assert all(a.status == 303 for a in answers), sorted(a.status for a in answers)
    with app.app_context():
        row = db.session.get(Concern, concern)
        assert row.status == "closed" and row.outcome in ("improved", "support")
        assert row.guardians_told_at is not None
        assert _mails_to("guardian@example.org") == 1
        assert _mails_to("guardian2@example.org") == 1
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("concern.%"))
        ).all()
        assert sorted(actions) == ["concern.closed", "concern.guardians_told", "concern.raised"]
