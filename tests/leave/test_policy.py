"""School-day counting and who decides."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.leave import policy
from app.school import calendar
from app.school.models import School, SchoolYear


@pytest.fixture
def year(ctx):
    return db.session.scalar(select(SchoolYear))


@pytest.fixture
def school(ctx):
    return db.session.scalar(select(School))


def test_weekdays_count_weekends_do_not(year):
    # Monday 16 – Sunday 22 November 2026: five school days.
    assert len(calendar.school_days(date(2026, 11, 16), date(2026, 11, 22), year)) == 5


def test_days_off_do_not_count(year):
    # Höstlov 2–6 November 2026 in the demo year; the Friday after is a school day.
    assert calendar.school_days(date(2026, 11, 2), date(2026, 11, 6), year) == []
    assert calendar.school_days(date(2026, 10, 16), date(2026, 10, 16), year) == []  # studiedag


def test_easter_counts_no_holidays(year):
    # 2027: Good Friday 26 March and Easter Monday 29 March are holidays (29 Mar–2 Apr is
    # also the demo's Easter break); Thursday 25 March is a school day.
    days = calendar.school_days(date(2027, 3, 22), date(2027, 3, 28), year)
    assert days == [date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24), date(2027, 3, 25)]


def test_ascension_day_is_not_a_school_day(year):
    days = calendar.school_days(date(2027, 5, 3), date(2027, 5, 7), year)
    assert date(2027, 5, 6) not in days  # Kristi himmelsfärdsdag
    assert days == [date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 5)]  # 7 May: lovdag


def test_midsummer_eve_and_christmas_eve_are_holidays():
    assert date(2027, 6, 25) in calendar.swedish_holidays(2027)  # Midsommarafton
    assert date(2026, 12, 24) in calendar.swedish_holidays(2026)  # Julafton
    assert date(2027, 6, 24) not in calendar.swedish_holidays(2027)  # half day: still school


def test_days_outside_the_school_year_do_not_count(year):
    # The year ends Friday 11 June 2027.
    assert calendar.school_days(date(2027, 6, 10), date(2027, 6, 18), year) == [
        date(2027, 6, 10),
        date(2027, 6, 11),
    ]
    assert calendar.school_days(date(2026, 8, 10), date(2026, 8, 18), year) == [
        date(2026, 8, 17),
        date(2026, 8, 18),
    ]


@pytest.mark.parametrize(
    ("days", "approved", "decider"),
    [
        (3, 0, "mentor"),
        (1, 2, "mentor"),
        (2, 2, "principal"),
        (4, 0, "principal"),
        (1, 3, "principal"),
    ],
)
def test_mentor_decides_up_to_the_limit_exactly(school, days, approved, decider):
    assert school.mentor_max_days == 3
    assert policy.decider_for(school, days, approved) == decider


def test_per_request_limit_sends_longer_requests_to_the_principal(school):
    school.leave_max_days_per_request = 2
    assert policy.decider_for(school, 2, 0) == "mentor"
    assert policy.decider_for(school, 3, 0) == "principal"


def test_assess_finds_every_problem(school, year):
    today = date(2026, 11, 23)
    assert policy.assess(1, school, year, date(2026, 12, 2), date(2026, 12, 1), today).errors == {
        "end_date": "end_before_start"
    }
    assert policy.assess(1, school, year, date(2026, 11, 20), date(2026, 11, 24), today).errors == {
        "start_date": "past"
    }
    assert policy.assess(1, school, year, date(2027, 6, 7), date(2027, 6, 20), today).errors == {
        "end_date": "outside_year"
    }
    weekend = policy.assess(1, school, year, date(2026, 11, 28), date(2026, 11, 29), today)
    assert weekend.errors == {"end_date": "no_school_days"}
    ok = policy.assess(1, school, year, date(2026, 11, 30), date(2026, 12, 4), today)
    assert ok.errors == {} and len(ok.days) == 5 and ok.decider == "principal" and not ok.late


def test_late_requests_are_flagged(school, year):
    school.leave_min_notice_days = 14
    late = policy.assess(
        1, school, year, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 23)
    )
    assert late.late and late.errors == {}
