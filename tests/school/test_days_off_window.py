"""School days and days off within a window: a break longer than the window is cut to it,
and the result is the same as from the whole year's days off."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from app.school.calendar import days_off, school_days


def _year():
    off = [
        SimpleNamespace(start_date=date(2026, 10, 26), end_date=date(2026, 10, 30)),  # höstlov
        SimpleNamespace(start_date=date(2026, 12, 21), end_date=date(2027, 1, 8)),  # jullov
    ]
    return SimpleNamespace(start_date=date(2026, 8, 17), end_date=date(2027, 6, 11), days_off=off)


def test_days_off_of_a_window_are_the_years_days_off_within_it():
    year = _year()
    whole = days_off(year)
    assert len(whole) == 5 + 19
    start, end = date(2026, 12, 28), date(2027, 1, 3)
    assert days_off(year, start, end) == {d for d in whole if start <= d <= end}
    assert days_off(year, date(2026, 11, 2), date(2026, 11, 6)) == set()


def test_school_days_skip_breaks_weekends_and_holidays_at_the_window_edges():
    year = _year()
    # The week before Christmas break: Friday the 18th is the last school day.
    assert school_days(date(2026, 12, 14), date(2026, 12, 25), year) == [
        date(2026, 12, 14) + timedelta(days=n) for n in range(5)
    ]
    # Across New Year: the break runs to Friday the 8th, school is back Monday the 11th.
    assert school_days(date(2027, 1, 4), date(2027, 1, 12), year) == [
        date(2027, 1, 11),
        date(2027, 1, 12),
    ]
    # Before the year starts, nothing.
    assert school_days(date(2026, 8, 1), date(2026, 8, 14), year) == []
