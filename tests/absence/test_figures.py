"""The figures: shares of school time over school days only, half days, the watch list's
thresholds at and just past the limit, approved leave counted as valid."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from app.absence import figures, followup, policy
from app.absence.followup import Event
from app.extensions import db
from app.school.calendar import school_days
from app.school.models import SchoolYear

MINUTES = 420  # the default school day, 08:00–15:00


def _week_of_school(ctx_year):
    # Mon 26 Oct – Fri 6 Nov 2026 holds a week of höstlov (2–6 Nov): five school days.
    return school_days(date(2026, 10, 26), date(2026, 11, 8), ctx_year)


def test_only_school_days_count(ctx):
    year = db.session.scalar(select(SchoolYear))
    days = _week_of_school(year)
    assert len(days) == 5  # the weekend and the höstlov week are not school days
    # Sick through the break: only the five school days count, each in full.
    summary = figures.summarise(
        days, [figures.Span("sick", date(2026, 10, 26), date(2026, 11, 8))], [], MINUTES
    )
    assert summary.school_days == 5 and summary.percent() == pytest.approx(100)
    # Midsummer Eve, Ascension Day and the study day are not school days either.
    assert not school_days(date(2027, 6, 25), date(2027, 6, 25), year)
    assert not school_days(date(2026, 10, 16), date(2026, 10, 16), year)


def test_a_half_day_report_is_half_a_day(ctx):
    rules = policy.defaults(1)
    days = [date(2026, 9, 7), date(2026, 9, 8), date(2026, 9, 9), date(2026, 9, 10)]
    half = policy.part_of_day(rules, time(11, 30))
    span = figures.Span("sick", date(2026, 9, 8), date(2026, 9, 8), half)
    summary = figures.summarise(days, [span], [], MINUTES)
    assert summary.percent("sick") == pytest.approx(12.5)  # half of one day in four
    # The register's minutes of that morning are beyond the report: valid, since reported.
    registered = [figures.Registered(date(2026, 9, 8), 420, False)]
    both = figures.summarise(days, [span], registered, MINUTES)
    assert both.percent() == pytest.approx(25) and both.percent("invalid") == 0
    assert both.invalid_days == []


def test_approved_leave_is_valid_and_unexplained_register_absence_invalid(ctx):
    days = [date(2026, 9, 7), date(2026, 9, 8)]
    registered = [
        figures.Registered(date(2026, 9, 7), 210, False),
        figures.Registered(date(2026, 9, 8), 420, False),
    ]
    leave = figures.Span("leave", date(2026, 9, 8), date(2026, 9, 8))
    summary = figures.summarise(days, [leave], registered, MINUTES)
    assert summary.percent("leave") == pytest.approx(50)
    assert summary.percent("invalid") == pytest.approx(25)  # half of Monday, unexplained
    assert summary.invalid_days == [date(2026, 9, 7)]
    assert summary.percent() == pytest.approx(75)


def _summary_at(percent_of_20_days: float) -> figures.Summary:
    days = school_days(date(2026, 9, 7), date(2026, 10, 2), db.session.scalar(select(SchoolYear)))
    assert len(days) == 20
    minutes = round(MINUTES * 20 * percent_of_20_days / 100)
    registered = [figures.Registered(days[0], min(minutes, MINUTES), True)]
    if minutes > MINUTES:
        registered.append(figures.Registered(days[1], minutes - MINUTES, True))
    return figures.summarise(days, [], registered, MINUTES)


def test_thresholds_at_and_just_past_the_limit(ctx):
    rules = policy.defaults(1)  # 10 %, 3 reports in 30 days, any invalid absence
    assert followup.watch_reasons(_summary_at(9.99), 0, rules) == []
    assert followup.watch_reasons(_summary_at(10), 0, rules) == ["percent"]
    assert followup.watch_reasons(_summary_at(10.01), 0, rules) == ["percent"]
    assert followup.watch_reasons(_summary_at(0), 2, rules) == []
    assert followup.watch_reasons(_summary_at(0), 3, rules) == ["reports"]
    invalid = figures.summarise(
        [date(2026, 9, 7)], [], [figures.Registered(date(2026, 9, 7), 1, False)], MINUTES
    )
    assert followup.watch_reasons(invalid, 0, rules) == ["invalid"]
    rules.invalid_counts = False
    assert followup.watch_reasons(invalid, 0, rules) == []


def test_reports_in_the_last_30_days(ctx):
    on = date(2026, 10, 30)
    events = [
        Event("sick", 1, date(2026, 10, 1), date(2026, 10, 1), report_id=1),  # day 30
        Event("sick", 1, date(2026, 9, 30), date(2026, 9, 30), report_id=2),  # day 31
        Event("sick", 1, date(2026, 10, 20), date(2026, 10, 21), report_id=3),
        Event("answer", 1, date(2026, 10, 22), date(2026, 10, 22), report_id=4),
    ]
    assert followup.reports_in_window(events, on) == 2


def test_trend_compares_the_last_four_weeks_with_the_four_before(ctx):
    year = db.session.scalar(select(SchoolYear))
    days = school_days(date(2026, 8, 17), date(2026, 10, 9), year)
    late = [figures.Span("sick", date(2026, 9, 14), date(2026, 9, 16))]
    assert figures.trend(figures.summarise(days, late, [], MINUTES)) == "up"
    early = [figures.Span("sick", date(2026, 8, 24), date(2026, 8, 26))]
    assert figures.trend(figures.summarise(days, early, [], MINUTES)) == "down"
    assert figures.trend(figures.summarise(days, [], [], MINUTES)) == "steady"
