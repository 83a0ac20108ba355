"""A calendar file's time zone is written once per process, and the file is the same
as icalendar writes it with the zone added as its first component."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from app.talks.ics import to_ical, vtimezone


def _calendar(events: int, name: str = "Mentorskap") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Mentorskap//test//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    tz = ZoneInfo("Europe/Stockholm")
    for n in range(events):
        event = Event()
        event.add("uid", f"test-{n}@mentorskap")
        event.add("dtstart", datetime(2026, 10, 25, 1 + n, 30, tzinfo=tz))
        event.add("summary", "Samtal\r\nBEGIN:VEVENT\r\nEND:VCALENDAR " + "lång " * 30)
        calendar.add_component(event)
    return calendar


def _reference(calendar: Calendar, tzid: str) -> bytes:
    """What icalendar writes with the zone added before every other component."""
    whole = copy.deepcopy(calendar)
    whole.subcomponents.insert(0, vtimezone(tzid))
    return whole.to_ical()


@pytest.mark.parametrize("events", [0, 1, 3])
@pytest.mark.parametrize("tzid", ["Europe/Stockholm", "Europe/Helsinki"])
def test_file_is_what_icalendar_writes_with_the_zone_first(events, tzid):
    calendar = _calendar(events, name="Mentorskap – 7A, Elsa")
    body = to_ical(calendar, tzid)
    assert body == _reference(calendar, tzid)
    parsed = Calendar.from_ical(body)
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE"] + ["VEVENT"] * events
    assert parsed.walk("VTIMEZONE")[0]["tzid"] == tzid
    assert str(parsed["x-wr-calname"]) == "Mentorskap – 7A, Elsa"
