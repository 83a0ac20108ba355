"""Sickness reports: a guardian reports several children at once, corrects and ends a
report; the mentor sees it at once on the home page; the note is for the mentors only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.absence import policy, reports
from app.absence.models import SicknessReport
from app.extensions import db
from app.school.calendar import today
from app.school.models import SchoolYear
from tests.conftest import csrf_token, post_form
from tests.talks.helpers import student, user


def _kids(app):
    with app.app_context():
        return student("Oskar").id, student("Elsa").id


def _report_today(app, name="Oskar", note="Feber", **values) -> int:
    """A report of `name` covering today (whatever weekday it is)."""
    with app.app_context():
        child = student(name)
        guardian = user("guardian@example.org")
        on = today()
        outcome = reports.report(
            guardian, [(child, None)], reports.Dates(on, on, values.get("from_time")), note
        )
        return outcome.reports[0].id


def test_guardian_reports_two_children_at_once_and_a_resend_makes_nothing(app, login_as):
    oskar, elsa = _kids(app)
    client = login_as("guardian")
    page = client.get("/absence/report?all=1").get_data(as_text=True)
    assert page.count(" checked") == 3  # both children and "today"
    key = "k-" + "x" * 20
    data = {"students": [oskar, elsa], "period": "today", "note": "Magsjuka", "submit_key": key}
    first = post_form(client, "/absence/report", data)
    assert first.status_code == 303 and first.headers["Location"] == "/absence"
    again = post_form(client, "/absence/report", data)
    assert again.status_code == 303
    with app.app_context():
        made = db.session.scalars(
            select(SicknessReport).where(SicknessReport.student_id.in_([oskar, elsa]))
        ).all()
        made = [r for r in made if r.note == "Magsjuka"]
        assert sorted(r.student_id for r in made) == sorted([oskar, elsa])
        year = db.session.scalar(select(SchoolYear))
        first_day = policy.next_school_day(today(), year, include=True)
        assert {(r.start_date, r.end_date) for r in made} == {(first_day, first_day)}


def test_a_child_must_be_chosen_and_several_days_need_a_last_day(app, login_as):
    oskar, _elsa = _kids(app)
    client = login_as("guardian")
    none = post_form(client, "/absence/report", {"period": "today"})
    assert none.status_code == 422
    assert 'id="students-error"' in none.get_data(as_text=True)
    no_end = post_form(client, "/absence/report", {"students": [oskar], "period": "until"})
    assert no_end.status_code == 422
    assert 'id="until-error"' in no_end.get_data(as_text=True)
    no_time = post_form(
        client, "/absence/report", {"students": [oskar], "period": "from_time", "note": "kvar"}
    )
    assert no_time.status_code == 422
    assert "kvar" in no_time.get_data(as_text=True)  # nothing typed is lost
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(SicknessReport)
                .where(SicknessReport.student_id == oskar)
            )
            == 0
        )


def test_two_days_on_a_friday_is_friday_and_monday(ctx):
    year = db.session.scalar(select(SchoolYear))
    friday = date(2026, 9, 4)
    dates, errors = reports.dates_for("two_days", friday, year)
    assert errors == {} and (dates.start, dates.end) == (friday, date(2026, 9, 7))
    saturday = reports.dates_for("today", date(2026, 9, 5), year)[0]
    assert saturday.start == date(2026, 9, 7)  # a weekend report is for Monday
    assert reports.dates_for("until", friday, year, until=date(2026, 9, 3))[1] == {
        "until": "until_before"
    }


def test_a_report_after_the_morning_time_is_late(ctx):
    school = student("Oskar").school
    rules = policy.for_school(school.id)
    day = date(2026, 9, 8)  # 08:00 in Stockholm is 06:00 UTC (summer time)
    assert not policy.is_late(rules, school, day, datetime(2026, 9, 8, 6, 0, tzinfo=UTC))
    assert policy.is_late(rules, school, day, datetime(2026, 9, 8, 6, 1, tzinfo=UTC))
    assert not policy.is_late(rules, school, day + timedelta(days=1), datetime(2026, 9, 8, 9, 0))


def test_mentor_sees_the_report_at_once_and_only_mentors_read_the_note(app, login_as):
    report_id = _report_today(app, note="Feber sedan i natt")
    home = login_as("mentor").get("/home/mentor").get_data(as_text=True)
    assert "Oskar Lindqvist" in home.split('id="absent-today"')[1]
    assert "Oskar Lindqvist" not in login_as("other_mentor").get("/home/mentor").get_data(
        as_text=True
    )
    for role in ("mentor", "comentor", "guardian", "other_guardian"):
        assert "Feber sedan i natt" in login_as(role).get(f"/absence/reports/{report_id}").text
    for role in ("principal", "admin"):
        page = login_as(role).get(f"/absence/reports/{report_id}")
        assert page.status_code == 200 and "Feber sedan i natt" not in page.text


def test_back_tomorrow_ends_the_report_today_and_a_correction_keeps_the_dates_sane(app, login_as):
    with app.app_context():
        on = today()
        child, guardian = student("Oskar"), user("guardian@example.org")
        item = reports.report(guardian, [(child, None)], reports.Dates(on, on + timedelta(3)), "")
        report_id = item.reports[0].id
    client = login_as("other_guardian")  # Oskar's other guardian may end it too
    bad = post_form(client, f"/absence/reports/{report_id}", {"end_date": "2020-01-01"})
    assert bad.status_code == 422 and 'id="end_date-error"' in bad.text
    assert post_form(client, f"/absence/reports/{report_id}/end", {}).status_code == 303
    with app.app_context():
        assert db.session.get(SicknessReport, report_id).end_date == on
    assert post_form(client, f"/absence/reports/{report_id}/end", {}).status_code == 303
    assert login_as("guardian2" if False else "guardian").get("/absence").status_code == 200


def test_a_report_not_begun_is_cancelled_by_back_tomorrow(ctx):
    child, guardian = student("Oskar"), user("guardian@example.org")
    on = today()
    later = on + timedelta(days=5)
    item = reports.report(guardian, [(child, None)], reports.Dates(later, later), "").reports[0]
    assert reports.end(item, guardian, on).result == "ended"
    assert item.cancelled_at is not None
    assert reports.end(item, guardian, on).reason == "already_ended"


def test_from_a_time_counts_the_rest_of_the_day(ctx):
    rules = policy.defaults(1)
    assert policy.part_of_day(rules, time(11, 30)) == 0.5
    assert policy.part_of_day(rules, None) == 1.0
    assert policy.part_of_day(rules, time(15, 0)) == 0.0


def test_csrf_token_page(login_as):
    assert csrf_token(login_as("guardian"), "/absence/report")


def test_notes_are_cleared_when_the_term_has_ended(ctx):
    child, guardian = student("Oskar"), user("guardian@example.org")
    ht = reports.Dates(date(2026, 12, 1), date(2026, 12, 2))
    vt = reports.Dates(date(2027, 1, 12), date(2027, 1, 12))
    old = reports.report(guardian, [(child, None)], ht, "Feber").reports[0]
    new = reports.report(guardian, [(child, None)], vt, "Hosta").reports[0]
    assert reports.clear_ended_notes(date(2026, 12, 22)) == 0  # HT ends that day
    assert reports.clear_ended_notes(date(2027, 1, 13)) >= 1
    db.session.expire_all()
    assert db.session.get(SicknessReport, old.id).note == ""
    assert db.session.get(SicknessReport, new.id).note == "Hosta"
