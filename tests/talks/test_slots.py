"""The slot generator and publishing rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.talks import slots
from tests.talks.helpers import make_period, user, weekday_after


def _local(slot, tz="Europe/Stockholm"):
    from zoneinfo import ZoneInfo

    return slot.starts_at.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def test_back_to_back_slots_with_pause_and_lunch():
    result = slots.generate(
        [date(2026, 10, 12)],
        time(8, 0),
        time(13, 0),
        20,
        pause=5,
        breaks=[(time(11, 30), time(12, 15))],
    )
    assert [_local(s) for s in result] == [
        "08:00", "08:25", "08:50", "09:15", "09:40", "10:05", "10:30", "10:55", "12:15", "12:40",
    ]  # fmt: skip
    assert all((s.ends_at - s.starts_at).total_seconds() == 1200 for s in result)


def test_slot_must_fit_before_end():
    assert len(slots.generate([date(2026, 10, 12)], time(8, 0), time(8, 59), 20)) == 2


def test_days_are_deduplicated_and_sorted():
    result = slots.generate(
        [date(2026, 10, 13), date(2026, 10, 12), date(2026, 10, 13)], time(8, 0), time(8, 20), 20
    )
    assert [s.starts_at.date() for s in result] == [date(2026, 10, 12), date(2026, 10, 13)]


def test_dst_change_in_october_keeps_local_time():
    # Sweden leaves summer time on Sunday 25 October 2026: 16:00 local is 14:00 UTC
    # on the Friday before and 15:00 UTC on the Monday after.
    friday, monday = slots.generate(
        [date(2026, 10, 23), date(2026, 10, 26)], time(16, 0), time(16, 20), 20
    )
    assert friday.starts_at == datetime(2026, 10, 23, 14, 0, tzinfo=UTC)
    assert monday.starts_at == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)


def test_invalid_lengths_are_refused():
    with pytest.raises(ValueError):
        slots.generate([date(2026, 10, 12)], time(8, 0), time(9, 0), 0)


def test_publishing_refuses_overlaps_with_the_mentors_slots(ctx):
    period = make_period("7A")
    mentor = user("mentor@example.org")
    day = weekday_after(7)
    overlapping = slots.generate([day], time(9, 50), time(10, 30), 20)
    with pytest.raises(slots.SlotConflict) as conflict:
        slots.publish(period, mentor, overlapping, "site", "Rum 12")
    assert len(conflict.value.conflicts) == 1  # 09:50–10:10 overlaps 09:40–10:00
    assert len(period.slots) == 6  # nothing of the refused batch was added
    # The co-mentor may hold talks at the same time.
    slots.publish(
        period, user("comentor@example.org"), overlapping, "video", "https://meet.example/x"
    )
    assert len(period.slots) == 8


def test_future_open_slots_excludes_past_removed_and_taken(ctx):
    period = make_period("7A")
    assert len(slots.future_open_slots(period)) == 6
    period.slots[0].removed_at = period.slots[0].starts_at
    assert len(slots.future_open_slots(period)) == 5
    assert slots.future_open_slots(period, now=period.slots[-1].starts_at) == []
