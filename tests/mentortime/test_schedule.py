"""When mentor time happens: weekly on school days, with changes applied."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mentortime import schedule
from app.mentortime.models import MentorTime
from app.school.models import MentorGroup


@pytest.fixture
def tuesday(ctx):
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
    mt = MentorTime(group=group, weekday=1, start=time(8, 20), minutes=40, room="B12")
    db.session.add(mt)
    db.session.flush()
    return mt


def test_weekly_on_its_weekday(tuesday):
    days = [
        o.regular_date for o in schedule.occurrences(tuesday, date(2026, 9, 1), date(2026, 9, 30))
    ]
    assert days == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
        date(2026, 9, 22),
        date(2026, 9, 29),
    ]


def test_days_off_and_holidays_are_skipped(tuesday):
    # Höstlov 2–6 Nov 2026 (demo), Tuesday 29 Dec is in jullov; 2027: Easter Tuesday 30 March
    # is in påsklov.
    days = {
        o.regular_date for o in schedule.occurrences(tuesday, date(2026, 10, 27), date(2027, 4, 6))
    }
    assert (
        date(2026, 11, 3) not in days and date(2026, 10, 27) in days and date(2026, 11, 10) in days
    )
    assert date(2026, 12, 29) not in days and date(2027, 3, 30) not in days


def test_public_holiday_on_a_weekday_is_skipped(ctx):
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
    thursday = MentorTime(group=group, weekday=3, start=time(10, 0), minutes=30)
    db.session.add(thursday)
    db.session.flush()
    days = {
        o.regular_date for o in schedule.occurrences(thursday, date(2027, 5, 1), date(2027, 5, 31))
    }
    assert date(2027, 5, 6) not in days  # Ascension Day
    assert date(2027, 5, 13) in days


def test_local_time_is_kept_across_the_dst_change(tuesday):
    before, after = schedule.occurrences(tuesday, date(2026, 10, 20), date(2026, 10, 27))
    assert before.starts_at == datetime(2026, 10, 20, 6, 20, tzinfo=UTC)  # CEST, UTC+2
    assert after.starts_at == datetime(2026, 10, 27, 7, 20, tzinfo=UTC)  # CET, UTC+1


def test_nothing_after_the_school_year(tuesday):
    assert schedule.occurrences(tuesday, date(2027, 6, 1), date(2027, 6, 30))[
        -1
    ].regular_date == date(2027, 6, 8)


def test_move_and_cancel(tuesday):
    schedule.save_occurrence(
        tuesday, date(2026, 9, 8), {"moved_start": time(13, 0), "moved_room": "Aulan"}, None
    )
    schedule.save_occurrence(
        tuesday, date(2026, 9, 15), {"cancelled": True, "change_note": "Friluftsdag"}, None
    )
    moved, cancelled = schedule.occurrences(tuesday, date(2026, 9, 8), date(2026, 9, 15))
    assert (
        moved.moved
        and moved.room == "Aulan"
        and moved.starts_at == datetime(2026, 9, 8, 11, 0, tzinfo=UTC)
    )
    assert cancelled.cancelled and not cancelled.moved
    assert moved.override.sequence == 1
