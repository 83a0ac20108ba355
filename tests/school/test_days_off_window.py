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


def test_a_mentor_times_dates_are_the_school_days_of_its_weekday():
    """school_days with a weekday (as regular_dates asks) steps a week at a time; it finds
    exactly the school days of the weekday, over breaks, holidays (Epiphany, Ascension) and
    the year's edges."""
    from app.mentortime.schedule import regular_dates

    year = _year()
    year.end_date = date(2027, 6, 11)
    windows = [
        (date(2026, 8, 1), date(2026, 9, 10)),
        (date(2026, 10, 20), date(2026, 11, 12)),
        (date(2026, 12, 10), date(2027, 1, 20)),
        (date(2027, 5, 1), date(2027, 6, 30)),
        (date(2026, 12, 1), date(2026, 12, 1)),
    ]
    found = 0
    for start, end in windows:
        days = school_days(start, end, year)
        for weekday in range(7):
            expected = [d for d in days if d.weekday() == weekday]
            got = regular_dates(SimpleNamespace(weekday=weekday), year, start, end)
            assert got == expected, (start, end, weekday)
            found += len(got)
    assert found > 40
    assert date(2027, 1, 6) not in regular_dates(
        SimpleNamespace(weekday=2), year, date(2027, 1, 1), date(2027, 1, 31)
    )
