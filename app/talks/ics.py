"""A booked talk as an iCalendar file (RFC 5545), for the download and the e-mail."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone

from app.talks.forms import MODE_LABELS
from app.talks.models import TalkBooking

PRODID = "-//Mentorskap//Mentorskap//SV"


@lru_cache(maxsize=8)  # per process, safely: a pure function of the zone name
def vtimezone(tzid: str) -> Timezone:
    """The VTIMEZONE of a zone, built once: it takes milliseconds and never changes."""
    return Timezone.from_tzid(tzid)


@lru_cache(maxsize=8)  # per process, safely: a pure function of the zone name
def _vtimezone_lines(tzid: str) -> bytes:
    return vtimezone(tzid).to_ical()


def to_ical(calendar: Calendar, tzid: str) -> bytes:
    """The calendar's file with the zone's VTIMEZONE as its first component: the same
    bytes as adding vtimezone(tzid) first and calling to_ical(), but the zone's forty
    lines are written once per process, not once per file (a millisecond each time).

    A calendar's own properties never begin a line with "BEGIN:" (text values escape
    their line breaks, and a folded line goes on with a space), so the first such line
    after the calendar's opening one starts its first component; with none, the zone
    goes before the closing line."""
    body = calendar.to_ical()
    start = body.find(b"\r\nBEGIN:", len(b"BEGIN:VCALENDAR"))
    at = start + 2 if start >= 0 else body.rindex(b"END:VCALENDAR")
    return body[:at] + _vtimezone_lines(tzid) + body[at:]


def booking_uid(booking: TalkBooking) -> str:
    # Stable for the booking's whole life, also when it is moved or cancelled.
    return f"talk-booking-{booking.id}@mentorskap"


def booking_calendar(booking: TalkBooking, locale: str = "sv") -> bytes:
    slot = booking.slot
    school = booking.period.group.school_year.school
    tz = ZoneInfo(school.time_zone)
    with force_locale(locale):
        mode = str(MODE_LABELS[slot.mode])
        summary = _("Development talk: %(name)s", name=booking.student.first_name)
        description = _("With %(mentor)s. %(mode)s.", mentor=slot.mentor.name, mode=mode)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("sequence", booking.sequence)
    event.add("dtstart", slot.starts_at.astimezone(tz))
    event.add("dtend", slot.ends_at.astimezone(tz))
    event.add("summary", summary)
    event.add("description", description)
    if slot.location:
        event.add("location", slot.location)
    event.add("status", "CONFIRMED" if booking.active else "CANCELLED")
    calendar.add_component(event)
    return to_ical(calendar, school.time_zone)
