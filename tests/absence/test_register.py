"""Register data: the CSV import is idempotent, bad rows are reported by line and the rest
is imported only on confirmation; invalid absence today tells the guardians once, in their
language, over real SMTP; the integration's endpoint needs its token."""

from __future__ import annotations

import io
from datetime import date, timedelta
from email.header import decode_header, make_header

from sqlalchemy import func, select

from app.absence import register, reports
from app.absence.models import RegisterAbsence, SicknessReport
from app.extensions import db
from app.leave.models import LeaveRequest
from app.outbox import OutboxMessage, deliver_pending
from app.people.models import Student
from app.school.models import School, SchoolYear
from tests.conftest import post_form
from tests.talks.helpers import student, user
from tests.test_outbox import smtp_server  # noqa: F401 - the fixture

SCHOOL_DAY = date(2026, 9, 8)  # a Tuesday of the demo's school year


def _give_ids(app) -> tuple[int, int]:
    """Oskar and Elsa get external ids, as a register would know them."""
    with app.app_context():
        oskar, elsa = student("Oskar"), student("Elsa")
        oskar.external_id, elsa.external_id = "S-OSKAR", "S-ELSA"
        db.session.commit()
        return oskar.id, elsa.id


def _named():
    """The demo's named children, whom the demo's own absence leaves alone."""
    return select(Student.id).where(Student.last_name.in_(("Karlsson", "Lindqvist")))


def _csv(*rows: str) -> str:
    return "external_id;date;minutes;valid;reason_code\n" + "\n".join(rows) + "\n"


def _plan(text: str) -> register.Plan:
    rows, error = register.read_csv(text)
    assert error is None
    return register.plan(db.session.scalar(select(School)), rows)


def test_reimporting_the_same_file_changes_nothing(app):
    oskar, _elsa = _give_ids(app)
    text = _csv("S-OSKAR;2026-09-08;60;nej;OG", "S-ELSA;2026-09-08;420;ja;SJ")
    with app.app_context():
        school = db.session.scalar(select(School))
        first = register.apply(school, _plan(text), on=date(2026, 1, 1))
        db.session.commit()
        assert (first.new, first.changed) == (2, 0)
        again = _plan(text)
        assert again.changes == 0 and again.count("unchanged") == 2
        second = register.apply(school, again, on=date(2026, 1, 1))
        db.session.commit()
        assert (second.new, second.changed, second.unchanged) == (0, 0, 2)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(RegisterAbsence)
                .where(RegisterAbsence.student_id.in_(_named()))
            )
            == 2
        )
        changed = _plan(_csv("S-OSKAR;2026-09-08;90;nej;OG"))
        assert changed.count("changed") == 1
        register.apply(school, changed, on=date(2026, 1, 1))
        db.session.commit()
        row = db.session.scalar(select(RegisterAbsence).where(RegisterAbsence.student_id == oskar))
        assert row.minutes == 90


def test_bad_rows_are_listed_by_line_and_the_rest_waits_for_confirmation(app, login_as):
    _give_ids(app)
    text = _csv(
        "S-OSKAR;2026-09-08;60;nej;OG",
        "S-NOBODY;2026-09-08;60;nej;OG",
        "S-ELSA;2026-13-01;60;nej;OG",
        "S-ELSA;2026-09-08;sixty;nej;OG",
        "S-ELSA;2026-09-08;60;kanske;OG",
        "S-OSKAR;2026-09-08;30;nej;OG",
    )
    with app.app_context():
        school_id = db.session.scalar(select(School.id))
    client = login_as("admin")
    upload = post_form(
        client,
        f"/absence/schools/{school_id}/import",
        {"file": (io.BytesIO(text.encode()), "franvaro.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    preview_url = upload.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    for line in (3, 4, 5, 6, 7):
        assert f"<tr><td>{line}</td>" in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(RegisterAbsence)
                .where(RegisterAbsence.student_id.in_(_named()))
            )
            == 0
        )
    digest = page.split('name="digest" value="')[1].split('"')[0]
    applied = post_form(client, preview_url + "/apply", {"digest": digest}, page=preview_url)
    assert applied.status_code == 303
    again = post_form(client, preview_url + "/apply", {"digest": digest}, page=preview_url)
    assert again.status_code == 303  # a second click imports nothing more
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(RegisterAbsence)
                .where(RegisterAbsence.student_id.in_(_named()))
            )
            == 1
        )


def test_invalid_absence_today_tells_the_guardians_once_in_their_language_over_smtp(
    make_app,
    smtp_server,  # noqa: F811
):
    handler, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    _give_ids(app)
    with app.test_request_context():
        user("peter.karlsson@example.net").locale = "en"  # Elsa's other guardian
        db.session.commit()
        school = db.session.scalar(select(School))
        text = _csv("S-ELSA;2026-09-08;60;nej;OG", "S-OSKAR;2026-09-08;45;ja;TL")
        done = register.apply(school, _plan(text), on=SCHOOL_DAY)
        db.session.commit()
        assert done.notified == 1  # Oskar's absence is valid by the register
        assert register.notify_invalid_today(school, {student("Elsa").id}, SCHOOL_DAY) == 0
        db.session.commit()
        assert deliver_pending() == (2, 0)
    subjects = {m["To"]: str(make_header(decode_header(m["Subject"]))) for m in handler.messages}
    assert set(subjects) == {"guardian@example.org", "peter.karlsson@example.net"}
    assert subjects["peter.karlsson@example.net"].startswith("Absence without a valid reason")
    body = handler.messages[0].get_payload()[0].get_payload(decode=True).decode()
    assert "/absence/register/" in body and "/answer" in body


def test_reported_sickness_or_approved_leave_makes_the_day_valid_and_no_one_is_told(app):
    with app.test_request_context():
        _explained_days_tell_no_one()


def _explained_days_tell_no_one():
    from app.leave import requests as leave_requests

    oskar, elsa = student("Oskar"), student("Elsa")
    oskar.external_id, elsa.external_id = "S-OSKAR", "S-ELSA"
    anna = user("guardian@example.org")
    reports.report(anna, [(elsa, None)], reports.Dates(SCHOOL_DAY, SCHOOL_DAY), "")
    year = db.session.scalar(select(SchoolYear))
    leave = leave_requests.apply(
        anna, [(oskar, year)], SCHOOL_DAY, SCHOOL_DAY, "travel", "", date(2026, 9, 1), False
    ).requests[0]
    leave.status = "approved"
    db.session.commit()
    school = db.session.scalar(select(School))
    text = _csv("S-ELSA;2026-09-08;60;nej;OG", "S-OSKAR;2026-09-08;60;nej;OG")
    assert register.apply(school, _plan(text), on=SCHOOL_DAY).notified == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # noqa
    assert db.session.scalar(select(LeaveRequest.status).where(LeaveRequest.id == leave.id))


def test_the_guardian_answers_they_were_sick_and_the_mentor_accepts(app, login_as):
    _give_ids(app)
    with app.app_context():
        from app.absence.policy import next_school_day
        from app.school.calendar import today

        school = db.session.scalar(select(School))
        year = db.session.scalar(select(SchoolYear))
        day = next_school_day(today() - timedelta(days=8), year, include=True)
        text = _csv(f"S-OSKAR;{day};60;nej;OG")
        register.apply(school, _plan(text), on=date(2026, 1, 1))
        db.session.commit()
        absence_id = db.session.scalar(
            select(RegisterAbsence.id).where(RegisterAbsence.student_id == student("Oskar").id)
        )
    guardian = login_as("other_guardian")  # Oskar's father
    assert f"/absence/register/{absence_id}/answer" in guardian.get("/absence").text
    url = f"/absence/register/{absence_id}/answer"
    data = {"note": "Feber", "submit_key": "answer-key-1234567890"}
    assert post_form(guardian, url, data).status_code == 303
    assert post_form(guardian, url, data).status_code == 303  # a double send: one report
    assert login_as("admin").get(url).status_code == 404
    with app.app_context():
        [answer] = db.session.scalars(
            select(SicknessReport).where(SicknessReport.student_id == student("Oskar").id)
        ).all()
        assert answer.source == "answer" and not answer.counts
    assert f"/absence/register/{absence_id}/answer" not in guardian.get("/absence").text
    mentor = login_as("mentor")
    assert f"/absence/reports/{answer.id}" in mentor.get("/home/mentor").text
    assert (
        post_form(login_as("principal"), f"/absence/reports/{answer.id}/accept", {}).status_code
        == 404
    )
    assert post_form(mentor, f"/absence/reports/{answer.id}/accept", {}).status_code == 303
    with app.app_context():
        assert db.session.get(SicknessReport, answer.id).counts


def test_the_integration_needs_its_token_and_writes_nothing_with_a_bad_row(app, login_as):
    _give_ids(app)
    with app.app_context():
        school_id = db.session.scalar(select(School.id))
    admin = login_as("admin")
    settings = f"/absence/schools/{school_id}/settings"
    assert (
        post_form(admin, f"/absence/schools/{school_id}/token", {}, page=settings).status_code
        == 303
    )
    page = admin.get(settings).text
    token = (
        page.split('id="api-token" value="')[1].split('"')[0]
        if 'id="api-token" value="' in page
        else page.split('value="abs_')[1].split('"')[0]
    )
    token = token if token.startswith("abs_") else "abs_" + token
    assert token not in admin.get(settings).text  # shown once
    with app.app_context():
        stored = db.session.scalar(select(register.AbsencePolicy.api_token_hash))
        assert stored == register.token_digest(token) and token not in stored
    api = app.test_client()
    url = f"/api/schools/{school_id}/absence"
    good = {
        "rows": [{"external_id": "S-OSKAR", "date": "2026-09-08", "minutes": 60, "valid": False}]
    }
    assert api.post(url, json=good).status_code == 401
    assert (
        api.post(url, json=good, headers={"Authorization": "Bearer abs_wrong"}).status_code == 401
    )
    auth = {"Authorization": f"Bearer {token}"}
    bad = {
        "rows": [*good["rows"], {"external_id": "S-ELSA", "date": "x", "minutes": 1, "valid": True}]
    }
    refused = api.post(url, json=bad, headers=auth)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{"row": 2, "column": "date", "problem": "date"}]
    done = api.post(url, json=good, headers=auth)
    assert done.status_code == 200 and done.get_json()["new"] == 1
    assert api.post(url, json=good, headers=auth).get_json() == {
        "new": 0,
        "changed": 0,
        "unchanged": 1,
    }
    other = f"/api/schools/{school_id + 1000}/absence"
    assert api.post(other, json=good, headers=auth).status_code == 401


def test_a_staged_file_is_confirmed_once_and_only_as_previewed(app):
    """The domain's confirm: a digest other than the preview's changes nothing; the first
    confirmation imports, a second says it was already done."""
    _give_ids(app)
    with app.app_context():
        school = db.session.scalar(select(School))
        admin = user("admin@example.org")
        batch = register.stage(school, admin, "x.csv", _csv("S-OSKAR;2026-09-08;60;nej;OG"))
        digest = register.plan_of(batch).digest()
        assert register.confirm(batch, "not-the-preview", admin).result == "changed"
        assert batch.applied_at is None
        first = register.confirm(batch, digest, admin)
        assert first.result == "imported" and first.done.new == 1
        assert register.confirm(batch, digest, admin).result == "already"
        assert batch.text == ""  # the file's personal data is not kept once imported
        assert register.recent_imports(school)[0].id == batch.id


def test_the_integrations_rows_are_all_written_or_none(app):
    _give_ids(app)
    with app.app_context():
        school = db.session.scalar(select(School))
        count = (
            select(func.count())
            .select_from(RegisterAbsence)
            .where(RegisterAbsence.student_id.in_(_named()))
        )
        assert register.receive(school, {"no": "rows"}).result == "bad"
        good = {"external_id": "S-OSKAR", "date": "2026-09-08", "minutes": 30, "valid": True}
        bad = {**good, "date": "2026-13-40"}
        got = register.receive(school, {"rows": [good, bad]})
        assert got.result == "rows" and [e.line for e in got.errors] == [2]
        assert db.session.scalar(count) == 0
        got = register.receive(school, {"rows": [good]})
        assert got.result == "imported" and got.done.new == 1
        assert db.session.scalar(count) == 1


def test_the_school_day_must_end_after_it_starts(app):
    from datetime import time

    from app.absence import policy

    with app.app_context():
        school = db.session.scalar(select(School))
        admin = user("admin@example.org")
        values = {**policy.DEFAULTS, "day_starts": time(9, 0), "day_ends": time(9, 0)}
        assert policy.save(school, values, admin) == {"day_ends": "day_ends"}
        assert policy.for_school(school.id).day_starts == time(8, 0)
        assert policy.save(school, {**values, "day_ends": time(14, 0)}, admin) == {}
        db.session.expire_all()
        assert policy.for_school(school.id).day_ends == time(14, 0)
